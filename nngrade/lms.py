"""Gradebook files for Canvas and Moodle, and readers that check them as each LMS reads them.

Canvas (Grades > Import, a CSV):
  header   Student, ID, SIS User ID, SIS Login ID, Section, nngrade late,
           nngrade <set> ..., nngrade total
  row 2    Points Possible, , , , , (read only), <max of each set> ..., (read only)
  rows     one per student
Canvas's importer takes the columns before the assignments as student information when the header
starts `Student, ID` and the last information column is `Section`; a student is matched by ID (the
Canvas user id), then SIS User ID, then SIS Login ID, then name. Every other column is an
assignment: `Name (id)` updates an existing one, a new name creates one, with its points from
the `Points Possible` row. A `(read only)` cell in that row makes the importer skip the column,
which is how its own export marks computed columns. nngrade uses that for two columns:
- `nngrade total`: for the instructor's eyes; imported it would double-count the sets.
- `nngrade late`: "late", "missing" (on the roster, nothing handed in: 0 in every set) or empty.
  It sits right after `Section`, where Canvas expects custom columns: if the course has a custom
  gradebook column titled "nngrade late" (a Notes-like text column), Canvas imports the flags
  into it; otherwise the column is skipped.
Scores are points with '.' as decimal mark, at most two decimals (Canvas exports at the same
precision). An empty cell leaves a grade unchanged. UTF-8 without BOM by default (`bom=True`
adds one for spreadsheet programs; Canvas's header check accepts either).

Moodle (Grades > Import > CSV file; Moodle's gradeimport_csv):
  header   <identifier>, Full name, nngrade <set> ..., nngrade total[, Feedback]
The identifier column is mapped at import to a user field: `Email address`, `Username` or
`ID number` (nngrade picks the first the roster fills for every student, else `ID number` with
the grader's student id). Each grade column is mapped to a grade item (or "new grade item", or
ignored); `-` means "no grade". A new grade item gets Moodle's default maximum (100), so create
the items with their maxima first, or map to existing ones. `Feedback` is mapped to the item it
comments on; it holds the named mistakes and the late flag, or says that nothing was handed in.

Roster students who handed nothing in (:func:`missing_students`) get a row in both files: 0 in
every set, marked missing.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from nngrade.autograder.atomic import write_atomic
from nngrade.autograder.messages import say
from nngrade.speech import cli
COLUMN_PREFIX = "nngrade "
CANVAS_INFO_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_LATE_COLUMN = COLUMN_PREFIX + "late"
TOTAL_COLUMN = COLUMN_PREFIX + "total"
CANVAS_POINTS_ROW = "Points Possible"
CANVAS_READ_ONLY = "(read only)"
LATE_TEXT = "late"
MISSING_TEXT = "missing"
MOODLE_IDENTIFIERS = ("ID number", "Email address", "Username")
MOODLE_NAME_COLUMN = "Full name"
MOODLE_FEEDBACK_COLUMN = "Feedback"
MOODLE_NO_GRADE = "-"


class GradebookFileError(ValueError):
    """A gradebook CSV that its LMS would reject or misread; the message names the file."""


# ---------------------------------------------------------------- roster and results access

def _field(entry, name: str):
    if entry is None:
        return None
    value = entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


_ROSTER_KEYS = ("student", "student_id", "id", "canvas_id", "sis_user_id", "sis_login_id",
                "id_number", "username", "email")


def _index(entries) -> dict[str, object]:
    index: dict[str, object] = {}
    for entry in entries:
        for key in _ROSTER_KEYS:
            value = _field(entry, key)
            if value is not None:
                index.setdefault(value, entry)
    return index


def roster_lookup(roster) -> Callable[[str], object | None]:
    """student id -> roster entry or None.

    Accepts nngrade.roster.Roster (its `find` matches Canvas ID, SIS ids and email), any mapping
    keyed by student id (values are then also searched by the ids they carry), or a plain list of
    entries (objects or dicts with name, canvas_id, sis_user_id, sis_login_id, section, email...).
    """
    if roster is None:
        return lambda student: None
    if callable(getattr(roster, "find", None)):
        return roster.find
    if isinstance(roster, Mapping):
        by_key = {str(k): v for k, v in roster.items()}
        index = _index(roster.values())
        return lambda student: by_key.get(student) or index.get(student)
    index = _index(roster)
    return index.get


def roster_name(lookup: Callable[[str], object | None], student: str, default: str | None = None) -> str:
    """The roster's name for `student`, else `default`, else the id."""
    return _field(lookup(student), "name") or default or student


def _extra(results: dict) -> dict:
    extra = results.get("extra_data") if isinstance(results, dict) else None
    if not isinstance(extra, dict) or not isinstance(extra.get("student"), str):
        raise ValueError(cli("lms-no-student"))
    return extra


