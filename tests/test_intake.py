"""Intake: every layout, the module-choosing rules, notebooks, name decoding, and the safety caps."""
from __future__ import annotations

import ast
import io
import json
import os
import stat
import zipfile
import zlib
from pathlib import Path

import pytest

from nngrade.intake import IntakeError, IntakeLimits, Submission, python_module_name, read_class
from nngrade.intake.model import modules_digest
from nngrade.intake.notebooks import python_cell

GOOD = b"def output_delta(t, y2):\n    return -(t - y2) * (1 - y2) * y2\n"


# ---- fixture builders --------------------------------------------------------------------------

class RawNameInfo(zipfile.ZipInfo):
    """A member whose name is written as the given raw bytes, without the UTF-8 flag, as Korean
    Windows' built-in zip and older tools do (zipfile itself would set the flag)."""

    def __init__(self, raw_name: bytes, **kw):
        super().__init__(raw_name.decode("cp437"), **kw)
        self.raw_name = raw_name

    def _encodeFilenameFlags(self):
        return self.raw_name, self.flag_bits & ~0x800


def make_zip(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """members: [(name: str | bytes | ZipInfo, data: bytes)]; bytes names are written raw."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members:
            if isinstance(name, bytes):
                name = RawNameInfo(name)
            if isinstance(name, zipfile.ZipInfo):
                name.compress_type = compression
            zf.writestr(name, data)
    return buf.getvalue()


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def notebook(*cells, nbgrader_test: str | None = None) -> bytes:
    """A v4 notebook: strings are code cells, ("md", text) markdown cells."""
    out = []
    for c in cells:
        if isinstance(c, tuple):
            out.append({"cell_type": "markdown", "metadata": {}, "source": c[1]})
        else:
            out.append({"cell_type": "code", "metadata": {}, "source": c.splitlines(keepends=True),
                        "execution_count": None, "outputs": []})
    if nbgrader_test is not None:
        out.append({"cell_type": "code", "execution_count": None, "outputs": [], "source": nbgrader_test,
                    "metadata": {"nbgrader": {"grade": True, "solution": False, "locked": True,
                                              "points": 1, "grade_id": "t1", "schema_version": 3}}})
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": out}
    return json.dumps(nb, ensure_ascii=False).encode("utf-8")


def one(subs: list[Submission], sid: str) -> Submission:
    found = [s for s in subs if s.student_id == sid]
    assert len(found) == 1, [s.student_id for s in subs]
    return found[0]


# ---- module names ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, module", [
    ("backprop.py", "backprop"),
    ("backprop-2.py", "backprop"),           # Canvas resubmission
    ("backprop (1).py", "backprop"),         # a browser's duplicate download
    ("Backprop.py", "backprop"),             # exercise modules ignore case
    ("BACKPROP.PY", "backprop"),
    ("04_backprop.ipynb", "backprop"),       # a set's folder name
    ("04_backprop-1.ipynb", "backprop"),
    ("backprop.ipynb", "backprop"),
    ("MyUtils.py", "MyUtils"),               # helper modules keep their case
    ("helpers-3.py", "helpers"),
    ("한글.py", "한글"),                      # a valid identifier
    ("my utils.py", None),
    ("hw-final.py", None),
    ("class.py", None),                      # a keyword
    ("__init__.py", None),
    ("scratch.ipynb", None),                 # a notebook that names no exercise
    ("data.csv", None),
    ("backprop.pyc", None),
])
def test_python_module_name(name, module):
    """Which module is each file name read as?"""
    assert python_module_name(name) == module


def test_decomposed_korean_name_is_normalised():
    """Does a macOS (NFD) Korean name give the same module as the NFC one students type?"""
    import unicodedata
    nfd = unicodedata.normalize("NFD", "한글") + ".py"
    assert nfd != "한글.py"
    assert python_module_name(nfd) == "한글"


# ---- folders layout ----------------------------------------------------------------------------

def test_folders_nested_zip_and_order(tmp_path):
    """Are folders and zips both students, ids their names, in sorted order, modules anywhere inside?"""
    subs_dir = tmp_path / "subs"
    write_tree(subs_dir / "lee", {"hw4/deep/er/backprop.py": GOOD, "hw4/activations.py": b"A = 1\n",
                                  "hw4/notes.txt": b"hello"})
    (subs_dir / "kim.zip").write_bytes(make_zip([("HW/backprop.py", GOOD), ("HW/util_fns.py", b"X = 2\n")]))
    write_tree(subs_dir / "__MACOSX", {"._backprop.py": b"junk"})
    write_tree(subs_dir / ".git", {"config": b"x"})
    subs = read_class(subs_dir)
    assert [s.student_id for s in subs] == ["kim", "lee"]
    kim, lee = subs
    assert kim.modules == {"backprop": GOOD, "util_fns": b"X = 2\n"}
    assert kim.file_names["backprop"] == "HW/backprop.py"
    assert kim.source.endswith("kim.zip") and kim.problems == []
    assert lee.modules["backprop"] == GOOD and lee.modules["activations"] == b"A = 1\n"
    assert lee.file_names["backprop"] == "hw4/deep/er/backprop.py"
    assert lee.late is False and lee.display_name is None and lee.submitted_at is None


def test_shallowest_duplicate_wins_with_note(tmp_path):
    """With two files for one module, is the shallowest used and does a note say which was ignored?"""
    write_tree(tmp_path / "kim", {"hw/backprop.py": GOOD, "hw/old/backprop.py": b"OLD = 1\n",
                                  "zz/backprop.py": b"SAME_DEPTH = 1\n"})
    sub = read_class(tmp_path)[0]
    assert sub.modules["backprop"] == GOOD
    assert sub.file_names["backprop"] == "hw/backprop.py"
    note = next(n for n in sub.notes if "module backprop" in n)
    assert "used hw/backprop.py" in note and "hw/old/backprop.py" in note and "zz/backprop.py" in note
    assert "shallowest" in note


def test_py_beats_notebook_at_same_depth_and_notebook_when_shallower(tmp_path):
    """Does a .py win a tie with a notebook, and a shallower notebook win over a deeper .py?"""
    write_tree(tmp_path / "kim", {"backprop.py": GOOD, "backprop.ipynb": notebook("NB = 1")})
    write_tree(tmp_path / "lee", {"04_backprop.ipynb": notebook("NB = 1"), "old/backprop.py": GOOD})
    kim, lee = read_class(tmp_path)
    assert kim.modules["backprop"] == GOOD
    assert any("a .py is preferred to a notebook" in n for n in kim.notes)
    assert b"NB = 1" in lee.modules["backprop"]
    assert lee.file_names["backprop"] == "04_backprop.ipynb"
    assert any("read as module backprop" in n for n in lee.notes)


def test_notebook_code_cells_in_order_with_magics_commented(tmp_path):
    """Is a notebook read as its code cells in order, markdown dropped, magics and shell lines made harmless?"""
    nb = notebook(("md", "# 역전파 과제"),
                  "%matplotlib inline\nimport numpy as np",
                  "!pip install numpy\ndef sigmoid(a):\n    return 1 / (1 + np.exp(-a))",
                  ("md", "text"),
                  "%%bash\necho hi\nls -l",
                  "files = !ls\nsigmoid?\ndef output_delta(t, y2):\n    return -(t - y2) * (1 - y2) * y2",
                  nbgrader_test="assert output_delta(1, 0.5) == -0.125\n")
    write_tree(tmp_path / "kim", {"hw/backprop.ipynb": nb})
    sub = read_class(tmp_path)[0]
    src = sub.modules["backprop"].decode("utf-8")
    ast.parse(src)                                       # valid Python now
    assert src.index("import numpy") < src.index("def sigmoid") < src.index("def output_delta")
    assert "역전파" not in src and "echo hi" in src and "\necho hi" not in src
    assert "# %matplotlib inline" in src and "# !pip install numpy" in src
    assert "assert output_delta" not in src             # nbgrader's test cell is the instructor's
    assert any("test cell" in n for n in sub.notes)
    # every removed line is named with its cell and its line in the cell
    named = [n for n in sub.notes if "commented out" in n]
    assert any("cell 2:" in n and 'line 1 "%matplotlib inline"' in n for n in named), named
    assert any("cell 3:" in n and 'line 1 "!pip install numpy"' in n for n in named), named
    assert any("cell 5:" in n and '"%%bash"' in n for n in named), named
    assert any("cell 6:" in n and 'line 1 "files = !ls"' in n and 'line 2 "sigmoid?"' in n
               for n in named), named
    # the cell table points at each cell's first code line
    lines = src.split("\n")
    assert [lines[first - 2] for _, first in sub.cells["backprop"]] == \
        ["# %% cell 2", "# %% cell 3", "# %% cell 5", "# %% cell 6"]
    assert lines[sub.cells["backprop"][1][1] - 1] == "pass  # !pip install numpy"


def test_python_cell_leaves_valid_code_alone():
    """Is a cell that already parses (a modulo on a continuation line) left untouched?"""
    code = "x = (10\n% 3)\n"
    assert python_cell(code) == (code, [])
    fixed, changed = python_cell("if True:\n    !ls\n")
    assert changed and ast.parse(fixed)


IPYTHON_CELLS = [
    "%matplotlib inline\nimport numpy as np",
    "!pip install numpy\ndef f(a):\n    return a",
    "files = !ls\nsigmoid?\ndef g(t):\n    return t",
    "if True:\n    !ls\n",
    "%timeit f(3)\nx = 1",
    "\n\n%ls\nx = 1",
    "%%timeit\nf(3)\n%time g(1)",
    "%%bash\necho hi",
    "x = (10\n% 3)\n",
]


@pytest.mark.parametrize("ipython", [True, False], ids=["ipython", "without-ipython"])
def test_ipython_lines_are_found_with_or_without_ipython(monkeypatch, ipython):
    """Are the same lines commented out whether IPython's own transformer reads the cell or,
    where IPython is not installed, the pattern does?"""
    from nngrade.intake import notebooks
    if ipython:
        pytest.importorskip("IPython")
    else:
        monkeypatch.setattr(notebooks, "_transformer", lambda: None)
    removed = [python_cell(c)[1] for c in IPYTHON_CELLS]
    assert removed == [
        [(1, "%matplotlib inline")], [(1, "!pip install numpy")],
        [(1, "files = !ls"), (2, "sigmoid?")], [(2, "!ls")], [(1, "%timeit f(3)")],
        [(3, "%ls")], [(1, "%%timeit"), (3, "%time g(1)")], [(1, "%%bash")], []]
    for cell in IPYTHON_CELLS:
        ast.parse(python_cell(cell)[0])


def test_a_removed_line_is_named_shortened():
    from nngrade.intake.notebooks import removed_note
    note = removed_note(4, [(2, "!pip install " + "x" * 80)] + [(n, "%ls") for n in range(3, 9)])
    assert note.startswith('cell 4: IPython lines commented out (not run): line 2 "!pip install xx')
    assert '…", line 3 "%ls"' in note and note.endswith("and 2 more")
    korean = note.to("ko")
    assert korean.startswith("셀 4: IPython 줄을 주석으로 바꾸었습니다") and korean.endswith("외 2줄")
    assert '3번째 줄 "%ls"' in korean


def test_unreadable_notebook_is_a_problem_not_a_crash(tmp_path):
    """Does a broken notebook give a problem while the student's other modules are still read?"""
    write_tree(tmp_path / "kim", {"backprop.ipynb": b"{not json", "loss.py": b"L = 1\n"})
    sub = read_class(tmp_path)[0]
    assert "backprop" not in sub.modules and sub.modules["loss"] == b"L = 1\n"
    assert any("backprop.ipynb" in p and "notebook" in p for p in sub.problems)


def test_non_identifier_files_ignored_with_note(tmp_path):
    write_tree(tmp_path / "kim", {"my backprop.py": GOOD, "scratch.ipynb": notebook("x = 1")})
    sub = read_class(tmp_path)[0]
    assert sub.modules == {}
    assert any("my backprop.py" in n and "not a Python module name" in n for n in sub.notes)
    assert any("scratch.ipynb" in n for n in sub.notes)


def test_cp949_source_converted_to_utf8(tmp_path):
    """Is a .py saved in cp949 by a Korean Windows editor converted so Python can import it?"""
    text = "# 출력층의 델타\nDELTA = '역전파'\n"
    write_tree(tmp_path / "kim", {"backprop.py": text.encode("cp949")})
    sub = read_class(tmp_path)[0]
    assert sub.modules["backprop"] == text.encode("utf-8")
    assert any("cp949" in n for n in sub.notes)


def test_digest_is_stable_and_content_based(tmp_path):
    """Does the digest change with the content and only with it (not the path, not the order)?"""
    write_tree(tmp_path / "a" / "kim", {"backprop.py": GOOD, "loss.py": b"L = 1\n"})
    write_tree(tmp_path / "b" / "kim", {"deep/loss.py": b"L = 1\n", "x/backprop.py": GOOD})
    write_tree(tmp_path / "c" / "kim", {"backprop.py": GOOD, "loss.py": b"L = 2\n"})
    a, b, c = (read_class(tmp_path / x)[0].digest for x in "abc")
    assert a == b != c
    import hashlib
    h = hashlib.sha256()
    for part in (b"backprop", GOOD, b"loss", b"L = 1\n"):
        h.update(len(part).to_bytes(8, "big") + part)
    assert a == h.hexdigest() == modules_digest({"loss": b"L = 1\n", "backprop": GOOD})


def test_only_selects_one_student(tmp_path):
    write_tree(tmp_path, {"kim/backprop.py": GOOD, "lee/backprop.py": GOOD})
    assert [s.student_id for s in read_class(tmp_path, only="lee")] == ["lee"]
    with pytest.raises(IntakeError, match="no student 'park'"):
        read_class(tmp_path, only="park")


def test_folder_and_zip_with_one_id(tmp_path):
    """Do kim/ and kim.zip give one Submission, the folder read and the zip named in a note?"""
    write_tree(tmp_path, {"kim/backprop.py": GOOD})
    (tmp_path / "kim.zip").write_bytes(make_zip([("backprop.py", b"ZIP = 1\n")]))
    subs = read_class(tmp_path)
    assert len(subs) == 1 and subs[0].modules["backprop"] == GOOD
    assert any("kim.zip" in n for n in subs[0].notes)


# ---- errors about SUBMISSIONS itself -----------------------------------------------------------

def test_missing_path_names_it(tmp_path):
    with pytest.raises(IntakeError, match="nowhere.*no such file"):
        read_class(tmp_path / "nowhere")


def test_a_file_is_not_a_folders_layout(tmp_path):
    (tmp_path / "class.zip").write_bytes(make_zip([("kim/backprop.py", GOOD)]))
    with pytest.raises(IntakeError, match="class.zip: not a folder.*--format canvas"):
        read_class(tmp_path / "class.zip")


def test_empty_folder_is_unusable(tmp_path):
    with pytest.raises(IntakeError, match="no student folder"):
        read_class(tmp_path)


def test_wrong_format_is_named(tmp_path):
    """Is a Canvas download read as folders (or a folders layout as Canvas) refused with a hint?"""
    write_tree(tmp_path / "canvas", {"kimcs_101_9001_backprop.py": GOOD, "leeyh_102_9002_hw.zip": b"x"})
    with pytest.raises(IntakeError, match="looks like a canvas layout"):
        read_class(tmp_path / "canvas", format="folders")
    write_tree(tmp_path / "folders", {"kim/backprop.py": GOOD})
    with pytest.raises(IntakeError, match="no file named <name>_<userid>.*folders"):
        read_class(tmp_path / "folders", format="canvas")
    with pytest.raises(IntakeError, match="unknown submissions format"):
        read_class(tmp_path / "folders", format="blackboard")


def test_auto_format(tmp_path):
    write_tree(tmp_path / "c", {"kimcs_101_9001_backprop.py": GOOD})
    assert read_class(tmp_path / "c", format="auto")[0].student_id == "101"


# ---- Canvas ------------------------------------------------------------------------------------

def canvas_files() -> dict[str, bytes]:
    return {
        "kimcheolsu_101_9001_backprop-1.py": GOOD,
        "kimcheolsu_101_9001_activations.py": b"A = 1\n",
        "leeyounghee_late_102_9002_hw4.zip": make_zip([("hw4/backprop.py", GOOD), ("hw4/loss.py", b"L\n")]),
        "parkjisu_103_9003_04_backprop.ipynb": notebook("P = 3"),
        "grades_readme.txt": b"not a submission",
    }


def check_canvas(subs):
    assert [s.student_id for s in subs] == ["101", "102", "103"]
    kim, lee, park = subs
    assert kim.display_name == "kimcheolsu" and not kim.late
    assert kim.modules == {"activations": b"A = 1\n", "backprop": GOOD}
    assert kim.file_names["backprop"] == "backprop-1.py"
    assert any("resubmission" in n for n in kim.notes)
    assert lee.late and lee.modules["backprop"] == GOOD and lee.modules["loss"] == b"L\n"
    assert lee.file_names["backprop"] == "hw4.zip/hw4/backprop.py"
    assert b"P = 3" in park.modules["backprop"]


def test_canvas_folder(tmp_path):
    write_tree(tmp_path / "dl", canvas_files())
    notes: list[str] = []
    check_canvas(read_class(tmp_path / "dl", format="canvas", class_notes=notes))
    assert any("grades_readme.txt" in n for n in notes)


def test_canvas_download_zip_with_wrapper_folder(tmp_path):
    (tmp_path / "submissions.zip").write_bytes(
        make_zip([(f"submissions/{k}", v) for k, v in canvas_files().items()]))
    subs = read_class(tmp_path / "submissions.zip", format="canvas")
    check_canvas(subs)
    assert subs[0].source.endswith("submissions.zip")


# ---- Moodle ------------------------------------------------------------------------------------

def moodle_members() -> dict[str, bytes]:
    return {
        "김철수_123456_assignsubmission_file_/backprop.py": GOOD,
        "김철수_123456_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        "이영희_123457_assignsubmission_file_/과제4.zip": make_zip([("과제4/backprop.py", b"LEE = 1\n")]),
        "Park Ji_su_123458_assignsubmission_file_activations.py": b"A = 1\n",   # flat download
    }


def check_moodle(subs):
    assert [s.student_id for s in subs] == ["123456", "123457", "123458"]
    kim, lee, park = subs
    assert kim.display_name == "김철수" and kim.modules == {"backprop": GOOD}
    assert any("onlinetext" in n for n in kim.notes)
    assert lee.display_name == "이영희" and lee.modules == {"backprop": b"LEE = 1\n"}
    assert lee.file_names["backprop"] == "과제4.zip/과제4/backprop.py"
    assert park.display_name == "Park Ji_su" and park.modules == {"activations": b"A = 1\n"}


def test_moodle_folder_with_korean_names(tmp_path):
    write_tree(tmp_path / "dl", moodle_members())
    check_moodle(read_class(tmp_path / "dl", format="moodle"))


def test_moodle_zip(tmp_path):
    (tmp_path / "dl.zip").write_bytes(make_zip(list(moodle_members().items())))
    check_moodle(read_class(tmp_path / "dl.zip", format="moodle"))


# ---- nbgrader ----------------------------------------------------------------------------------

def test_nbgrader_course(tmp_path):
    course = tmp_path / "course"
    write_tree(course, {
        "nbgrader_config.py": b"c = get_config()\n",
        "submitted/kim/04_backprop/backprop.ipynb": notebook("K = 1", nbgrader_test="assert K == 2"),
        "submitted/kim/04_backprop/timestamp.txt": b"2024-04-01 10:00:00.000000 UTC\n",
        "submitted/kim/01_activations/Problem1.ipynb": notebook("%pylab inline", "S = 1"),
        "submitted/kim/01_activations/timestamp.txt": b"2024-03-01 09:00:00.000000 UTC\n",
        "submitted/lee/04_backprop/helpers.py": b"H = 1\n",
        "submitted/lee/04_backprop/assignment.ipynb": notebook("L = 1"),
    })
    for path in (course, course / "submitted"):
        kim, lee = read_class(path, format="nbgrader")
        assert (kim.student_id, lee.student_id) == ("kim", "lee")
        assert b"K = 1" in kim.modules["backprop"] and b"K == 2" not in kim.modules["backprop"]
        assert b"S = 1" in kim.modules["activations"]       # from the assignment folder
        assert kim.file_names["activations"] == "01_activations/Problem1.ipynb"
        assert kim.submitted_at == "2024-04-01 10:00:00.000000 UTC"
        assert lee.modules["helpers"] == b"H = 1\n" and b"L = 1" in lee.modules["backprop"]
        assert kim.source.endswith(os.path.join("submitted", "kim"))


def test_nbgrader_course_read_as_folders_is_refused(tmp_path):
    write_tree(tmp_path, {"nbgrader_config.py": b"", "submitted/kim/04_backprop/backprop.ipynb": b"{}",
                          "source/04_backprop/backprop.ipynb": b"{}"})
    with pytest.raises(IntakeError, match="try --format nbgrader"):
        read_class(tmp_path)


# ---- zip names ---------------------------------------------------------------------------------

def test_cp949_zip_names_decoded(tmp_path):
    """Are names from a Korean Windows zip (cp949 bytes, no UTF-8 flag) decoded, and UTF-8 without the flag too?"""
    data = make_zip([("과제4/backprop.py".encode("cp949"), GOOD),
                     ("과제4/도우미.py".encode("cp949"), b"H = 1\n"),
                     ("맥/activations.py".encode("utf-8"), b"A = 1\n")])
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert not info.flag_bits & 0x800 and info.filename != "과제4/backprop.py"   # zipfile alone gets it wrong
    (tmp_path / "kim.zip").write_bytes(data)
    sub = read_class(tmp_path)[0]
    assert sub.file_names == {"backprop": "과제4/backprop.py", "도우미": "과제4/도우미.py",
                              "activations": "맥/activations.py"}
    assert sub.modules["도우미"] == b"H = 1\n"
    assert any("cp949" in n for n in sub.notes)


# ---- safety ------------------------------------------------------------------------------------

def test_zip_slip_absolute_and_drive_paths_refused(tmp_path):
    (tmp_path / "kim.zip").write_bytes(make_zip([
        ("../../evil.py", b"EVIL = 1\n"), ("/etc/abs.py", b"ABS = 1\n"), ("C:\\Windows\\drive.py", b"D = 1\n"),
        ("hw\\..\\..\\back.py", b"B = 1\n"), ("hw/backprop.py", GOOD)]))
    before = set(os.listdir(tmp_path)) | set(os.listdir(tmp_path.parent))
    sub = read_class(tmp_path)[0]
    assert sub.modules == {"backprop": GOOD}
    text = "\n".join(sub.problems)
    assert "../../evil.py: a path with '..'" in text
    assert "/etc/abs.py: an absolute path" in text
    assert "drive letter" in text and "back.py" in text
    assert set(os.listdir(tmp_path)) | set(os.listdir(tmp_path.parent)) == before   # nothing extracted


def test_symlinks_refused_in_folders_and_zips(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_bytes(b"SECRET = 'solution'\n")
    write_tree(tmp_path / "subs" / "kim", {"loss.py": b"L = 1\n"})
    os.symlink(secret, tmp_path / "subs" / "kim" / "backprop.py")
    os.symlink(tmp_path, tmp_path / "subs" / "kim" / "up")
    link = zipfile.ZipInfo("backprop.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    (tmp_path / "subs" / "lee.zip").write_bytes(make_zip([(link, str(secret).encode()), ("loss.py", b"L\n")]))
    kim, lee = read_class(tmp_path / "subs")
    assert kim.modules == {"loss": b"L = 1\n"}
    assert any("backprop.py: a symbolic link" in p for p in kim.problems)
    assert any("up: a symbolic link" in p for p in kim.problems)
    assert lee.modules == {"loss": b"L\n"}
    assert any("backprop.py: a symbolic link in the zip" in p for p in lee.problems)


def bomb_zip(real: int, claimed: int) -> bytes:
    """One highly compressible member whose central directory claims `claimed` bytes."""
    info = zipfile.ZipInfo("backprop.py")
    info.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(info, b"#" * real)
        info.file_size = claimed          # written into the central directory at close
    return buf.getvalue()


def test_zip_bomb_with_small_claimed_size_refused(tmp_path):
    data = bomb_zip(real=40 * 1024 * 1024, claimed=120)
    assert len(data) < 100_000
    (tmp_path / "kim.zip").write_bytes(data)
    (tmp_path / "lee.zip").write_bytes(make_zip([("backprop.py", GOOD)]))
    kim, lee = read_class(tmp_path)
    assert "backprop" not in kim.modules
    assert any("compression ratio over 200:1" in p for p in kim.problems), kim.problems
    assert lee.modules == {"backprop": GOOD}


def test_member_larger_than_claimed_is_not_trusted(tmp_path):
    (tmp_path / "kim.zip").write_bytes(bomb_zip(real=5000, claimed=100))
    sub = read_class(tmp_path)[0]
    assert sub.modules == {} and any("header says 100 bytes" in p for p in sub.problems)


def test_size_caps(tmp_path):
    """Are a file over the file cap and a class member over the total cap refused, on disk and in zips?"""
    limits = IntakeLimits(max_file_bytes=1000, max_total_bytes=3000)
    write_tree(tmp_path / "kim", {"backprop.py": b"#" * 1001, "loss.py": b"L = 1\n"})
    (tmp_path / "lee.zip").write_bytes(make_zip([("backprop.py", b"#" * 1001)]))
    write_tree(tmp_path / "park", {f"m{i}.py": b"#" * 900 for i in range(5)})
    kim, lee, park = read_class(tmp_path, limits=limits)
    assert kim.modules == {"loss": b"L = 1\n"} and any("1,001 bytes, over" in p for p in kim.problems)
    assert lee.modules == {} and any("over the 1,000 bytes cap" in p for p in lee.problems)
    assert len(park.modules) == 3 and any("expands beyond" in p for p in park.problems)


def test_too_many_entries(tmp_path):
    limits = IntakeLimits(max_entries=50)
    (tmp_path / "kim.zip").write_bytes(make_zip([(f"f{i}.txt", b"") for i in range(51)]))
    write_tree(tmp_path / "lee", {f"d/f{i:03}.txt": b"" for i in range(60)} | {"backprop.py": GOOD})
    kim, lee = read_class(tmp_path, limits=limits)
    assert kim.modules == {} and any("zip of 51 members, over the cap of 50" in p for p in kim.problems)
    assert any("more than 50 files and folders" in p for p in lee.problems)
    assert lee.modules == {"backprop": GOOD}       # walked before the cap was reached


def test_nested_zips(tmp_path):
    """Is a zip inside the student's zip read, and one nested deeper refused?"""
    inner = make_zip([("backprop.py", GOOD)])
    deeper = make_zip([("innermost.zip", make_zip([("loss.py", b"L\n")]))])
    (tmp_path / "kim.zip").write_bytes(make_zip([("hw.zip", inner), ("more.zip", deeper)]))
    sub = read_class(tmp_path)[0]
    assert sub.modules == {"backprop": GOOD}
    assert sub.file_names["backprop"] == "hw.zip/backprop.py"
    assert any("more.zip/innermost.zip: a zip nested" in p for p in sub.problems)


def test_broken_zip_does_not_stop_the_class(tmp_path):
    (tmp_path / "kim.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    good = make_zip([("backprop.py", GOOD)])
    (tmp_path / "lee.zip").write_bytes(good[: len(good) // 2])      # truncated download
    write_tree(tmp_path / "park", {"backprop.py": GOOD})
    subs = read_class(tmp_path)
    assert [s.student_id for s in subs] == ["kim", "lee", "park"]
    assert all(any("not a readable zip" in p for p in s.problems) for s in subs[:2])
    assert subs[2].modules == {"backprop": GOOD} and subs[2].problems == []


def test_corrupt_member_data(tmp_path):
    data = bytearray(make_zip([("backprop.py", GOOD * 20)]))
    i = data.index(zlib.compress(GOOD * 20)[2:8])          # inside the deflate stream
    data[i:i + 6] = b"\xff" * 6
    (tmp_path / "kim.zip").write_bytes(bytes(data))
    sub = read_class(tmp_path)[0]
    assert sub.modules == {} and any("unreadable zip member" in p for p in sub.problems)


def test_encrypted_member(tmp_path):
    data = bytearray(make_zip([("backprop.py", GOOD)]))
    # set the "encrypted" bit in both headers
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(sig) + off
        data[at] |= 1
    (tmp_path / "kim.zip").write_bytes(bytes(data))
    sub = read_class(tmp_path)[0]
    assert sub.modules == {} and any("encrypted" in p for p in sub.problems)


def test_non_utf8_and_long_names_on_disk(tmp_path):
    """Do non-UTF-8 folder and file names and 255-byte names give readable ids and messages?"""
    root = os.fsencode(tmp_path)
    kim = os.path.join(root, "김철수".encode("cp949"))
    os.mkdir(kim)
    with open(os.path.join(kim, "도우미.py".encode("cp949")), "wb") as f:
        f.write(b"H = 1\n")
    with open(os.path.join(kim, b"\xff\xfe\xfa.py"), "wb") as f:
        f.write(b"X = 1\n")
    long_dir = tmp_path / ("a" * 255)
    write_tree(long_dir, {("b" * 252) + ".py": b"B = 1\n", "backprop.py": GOOD})
    subs = read_class(tmp_path)
    ids = [s.student_id for s in subs]
    assert ids == sorted(ids) and "김철수" in ids and "a" * 255 in ids
    kim_sub = one(subs, "김철수")
    assert kim_sub.modules == {"도우미": b"H = 1\n"}
    assert any("not UTF-8" in n for n in kim_sub.notes)
    assert any("\\xff" in n for n in kim_sub.notes)           # shown escaped, ignored
    long_sub = one(subs, "a" * 255)
    assert long_sub.modules["backprop"] == GOOD and long_sub.modules["b" * 252] == b"B = 1\n"
    for s in subs:
        for text in [s.student_id, s.source, *s.notes, *s.problems, *s.file_names.values()]:
            text.encode("utf-8")                              # no lone surrogates escape


def test_very_long_and_deep_zip_names(tmp_path):
    long_name = "x" * 5000 + ".py"
    deep = "/".join(["d"] * 40) + "/backprop.py"
    (tmp_path / "kim.zip").write_bytes(make_zip([(long_name, b"X\n"), (deep, GOOD), ("loss.py", b"L\n")]))
    sub = read_class(tmp_path)[0]
    assert sub.modules == {"loss": b"L\n", "x" * 5000: b"X\n"}
    assert any("nested more than 32 deep" in p for p in sub.problems)
    assert all(len(m) < 1000 for m in sub.problems + sub.notes + list(sub.file_names.values()))


def test_fifo_and_special_files_do_not_hang(tmp_path):
    write_tree(tmp_path / "kim", {"loss.py": b"L\n"})
    os.mkfifo(tmp_path / "kim" / "backprop.py")
    sub = read_class(tmp_path)[0]
    assert sub.modules == {"loss": b"L\n"}
    assert any("backprop.py: not a regular file" in p for p in sub.problems)


def test_loose_files_in_folders_layout_are_reported(tmp_path):
    """Is a loose file beside the student folders named in the class notes rather than silently dropped?"""
    write_tree(tmp_path, {"kim/backprop.py": GOOD, "lee_backprop.py": GOOD})
    notes: list[str] = []
    subs = read_class(tmp_path, class_notes=notes)
    assert [s.student_id for s in subs] == ["kim"]
    assert any("lee_backprop.py: neither a folder nor a .zip" in n for n in notes)


def test_decomposed_korean_folder_name_gives_composed_id(tmp_path):
    import unicodedata
    write_tree(tmp_path, {unicodedata.normalize("NFD", "김철수") + "/backprop.py": GOOD})
    assert read_class(tmp_path)[0].student_id == "김철수"


def test_nbgrader_course_without_submitted(tmp_path):
    write_tree(tmp_path, {"nbgrader_config.py": b"", "source/04_backprop/backprop.ipynb": b"{}"})
    with pytest.raises(IntakeError, match="without a submitted/ folder"):
        read_class(tmp_path, format="nbgrader")


def test_virtual_environments_are_not_read(tmp_path):
    """Are a venv's and site-packages' modules kept out (they would shadow real libraries)?"""
    write_tree(tmp_path / "kim", {
        "backprop.py": GOOD,
        "myenv/pyvenv.cfg": b"home = /usr/bin\n",
        "myenv/lib/python3.11/site-packages/typing_extensions.py": b"T = 1\n",
        "libs/site-packages/six.py": b"S = 1\n",
    })
    sub = read_class(tmp_path)[0]
    assert sub.modules == {"backprop": GOOD}
    assert any("myenv: a Python virtual environment" in n for n in sub.notes)
    assert any("libs/site-packages: installed libraries" in n for n in sub.notes)


def test_reading_notebooks_skips_only_jsonschemas_iri_checker(tmp_path):
    """nbformat is imported without jsonschema's IRI format checker (its grammar costs about
    1.5 s at import when rfc3987-syntax is installed); nbformat still validates, and the
    package stays importable for anyone who wants it afterwards."""
    import subprocess
    import sys
    code = (
        "import sys\n"
        "from nngrade.intake.notebooks import import_nbformat\n"
        "nbformat = import_nbformat()\n"
        "assert 'rfc3987_syntax' not in sys.modules, 'the IRI checker was imported'\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1')])\n"
        "nbformat.validate(nb)\n"
        "bad = nbformat.v4.new_notebook(); bad['cells'] = [{'cell_type': 'code'}]\n"
        "try:\n"
        "    nbformat.validate(bad)\n"
        "    raise SystemExit('a cell without source passed validation')\n"
        "except nbformat.ValidationError:\n"
        "    pass\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('rfc3987_syntax') is not None:\n"
        "    import rfc3987_syntax\n"
        "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
