"""--roster: Canvas gradebook exports as instructors really have them (BOM, Points Possible row,
cp949 from Korean Excel, extra columns), and errors that name file, line and column."""
from __future__ import annotations

import pytest

from nngrade.roster import RosterEntry, RosterError, read_roster

CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Homework 4 (1234),Current Score\r\n"
    "    Points Possible,,,,,10.00,(read only)\r\n"
    '"김, 철수",48213,2024123456,kimcs,AI 기초 01,8.00,80\r\n'
    '"Lee, Younghee",48214,2024123457,leeyh,AI 기초 02,,\r\n'
    '"Student, Test",48299,,,AI 기초 01,,\r\n'
)


def test_canvas_export_with_bom_and_points_row(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CANVAS_EXPORT.encode("utf-8"))
    roster = read_roster(path)
    assert list(roster) == ["48213", "48214", "48299"]
    assert roster["48213"] == RosterEntry(name="김, 철수", canvas_id="48213", sis_user_id="2024123456",
                                          sis_login_id="kimcs", section="AI 기초 01", email=None)
    assert roster["48299"].sis_user_id is None
    assert roster.find("2024123457").name == "Lee, Younghee"      # a folder named by student number
    assert roster.find("KIMCS").canvas_id == "48213"
    assert roster.find("nobody") is None


def test_cp949_from_korean_excel(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(CANVAS_EXPORT.encode("cp949"))
    assert read_roster(path)["48213"].name == "김, 철수"


def test_utf16_tab_separated_and_email(tmp_path):
    path = tmp_path / "roster.txt"
    path.write_bytes("Student\tID\tEmail\n박지수\t7\tpark@example.edu\n".encode("utf-16"))
    entry = read_roster(path)["7"]
    assert (entry.name, entry.email, entry.section) == ("박지수", "park@example.edu", None)


def test_manual_posting_row_and_short_rows(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("Student,ID,SIS User ID,SIS Login ID,Section,HW (1)\n"
                    ",,,,,Manual Posting\n"
                    "Kim,1\n", encoding="utf-8")
    assert read_roster(path)["1"].sis_login_id is None


def test_missing_columns_named(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Name Surname,Number\nKim,1\n", encoding="utf-8")
    with pytest.raises(RosterError, match=r"r\.csv, line 1: missing column Student and ID.*'Name Surname'"):
        read_roster(path)


def test_empty_id_names_line_and_column(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Student,ID\nKim,1\nLee,\n", encoding="utf-8")
    with pytest.raises(RosterError, match=r"r\.csv, line 3, column 'ID': empty for student 'Lee'"):
        read_roster(path)


def test_duplicate_id_names_both_lines(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Student,ID\nKim,1\nLee,2\nPark,1\n", encoding="utf-8")
    with pytest.raises(RosterError, match=r"line 4, column 'ID': '1' already on line 2"):
        read_roster(path)


def test_not_text_and_missing_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"Student,ID\nKim,1\n\xff\xff\xff,2\n")
    with pytest.raises(RosterError, match=r"r\.csv, line 3: neither UTF-8 nor cp949"):
        read_roster(path)
    with pytest.raises(RosterError, match="nope.csv: cannot be read"):
        read_roster(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(RosterError, match="empty.csv, line 1: empty file"):
        read_roster(tmp_path / "empty.csv")
