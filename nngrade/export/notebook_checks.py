"""nngrade's checks inside an nbgrader notebook: what the exported test cells call.

A test cell of an exported notebook (``nngrade export nbgrader``) runs, in the student's own
kernel, the public tests of one function (visible part) and, in its ``### BEGIN HIDDEN TESTS``
block, the hidden suite's tests of that function on the student's per-student random inputs.
The tests are the same files ``nngrade grade`` runs; only the backend differs: a
:class:`~nngrade.autograder.probe.LocalBackend` on a module object made from the notebook's own
namespace instead of a sandboxed process. That is weaker, and the notebook says so: the student's
code shares the process with the reference solution and the tests, can read or change them, and
nothing limits its time but nbgrader's cell timeout. ``nngrade grade --format nbgrader
COURSE/submitted`` grades the same notebooks in the sandbox and is the recommended path.

Per-student inputs come from sha256(course salt, student id, set), exactly as in ``nngrade
grade``: the salt is read from the nearest ``nngrade.toml`` above the kernel's working folder
(the export writes one at the course root), the student id is the one nbgrader grades. nbgrader
gives the kernel no student id of its own: during ``nbgrader autograde`` (environment variable
``NBGRADER_EXECUTION=autograde``) the kernel runs in ``autograded/<student>/<assignment>/``, so
the student is the working folder's parent.
"""
from __future__ import annotations

import inspect
import os
import types
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from nngrade.autograder.plugin import load_test_functions, record_failure
from nngrade.autograder.probe import LocalBackend, StudentProbe
from nngrade.autograder.results import TestOutcome
from nngrade.autograder.sets import HIDDEN_SUITE, PUBLIC_TESTS, find_set
from nngrade.speech import cli, language

DEFAULT_STUDENT = "student"


# ---- the tests of a set, read from the same files the grader runs ------------------------------


@dataclass(frozen=True)
class SuiteTest:
    name: str            # "<set>/<function>/<case>", as in results.json
    set_id: str
    function: str
    case: str
    points: float
    visibility: str
    public: bool
    fn: Callable


def suite_path(set_id: str, *, public: bool) -> Path:
    s = find_set(set_id)
    return s.file(PUBLIC_TESTS if public else HIDDEN_SUITE)


@lru_cache(maxsize=None)
def suite_tests(set_id: str, *, public: bool) -> tuple[SuiteTest, ...]:
    """Every test of a set's public file or hidden suite, in file order (pytest's order), with the
    metadata the pytest plugin reads from the same markers."""
    s = find_set(set_id)
    path = suite_path(s.id, public=public)
    if not path.is_file():
        raise FileNotFoundError(cli("nb-no-public" if public else "nb-no-hidden", path=path,
                                    set=s.id))
    return tuple(SuiteTest(m.name, m.set_id, m.function, m.case, m.points, m.visibility, m.public, fn)
                 for m, fn in load_test_functions(path, s.id, public=public))


def function_points(set_id: str) -> dict[str, float]:
    """Points of each graded function: the sum of its hidden tests' points."""
    points: dict[str, float] = {}
    for t in suite_tests(set_id, public=False):
        points[t.function] = points.get(t.function, 0.0) + t.points
    return points


# ---- who is graded, and with which course settings ---------------------------------------------


def student_id(cwd: Path | None = None, set_id: str | None = None) -> str:
    """The student nbgrader is grading, or a fixed id outside ``nbgrader autograde``.

    ``NBGRADER_EXECUTION`` is "autograde" while nbgrader autogrades and "validate" while it
    validates; the autograder's kernel works in ``autograded/<student>/<assignment>/`` (nbgrader's
    default ``directory_structure``; ``autograded/<assignment>/<student>/`` is recognised too when
    the assignment is named after its set, as the export names it)."""
    cwd = Path(cwd or os.getcwd())
    if os.environ.get("NBGRADER_EXECUTION") == "autograde" and cwd.parent.name:
        if set_id is not None and cwd.parent.name == set_id and cwd.name != set_id:
            return cwd.name
        return cwd.parent.name
    return os.environ.get("NNGRADE_STUDENT_ID") or os.environ.get("JUPYTERHUB_USER") or DEFAULT_STUDENT


@dataclass(frozen=True)
class CourseSettings:
    salt: str
    lang: str
    options: dict
    path: Path | None


def course_settings(cwd: Path | None = None, *, required: bool) -> CourseSettings:
    """The nearest nngrade.toml above the working folder (the course root written by the export)."""
    from nngrade.config import find_course, load_course

    cwd = Path(cwd or os.getcwd())
    path = find_course(cwd)
    mnist_dir = os.environ.get("NNGRADE_MNIST_DIR") or None
    if path is None:
        if required:
            raise FileNotFoundError(cli("nb-no-course", path=cwd))
        lang = language()
        return CourseSettings("", lang, {"mnist_dir": mnist_dir}, None)
    course = load_course(path)
    return CourseSettings(course.salt, course.lang,
                          {"mnist_budget": course.mnist_budget_cpu_seconds, "mnist_dir": mnist_dir},
                          path)


