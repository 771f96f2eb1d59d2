"""Moodle: the feedback zip ("Upload multiple feedback files in a zip") and the offline grading
worksheet, made from a class graded from a Moodle "Download all submissions" zip and read back
by re-implementations of Moodle's importers, written from reading their PHP:

- mod/assign/feedback/file/importziplib.php, is_valid_filename_for_import: hidden files, path
  parts split on "_" into at most five pieces, a numeric participant id of the assignment, an
  existing plugin;
- mod/assign/feedback/offline/importgradeslib.php (init, next) and locallib.php
  (process_import_grades): columns found by the site's own header strings, the participant id
  after the "Participant " prefix, grades through unformat_float, range checks.
"""
from __future__ import annotations

import csv
import html.parser
import io
import re
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from conftest import REPO, tool_env
from nngrade.autograder import catalogue

SOLUTIONS = REPO / "solutions"
# Participants of the download: names with spaces, Korean, "_" and a leading "~"
CLASS = {"101": "Kim Min", "102": "김 민준", "103": "Lee_Seo yeon", "104": "~Tilde Park"}
WRONG = "102"                 # tanh_grad returns 1 - y


def nngrade(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nngrade", *args], cwd=cwd, env=tool_env(),
                          capture_output=True, text=True, timeout=300)


