"""The pytest plugin that walks students through one pytest session.

Suites are ordinary pytest files (public tests in ``<set>/test_public.py``, the hidden suite in
``<set>/test_hidden.py``, points in ``<set>/set.toml``). pytest collects them once; then, instead of running each item once, the
plugin takes one student after another (from a queue shared with other job slots) and runs every
item for that student, with the ``student`` fixture bound to that student's sandboxed code. The
outcome of each item becomes a :class:`TestOutcome`; nothing a student prints reaches pytest's
report, and no student code is ever imported into this process.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import pytest
from _pytest.reports import TestReport
from _pytest.runner import runtestprotocol

from nngrade.autograder.messages import say
from nngrade.autograder.plotting import names_a_plotting_library
from nngrade.autograder.probe import GradingFailure, StudentProbe
from nngrade.autograder.results import TestOutcome
from nngrade.autograder.sets import SET_FILE, find_set, set_ids

MARKERS = {
    "function(name)": "the graded function as results.json names it (e.g. MLP.backward)",
    "case(name)": "the case name, unique per function (e.g. seed-example, random)",
    "visibility(v)": "visible | after_published | hidden | after_due_date",
}


@dataclass
class TestMeta:
    set_id: str
    name: str
    function: str
    case: str
    points: float
    visibility: str
    public: bool


@dataclass
class StudentJob:
    """One student's code as the grader holds it: sources as bytes, never imported here."""
    student_id: str
    modules: dict[str, bytes]
    file_names: dict[str, str] = field(default_factory=dict)
    info: dict = field(default_factory=dict)       # what grading learnt (failed notebook cells)
    cells: dict[str, list] = field(default_factory=dict)   # notebook module -> intake's cell table
    sets: tuple[str, ...] | None = None    # the sets graded for this job (None: all the run's)
    lang: str | None = None                # the language of this job's texts (None: the run's)

    def may_plot(self) -> bool:
        """Does the student's code name a plotting library (autograder/plotting.py)?"""
        return names_a_plotting_library(self.modules.values())


class StudentBackends(Protocol):
    def for_set(self, set_id: str): ...
    def file_name(self, set_id: str) -> str: ...
    def close(self) -> None: ...


