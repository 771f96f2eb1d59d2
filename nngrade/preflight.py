"""Checks of a class run's inputs made before any student is graded: OUT, the roster, overrides.

Each problem is a ValueError whose one-line message names the file (and entry) and what is wrong.
"""
from __future__ import annotations

import ast
from pathlib import Path

from nngrade.errors import did_you_mean, printable, some
from nngrade.speech import cli


def check_out(out: Path) -> None:
    """OUT is a folder that may not exist yet, never a file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(cli("out-not-folder", path=printable(out)))


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
            raise ValueError(cli("override-student", path=printable(path), student=printable(student),
                                 near=did_you_mean(student, students), students=some(students)))
        for test in entries:
            if test not in tests:
                hint = did_you_mean(test, tests) or (
                    cli("override-test-names", example=repr(min(tests))) if tests else "")
                raise ValueError(cli("override-test", path=printable(path), student=printable(student),
                                     test=repr(test), hint=hint))


def check_points_tables(sets) -> None:
    """Every [points] entry of a set's set.toml names a test of its hidden suite, read from the
    suite's markers without running it, so that a typo stops the run before the first student
    rather than failing every one. A suite whose markers are not literals is left to the check
    made when it is collected."""
    from nngrade.autograder.sets import HIDDEN_SUITE, SET_FILE
    for s in sets:
        suite = s.file(HIDDEN_SUITE)
        if not suite.is_file() or not s.points:
            continue
        try:
            tree = ast.parse(suite.read_bytes(), filename=str(suite))
        except (SyntaxError, ValueError):
            continue                      # said, with its line, when the suite is collected
        names = _marked_tests(tree)
        if names is None:
            continue
        if not set(s.points) <= names:
            # Tests made at import (one per accuracy step) have no markers to read: load it.
            loaded = _loaded_tests(s, suite)
            if loaded is None:
                continue
            names |= loaded
        for entry in s.points:
            if entry not in names:
                hint = did_you_mean(entry, sorted(names))
                raise ValueError(cli("points-no-test", path=printable(s.file(SET_FILE)), entry=entry,
                                     suite=HIDDEN_SUITE, hint=hint))


def _marked_tests(tree: ast.Module) -> set[str] | None:
    """"function/case" of each test function's literal markers; None when one is not literal."""
    found = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
            continue
        marks = {}
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and \
                    deco.func.attr in ("function", "case"):
                if len(deco.args) != 1 or not isinstance(deco.args[0], ast.Constant):
                    return None
                marks[deco.func.attr] = str(deco.args[0].value)
        if "function" in marks and "case" in marks:
            found.add(f"{marks['function']}/{marks['case']}")
        else:
            return None
    return found


def _loaded_tests(s, suite: Path) -> set[str] | None:
    """The suite's tests as collecting it finds them; empty when a test has no points (the
    entries the markers do not name are then reported as they are); None when it cannot load."""
    import pytest
    from nngrade.autograder.plugin import load_test_functions
    try:
        return {f"{meta.function}/{meta.case}"
                for meta, _ in load_test_functions(suite, s.id, public=False,
                                                   module_name=f"_nngrade_preflight_{s.id}")}
    except pytest.UsageError:
        return set()          # a test without points: the stray entry is the likelier slip
    except Exception:         # a suite that cannot load is reported when it is collected
        return None
