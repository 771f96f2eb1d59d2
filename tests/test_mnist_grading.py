"""Are student MNIST trainers graded right through the real path (sandbox + set 08's suites)?

Hand-written submissions of set 08 are graded in one pytest session through one sandbox, as a
class would be, on the real offline split (MNIST's 10,000 test digits: 8,000 train, 2,000 held
out) with a small CPU budget: correct work written two ways (and the reference itself) gets full
marks and no diagnosis; batch-sum-not-mean and weights-transposed, each written two ways, are
named; a trainer that never learns gets none of the accuracy points and everything else; one
that runs past the budget is stopped and told so, and the students after it are graded as usual.

tests/files/correct/08_mnist/{a,b}, tests/files/catalogue/batch-sum-not-mean/{a,b},
tests/files/catalogue/weights-transposed-08/{a,b}, tests/files/mnist-students/* hold them
(tests/test_grading_sandbox.py leaves set 08 to this file).
"""
from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from nngrade import mnist_data
from nngrade.autograder.backends import SandboxStudent, limits_for
from nngrade.autograder.plugin import GradingPlugin, StudentJob
from nngrade.autograder.results import build_results
from nngrade.autograder.suite_session import run_suites, suite_paths
from nngrade.autograder.sandbox import SandboxPool
from nngrade.check import collect_sources
from nngrade.paths import SOLUTIONS_DIR
from nngrade.autograder.sets import find_set

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

SET = "08_mnist"
FILES = Path(__file__).resolve().parent / "files"
MNIST_DIR = Path(os.environ.get("NNGRADE_TEST_MNIST_DIR", "/work/shared/data/mnist"))
needs_mnist = pytest.mark.skipif(not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
                                 reason=f"MNIST test files not in {MNIST_DIR}")

BUDGET = 15.0       # CPU seconds for the training run (the course default is 120)
# The engine lets a student's process use budget + 60 CPU seconds in all (limits_for); the margin
# is narrowed here so the trainer that runs past the budget is stopped within seconds.
CPU_MARGIN = 5

# (student id, folder, the mistake it must be named with, or None for correct work)
STUDENTS = [
    ("reference", SOLUTIONS_DIR / SET, None),
    ("correct-a", FILES / "correct" / SET / "a", None),
    ("over-budget", FILES / "mnist-students" / "over-budget", "over-budget"),
    ("correct-b", FILES / "correct" / SET / "b", None),     # graded after the stopped one
    ("batch-sum-not-mean-a", FILES / "catalogue" / "batch-sum-not-mean" / "a", "batch-sum-not-mean"),
    ("batch-sum-not-mean-b", FILES / "catalogue" / "batch-sum-not-mean" / "b", "batch-sum-not-mean"),
    ("weights-transposed-a", FILES / "catalogue" / "weights-transposed-08" / "a", "weights-transposed"),
    ("weights-transposed-b", FILES / "catalogue" / "weights-transposed-08" / "b", "weights-transposed"),
    ("never-learns", FILES / "mnist-students" / "never-learns", "never-learns"),
]
CORRECT = [s for s, _, kind in STUDENTS if kind is None]
NAMED = [(s, kind) for s, _, kind in STUDENTS if kind in ("batch-sum-not-mean", "weights-transposed")]


