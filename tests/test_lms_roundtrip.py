"""Canvas and Moodle round trip: a class is built, graded by the `nngrade grade` command with a
roster, and its grades.csv and moodle.csv are read back with the columns and header each LMS
documents (REFERENCE.md: Canvas's gradebook import, Moodle's CSV grade import).

Two small classes of set 03: one folder per student named by student number (SIS User ID), and a
Canvas "Download Submissions" folder, where Canvas marks late files. The course flags late work.
"""
from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from nngrade import lms
from nngrade.config import init_course, load_course, render_config
from nngrade.autograder import catalogue
from nngrade.autograder.sets import find_set
from nngrade.paths import SOLUTIONS_DIR

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

SET = "03_loss"
REFERENCE = SOLUTIONS_DIR / SET / "loss.py"
CORRECT_MSE = "return float(0.5 * np.sum((t - y) ** 2))"

# A Canvas gradebook export (the roster): Student, ID, SIS User ID, SIS Login ID, Section, ...
ROSTER = [
    # name, Canvas ID, SIS User ID, SIS Login ID, section, what the student hands in
    ("김민준", "48213", "2024001", "mjkim", "분반 A", "correct"),
    ("이서연", "48214", "2024002", "sylee", "분반 A", "mse-missing-half"),
    ("박지호", "48215", "2024003", "jhpark", "분반 B", "correct"),
]
LATE_IN_CANVAS = "48215"     # 박지호's file carries Canvas's `late` part


def points() -> dict[str, float]:
    return find_set(SET).function_points()


def source(kind: str) -> str:
    text = REFERENCE.read_text(encoding="utf-8")
    if kind == "mse-missing-half":
        assert text.count(CORRECT_MSE) == 1, "the reference's mse line changed"
        text = text.replace(CORRECT_MSE, "return float(np.sum((t - y) ** 2))")
    return text


def hint_title(mistake_id: str, lang: str) -> str:
    return catalogue.entries()[mistake_id][f"title_{lang}"]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    path = init_course(tmp_path_factory.mktemp("lms") / "course", name="nn101", lang="ko")
    path.write_text(render_config(replace(load_course(path), late_policy="flag")), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def roster(course) -> Path:
    path = course.parent / "roster.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Homework 1 (1001)"])
        out.writerow(["    Points Possible", "", "", "", "", "100"])
        for name, canvas_id, sis, login, section, _ in ROSTER:
            out.writerow([name, canvas_id, sis, login, section, ""])
    return path


def grade(submissions: Path, out: Path, course: Path, roster: Path, fmt: str) -> None:
    done = subprocess.run([sys.executable, "-m", "nngrade", "grade", str(submissions), "--out", str(out),
                           "--course", str(course), "--roster", str(roster), "--format", fmt,
                           "--sets", SET, "--no-progress"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def folders_out(tmp_path_factory, course, roster) -> Path:
    """One folder per student, named by student number (the roster's SIS User ID)."""
    base = tmp_path_factory.mktemp("folders")
    for _, _, sis, _, _, kind in ROSTER:
        (base / "submissions" / sis).mkdir(parents=True)
        (base / "submissions" / sis / "loss.py").write_text(source(kind), encoding="utf-8")
    grade(base / "submissions", base / "out", course, roster, "folders")
    return base / "out"


@pytest.fixture(scope="module")
def canvas_out(tmp_path_factory, course, roster) -> Path:
    """Canvas's download: flat files <name>_[late_]<userid>_<submissionid>_<file>."""
    base = tmp_path_factory.mktemp("canvas")
    (base / "submissions").mkdir()
    for number, (_, canvas_id, _, login, _, kind) in enumerate(ROSTER):
        late = "late_" if canvas_id == LATE_IN_CANVAS else ""
        name = f"{login}_{late}{canvas_id}_{9000 + number}_loss.py"
        (base / "submissions" / name).write_text(source(kind), encoding="utf-8")
    grade(base / "submissions", base / "out", course, roster, "canvas")
    return base / "out"


def expected_score(kind: str) -> float:
    total = sum(points().values())
    return total - points()["mse"] if kind == "mse-missing-half" else total


# ---- Canvas ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["folders", "canvas"])
def test_canvas_gradebook_reads_back_with_canvas_columns(layout, request):
    out = request.getfixturevalue(f"{layout}_out")
    book = lms.read_canvas_csv(out / "grades.csv")
    assert book.header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert book.assignment_columns == [f"nngrade {SET}"]           # one column per graded set
    assert float(book.points_possible[f"nngrade {SET}"]) == sum(points().values())
    assert len(book.rows) == len(ROSTER)
    for name, canvas_id, sis, login, section, kind in ROSTER:
        row = book.row_for("ID", canvas_id)                         # the roster's Canvas ID
        assert (row["Student"], row["SIS User ID"], row["SIS Login ID"], row["Section"]) == \
            (name, sis, login, section)
        assert float(row[f"nngrade {SET}"]) == pytest.approx(expected_score(kind))
        late = layout == "canvas" and canvas_id == LATE_IN_CANVAS
        assert row["nngrade late"] == ("late" if late else "")


# ---- Moodle ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["folders", "canvas"])
def test_moodle_grade_file_reads_back_with_an_identifier_column(layout, request, course):
    out = request.getfixturevalue(f"{layout}_out")
    book = lms.read_moodle_csv(out / "moodle.csv")
    # every roster entry has a SIS User ID: Moodle maps it to the users' "ID number"
    assert book.identifier == "ID number" and book.header[0] == "ID number"
    assert book.header[1] == "Full name"
    assert book.grade_columns == [f"nngrade {SET}", "nngrade total"]
    lang = load_course(course).lang
    for name, canvas_id, sis, _, _, kind in ROSTER:
        row = next(r for r in book.rows if r["ID number"] == sis)
        assert row["Full name"] == name
        assert float(row[f"nngrade {SET}"]) == pytest.approx(expected_score(kind))
        feedback = row.get("Feedback", "")
        if kind == "mse-missing-half":
            assert hint_title("mse-missing-half", lang) in feedback
        late = layout == "canvas" and canvas_id == LATE_IN_CANVAS
        assert ("지각" in feedback) is late


def test_gradebook_files_are_plain_utf8_csv_without_bom(folders_out):
    for name in ("grades.csv", "moodle.csv"):
        raw = (folders_out / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        raw.decode("utf-8")
        assert b"\r\n" in raw                                   # RFC 4180 line ends
