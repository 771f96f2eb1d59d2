"""Canvas grades.csv and Moodle moodle.csv: written from results, read back with the columns and
rows each LMS documents (REFERENCE.md; Canvas's gradebook importer, Moodle's gradeimport_csv)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from nngrade import lms
from nngrade.roster import Roster, RosterEntry

FILES = Path(__file__).parent / "files" / "report"
SETS = ["01_activations", "04_backprop", "06_numerical_gradient", "07_xor", "08_mnist", "10_compgraph"]


def load(name: str) -> dict:
    return json.loads((FILES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def everyone() -> list[dict]:
    return [load(n) for n in ("student_kim", "student_lee", "student_hostile")]


def raw_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


# ------------------------------------------------------------------ Canvas

def test_canvas_file_has_the_documented_header_and_points_row(tmp_path, everyone):
    """Student, ID, SIS User ID, SIS Login ID, Section first; then a Points Possible row."""
    path = lms.write_canvas_csv(tmp_path / "grades.csv", everyone, None, SETS)
    rows = raw_rows(path)
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5:] == ["nngrade late", "nngrade 01_activations", "nngrade 04_backprop",
                           "nngrade 06_numerical_gradient", "nngrade 07_xor", "nngrade 08_mnist",
                           "nngrade 10_compgraph", "nngrade total"]
    # maxima from the samples: activations 2+2 (+0 seed), backprop 3+3, numerical 4, xor 0, mnist 5, compgraph 2
    assert rows[1] == ["Points Possible", "", "", "", "", "(read only)", "4", "6", "4", "0", "5", "2",
                       "(read only)"]
    assert len(rows) == 2 + 3
    assert path.read_bytes()[:7] == b"Student"         # no BOM by default


def test_canvas_round_trip_through_the_reader(tmp_path, everyone):
    book = lms.read_canvas_csv(lms.write_canvas_csv(tmp_path / "grades.csv", everyone, None, SETS))
    # the late flag and the total are read-only: Canvas would not import them as assignments
    assert book.assignment_columns == [f"nngrade {s}" for s in SETS]
    kim = book.row_for("Student", "김민준")
    assert kim["ID"] == "2024001"                      # digits only: taken as the Canvas user id
    assert kim["nngrade late"] == "late"
    assert (kim["nngrade 01_activations"], kim["nngrade 04_backprop"], kim["nngrade total"]) == ("2", "3", "12")
    assert kim["nngrade 10_compgraph"] == ""          # not graded: an empty cell changes nothing
    lee = book.row_for("ID", "2024002")
    assert lee["nngrade late"] == "" and lee["nngrade total"] == "19"
    hostile = book.row_for("SIS User ID", "<b>park</b>")    # not digits: goes to SIS User ID
    assert hostile["ID"] == "" and hostile["Student"] == "Park <script>alert(1)</script>"


def test_canvas_roster_fills_names_ids_and_sections(tmp_path, everyone):
    roster = Roster({
        "48213": RosterEntry(name="김, 민준", canvas_id="48213", sis_user_id="2024001",
                             sis_login_id="mkim", section="월요일 A반"),
        "48214": RosterEntry(name="이, 서연", canvas_id="48214", sis_user_id="2024002",
                             sis_login_id="slee", section="수요일 B반"),
    })
    book = lms.read_canvas_csv(lms.write_canvas_csv(tmp_path / "g.csv", everyone, roster, SETS))
    kim = book.row_for("SIS User ID", "2024001")
    assert (kim["Student"], kim["ID"], kim["SIS Login ID"], kim["Section"]) == ("김, 민준", "48213", "mkim", "월요일 A반")
    lee = book.row_for("ID", "48214")
    assert lee["Section"] == "수요일 B반"
    # a student missing from the roster keeps the results' own name and id
    assert book.row_for("Student", "Park <script>alert(1)</script>")["SIS User ID"] == "<b>park</b>"
    # the comma in "김, 민준" was quoted, not split
    assert raw_rows(tmp_path / "g.csv")[2][0] == "김, 민준"


def test_roster_as_list_of_dicts_matches_any_id(tmp_path, everyone):
    roster = [{"name": "Lee Seoyeon", "canvas_id": "901", "sis_user_id": None, "sis_login_id": "2024002",
               "section": "B"}]
    book = lms.read_canvas_csv(lms.write_canvas_csv(tmp_path / "g.csv", everyone, roster, SETS))
    row = book.row_for("ID", "901")
    assert (row["Student"], row["SIS Login ID"], row["Section"], row["nngrade total"]) == \
        ("Lee Seoyeon", "2024002", "B", "19")


def test_canvas_late_penalty_is_in_the_set_columns(tmp_path):
    """With a 20 % penalty the imported set columns add up to the penalised total."""
    kim = load("student_kim")
    kim["extra_data"]["late_penalty"] = {"fraction": 0.2, "raw_score": 12}
    kim["score"] = 9.6
    row = lms.read_canvas_csv(lms.write_canvas_csv(tmp_path / "g.csv", [kim], None, SETS)).rows[0]
    assert [row[f"nngrade {s}"] for s in SETS] == ["1.6", "2.4", "1.6", "0", "4", ""]
    assert row["nngrade total"] == "9.6"


def test_canvas_bom_option_and_reader_accepts_it(tmp_path, everyone):
    path = lms.write_canvas_csv(tmp_path / "g.csv", everyone, None, SETS, bom=True)
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert lms.read_canvas_csv(path).header[0] == "Student"


def test_canvas_sets_default_to_those_in_the_results(tmp_path, everyone):
    book = lms.read_canvas_csv(lms.write_canvas_csv(tmp_path / "g.csv", everyone))
    assert book.assignment_columns == [f"nngrade {s}" for s in SETS]


@pytest.mark.parametrize("content, message", [
    ("Name,ID,Section\nA,1,S\n", "must start with Student, ID"),
    ("Student,ID,Section,SIS User ID,SIS Login ID,x\n", "student columns must be"),
    ("Student,ID,SIS User ID,SIS Login ID,Section,a\nA,1,,,S,ten\n", "is not a score: 'ten'"),
    ("Student,ID,SIS User ID,SIS Login ID,Section,a\nA,1,,,S\n", "line 2 has 5 cells for 6 columns"),
    ("", "empty file"),
])
def test_canvas_reader_refuses_what_canvas_would_misread(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(lms.GradebookFileError, match=message) as info:
        lms.read_canvas_csv(path)
    assert "bad.csv" in str(info.value)


def test_canvas_reader_accepts_canvas_own_export_layout(tmp_path):
    """A Canvas export: existing assignment 'Name (id)', read-only score columns, EX for excused."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (1234),Current Score,Final Score\n"
        "    Points Possible,,,,,10,(read only),(read only)\n"
        '"Kim, Minjun",48213,2024001,mkim,A,EX,95.5,95.5\n', encoding="utf-8")
    book = lms.read_canvas_csv(path)
    assert book.assignment_columns == ["Quiz 1 (1234)"]
    assert book.rows[0]["Student"] == "Kim, Minjun"