def _set_ids(sets) -> list[str]:
    return [getattr(s, "id", s) for s in sets]


def _late_factor(results: dict) -> float:
    """1 - the late penalty fraction the grader applied to the total (1.0 when none)."""
    penalty = _extra(results).get("late_penalty")
    if isinstance(penalty, dict) and isinstance(penalty.get("fraction"), (int, float)):
        return 1.0 - float(penalty["fraction"])
    return 1.0


def _set_points(results: dict, set_id: str) -> tuple[float, float] | None:
    """(points, max) of one set as the gradebook gets them: with the late penalty applied, so the
    set columns add up to the results' total."""
    got = (_extra(results).get("sets") or {}).get(set_id)
    if isinstance(got, dict) and "score" in got:
        score, max_score = float(got["score"]), float(got.get("max_score", 0))
    else:
        tests = [t for t in results.get("tests") or []
                 if (t.get("extra_data") or {}).get("set", str(t.get("name", "")).split("/")[0]) == set_id]
        if not tests:
            return None
        score = sum(float(t.get("score", 0)) for t in tests)
        max_score = sum(float(t.get("max_score", 0)) for t in tests)
    return score * _late_factor(results), max_score


def _total(results: dict, set_ids: list[str]) -> float:
    score = results.get("score")
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        return float(score)
    return sum(p[0] for p in (_set_points(results, s) for s in set_ids) if p is not None)


def is_missing(results: dict) -> bool:
    """A roster student's stand-in results: nothing was handed in."""
    return bool(_extra(results).get("missing"))


def roster_entries(roster) -> list[tuple[str, object]]:
    """(student id, entry) for every student of a roster: a mapping's keys, or for a list the
    first id an entry carries."""
    if roster is None:
        return []
    if isinstance(roster, Mapping):
        return [(str(key), entry) for key, entry in roster.items()]
    found = []
    for entry in roster:
        key = next((v for v in (_field(entry, k) for k in _ROSTER_KEYS) if v), None)
        if key is not None:
            found.append((key, entry))
    return found


def _set_maximum(set_id: str) -> float:
    from nngrade.autograder.sets import UnknownSetError, find_set
    try:
        return float(sum(find_set(set_id).points.values()))
    except UnknownSetError:
        return 0.0


def missing_students(all_results: list[dict], roster, sets=None, lang: str = "en") -> list[dict]:
    """Stand-in results for the roster's students with no results: 0 of each set's maximum,
    `extra_data.missing` set, the roster's name. Empty without a roster."""
    if roster is None:
        return []
    lookup = roster_lookup(roster)
    graded = {_extra(r)["student"] for r in all_results}
    matched = {id(lookup(student)) for student in graded}
    set_ids = _set_ids(sets) if sets is not None else _default_sets(all_results)
    maxima = _max_points(all_results, set_ids)
    stand_ins = []
    for key, entry in roster_entries(roster):
        if key in graded or id(entry) in matched:
            continue
        sets_of = {s: {"score": 0.0, "max_score": maxima.get(s) or _set_maximum(s)} for s in set_ids}
        stand_ins.append({"score": 0.0, "tests": [], "extra_data": {
            "student": key, "display_name": _field(entry, "name") or key, "missing": True,
            "lang": lang, "sets": sets_of, "mistakes": [], "late": False}})
    return stand_ins


def _is_late(late) -> bool:
    if isinstance(late, dict):
        return bool(late.get("late", bool(late)))
    return bool(late)


def format_points(value: float) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _max_points(all_results: list[dict], set_ids: list[str]) -> dict[str, float]:
    maxima = {}
    for set_id in set_ids:
        got = [p for p in (_set_points(r, set_id) for r in all_results) if p is not None]
        maxima[set_id] = max((p[1] for p in got), default=0.0)
    return maxima


def _default_sets(all_results: list[dict]) -> list[str]:
    from nngrade.report.model import set_order

    found = {s for r in all_results for s in (_extra(r).get("sets") or {})}
    return sorted(found, key=set_order)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?|-")   # a number, or Moodle's "no grade"


_INVISIBLE_LEAD = {"Zs", "Cc", "Cf"}


def _safe_cell(cell) -> str:
    """A cell a spreadsheet will not run: text that starts like a formula gets a leading '.

    "Starts" as a spreadsheet reads it: after NFKC (a full-width ＝ is =) and past leading
    spaces, no-break and zero-width spaces and control characters."""
    text = str(cell)
    if _NUMBER.fullmatch(text):
        return text
    probe = unicodedata.normalize("NFKC", text)
    start = 0
    while start < len(probe) and unicodedata.category(probe[start]) in _INVISIBLE_LEAD:
        start += 1
    if text.startswith(_FORMULA_START) or probe[start:].startswith(_FORMULA_START):
        return "'" + text
    return text