def student_module(namespace: dict, set_id: str) -> types.ModuleType:
    """A module object holding the notebook's names (what a `<module>.py` would define)."""
    module = types.ModuleType(find_set(set_id).module)
    module.__dict__.update({k: v for k, v in namespace.items()
                            if not (k.startswith("__") and k.endswith("__"))})
    return module


# ---- running the tests of one function --------------------------------------------------------


@lru_cache(maxsize=None)
def _fingerprints(set_id: str) -> dict:
    """What each mistake model gives on the public examples (names a mistake in a public test).
    Built from the models in seconds, kept on disk per grader version as `nngrade grade` keeps it."""
    from nngrade.autograder.fingerprints import cached_fingerprints
    from nngrade.grade import grader_digest
    return cached_fingerprints([set_id], grader_digest()).get(set_id, {})


def run_test(test: SuiteTest, module, *, student: str, settings: CourseSettings,
             fingerprints: dict | None = None) -> TestOutcome:
    """One test on the notebook's module; the failure mapping follows the grading plugin's."""
    outcome = TestOutcome(test.name, test.set_id, test.function, test.case, test.points,
                          test.visibility)
    probe = StudentProbe(test.set_id, LocalBackend(module), student_id=student,
                         salt=settings.salt, lang=settings.lang, test_name=test.name,
                         file_name=f"{test.set_id}.ipynb", fingerprints=fingerprints,
                         options=settings.options)
    kwargs = {"student": probe}
    if "reference" in inspect.signature(test.fn).parameters:
        from nngrade.autograder.reference import load_reference
        kwargs["reference"] = load_reference(test.set_id)
    try:
        # A warning that reaches stderr would make nbgrader score the cell 0 whatever the
        # result; the student's own warnings are recorded per call by the backend.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            test.fn(**kwargs)
        outcome.passed = True
    except Exception as exc:  # mapped exactly as the grading plugin maps a failed test
        record_failure(outcome, exc, lang=settings.lang)
    return outcome


def report(function: str, outcomes: list[TestOutcome], *, hidden: bool, lang: str,
           student: str) -> str:
    """The assertion message: each failed test with what went wrong and the named-mistake hint."""
    from nngrade.autograder.messages import say
    failed = [o for o in outcomes if not o.passed]
    lines = [say("nb-failed", lang, function=function, failed=len(failed), total=len(outcomes),
                 kind=say("nb-hidden" if hidden else "nb-public", lang))]
    for o in failed:
        lines.append("")
        lines.append(f"✗ {o.name}")
        lines.extend("  " + line for line in o.output(lang).splitlines())
    if hidden:
        lines.append("")
        lines.append(say("nb-student", lang, student=student))
    return "\n".join(lines)


def run_checks(set_id: str, function: str, namespace: dict, *, hidden: bool,
               cwd: Path | None = None) -> list[TestOutcome]:
    """Run the public or hidden tests of one function on the notebook's namespace; raise an
    AssertionError naming every failure (with hints) when any fails."""
    s = find_set(set_id)
    tests = [t for t in suite_tests(s.id, public=not hidden) if t.function == function]
    if hidden and not tests:
        # a test cell that ran nothing must not pass: the notebook and the suite disagree
        raise LookupError(cli("nb-no-test", set=s.id, function=repr(function)))
    settings = course_settings(cwd, required=hidden)
    student = student_id(cwd, s.id) if hidden else DEFAULT_STUDENT
    module = student_module(namespace, s.id)
    outcomes = [run_test(t, module, student=student, settings=settings) for t in tests]
    if not hidden and any(not o.passed for o in outcomes):
        # Public tests name mistakes from fingerprints, which cost seconds to build for some
        # sets: built only when needed, then the failed tests run again with them.
        fingerprints = _fingerprints(s.id)
        outcomes = [o if o.passed else run_test(t, module, student=student, settings=settings,
                                                fingerprints=fingerprints)
                    for t, o in zip(tests, outcomes)]
    if any(not o.passed for o in outcomes):
        raise AssertionError(report(function, outcomes, hidden=hidden, lang=settings.lang,
                                    student=student))
    return outcomes


def public_checks(set_id: str, function: str, namespace: dict) -> None:
    """The visible part of a test cell: the public examples of one function."""
    run_checks(set_id, function, namespace, hidden=False)
    # Notebook cells show the value of their last expression: return nothing.


def hidden_checks(set_id: str, function: str, namespace: dict) -> None:
    """The hidden part of a test cell: the graded tests of one function on this student's inputs."""
    run_checks(set_id, function, namespace, hidden=True)
