"""Roster students who handed nothing in: a row in grades.csv and moodle.csv (0 in every set,
marked missing) and a line in the summary, left out of the class figures."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nngrade import lms
from nngrade.report import write_class_reports
from nngrade.roster import Roster, RosterEntry

FILES = Path(__file__).parent / "files" / "report"
SETS = ["01_activations", "04_backprop"]


def load(name: str) -> dict:
    return json.loads((FILES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def roster() -> Roster:
    return Roster({
        "48213": RosterEntry(name="김, 민준", canvas_id="48213", sis_user_id="2024001",
                             sis_login_id="mkim", section="A"),
        "48214": RosterEntry(name="이, 서연", canvas_id="48214", sis_user_id="2024002",
                             sis_login_id="slee", section="A"),
        "48299": RosterEntry(name="최, 하늘", canvas_id="48299", sis_user_id="2024099",
                             sis_login_id="hchoi", section="B"),
    })


@pytest.fixture
def class_files(tmp_path, roster) -> dict[str, Path]:
    # kim and lee handed in (matched by SIS User ID); 최하늘 did not
    return write_class_reports([load("student_kim"), load("student_lee")], tmp_path, "en",
                               roster=roster, sets=SETS)


def test_grades_csv_has_the_missing_student_at_zero(class_files):
    book = lms.read_canvas_csv(class_files["canvas"])
    choi = book.row_for("ID", "48299")
    assert (choi["Student"], choi["SIS User ID"], choi["Section"]) == ("최, 하늘", "2024099", "B")
    assert choi["nngrade late"] == "missing"
    assert (choi["nngrade 01_activations"], choi["nngrade 04_backprop"], choi["nngrade total"]) == \
        ("0", "0", "0")
    # the students who handed in keep their rows; nobody appears twice
    assert sorted(r["ID"] for r in book.rows) == ["48213", "48214", "48299"]
    assert book.points_possible["nngrade 04_backprop"] == "6"


def test_moodle_csv_says_no_submission(class_files):
    book = lms.read_moodle_csv(class_files["moodle"])
    choi = next(r for r in book.rows if r["Full name"] == "최, 하늘")
    assert choi["nngrade 01_activations"] == "0" and choi["nngrade total"] == "0"
    assert choi["Feedback"] == "no submission"
    assert len(book.rows) == 3


def test_summary_lists_the_missing_student_outside_the_figures(class_files):
    html = class_files["summary"].read_text(encoding="utf-8")
    scores = html.split("Scores of every student", 1)[1]
    row = next(r for r in scores.split("<tr>") if "48299" in r)
    assert "최, 하늘" in row and "no submission" in row and ">0 / 10<" in row
    assert re.search(r"On the roster, no submission</th><td class=\"num\">1<", html)
    assert re.search(r"<th>Students</th><td class=\"num\">2<", html)
    # the mean is over the two who handed in (kim 63 %, lee 100 %); with the 0 it would be 54 %
    assert re.search(r"<th>Mean</th><td class=\"num\">82 %<", html)


def test_without_a_roster_nobody_is_missing(tmp_path):
    paths = write_class_reports([load("student_kim")], tmp_path, "en", sets=SETS)
    assert len(lms.read_canvas_csv(paths["canvas"]).rows) == 1
    assert "no submission" not in paths["summary"].read_text(encoding="utf-8")


def test_a_list_roster_finds_its_missing_students_by_any_id(tmp_path):
    roster = [{"name": "Kim", "sis_user_id": "2024001"}, {"name": "Gone", "sis_login_id": "gone1"}]
    stand_ins = lms.missing_students([load("student_kim")], roster, SETS, "ko")
    assert [s["extra_data"]["student"] for s in stand_ins] == ["gone1"]
    assert stand_ins[0]["extra_data"]["sets"]["04_backprop"] == {"score": 0.0, "max_score": 6}
    assert lms.is_missing(stand_ins[0]) and stand_ins[0]["extra_data"]["display_name"] == "Gone"