def _suite_module():
    """The hidden suite as a module of its own (registered, as an import would, for dataclasses)."""
    name = "nngrade_suite_08_mnist"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, find_set(SET).file("test_hidden.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


suite = _suite_module()


# ---- the published scale and the data, without the sandbox ------------------------------------

def test_points_per_function_are_the_published_table():
    """Do the hidden tests' points, as the tools that read the suite (the nbgrader export) see
    them, give the README's table, 100 in all, with 7 points for the run and for each step?"""
    from nngrade.export.notebook_checks import function_points, suite_tests
    s = find_set(SET)
    scale = suite.read_scale()
    readme = {"MLP": 10, "MLP.forward": 15, "MLP.backward": 25, "MLP.step": 10, "MLP.fit": 35,
              "MLP.predict": 5}
    assert function_points(SET) == readme == s.function_points()
    for row in readme.items():
        assert re.search(rf"\|\s*`{re.escape(row[0])}`[^|]*\|\s*{row[1]}\b",
                         s.file("README.md").read_text(encoding="utf-8")), row
    assert s.points["MLP.fit/mnist-run"] == 7
    assert all(s.points[f"MLP.fit/held-out-{step:g}"] == 7 for step in scale.steps)
    assert scale.steps == (80.0, 85.0, 90.0, 93.0)          # the README's table
    assert scale.sample_offset == -10.0
    fit_cases = [t.case for t in suite_tests(SET, public=False) if t.function == "MLP.fit"]
    assert fit_cases == ["mnist-run", "held-out-80", "held-out-85", "held-out-90", "held-out-93"]


def test_a_broken_accuracy_table_is_named(tmp_path):
    bad = tmp_path / "set.toml"
    bad.write_text('[limits]\ntraining_budget_cpu_seconds = 9\n[accuracy]\nsteps = [80.0]\n',
                   encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"set\.toml: \[accuracy\] has no 'model'"):
        suite.read_scale(bad)
    bad.write_text(find_set(SET).file("set.toml").read_text(encoding="utf-8")
                   .replace("steps = [80.0, 85.0, 90.0, 93.0]", "steps = [93.0, 80.0]"), encoding="utf-8")
    with pytest.raises(RuntimeError, match="steps must be increasing"):
        suite.read_scale(bad)


@pytest.fixture
def no_mnist_anywhere(monkeypatch, tmp_path):
    """No data directory, an empty cache and a mirror that refuses connections."""
    monkeypatch.delenv("NNGRADE_MNIST_DIR", raising=False)
    monkeypatch.setenv("NNGRADE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NNGRADE_MNIST_MIRRORS", "http://127.0.0.1:9/")
    monkeypatch.setattr(suite, "_DATA", {})


def test_without_mnist_the_shipped_sample_is_used_with_lower_steps(no_mnist_anywhere):
    data = suite.grading_data({"mnist_dir": None})
    assert (len(data.y_train), len(data.y_test)) == (1000, 300)
    assert data.shift == -10.0
    assert "sample" in data.label and "could not be had" in data.note
    assert "127.0.0.1:9" in data.note


def test_a_named_directory_without_mnist_is_an_error_not_the_sample(no_mnist_anywhere, tmp_path):
    with pytest.raises(mnist_data.MnistDataError, match="not found"):
        suite.grading_data({"mnist_dir": str(tmp_path)})


def test_a_course_data_dir_without_mnist_fails_the_fit_tests_as_the_graders_problem(
        no_mnist_anywhere, tmp_path):
    """The reference, served in process: its training tests say the data could not be loaded
    (status grader-error, not the student's fault); every other test is graded as usual."""
    from nngrade.autograder.reference import fresh_reference
    from nngrade.autograder.suite_session import TrustedStudent
    results = {}
    plugin = GradingPlugin(next_job=iter([StudentJob("reference", {}), None]).__next__,
                           open_student=lambda job: TrustedStudent({SET: fresh_reference(SET)}),
                           on_done=lambda job, outcomes, secs: results.update(outcomes=outcomes),
                           options={"mnist_budget": BUDGET, "mnist_dir": str(tmp_path)})
    run_suites(suite_paths((find_set(SET),), public=False), plugin)
    outcomes = results["outcomes"]
    failed = [o for o in outcomes if not o.passed]
    assert [o.name for o in failed] == [o.name for o in outcomes if o.function == "MLP.fit"]
    assert len(failed) == 5
    for o in failed:
        assert o.status == "grader-error" and "could not be loaded" in o.summary
        assert str(tmp_path) in o.summary and "not of your code" in o.summary


@needs_mnist
def test_offline_the_test_digits_are_split_and_the_note_says_so(monkeypatch):
    monkeypatch.setattr(suite, "_DATA", {})
    data = suite.grading_data({"mnist_dir": str(MNIST_DIR)})
    assert (len(data.y_train), len(data.y_test)) == (8000, 2000)
    assert data.shift == 0.0
    assert np.bincount(data.y_test).min() >= 170            # stratified: every digit held out
    assert "2,000" in data.note and "seed 0" in data.note and "8,000" in data.label


# ---- grading through the sandbox ----------------------------------------------------------------

class RecordingStudent(SandboxStudent):
    """The engine's sandbox student, noting each fit call's status and CPU seconds."""

    fit_calls: dict = {}

    def __init__(self, pool, job, limits):
        super().__init__(pool, job, limits)
        method, calls = self.session.method, self.fit_calls.setdefault(job.student_id, [])

        def recorded(handle, name, *args, **kwargs):
            reply = method(handle, name, *args, **kwargs)
            if name == "fit":
                calls.append((reply.status, reply.seconds, reply.wall))
            return reply

        self.session.method = recorded


@pytest.fixture(scope="module")
def graded():
    """Grade every submission once: {student: {"outcomes", "seconds", "left_alive"}}."""
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"MNIST test files not in {MNIST_DIR}")
    jobs = []
    for student_id, folder, _ in STUDENTS:
        modules, names = collect_sources(folder)
        jobs.append(StudentJob(student_id, {"mnist": modules["mnist"]}, {"mnist": names["mnist"]}))
    results = {}
    pool = SandboxPool(slot=8)
    limits = limits_for((SET,), BUDGET)
    limits.cpu_seconds = int(BUDGET) + CPU_MARGIN

    def done(job, outcomes, seconds):
        results[job.student_id] = {"outcomes": outcomes, "seconds": seconds,
                                   "left_alive": pool.student_processes()}

    plugin = GradingPlugin(next_job=lambda: jobs.pop(0) if jobs else None,
                           open_student=lambda job: RecordingStudent(pool, job, limits),
                           on_done=done, salt="mnist-grading-test", lang="en",
                           options={"mnist_budget": BUDGET, "mnist_dir": str(MNIST_DIR)})
    try:
        run_suites(suite_paths((find_set(SET),)), plugin)
    finally:
        pool.close()
    for student_id, info in results.items():
        info["fit"] = RecordingStudent.fit_calls.get(student_id, [])
    return results