class GradingPlugin:
    def __init__(self, *, next_job: Callable[[], StudentJob | None],
                 open_student: Callable[[StudentJob], StudentBackends],
                 on_done: Callable[[StudentJob, list[TestOutcome], float], None],
                 salt: str = "", lang: str = "en", fingerprints: dict | None = None,
                 diagnose: bool = True, options: dict | None = None):
        self.next_job = next_job
        self.open_student = open_student
        self.on_done = on_done
        self.salt = salt
        self.lang = self.run_lang = lang
        self.fingerprints = fingerprints or {}
        self.diagnose = diagnose
        self.options = options or {}   # course settings tests may read (MNIST budget, data dir)
        self.meta: dict[str, TestMeta] = {}
        self.collection_errors: list[str] = []
        self._job: StudentJob | None = None
        self._backends: StudentBackends | None = None
        self._probe: StudentProbe | None = None
        self._excinfo: dict[str, BaseException] = {}

    # ---- collection ------------------------------------------------------------------------------

    def pytest_configure(self, config):
        for marker, text in MARKERS.items():
            config.addinivalue_line("markers", f"{marker}: {text}")

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext}")

    def pytest_collection_modifyitems(self, session, config, items):
        seen: dict[str, str] = {}
        for item in items:
            meta = _meta_of(item)
            if meta.name in seen:
                raise pytest.UsageError(f"two tests are named {meta.name}: {seen[meta.name]} and {item.nodeid}")
            seen[meta.name] = item.nodeid
            self.meta[item.nodeid] = meta
        check_points_tables(self.meta.values())
        order = {s: i for i, s in enumerate(set_ids())}
        position = {item.nodeid: i for i, item in enumerate(items)}
        items.sort(key=lambda it: (order[self.meta[it.nodeid].set_id],
                                   not self.meta[it.nodeid].public, position[it.nodeid]))

    # ---- the per-student loop --------------------------------------------------------------------

    def pytest_runtestloop(self, session):
        if self.collection_errors:
            raise session.Interrupted("the suites could not be collected:\n" + "\n".join(self.collection_errors))
        items = list(session.items)
        ran_before = False
        while True:
            job = self.next_job()
            if job is None:
                break
            self._grade_one(job, items, ran_before)
            ran_before = True
        return True

    def _grade_one(self, job: StudentJob, items, ran_before: bool) -> None:
        started = time.perf_counter()
        self._job = job
        self.lang = job.lang or self.run_lang
        try:
            self._backends = self.open_student(job)
        except Exception as exc:
            # A submission the sandbox refuses (or a sandbox that cannot start) fails this
            # student's tests with the reason; the other students are graded as usual.
            self._backends = Unavailable(f"{type(exc).__name__}: {exc}")
        outcomes = []
        if job.sets is not None:            # one set's submission (the web service's jobs)
            items = [it for it in items if self.meta[it.nodeid].set_id in job.sets]
        try:
            for i, item in enumerate(items):
                if ran_before or i > 0:
                    item._initrequest()  # fresh fixture request for a re-run of the same item
                nextitem = items[i + 1] if i + 1 < len(items) else None
                outcomes.append(self._run_item(item, nextitem))
        finally:
            self._backends.close()
            self._backends = None
        self.on_done(job, outcomes, time.perf_counter() - started)

    def _run_item(self, item, nextitem) -> TestOutcome:
        meta = self.meta[item.nodeid]
        self._probe = None
        self._excinfo.clear()
        reports = runtestprotocol(item, nextitem=nextitem, log=False)
        outcome = TestOutcome(meta.name, meta.set_id, meta.function, meta.case, meta.points,
                              meta.visibility)
        failed = [r for r in reports if r.failed]
        probe = self._probe
        if probe is not None:
            outcome.artifacts = list(probe.artifacts)
        if not failed:
            outcome.passed = True
            return outcome
        report = failed[0]
        record_failure(outcome, self._excinfo.get(report.when), report.longreprtext, self.lang)
        return outcome

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        if call.excinfo is None:
            return None
        exc = call.excinfo.value
        self._excinfo[call.when] = exc
        if isinstance(exc, AssertionError):
            # An expected failure: its message is the report; formatting a traceback would
            # cost more than running the test.
            return TestReport(item.nodeid, item.location, {}, "failed", str(exc), call.when,
                              duration=call.duration, start=call.start, stop=call.stop)
        return None

    # ---- fixtures ----------------------------------------------------------------------------------

    @pytest.fixture
    def student(self, request) -> StudentProbe:
        meta = self.meta[request.node.nodeid]
        set_fp = self.fingerprints.get(meta.set_id, {})
        self._probe = StudentProbe(meta.set_id, self._backends.for_set(meta.set_id),
                                   student_id=self._job.student_id, salt=self.salt, lang=self.lang,
                                   test_name=meta.name, file_name=self._backends.file_name(meta.set_id),
                                   fingerprints=set_fp, diagnose=self.diagnose,
                                   options=self.options)
        return self._probe

    @pytest.fixture
    def reference(self, request):
        from nngrade.autograder.reference import load_reference  # grading side only
        return load_reference(self.meta[request.node.nodeid].set_id)


class Unavailable:
    """Stands for a student whose code could not be started: every call fails with the reason."""

    def __init__(self, reason: str):
        self.reason = reason

    def for_set(self, set_id: str):
        return self

    def file_name(self, set_id: str) -> str:
        return f"{find_set(set_id).module}.py"

    def close(self) -> None:
        pass

    def _fail(self, *args, **kwargs):
        from nngrade.autograder.probe import Outcome
        return Outcome("crashed", error_type="Unavailable", error_text=self.reason)

    call = method = getattr = setitem = trace = _fail


def check_points_tables(metas) -> None:
    """Every [points] entry of a collected set's set.toml names one of its hidden tests."""
    hidden: dict[str, set[str]] = {}
    for meta in metas:
        if not meta.public:
            hidden.setdefault(meta.set_id, set()).add(f"{meta.function}/{meta.case}")
    for set_id, names in hidden.items():
        s = find_set(set_id)
        stray = sorted(set(s.points) - names)
        if stray:
            raise pytest.UsageError(f"{s.file(SET_FILE)}: [points] \"{stray[0]}\" names no test "
                                    "of test_hidden.py")


