"""Fuzzed intake: random trees and zips (names, depths, encodings, sizes, duplicate module files,
damaged archives) never crash read_class, and every student entry gives exactly one Submission."""
from __future__ import annotations

import io
import os
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngrade.intake import IntakeLimits, Submission, read_class

FUZZ = settings(max_examples=int(os.environ.get("NNGRADE_FUZZ_EXAMPLES", 40)), deadline=None,
               derandomize="NNGRADE_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Small caps so the size and count limits are crossed by small examples too.
LIMITS = IntakeLimits(max_file_bytes=3000, max_total_bytes=12000, max_entries=40, max_depth=4,
                      max_archive_bytes=6000)


class RawNameInfo(zipfile.ZipInfo):
    """A member whose name is written as raw bytes without the UTF-8 flag."""

    def __init__(self, raw_name: bytes):
        super().__init__(raw_name.decode("cp437"))
        self.raw_name = raw_name

    def _encodeFilenameFlags(self):
        return self.raw_name, self.flag_bits & ~0x800


# ---- strategies --------------------------------------------------------------------------------

MODULE_NAMES = ["backprop.py", "Backprop.py", "backprop-1.py", "backprop (2).py", "04_backprop.ipynb",
                "backprop.ipynb", "loss.py", "helpers.py", "도우미.py", "__init__.py", "class.py",
                "my file.py", "x.zip", "notes.txt", ".hidden.py", "__pycache__", "__MACOSX", "..", "."]

encoded_text = st.tuples(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
            min_size=1, max_size=12),
    st.sampled_from(["utf-8", "cp949", "utf-16-le"]),
).map(lambda t: t[0].encode(t[1], "ignore") or b"x")
raw_name = st.one_of(
    st.sampled_from(MODULE_NAMES).map(str.encode),
    st.sampled_from(MODULE_NAMES).map(lambda n: n.encode("cp949")),
    encoded_text,
    st.binary(min_size=1, max_size=20),
    st.integers(200, 300).map(lambda n: b"L" * n + b".py"),
)
path_parts = st.lists(raw_name, min_size=1, max_size=6)


def file_data():
    nested = st.lists(st.tuples(path_parts, st.binary(max_size=50)), max_size=4).map(
        lambda ms: build_zip([(b"/".join(p), d, "utf8", 0, zipfile.ZIP_DEFLATED) for p, d in ms]))
    return st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"def f():\n    return 1\n", "# 한글\nX = 1\n".encode("cp949"), b"#" * 5000,
                         b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": "%ls\\nY=2"}]}',
                         b'{"nbformat": 4, "cells": 7}', b"\x00\xff" * 10]),
        nested,
    )


member = st.tuples(
    path_parts, file_data(),
    st.sampled_from(["utf8", "raw"]),
    st.sampled_from([0, stat.S_IFLNK | 0o777, stat.S_IFDIR | 0o755, stat.S_IFIFO | 0o644,
                     stat.S_IFREG | 0o644]),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)


def build_zip(members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")          # duplicate names are part of the fuzz
        for name, data, how, mode, compression in members:
            info = RawNameInfo(name) if how == "raw" else zipfile.ZipInfo(
                name.decode("utf-8", "replace").replace("\x00", "?"))
            info.external_attr = mode << 16
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


student_name = st.text(alphabet="abcxyz019_- 김철수이영희", min_size=1, max_size=10).filter(
    lambda s: s.strip() == s and not s.startswith("."))


def damage(data: bytes, cuts: list[tuple[int, int]]) -> bytes:
    b = bytearray(data)
    for at, value in cuts:
        if b:
            b[at % len(b)] = value
    return bytes(b)


student = st.tuples(
    st.sampled_from(["folder", "zip"]),
    st.lists(member, max_size=8),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3),   # damage to zips
)


# ---- writing a class on disk -------------------------------------------------------------------

def write_folder(root: bytes, members) -> None:
    os.makedirs(root, exist_ok=True)
    for parts, data, *_ in members:
        parts = [p[:250] for p in parts if p not in (b".", b"..") and b"/" not in p and b"\x00" not in p]
        if not parts:
            continue
        path = os.path.join(root, *parts)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        except OSError:
            pass            # a name clash between a file and a folder: that part of the tree is dropped