def source(pid: str) -> bytes:
    text = (SOLUTIONS / "01_activations" / "activations.py").read_text(encoding="utf-8")
    if pid == WRONG:
        assert text.count("return 1.0 - y ** 2") == 1, "the reference changed"
        text = text.replace("return 1.0 - y ** 2", "return 1.0 - y")
    return text.encode("utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("moodle")
    (base / "c").mkdir()
    (base / "c" / "nngrade.toml").write_text(
        'name = "nn101"\nsalt = "0123456789abcdef"\nlang = "en"\nsets = ["01_activations"]\n',
        encoding="utf-8")
    with zipfile.ZipFile(base / "download.zip", "w") as zf:
        for pid, name in CLASS.items():
            zf.writestr(f"{name}_{pid}_assignsubmission_file_/activations.py", source(pid))
    done = nngrade(base, "grade", "download.zip", "--format", "moodle", "--course", "c",
                   "--out", "out", "--no-progress")
    assert done.returncode == 0, done.stderr
    return base


def page(graded: Path, pid: str) -> bytes:
    return (graded / "out" / pid / "feedback.html").read_bytes()


def set_limit(graded: Path, mib: float) -> Path:
    folder = graded / f"limit-{mib}"
    folder.mkdir(exist_ok=True)
    text = (graded / "c" / "nngrade.toml").read_text(encoding="utf-8")
    (folder / "nngrade.toml").write_text(text + f"\n[moodle]\nfeedback_zip_mib = {mib}\n",
                                         encoding="utf-8")
    return folder


# ---------------------------------------------------------------- Moodle's zip importer

PLUGINS = {("assignsubmission", "file"), ("assignsubmission", "onlinetext"),
           ("assignfeedback", "file"), ("assignfeedback", "comments")}
PHP_NUMERIC = re.compile(r"^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$")


def moodle_import(zip_path: Path, participants: set[int]) -> dict[int, dict[str, bytes]]:
    """participant id -> {file name: bytes}, as Moodle's feedback-zip import would store them."""
    stored: dict[int, dict[str, bytes]] = {}
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            found = valid_filename_for_import(info.filename, participants)
            if found is not None:
                user, filename = found
                stored.setdefault(user, {})[filename] = zf.read(info)
    return stored


def valid_filename_for_import(member: str, participants: set[int]) -> tuple[int, str] | None:
    if member.endswith("/"):
        return None                                     # a directory
    path = "/import/" + member                          # extracted under the import area
    filename = path.rsplit("/", 1)[1]
    if filename.startswith(".") or filename.startswith("~"):
        return None                                     # hidden files are ignored
    parts = path.split("/")
    while parts:
        info = parts.pop(0).split("_", 4)               # PHP explode('_', $part, 5)
        if len(info) < 4:
            continue
        if not PHP_NUMERIC.match(info[1]):
            continue
        participant = int(float(info[1]))
        if participant not in participants:
            continue
        if (info[2], info[3]) not in PLUGINS:
            continue
        parts.insert(0, info[4] if len(info) > 4 else "")
        name = "/".join(parts)
        return participant, name.rsplit("/", 1)[-1] if "/" in name else name
    return None


def test_the_importer_rules_as_read(tmp_path):
    """The re-implementation refuses what Moodle refuses (so the next tests can fail)."""
    ok = {int(p) for p in CLASS}
    assert valid_filename_for_import("Kim Min_101_assignfeedback_file_feedback.html", ok) == \
        (101, "feedback.html")
    assert valid_filename_for_import("Kim Min_101_assignsubmission_file_/feedback.html", ok) == \
        (101, "feedback.html")
    # "_" inside the name shifts the id out of place: never imported
    assert valid_filename_for_import("Lee_Seo yeon_103_assignfeedback_file_feedback.html", ok) is None
    # a file name starting with "~" or "." is hidden
    assert valid_filename_for_import("~Tilde Park_104_assignfeedback_file_feedback.html", ok) is None
    assert valid_filename_for_import("Kim Min_999_assignfeedback_file_feedback.html", ok) is None
    assert valid_filename_for_import("Kim Min_101_assignfeedback_nosuch_feedback.html", ok) is None


# ---------------------------------------------------------------- the feedback zip

def test_every_page_imports_for_its_participant(graded):
    done = nngrade(graded, "export", "moodle-feedback", "feedback.zip", "--results", "out",
                   "--course", "c")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["feedback.zip"]
    stored = moodle_import(graded / "feedback.zip", {int(p) for p in CLASS})
    assert sorted(stored) == sorted(int(p) for p in CLASS)
    for pid in CLASS:
        assert stored[int(pid)] == {"feedback.html": page(graded, pid)}
    names = zipfile.ZipFile(graded / "feedback.zip").namelist()
    assert "김 민준_102_assignfeedback_file_feedback.html" in names
    assert "Lee Seo yeon_103_assignfeedback_file_feedback.html" in names      # "_" became a space
    assert "Tilde Park_104_assignfeedback_file_feedback.html" in names        # no leading "~"
    assert all(i.flag_bits & 0x800 for i in zipfile.ZipFile(graded / "feedback.zip").infolist()
               if not i.filename.isascii())                                   # UTF-8 names flagged


class Resources(html.parser.HTMLParser):
    """Everything a page would load from elsewhere."""

    def __init__(self):
        super().__init__()
        self.outside: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link", "iframe", "object", "embed", "base", "frame"):
            self.outside.append(f"<{tag}>")
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value and \
                    not value.startswith(("data:", "#")):
                self.outside.append(f"{name}={value}")
            if name == "style" and re.search(r"url\((?!\s*['\"]?data:)", value or ""):
                self.outside.append(f"style={value}")
        self.in_style = tag == "style"

    def handle_data(self, data):
        if self.in_style and (re.search(r"url\((?!\s*['\"]?data:)", data) or "@import" in data):
            self.outside.append("a stylesheet loading from elsewhere")


def test_the_pages_are_self_contained(graded):
    nngrade(graded, "export", "moodle-feedback", "feedback.zip", "--results", "out", "--course", "c")
    with zipfile.ZipFile(graded / "feedback.zip") as zf:
        for member in zf.namelist():
            text = zf.read(member).decode("utf-8")
            checker = Resources()
            checker.feed(text)
            assert checker.outside == [], member
            assert "data:image/svg+xml;base64," in text or "<img" not in text


def test_the_mistaken_page_names_its_mistake(graded):
    title = catalogue.entries()["tanh-grad-linear"]["title_en"]
    assert title.encode() in page(graded, WRONG)


def test_over_the_limit_the_zip_is_split_into_parts_that_import_alone(graded):
    one_page = len(zlib.compress(page(graded, "101")))     # a page as the zip stores it
    limit = round(2.5 * one_page / 1024 / 1024, 4)          # about two pages per part
    course = set_limit(graded, limit)
    done = nngrade(graded, "export", "moodle-feedback", "split.zip", "--results", "out",
                   "--course", str(course))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(rf"split\.zip: 4 pages are more than {limit:g} MiB \(\[moodle\] "
                        rf"feedback_zip_mib in .*nngrade\.toml\): written as (\d) zips, upload each",
                        lines[0]), lines
    parts = [graded / line for line in lines[1:]]
    assert len(parts) >= 2 and not (graded / "split.zip").exists()
    seen = {}
    for part in parts:
        assert part.stat().st_size <= limit * 1024 * 1024
        for user, files in moodle_import(part, {int(p) for p in CLASS}).items():
            assert user not in seen
            seen[user] = files
    assert sorted(seen) == sorted(int(p) for p in CLASS)
    # back under the limit: one zip again, and the parts of the earlier run are gone
    done = nngrade(graded, "export", "moodle-feedback", "split.zip", "--results", "out",
                   "--course", "c")
    assert done.stdout.splitlines() == ["split.zip"]
    assert not any(p.exists() for p in parts)


def test_a_page_alone_over_the_limit_goes_without_its_plots(graded):
    limit = round(0.9 * len(zlib.compress(page(graded, "101"))) / 1024 / 1024, 4)
    course = set_limit(graded, limit)
    done = nngrade(graded, "export", "moodle-feedback", "small.zip", "--results", "out",
                   "--course", str(course))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(
        f"pages over the {limit:g} MiB limit on their own went without their plots: 101, 102")
    zips = [graded / line for line in done.stdout.splitlines() if line.endswith(".zip")]
    stored = {}
    for z in zips:
        assert z.stat().st_size <= limit * 1024 * 1024
        stored.update(moodle_import(z, {int(p) for p in CLASS}))
    lean = stored[101]["feedback.html"]
    assert len(lean) < len(page(graded, "101")) and b"data:image/" not in lean
    assert b"Kim Min" in lean


def test_a_class_not_graded_from_moodle_has_no_participant_ids(graded, tmp_path):
    (tmp_path / "subs" / "kim").mkdir(parents=True)
    (tmp_path / "subs" / "kim" / "activations.py").write_bytes(source("101"))
    assert nngrade(tmp_path, "grade", "subs", "--course", str(graded / "c"), "--out", "out",
                   "--no-progress").returncode == 0
    done = nngrade(tmp_path, "export", "moodle-feedback", "f.zip", "--results", "out",
                   "--course", str(graded / "c"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "nngrade export: out: students kim have no Moodle participant id; grade Moodle's "
        "'Download all submissions' zip with --format moodle"]


# ---------------------------------------------------------------- the grading worksheet

ENGLISH = {"recordid": "Identifier", "hiddenuser": "Participant ", "grade": "Grade",
           "maxgrade": "Maximum grade", "lastmodifiedgrade": "Last modified (grade)",
           "comments": "Feedback comments", "decimal": "."}
# A site language nngrade has no header names for (made up here): found by position
OTHER = {"recordid": "식별 번호", "hiddenuser": "참여자 ", "grade": "성적 점수",
         "maxgrade": "만점 점수", "lastmodifiedgrade": "마지막 수정 (성적)",
         "comments": "교수 의견", "decimal": ","}


def worksheet(strings: dict, *, rows: dict[str, tuple[str, str]], maximum: str = "100",
              online_text: bool = False, outcomes: bool = False, comments: bool = True,
              bom: bool = True) -> bytes:
    """A worksheet laid out as gradingtable.php downloads it: participant id -> (name, grade)."""
    dec = strings["decimal"]
    header = [strings["recordid"], "Full name", "Email address", "Status", strings["grade"],
              strings["maxgrade"], "Grade can be changed", "Last modified (submission)"]
    if online_text:
        header.append("Online text")
    header.append(strings["lastmodifiedgrade"])
    if comments:
        header.append(strings["comments"])
    if outcomes:
        header.append("Outcomes")
    table = [header]
    for pid, (name, grade) in rows.items():
        row = [f"{strings['hiddenuser']}{pid}", name, f"s{pid}@example.edu",
               "Submitted for grading", grade, f"{maximum}{dec}00", "Yes",
               "Monday, 2 December 2024, 10:00 AM"]
        if online_text:
            row.append("my, answer")
        row.append("-" if not grade else "Tuesday, 3 December 2024, 9:00 AM")
        if comments:
            row.append("")
        if outcomes:
            row.append("Understanding: Not satisfactory")
        table.append(row)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(table)
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8")


SHEET_ROWS = {**{pid: (name, "") for pid, name in CLASS.items()},
              "106": ("Nobody Handed", ""), "107": ("Graded By Hand", "55.00")}


def moodle_import_grades(path: Path, strings: dict, participants: set[int],
                         maximum: float) -> dict[int, tuple[float | None, str | None]]:
    """participant id -> (grade imported or None when skipped, feedback comment or None)."""
    text = path.read_bytes().decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]                    # csv_import_reader drops a BOM
    rows = list(csv.reader(io.StringIO(text, newline="")))
    columns, records = rows[0], rows[1:]
    index = {name: columns.index(strings[name]) if strings[name] in columns else -1
             for name in ("grade", "recordid", "lastmodifiedgrade", "comments")}
    assert min(index["grade"], index["recordid"], index["lastmodifiedgrade"]) >= 0, \
        "Moodle: invalid grade import (a required column is missing)"
    imported = {}
    for record in records:
        ident = int(record[index["recordid"]][len(strings["hiddenuser"]):])
        if ident not in participants:
            continue
        raw = record[index["grade"]].strip().replace(strings["decimal"], ".")   # unformat_float
        grade = float(raw) if raw else None
        if grade is not None and (grade < 0 or grade > maximum):
            grade = None                   # out of range: skipped
        # feedback: `!empty($details['index'])`
        comment = record[index["comments"]] if index["comments"] > 0 else None
        imported[ident] = (grade, comment)
    return imported


def fill(graded: Path, sheet: bytes, *args: str, name: str = "sheet.csv"):
    (graded / name).write_bytes(sheet)
    return nngrade(graded, "export", "moodle-worksheet", "filled-" + name, "--results", "out",
                   "--worksheet", name, *args)


def score(graded: Path, pid: str) -> float:
    import json
    return json.loads((graded / "out" / pid / "results.json").read_text())["score"]


@pytest.mark.parametrize("lang, strings", [("english", ENGLISH), ("other", OTHER)])
def test_the_worksheet_imports_grades_and_comments(graded, lang, strings):
    done = fill(graded, worksheet(strings, rows=SHEET_ROWS), name=f"{lang}.csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"filled-{lang}.csv: 4 participants graded, 1 without results given 0, "
        "1 without results kept their grade"]
    filled = graded / f"filled-{lang}.csv"
    got = moodle_import_grades(filled, strings, {int(p) for p in SHEET_ROWS}, 100.0)
    for pid in CLASS:
        grade, comment = got[int(pid)]
        assert grade == pytest.approx(score(graded, pid), abs=0.005)
        assert comment.startswith("<p>01_activations Activation functions: ")
    title = catalogue.entries()["tanh-grad-linear"]["title_en"]
    assert f"<li>{title} (tanh-grad-linear)</li>" in got[int(WRONG)][1]
    assert "No named mistake was found." in got[101][1]
    assert got[106] == (0.0, "<p>No submission was graded.</p>")
    assert got[107][0] == 55.0 and got[107][1] == ""
    # every other cell as Moodle wrote it, the BOM and the decimal mark kept
    before = list(csv.reader(io.StringIO(worksheet(strings, rows=SHEET_ROWS).decode("utf-8-sig"))))
    after = list(csv.reader(io.StringIO(filled.read_bytes().decode("utf-8-sig"))))
    assert filled.read_bytes().startswith(b"\xef\xbb\xbf")
    assert after[0] == before[0]
    changed = {before[0].index(strings["grade"]), before[0].index(strings["comments"])}
    for old, new in zip(before[1:], after[1:]):
        assert [c for j, c in enumerate(old) if j not in changed] == \
               [c for j, c in enumerate(new) if j not in changed]
    assert after[1][4] == f"{score(graded, '101'):.2f}".replace(".", strings["decimal"])


def test_extra_columns_around_the_comment(graded):
    """Online text before Last modified (grade), Outcomes after the comments: in a language
    nngrade has no names for, the comment still lands in its own column."""
    sheet = worksheet(OTHER, rows=SHEET_ROWS, online_text=True, outcomes=True, bom=False)
    done = fill(graded, sheet, name="extra.csv")
    assert done.returncode == 0, done.stderr
    got = moodle_import_grades(graded / "filled-extra.csv", OTHER, {int(p) for p in SHEET_ROWS}, 100.0)
    assert got[101][1].startswith("<p>01_activations")
    after = list(csv.reader(io.StringIO((graded / "filled-extra.csv").read_text(encoding="utf-8"))))
    assert after[1][8] == "my, answer" and after[1][-1] == "Understanding: Not satisfactory"


def test_a_different_maximum_grade_scales_the_scores(graded):
    done = fill(graded, worksheet(ENGLISH, rows=SHEET_ROWS, maximum="20"), name="twenty.csv")
    assert done.returncode == 0, done.stderr
    assert "scores scaled from nngrade's 100 points to the worksheet's maximum grade 20" in done.stdout
    got = moodle_import_grades(graded / "filled-twenty.csv", ENGLISH, {int(p) for p in SHEET_ROWS}, 20.0)
    assert got[int(WRONG)][0] == pytest.approx(score(graded, WRONG) / 5, abs=0.005)


def test_no_feedback_comments_column_fills_grades_only(graded):
    done = fill(graded, worksheet(ENGLISH, rows=SHEET_ROWS, comments=False), name="nocomments.csv")
    assert done.returncode == 0, done.stderr
    assert "the worksheet has no Feedback comments column: grades only" in done.stdout
    got = moodle_import_grades(graded / "filled-nocomments.csv", ENGLISH,
                               {int(p) for p in SHEET_ROWS}, 100.0)
    assert got[101][0] == pytest.approx(score(graded, "101")) and got[101][1] is None


@pytest.mark.parametrize("content, complaint", [
    (b"", "empty; download the worksheet"),
    (b"Student,ID\nKim,1\n", "no column of participant identifiers"),
    ("Identifier,Full name,Status,Grade,Scale\nParticipant 1,Kim,x,,\"A\nB\"\n".encode(),
     "the assignment is graded with a scale"),
])
def test_what_is_not_a_worksheet(graded, content, complaint):
    done = fill(graded, content, name="bad.csv")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1 and "bad.csv: " + complaint in done.stderr


def test_the_downloaded_worksheet_is_never_overwritten(graded):
    (graded / "mine.csv").write_bytes(worksheet(ENGLISH, rows=SHEET_ROWS))
    done = nngrade(graded, "export", "moodle-worksheet", "mine.csv", "--results", "out",
                   "--worksheet", "mine.csv")
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["nngrade export: mine.csv: is the downloaded worksheet "
                                        "itself; write the filled copy to another file"]


def test_the_options_each_export_needs(graded):
    done = nngrade(graded, "export", "moodle-feedback", "f.zip")
    assert done.returncode == 2 and done.stderr.splitlines() == [
        "nngrade export: moodle-feedback needs --results OUT (the --out folder of `nngrade grade`)"]
    done = nngrade(graded, "export", "moodle-worksheet", "f.csv", "--results", "out")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "moodle-worksheet needs --worksheet FILE" in done.stderr


def test_the_worksheet_takes_the_sets_asked_for(graded):
    done = fill(graded, worksheet(ENGLISH, rows=SHEET_ROWS), "--sets", "01", name="sets.csv")
    assert done.returncode == 0, done.stderr
    done = fill(graded, worksheet(ENGLISH, rows=SHEET_ROWS), "--sets", "03", name="sets.csv")
    assert done.returncode == 2 and done.stderr.splitlines() == [
        "nngrade export: out: set 03_loss was not graded in this class (graded: 01_activations)"]
