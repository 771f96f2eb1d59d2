"""`--roster roster.csv`: a Canvas gradebook export → who each student id is.

Canvas's export starts with the columns Student, ID, SIS User ID, SIS Login ID, Section, then one
per assignment; a "Points Possible" row (and in newer exports a "Manual Posting" row) may follow
the header. Exports opened and saved in Korean Excel come back in cp949, sometimes with a BOM or
as UTF-16 tab-separated text; all of these are read.

    roster = read_roster("roster.csv")
    roster["48213"].name          # keyed by Canvas's ID column (the Canvas download's userid)
    roster.find("2024123456")     # also matches SIS User ID, SIS Login ID or email
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from nngrade.speech import cli, os_reason

# Canvas's header → our field; a few other spellings seen in hand-made rosters are accepted.
_COLUMNS = {
    "student": "name", "student name": "name", "name": "name",
    "id": "canvas_id",
    "sis user id": "sis_user_id",
    "sis login id": "sis_login_id",
    "section": "section",
    "email": "email", "email address": "email", "e-mail": "email",
}
_KEY_FIELDS = ("canvas_id", "sis_user_id", "sis_login_id")
_CANVAS_HEADER = {"canvas_id": "ID", "sis_user_id": "SIS User ID", "sis_login_id": "SIS Login ID"}


class RosterError(ValueError):
    """A roster that cannot be used; the message names the file, line and column."""


@dataclass(frozen=True)
class RosterEntry:
    name: str
    canvas_id: str | None
    sis_user_id: str | None
    sis_login_id: str | None
    section: str | None
    email: str | None = None


class Roster(dict[str, RosterEntry]):
    """student id → RosterEntry, keyed by Canvas's ID (or SIS User ID, SIS Login ID when ID is absent)."""

    def find(self, student_id: str) -> RosterEntry | None:
        """The entry whose Canvas ID, SIS User ID, SIS Login ID or email is `student_id`
        (folder names are often student numbers or logins rather than Canvas ids)."""
        if student_id in self:
            return self[student_id]
        key = student_id.strip().casefold()
        for entry in self.values():
            for value in (entry.canvas_id, entry.sis_user_id, entry.sis_login_id, entry.email):
                if value is not None and value.casefold() == key:
                    return entry
        return None


def read_roster(path) -> Roster:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RosterError(cli("cannot-be-read", path=path, reason=os_reason(e))) from None
    text = _decode(raw, path)
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise RosterError(cli("roster-empty", path=path))
        fields = _fields(header, path)
        key_field = next(f for f in _KEY_FIELDS if f in fields)
        roster = Roster()
        first_line: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            values = {f: _cell(row, i) for f, i in fields.items()}
            name, key = values.get("name") or "", values.get(key_field) or ""
            if not any(c.strip() for c in row) or name.strip().casefold() == "points possible":
                continue
            if not key and not name:       # Canvas's "Manual Posting" / "(read only)" rows
                continue
            column = _CANVAS_HEADER[key_field]
            if not key:
                raise RosterError(cli("roster-empty-cell", path=path, line=line, column=repr(column),
                                      name=repr(name)))
            if key in roster:
                raise RosterError(cli("roster-twice", path=path, line=line, column=repr(column),
                                      key=repr(key), first=first_line[key]))
            first_line[key] = line
            roster[key] = RosterEntry(
                name=name, canvas_id=values.get("canvas_id"), sis_user_id=values.get("sis_user_id"),
                sis_login_id=values.get("sis_login_id"), section=values.get("section"),
                email=values.get("email"))
    except csv.Error as e:
        raise RosterError(cli("roster-not-csv", path=path, line=reader.line_num, error=e)) from None
    return roster


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):        # Excel's "Unicode text"
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as e:
            raise RosterError(cli("roster-utf16", path=path, reason=e.reason)) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    bad = raw.decode("utf-8", "replace")
    line = bad[: bad.index("\ufffd")].count("\n") + 1
    raise RosterError(cli("roster-encoding", path=path, line=line))


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _fields(header: list[str], path: Path) -> dict[str, int]:
    fields: dict[str, int] = {}
    for i, title in enumerate(header):
        field = _COLUMNS.get(" ".join(title.strip().casefold().split()))
        if field is not None and field not in fields:
            fields[field] = i
    missing = []
    if "name" not in fields:
        missing.append("Student")
    if not any(f in fields for f in _KEY_FIELDS):
        missing.append(cli("roster-id-columns"))
    if missing:
        found = ", ".join(repr(h) for h in header[:8]) + (", ..." if len(header) > 8 else "")
        missing_text = missing[0] if len(missing) == 1 else cli("and", a=missing[0], b=missing[1])
        raise RosterError(cli("roster-missing-columns", path=path, missing=missing_text, found=found))
    return fields


def _cell(row: list[str], i: int) -> str | None:
    if i >= len(row):
        return None
    value = unicodedata.normalize("NFC", row[i].strip())
    return value or None
