"""Checks of a class run's inputs made before any student is graded: OUT, the roster, overrides.

Each problem is a ValueError whose one-line message names the file (and entry) and what is wrong.
"""
from __future__ import annotations

from pathlib import Path

from nngrade.errors import did_you_mean, printable, some


def check_out(out: Path) -> None:
    """OUT is a folder that may not exist yet, never a file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{printable(out)}: exists and is not a folder; --out names the folder "
                         "the results are written to")


def check_roster(path: Path | None) -> None:
    """A roster that cannot be read (missing, no Student or ID column, an id twice) stops the run
    before it starts rather than after everyone is graded."""
    if path is not None:
        from nngrade.roster import read_roster
        read_roster(path)


def graded_test_names(sets) -> set[str]:
    """`<set>/<function>/<case>` of every graded (hidden) test of ``sets``."""
    return {f"{s.id}/{name}" for s in sets for name in s.points}


def check_overrides(path: Path, overrides: dict[str, dict[str, float]], student_ids,
                    sets) -> None:
    """Every overrides.toml entry names a student of the class and a graded test of its sets."""
    students = list(student_ids)
    known = set(students)
    tests = graded_test_names(sets)
    for student, entries in overrides.items():
        if student not in known:
            raise ValueError(f"{printable(path)}: [{printable(student)}] is not a student of this "
                             f"class{did_you_mean(student, students)}; students: {some(students)}")
        for test in entries:
            if test not in tests:
                hint = did_you_mean(test, tests) or (
                    f" (test names are <set>/<function>/<case>, e.g. {min(tests)!r})" if tests else "")
                raise ValueError(f"{printable(path)}: [{printable(student)}] {test!r} "
                                 f"is no test of the graded sets{hint}")