def _hidden(outcomes):
    return [o for o in outcomes if o.visibility != "visible"]


def _score(outcomes):
    return sum(o.max_score for o in outcomes if o.passed)


def _accuracy_tests(outcomes):
    return [o for o in outcomes if o.function == "MLP.fit" and o.case.startswith("held-out-")]


@pytest.mark.parametrize("student_id", CORRECT)
def test_correct_trainers_get_full_marks_and_no_diagnosis(graded, student_id):
    outcomes = graded[student_id]["outcomes"]
    assert [(o.name, o.summary[:300]) for o in outcomes if not o.passed] == []
    assert all(o.tags == () for o in outcomes)
    assert _score(outcomes) == 100
    assert len(_accuracy_tests(outcomes)) == 4


@pytest.mark.parametrize("student_id,mistake", NAMED, ids=[s for s, _ in NAMED])
def test_mistake_is_named(graded, student_id, mistake):
    outcomes = _hidden(graded[student_id]["outcomes"])
    failed = [o for o in outcomes if not o.passed]
    assert mistake in {t for o in failed for t in o.tags}, [(o.name, o.tags, o.summary[:120]) for o in failed]
    assert {t for o in outcomes for t in o.tags} == {mistake}
    assert _score(outcomes) < 100


def test_batch_sum_is_named_on_every_backward_test(graded):
    for student_id in ("batch-sum-not-mean-a", "batch-sum-not-mean-b"):
        backward = [o for o in _hidden(graded[student_id]["outcomes"]) if o.function == "MLP.backward"]
        assert len(backward) == 3
        assert all(not o.passed and o.tags == ("batch-sum-not-mean",) for o in backward), student_id