def write_class(tmp: Path, students: dict[str, tuple]) -> None:
    for name, (kind, members, cuts) in students.items():
        if kind == "folder":
            write_folder(os.path.join(os.fsencode(tmp), name.encode()), members)
        else:
            zipped = build_zip([(b"/".join(p), d, how, mode, comp) for p, d, how, mode, comp in members])
            (tmp / f"{name}.zip").write_bytes(damage(zipped, cuts))


def check_submission(sub: Submission) -> None:
    assert isinstance(sub, Submission)
    assert set(sub.modules) == set(sub.file_names)
    for module, source in sub.modules.items():
        assert module.isidentifier() and isinstance(source, bytes)
        assert len(source) <= LIMITS.max_file_bytes or sub.file_names[module].endswith("ipynb")
    for text in [sub.student_id, sub.source, *sub.notes, *sub.problems, *sub.file_names.values()]:
        assert isinstance(text, str)
        text.encode("utf-8")                      # reports and JSON need valid text
        assert len(text) < 2000
    assert len(sub.notes) <= LIMITS.max_messages + 1 and len(sub.problems) <= LIMITS.max_messages + 1
    assert len(sub.digest) == 64 and int(sub.digest, 16) >= 0


# ---- properties --------------------------------------------------------------------------------

@FUZZ
@given(st.dictionaries(student_name, student, min_size=1, max_size=4))
def test_fuzzed_folders_class(students):
    """Any class of random folders and zips: one Submission per student, in order, nothing crashes,
    and a root-level backprop.py of readable UTF-8 text is read byte for byte."""
    with tempfile.TemporaryDirectory() as tmp:
        write_class(Path(tmp), students)
        subs = read_class(tmp, limits=LIMITS)
        assert [s.student_id for s in subs] == sorted(students)
        for sub in subs:
            check_submission(sub)
            kind, members, cuts = students[sub.student_id]
            roots = [d for parts, d, how, mode, _ in members
                     if parts == [b"backprop.py"] and mode in (0, stat.S_IFREG | 0o644)]
            if kind == "folder" and roots:
                data = roots[-1]           # the last write of that path is what is on disk
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if len(data) <= LIMITS.max_file_bytes and not sub.problems:
                    assert sub.modules["backprop"] == data


@FUZZ
@given(st.lists(st.tuples(st.integers(1, 30), st.booleans(), raw_name, file_data()), min_size=1, max_size=12))
def test_fuzzed_canvas_download(files):
    """Random Canvas file names and contents, in a folder and in a download zip: one Submission per userid."""
    names = {}
    for uid, late, file_name, data in files:
        if any(c in file_name for c in b"/\\\x00"):     # Canvas writes flat names
            continue
        prefix = f"student{uid}_{'late_' if late else ''}{uid}_{9000 + uid}_".encode()
        names[prefix + file_name[:200]] = data
    if not names:
        return
    expected = sorted({n[len(b"student"):].split(b"_", 1)[0].decode() for n in names})
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(os.fsencode(tmp), b"dl")
        os.mkdir(folder)
        for n, d in names.items():
            with open(os.path.join(folder, n), "wb") as f:
                f.write(d)
        zipped = Path(tmp) / "dl.zip"
        zipped.write_bytes(build_zip([(n, d, "raw", 0, zipfile.ZIP_DEFLATED) for n, d in names.items()]))
        for path in (folder, zipped):
            subs = read_class(os.fsdecode(path), format="canvas", limits=LIMITS)
            assert [s.student_id for s in subs] == sorted(expected)
            for sub in subs:
                check_submission(sub)
                assert sub.display_name == f"student{sub.student_id}"


@FUZZ
@given(st.binary(min_size=0, max_size=400), st.lists(member, max_size=5),
       st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6))
def test_fuzzed_damaged_zip_bytes(noise, members, cuts):
    """Random bytes and damaged zips as a student's entry: a Submission with problems, never a crash."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "noise.zip").write_bytes(noise)
        zipped = build_zip([(b"/".join(p), d, how, mode, comp) for p, d, how, mode, comp in members])
        Path(tmp, "damaged.zip").write_bytes(damage(zipped, cuts))
        Path(tmp, "tail.zip").write_bytes(zipped[: len(zipped) * 3 // 4])
        subs = read_class(tmp, limits=LIMITS)
        assert [s.student_id for s in subs] == ["damaged", "noise", "tail"]
        for sub in subs:
            check_submission(sub)