def _write_csv(path: Path, rows: list[list[str]], bom: bool) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(   # RFC 4180 line ends
        [[_safe_cell(c) for c in row] for row in rows])
    data = ("\ufeff" if bom else "") + buf.getvalue()
    write_atomic(Path(path), data)


def _sorted_results(all_results: list[dict]) -> list[dict]:
    return sorted(all_results, key=lambda r: _extra(r)["student"])


# ---------------------------------------------------------------- Canvas

def canvas_column(set_id: str) -> str:
    return COLUMN_PREFIX + set_id


def write_canvas_csv(path: Path, all_results: list[dict], roster=None, sets=None, *,
                     bom: bool = False) -> Path:
    """Write a Canvas gradebook import file (layout in this module's docstring).

    Without a roster entry for a student: Student is the results' display name (else the id); a
    student id of digits only (what `--format canvas` gives: the Canvas user id) goes to ID, any
    other id to SIS User ID (a folder named by student number).
    """
    set_ids = _set_ids(sets) if sets is not None else _default_sets(all_results)
    lookup = roster_lookup(roster)
    maxima = _max_points(all_results, set_ids)
    header = [*CANVAS_INFO_COLUMNS, CANVAS_LATE_COLUMN, *(canvas_column(s) for s in set_ids), TOTAL_COLUMN]
    points = [CANVAS_POINTS_ROW, "", "", "", "", CANVAS_READ_ONLY,
              *(format_points(maxima[s]) for s in set_ids), CANVAS_READ_ONLY]
    rows = [header, points]
    for results in _sorted_results(all_results):
        extra = _extra(results)
        student = extra["student"]
        entry = lookup(student)
        canvas_id = _field(entry, "canvas_id")
        sis_user_id = _field(entry, "sis_user_id")
        if entry is None:
            if student.isdigit():
                canvas_id = student
            else:
                sis_user_id = student
        name = _field(entry, "name") or str(extra.get("display_name") or student)
        row = [name, canvas_id or "", sis_user_id or "", _field(entry, "sis_login_id") or "",
               _field(entry, "section") or "",
               MISSING_TEXT if extra.get("missing") else LATE_TEXT if _is_late(extra.get("late")) else ""]
        for set_id in set_ids:
            got = _set_points(results, set_id)
            row.append(format_points(got[0]) if got else "")
        row.append(format_points(_total(results, set_ids)))
        rows.append(row)
    _write_csv(path, rows, bom)
    return Path(path)


@dataclass
class CanvasGradebook:
    header: list[str]
    points_possible: dict[str, str]      # column -> cell of the Points Possible row
    rows: list[dict[str, str]]           # one per student, keyed by header

    @property
    def assignment_columns(self) -> list[str]:
        """Columns Canvas would import as assignments (not student info, not read-only)."""
        return [c for c in self.header[len(CANVAS_INFO_COLUMNS):]
                if not re.search(r"read\s+only", self.points_possible.get(c, ""))]

    def row_for(self, key: str, value: str) -> dict[str, str]:
        for row in self.rows:
            if row.get(key) == value:
                return row
        raise KeyError(cli("lms-no-row", key=key, value=repr(value)))


def _read_rows(path: Path) -> list[list[str]]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GradebookFileError(cli("lms-not-utf8", path=path, error=exc)) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise GradebookFileError(cli("lms-not-csv", path=path, error=exc)) from None


def read_canvas_csv(path: Path) -> CanvasGradebook:
    """Read a gradebook file back, applying the checks Canvas's importer applies to the header."""
    rows = _read_rows(path)
    if not rows:
        raise GradebookFileError(cli("lms-empty", path=path))
    header = rows[0]
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise GradebookFileError(cli("lms-canvas-header", path=path, got=header[:2]))
    if tuple(header[:len(CANVAS_INFO_COLUMNS)]) != CANVAS_INFO_COLUMNS:
        raise GradebookFileError(cli("lms-canvas-columns", path=path,
                                     columns=", ".join(CANVAS_INFO_COLUMNS),
                                     got=", ".join(header[:len(CANVAS_INFO_COLUMNS)])))
    if len(set(header)) != len(header):
        raise GradebookFileError(cli("lms-duplicate-columns", path=path))
    points: dict[str, str] = {}
    body = rows[1:]
    if body and CANVAS_POINTS_ROW in body[0][0]:
        points = dict(zip(header, body[0]))
        body = body[1:]
    students = []
    for n, row in enumerate(body, start=2 + bool(points)):
        if len(row) != len(header):
            raise GradebookFileError(cli("lms-cells", path=path, line=n, cells=len(row),
                                         columns=len(header)))
        students.append(dict(zip(header, row)))
    book = CanvasGradebook(header, points, students)
    for column in book.assignment_columns:
        for n, row in enumerate(students):
            cell = row[column].strip()
            if cell and cell.upper() != "EX" and not re.fullmatch(r"-?\d+(\.\d+)?%?", cell):
                raise GradebookFileError(cli("lms-not-score", path=path, column=repr(column),
                                                 row=n + 1, cell=repr(cell)))
    return book