# ------------------------------------------------------------------ Moodle

def test_moodle_round_trip_with_default_identifier(tmp_path, everyone):
    """Without a roster the student id is the ID number; ungraded sets are '-' (no grade)."""
    path = lms.write_moodle_csv(tmp_path / "moodle.csv", everyone, None, SETS)
    rows = raw_rows(path)
    assert rows[0] == ["ID number", "Full name", *(f"nngrade {s}" for s in SETS), "nngrade total", "Feedback"]
    book = lms.read_moodle_csv(path)
    assert book.identifier == "ID number"
    assert book.grade_columns == [*(f"nngrade {s}" for s in SETS), "nngrade total"]
    kim = next(r for r in book.rows if r["ID number"] == "2024001")
    assert kim["nngrade 04_backprop"] == "3" and kim["nngrade 10_compgraph"] == "-"
    assert kim["Full name"] == "김민준"
    assert "delta-sign" in kim["Feedback"] and "tanh-grad-linear" in kim["Feedback"]
    assert kim["Feedback"].startswith("지각 제출")           # late, in the results' language
    lee = next(r for r in book.rows if r["ID number"] == "2024002")
    assert lee["Feedback"] == "" and lee["nngrade total"] == "19"


def test_moodle_identifier_follows_the_roster(tmp_path, everyone):
    with_email = Roster({
        "2024001": RosterEntry("김민준", "2024001", None, None, None, email="mkim@uni.ac.kr"),
        "2024002": RosterEntry("이서연", "2024002", None, None, None, email="slee@uni.ac.kr"),
        "<b>park</b>": RosterEntry("Park", "<b>park</b>", None, None, None, email="park@uni.ac.kr"),
    })
    book = lms.read_moodle_csv(lms.write_moodle_csv(tmp_path / "m.csv", everyone, with_email, SETS))
    assert book.identifier == "Email address"
    assert sorted(r["Email address"] for r in book.rows) == ["mkim@uni.ac.kr", "park@uni.ac.kr", "slee@uni.ac.kr"]
    usernames = [{"name": n, "username": u, "student": s} for n, u, s in
                 (("Kim", "mkim", "2024001"), ("Lee", "slee", "2024002"), ("Park", "ppark", "<b>park</b>"))]
    book = lms.read_moodle_csv(lms.write_moodle_csv(tmp_path / "u.csv", everyone, usernames, SETS,
                                                    feedback=False))
    assert book.identifier == "Username" and "Feedback" not in book.header
    assert {r["Username"]: r["Full name"] for r in book.rows} == {"mkim": "Kim", "slee": "Lee", "ppark": "Park"}
    # an incomplete roster falls back to the ID number for everyone
    partial = {"2024001": {"name": "Kim", "email": "mkim@uni.ac.kr"}}
    book = lms.read_moodle_csv(lms.write_moodle_csv(tmp_path / "p.csv", everyone, partial, SETS))
    assert book.identifier == "ID number"


@pytest.mark.parametrize("content, message", [
    ("Student,nngrade 01\nA,1\n", "first column must be one of ID number, Email address, Username"),
    ("ID number,Full name,grade\n1,A,ten\n", "line 2, 'grade' is not a grade: 'ten'"),
    ("ID number,Full name,grade\n,A,1\n", "line 2 has an empty ID number"),
])
def test_moodle_reader_refuses_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(lms.GradebookFileError, match=message):
        lms.read_moodle_csv(path)


def test_written_files_end_lines_with_crlf(tmp_path, everyone):
    """RFC 4180 line ends, which both importers and spreadsheet programs read."""
    data = lms.write_moodle_csv(tmp_path / "m.csv", everyone, None, SETS).read_bytes()
    assert data.count(b"\r\n") == 4 and data.count(b"\n") == 4