def test_a_trainer_that_never_learns_gets_the_low_band_and_the_rest(graded):
    outcomes = _hidden(graded["never-learns"]["outcomes"])
    accuracy = _accuracy_tests(outcomes)
    assert len(accuracy) == 4 and not any(o.passed for o in accuracy)
    assert all("held-out accuracy" in o.summary and "below this step" in o.summary for o in accuracy)
    assert all(o.tags == () for o in outcomes)
    # everything that is not the trained accuracy is graded as usual: full points
    assert [o.name for o in outcomes if not o.passed] == [o.name for o in accuracy]
    assert _score(outcomes) == 100 - 28


def test_a_trainer_past_the_budget_is_stopped_and_told_so(graded):
    info = graded["over-budget"]
    outcomes = _hidden(info["outcomes"])
    fit = [o for o in outcomes if o.function == "MLP.fit"]
    assert len(fit) == 5 and not any(o.passed for o in fit)
    for o in fit:
        assert o.status == "timeout", o.summary
        assert f"MLP.fit was stopped: training on 8,000 digits must finish within the CPU budget " \
               f"of {BUDGET:g} s" in o.summary
        assert "CPU time" in o.summary            # the sandbox's own words: which limit stopped it
    assert [o for o in outcomes if o.function != "MLP.fit" and not o.passed] == []
    assert _score(outcomes) == 100 - 35
    assert info["fit"][-1][0] == "timeout"         # stopped by the limit, not finished
    doc = build_results("over-budget", info["outcomes"], (find_set(SET),), lang="en")
    shown = [t["output"] for t in doc["tests"] if t["name"] == f"{SET}/MLP.fit/held-out-93"]
    assert shown and f"CPU budget of {BUDGET:g} s" in shown[0]


def test_no_process_survives_a_student_and_the_run_goes_on(graded):
    assert all(info["left_alive"] == [] for info in graded.values())
    order = [s for s, _, _ in STUDENTS]
    assert order.index("correct-b") > order.index("over-budget")
    assert _score(graded["correct-b"]["outcomes"]) == 100


def test_the_reference_trains_well_inside_the_budget(graded):
    """The reference's one fit on 8,000 digits: its CPU seconds in the sandbox, far below the
    budget, and its accuracy above the top step."""
    status, cpu, wall = graded["reference"]["fit"][-1]
    assert status == "ok" and cpu < BUDGET / 2, (status, cpu, wall)
    curve = [a for a in graded["reference"]["outcomes"] if a.case == "mnist-run"][0].artifacts[0]
    assert "reference 9" in curve["title"]


def test_the_training_curve_and_the_data_note_reach_the_report(graded):
    from nngrade.report import plots
    run = [o for o in graded["correct-a"]["outcomes"] if o.case == "mnist-run"][0]
    (art,) = run.artifacts
    assert art["kind"] == "series" and art["x"] == list(range(1, 16))
    assert set(art["series"]) == {"student", "reference"}
    for values in art["series"].values():
        assert len(values) == 15 and all(0.0 <= v <= 1.0 for v in values)
        assert values[-1] > values[0]                  # training accuracy rises
    assert "8,000 training / 2,000 held-out" in art["title"]
    assert "stratified sample of 2,000" in art["data_note"] and "seed 0" in art["data_note"]
    assert plots.render_artifact(art, "en").startswith("data:image/png;base64,")
    # a stopped trainer still gets the reference's curve, without a line of its own
    stopped = [o for o in graded["over-budget"]["outcomes"] if o.case == "mnist-run"][0]
    assert set(stopped.artifacts[0]["series"]) == {"reference"}
