"""Are hand-written student submissions graded right through the real path (sandbox + suites)?

tests/files/catalogue/<id>[-<set>]/{a,b}/ hold two submissions per catalogue mistake, written
differently, each with exactly that mistake; tests/files/correct/<set>/{a,b}/ hold correct work
written differently from the reference. Every one is graded in one pytest session through one
sandbox, as a class would be: each mistake must be named on both of its submissions, and correct
work must get full marks and no diagnosis at all.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from nngrade.autograder.backends import SandboxStudent
from nngrade.autograder.plugin import GradingPlugin, StudentJob
from nngrade.autograder.suite_session import run_suites, suite_paths
from nngrade.autograder.sandbox import SandboxPool
from nngrade.check import collect_sources
from nngrade.paths import ASSIGNMENTS_DIR, SOLUTIONS_DIR
from nngrade.autograder.sets import SETS, find_set

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

FILES = Path(__file__).resolve().parent / "files"
CATALOGUE = FILES / "catalogue"
CORRECT = FILES / "correct"
SKIP_SETS = {"08_mnist"}  # trained on real digits: tests/test_mnist_grading.py


def _mistake_id(folder: Path) -> str:
    name = folder.name
    for s in SETS:
        for suffix in (f"-{s.number:02d}", f"-{s.short}"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
    return name


def _sets_of(modules: dict, mistake_id: str | None = None):
    sets = [s for s in SETS if s.module in modules and s.id not in SKIP_SETS]
    if mistake_id:
        from nngrade.autograder.mistakes import models_for
        allowed = {s.id for s in SETS if any(m.id == mistake_id for m in models_for(s.id))}
        sets = [s for s in sets if s.id in allowed] or sets
    return sets


def _graded_here(folder: Path) -> bool:
    """False for a submission whose modules all belong to sets left to other files (set 08's)."""
    modules, _ = collect_sources(folder)
    return any(s.module in modules and s.id not in SKIP_SETS for s in SETS)


def _submissions():
    cases = []
    for folder in sorted(CATALOGUE.glob("*/*")) if CATALOGUE.is_dir() else []:
        if folder.is_dir() and not folder.name.startswith(".") and _graded_here(folder):
            cases.append((f"{folder.parent.name}/{folder.name}", folder, _mistake_id(folder.parent)))
    for folder in sorted(CORRECT.glob("*/*")) if CORRECT.is_dir() else []:
        if folder.is_dir() and not folder.name.startswith(".") \
                and find_set(folder.parent.name).id not in SKIP_SETS:
            cases.append((f"correct/{folder.parent.name}/{folder.name}", folder, None))
    return cases


CASES = _submissions()
GRADED_SETS = tuple(s for s in SETS if s.id not in SKIP_SETS)


def _folder_of_modules(root: Path) -> tuple[dict, dict]:
    """Every set's module from root/<set>/<module>.py, as one student hands them in."""
    modules, names = {}, {}
    for s in GRADED_SETS:
        path = root / s.id / f"{s.module}.py"
        if path.is_file():
            modules[s.module] = path.read_bytes()
            names[s.module] = f"{s.id}/{s.module}.py"
    return modules, names


@pytest.fixture(scope="module")
def graded():
    """Grade every submission folder once; {case name: (sets graded, outcomes)}."""
    jobs, plan = [], {}
    for name, folder, mistake in CASES:
        modules, names = collect_sources(folder)
        sets = _sets_of(modules, mistake) if mistake else [find_set(folder.parent.name)]
        plan[name] = sets
        jobs.append(StudentJob(name, modules, names))
    for name, root in (("reference", SOLUTIONS_DIR), ("stubs", ASSIGNMENTS_DIR)):
        modules, names = _folder_of_modules(root)
        plan[name] = list(GRADED_SETS)
        jobs.append(StudentJob(name, modules, names))
    all_sets = tuple(s for s in SETS if any(s in v for v in plan.values()))
    results = {}
    pool = SandboxPool(slot=7)
    plugin = GradingPlugin(next_job=lambda: jobs.pop(0) if jobs else None,
                           open_student=lambda job: SandboxStudent(pool, job),
                           on_done=lambda job, outcomes, secs: results.__setitem__(job.student_id, outcomes),
                           salt="catalogue-test", lang="en")
    try:
        run_suites(suite_paths(all_sets), plugin)
    finally:
        pool.close()
    return {name: (plan[name], results[name]) for name in plan}


def test_reference_sources_get_full_marks_through_the_sandbox(graded):
    """Handed in as a student's files, does the reference pass every test of every set?"""
    sets, outcomes = graded["reference"]
    assert {o.set_id for o in outcomes} == {s.id for s in GRADED_SETS}
    assert [(o.name, o.summary[:120]) for o in outcomes if not o.passed] == []
    assert all(o.tags == () for o in outcomes)


def test_stubs_get_zero_with_not_implemented_messages(graded):
    """Do the released stubs earn nothing, and does every failure say "not implemented"?"""
    sets, outcomes = graded["stubs"]
    assert outcomes and not any(o.passed and o.max_score for o in outcomes)
    failed = [o for o in outcomes if not o.passed]
    assert all("not implemented" in o.summary for o in failed), \
        [(o.name, o.summary[:120]) for o in failed if "not implemented" not in o.summary][:5]
    assert all(o.tags == () for o in outcomes)


@pytest.mark.parametrize("name,folder,mistake", [c for c in CASES if c[2]], ids=[c[0] for c in CASES if c[2]])
def test_mistake_is_named(graded, name, folder, mistake):
    """Is the submission's one mistake named (and does it lose points)?"""
    sets, outcomes = graded[name]
    mine = [o for o in outcomes if o.set_id in {s.id for s in sets}]
    tags = {t for o in mine for t in o.tags}
    lost = sum(o.max_score for o in mine if not o.passed)
    assert mistake in tags, [(o.name, o.tags, o.summary[:100]) for o in mine if not o.passed][:6]
    assert lost > 0


@pytest.mark.parametrize("name,folder,mistake", [c for c in CASES if not c[2]], ids=[c[0] for c in CASES if not c[2]])
def test_correct_work_gets_full_marks_and_no_diagnosis(graded, name, folder, mistake):
    sets, outcomes = graded[name]
    mine = [o for o in outcomes if o.set_id in {s.id for s in sets}]
    assert mine
    assert [(o.name, o.summary[:200]) for o in mine if not o.passed] == []
    assert all(o.tags == () for o in mine)


def test_every_catalogue_id_has_two_submissions():
    """Does each id of the catalogue (sets graded here) have two hand-written submissions?"""
    from nngrade.autograder.mistakes import all_ids, models_for
    have: dict[str, int] = {}
    for name, folder, mistake in CASES:
        if mistake:
            have[mistake] = have.get(mistake, 0) + 1
    wanted = {m.id for s in SETS if s.id not in SKIP_SETS for m in models_for(s.id)}
    missing = sorted(i for i in wanted if have.get(i, 0) < 2)
    assert not missing
