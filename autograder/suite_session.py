"""Running the suites: which files, with which pytest options, on which backend.

``run_suites`` starts one pytest session with the grading plugin; the plugin then pulls students
until the job source is empty. Students are served either by the sandbox (always, for student
code) or, for the kit's own checks of trusted modules (the reference, mistake models), in process.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from nngrade.autograder.plugin import GradingPlugin
from nngrade.autograder.probe import LocalBackend, Outcome
from nngrade.autograder.sets import HIDDEN_SUITE, PUBLIC_TESTS, ExerciseSet

# Only pytest's own plugins: third-party ones (hypothesis, benchmark, randomly ...) would slow the
# start of every `nngrade check` and could reorder or rerun the suites. The flag, not the
# PYTEST_DISABLE_PLUGIN_AUTOLOAD variable: changing the environment while the sandbox starts in
# another thread races with that thread's getenv() calls in C (a crash in libc, seen here).
PYTEST_ARGS = [
    "--disable-plugin-autoload",
    "-p", "no:cacheprovider",
    "-p", "no:stepwise",
    "-p", "no:junitxml",
    "-p", "no:doctest",
    "-p", "no:pastebin",
    "-p", "no:nose",
    "-p", "no:unraisableexception",   # its gc.collect() per session costs more than the tests
    "-p", "no:threadexception",
    "--assert=plain",
    "--import-mode=importlib",
    "-q", "--no-header", "-s",
]


def suite_paths(sets: tuple[ExerciseSet, ...], *, public: bool = True,
                hidden: bool = True) -> list[Path]:
    """The test files of the chosen sets, in set order: public tests, then the hidden suite."""
    paths = []
    for s in sets:
        if public and s.file(PUBLIC_TESTS).is_file():
            paths.append(s.file(PUBLIC_TESTS))
        if hidden and s.file(HIDDEN_SUITE).is_file():
            paths.append(s.file(HIDDEN_SUITE))
    return paths


class SuiteError(RuntimeError):
    """The suites themselves are broken (collection failed): no student can be graded."""


def run_suites(paths: list[Path], plugin: GradingPlugin, *, quiet: bool = True) -> None:
    if not paths:
        # Nothing to collect: still walk the students so each gets (empty) results.
        while (job := plugin.next_job()) is not None:
            backends = plugin.open_student(job)
            backends.close()
            plugin.on_done(job, [], 0.0)
        return
    ini = Path(__file__).resolve().parent / "pytest.ini"
    args = [*map(str, paths), *PYTEST_ARGS, "-c", str(ini),
            "--rootdir", str(Path(__file__).resolve().parent.parent)]
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
        code = pytest.main(args, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise SuiteError(f"pytest exited with {code!r}:\n{sink.getvalue()[-4000:]}")


# ---- backends for trusted modules (the kit's own checks) -------------------------------------------


class TrustedStudent:
    """Serves a student made of trusted modules (reference or mistake model) in this process."""

    def __init__(self, modules_by_set: dict[str, object]):
        self.modules_by_set = modules_by_set

    def for_set(self, set_id: str):
        module = self.modules_by_set.get(set_id)
        return LocalBackend(module) if module is not None else MissingModule()

    def file_name(self, set_id: str) -> str:
        from nngrade.autograder.sets import find_set
        return f"{find_set(set_id).module}.py"

    def close(self) -> None:
        pass


class MissingModule:
    """Every call fails with "not submitted"."""

    def _missing(self, *args, **kwargs) -> Outcome:
        return Outcome("missing", error_type="not-submitted")

    call = method = getattr = setitem = trace = _missing