def public_case(case: str) -> str:
    """Public tests' cases are prefixed, so they never collide with a hidden test's name."""
    return case if case.startswith("public-") else f"public-{case}"


def meta_from_marks(set_id: str, test_name: str, marks: dict, public: bool,
                    where: str = "") -> TestMeta:
    """A test's name, points and visibility from its markers ({marker name: args})."""
    set_id = find_set(set_id).id
    function = (marks.get("function") or (None,))[0]
    if function is None:
        raise pytest.UsageError(f"{where or test_name}: missing @pytest.mark.function(...)")
    case = (marks.get("case") or (test_name.removeprefix("test_"),))[0]
    if public:
        case = public_case(case)
    if "points" in marks:
        raise pytest.UsageError(f"{where or test_name}: points are written in the set's set.toml "
                                f"[points] (\"{function}/{case}\" = N), not in a marker")
    points = 0.0
    if not public:
        s = find_set(set_id)
        if f"{function}/{case}" not in s.points:
            raise pytest.UsageError(f"{s.file(SET_FILE)}: [points] has no \"{function}/{case}\" "
                                    f"for the hidden test {where or test_name}")
        points = s.points[f"{function}/{case}"]
    visibility = (marks.get("visibility") or ("visible" if public else "after_published",))[0]
    return TestMeta(set_id, f"{set_id}/{function}/{case}", function, case, points, visibility, public)


def _meta_of(item) -> TestMeta:
    set_id = getattr(item.module, "SET", None)
    if set_id is None:
        raise pytest.UsageError(f"{item.nodeid}: the test module has no SET = \"NN_name\"")
    marks = {}
    for name in ("function", "case", "points", "visibility"):  # "points": to refuse it
        marker = item.get_closest_marker(name)
        if marker is not None and marker.args:
            marks[name] = marker.args
    public = Path(str(item.fspath)).name == "test_public.py"
    return meta_from_marks(set_id, item.name, marks, public, item.nodeid)


def load_test_functions(path: Path, set_id: str, *, public: bool, module_name: str | None = None):
    """[(TestMeta, function)] of one of the kit's own test files, in file order, without pytest."""
    import importlib.util
    import sys
    import warnings

    spec = importlib.util.spec_from_file_location(
        module_name or f"_nngrade_{'public' if public else 'hidden'}_{find_set(set_id).id}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # as an import would: dataclasses in a suite look it up
    with warnings.catch_warnings():
        # outside the grading session nobody has registered the markers, and pytest says so
        warnings.simplefilter("ignore", getattr(pytest, "PytestUnknownMarkWarning", Warning))
        spec.loader.exec_module(module)  # the kit's own test file, never student code
    found = []
    for name, fn in vars(module).items():
        if name.startswith("test_") and callable(fn):
            marks = {m.name: m.args for m in getattr(fn, "pytestmark", [])}
            found.append((meta_from_marks(set_id, name, marks, public, f"{path}: {name}"), fn))
    return found


def record_failure(outcome: TestOutcome, exc: BaseException | None, detail: str = "",
                   lang: str = "en") -> None:
    """What a failed test's exception says, as the student reads it."""
    if isinstance(exc, GradingFailure):
        outcome.summary, outcome.details = exc.summary, exc.details
        outcome.tags = tuple(dict.fromkeys(exc.tags))
        outcome.explanations = tuple(getattr(exc, "explanations", ()))
        outcome.status = exc.kind
    elif isinstance(exc, AssertionError):
        outcome.summary, outcome.status = str(exc) or say("assertion-failed", lang), "mismatch"
    else:
        # A fault of the suite itself (or a value the suite did not expect): never blame silently.
        outcome.summary = say("grader-error", lang, error=type(exc).__name__ + ": " + str(exc)[:200]
                              if exc else say("setup-error", lang))
        outcome.status = "grader-error"
        outcome.grader_error = detail[-2000:] or repr(exc)