# ---------------------------------------------------------------- Moodle

def _moodle_identifier(entries: list) -> tuple[str, str | None]:
    """(column name, roster field) the roster fills for every student; ID number by default."""
    if entries and all(e is not None for e in entries):
        for column, attrs in (("ID number", ("id_number", "idnumber", "sis_user_id")),
                              ("Email address", ("email",)),
                              ("Username", ("username",))):
            for attr in attrs:
                if all(_field(e, attr) for e in entries):
                    return column, attr
    return "ID number", None


def _feedback_text(results: dict) -> str:
    from nngrade.autograder.catalogue import load_hint

    extra = _extra(results)
    lang = extra.get("lang") if isinstance(extra.get("lang"), str) else "en"
    if extra.get("missing"):
        return say("lms-no-submission", lang)
    # The grader's student-level list (the smallest set explaining every test), as on the page.
    tags = extra.get("mistakes")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        tags = list(dict.fromkeys(tag for t in results.get("tests") or [] for tag in t.get("tags") or []))
    parts = [f"{load_hint(tag, lang).title} ({tag})" for tag in tags]
    if _is_late(extra.get("late")):
        parts.insert(0, say("lms-late", lang))
    return "; ".join(parts)


def write_moodle_csv(path: Path, all_results: list[dict], roster=None, sets=None, *,
                     feedback: bool = True, bom: bool = False) -> Path:
    """Write a Moodle grade import file (layout in this module's docstring)."""
    set_ids = _set_ids(sets) if sets is not None else _default_sets(all_results)
    lookup = roster_lookup(roster)
    ordered = _sorted_results(all_results)
    entries = [lookup(_extra(r)["student"]) for r in ordered]
    id_column, id_field = _moodle_identifier(entries)
    header = [id_column, MOODLE_NAME_COLUMN, *(canvas_column(s) for s in set_ids), TOTAL_COLUMN]
    if feedback:
        header.append(MOODLE_FEEDBACK_COLUMN)
    rows = [header]
    for results, entry in zip(ordered, entries):
        extra = _extra(results)
        student = extra["student"]
        ident = (_field(entry, id_field) if id_field else None) or student
        row = [ident, _field(entry, "name") or str(extra.get("display_name") or student)]
        for set_id in set_ids:
            got = _set_points(results, set_id)
            row.append(format_points(got[0]) if got else MOODLE_NO_GRADE)
        row.append(format_points(_total(results, set_ids)))
        if feedback:
            row.append(_feedback_text(results))
        rows.append(row)
    _write_csv(path, rows, bom)
    return Path(path)


@dataclass
class MoodleGradeFile:
    identifier: str                  # "ID number", "Email address" or "Username"
    header: list[str]
    rows: list[dict[str, str]]

    @property
    def grade_columns(self) -> list[str]:
        return [c for c in self.header[1:] if c not in (MOODLE_NAME_COLUMN, MOODLE_FEEDBACK_COLUMN)]


def read_moodle_csv(path: Path) -> MoodleGradeFile:
    """Read a Moodle grade import file back: identifier column first, numeric or '-' grades."""
    rows = _read_rows(path)
    if not rows:
        raise GradebookFileError(cli("lms-empty", path=path))
    header = [h.strip() for h in rows[0]]
    if header[0] not in MOODLE_IDENTIFIERS:
        raise GradebookFileError(cli("lms-moodle-first-column", path=path,
                                     columns=", ".join(MOODLE_IDENTIFIERS), got=repr(header[0])))
    if len(set(header)) != len(header):
        raise GradebookFileError(cli("lms-duplicate-columns", path=path))
    book = MoodleGradeFile(header[0], header, [])
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise GradebookFileError(cli("lms-cells", path=path, line=n, cells=len(row),
                                         columns=len(header)))
        record = dict(zip(header, row))
        if not record[header[0]].strip():
            raise GradebookFileError(cli("lms-empty-identifier", path=path, line=n, column=header[0]))
        for column in book.grade_columns:
            cell = record[column].strip()
            if cell not in ("", MOODLE_NO_GRADE) and not re.fullmatch(r"-?\d+(\.\d+)?", cell):
                raise GradebookFileError(cli("lms-not-grade", path=path, line=n, column=repr(column),
                                                 cell=repr(cell)))
        book.rows.append(record)
    return book
