"""Are student MNIST trainers graded right through the real path (sandbox + set 08's suites)?

Hand-written submissions of set 08 are graded in one pytest session through one sandbox, as a
class would be, on the real offline split (MNIST's 10,000 test digits: 8,000 train, 2,000 held
out) with a small CPU budget: correct work written two ways (and the reference itself) gets full
marks and no diagnosis; batch-sum-not-mean and weights-transposed, each written two ways, are
named; a trainer that never learns gets none of the accuracy points and everything else; one
that runs past the budget is stopped and told so, and the students after it are graded as usual.
Three that train nothing and cheat instead (a table from image bytes to labels, one keyed on the
sorted pixel values, weights trained elsewhere and loaded in fit) get none of the accuracy points:
the student's process sees only its training digits, pixels in its own order, and the accuracy is
that of the params fit leaves, run by the reference model.

tests/files/correct/08_mnist/{a,b}, tests/files/catalogue/batch-sum-not-mean/{a,b},
tests/files/catalogue/weights-transposed-08/{a,b}, tests/files/mnist-students/* hold them
(tests/test_grading_sandbox.py leaves set 08 to this file); the pretrained weights are made here,
at test time, so the repository carries no binary.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import os
import re
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from nngrade import mnist_data
from nngrade.autograder.backends import SandboxStudent, limits_for
from nngrade.autograder.plugin import GradingPlugin, StudentJob
from nngrade.autograder.probe import student_seed
from nngrade.autograder.results import build_results
from nngrade.autograder.suite_session import run_suites, suite_paths
from nngrade.autograder.sandbox import SandboxPool
from nngrade.check import collect_sources
from nngrade.paths import SOLUTIONS_DIR
from nngrade.autograder.sets import find_set
from nngrade.intake import read_class

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
    ("hash-lookup", FILES / "mnist-students" / "hash-lookup", "cheat"),
    ("sorted-pixels", FILES / "mnist-students" / "sorted-pixels", "cheat"),
    ("pretrained", None, "cheat"),          # its folder is made by the pretrained fixture
]
SALT = "mnist-grading-test"
CORRECT = [s for s, _, kind in STUDENTS if kind is None]
CHEATS = [s for s, _, kind in STUDENTS if kind == "cheat"]
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
    # the student's note names the digits used, never the course's download error or paths
    assert "sample" in data.label and "1,000" in data.note
    assert "127.0.0.1:9" not in data.note and "could not be had" not in data.note


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

def _digest(X: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(X, dtype=np.float64).tobytes()).hexdigest()


class RecordingStudent(SandboxStudent):
    """The engine's sandbox student, noting each fit call's status and CPU seconds, and a digest
    of every image-sized array (784 columns) any call sends to the student's process."""

    fit_calls: dict = {}
    images_sent: dict = {}

    def __init__(self, pool, job, limits):
        super().__init__(pool, job, limits)
        calls = self.fit_calls.setdefault(job.student_id, [])
        sent = self.images_sent.setdefault(job.student_id, [])

        def note_images(name, args, kwargs):
            for value in list(args or ()) + list((kwargs or {}).values()):
                if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == 784:
                    sent.append((name, value.shape, _digest(value)))

        def wrapped(op, request):
            def recorded(*args, **kwargs):     # (module or handle, name, args, kwargs, ...)
                name = args[1] if len(args) > 1 else "?"
                note_images(name, args[2] if len(args) > 2 else kwargs.get("args"),
                            args[3] if len(args) > 3 else kwargs.get("kwargs"))
                reply = request(*args, **kwargs)
                if op == "method" and name == "fit":
                    calls.append((reply.status, reply.seconds, reply.wall))
                return reply
            return recorded

        for op in ("call", "new", "method"):
            setattr(self.session, op, wrapped(op, getattr(self.session, op)))


@pytest.fixture(scope="module")
def split():
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"MNIST test files not in {MNIST_DIR}")
    return suite.grading_data({"mnist_dir": str(MNIST_DIR)})


@pytest.fixture(scope="module")
def pretrained(split, tmp_path_factory):
    """A class folder holding one student whose fit loads weights trained elsewhere: the
    reference trained on the digits in their own order, saved as weights.npz beside mnist.py
    and, base64-encoded, in pretrained_weights.py. Read through the intake, as a class is."""
    from nngrade.autograder.reference import fresh_reference
    ref = fresh_reference(SET)
    with suite._one_blas_thread():
        model = ref.MLP(**suite.SCALE.model)
        model.fit(split.X_train, split.y_train, suite.SCALE.epochs, suite.SCALE.batch_size,
                  suite.SCALE.lr, seed=suite.SCALE.fit_seed)
    weights = {k: v.astype(np.float32) for k, v in model.params.items()}
    folder = tmp_path_factory.mktemp("class") / "pretrained"
    folder.mkdir()
    shutil.copy(FILES / "mnist-students" / "pretrained" / "mnist.py", folder / "mnist.py")
    buf = io.BytesIO()
    np.savez_compressed(buf, **weights)
    (folder / "weights.npz").write_bytes(buf.getvalue())
    (folder / "pretrained_weights.py").write_text(
        f'NPZ = """\n{base64.encodebytes(buf.getvalue()).decode()}"""\n', encoding="utf-8")
    (submission,) = read_class(folder.parent)
    return {"folder": folder, "submission": submission, "weights": weights}


@pytest.fixture(scope="module")
def graded(split, pretrained):
    """Grade every submission once: {student: {"outcomes", "seconds", "left_alive", "fit",
    "images"}}."""
    jobs = []
    for student_id, folder, _ in STUDENTS:
        if folder is None:
            sub = pretrained["submission"]
            jobs.append(StudentJob(student_id, dict(sub.modules), dict(sub.file_names)))
            continue
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
                           on_done=done, salt=SALT, lang="en",
                           options={"mnist_budget": BUDGET, "mnist_dir": str(MNIST_DIR)})
    try:
        run_suites(suite_paths((find_set(SET),)), plugin)
    finally:
        pool.close()
    for student_id, info in results.items():
        info["fit"] = RecordingStudent.fit_calls.get(student_id, [])
        info["images"] = RecordingStudent.images_sent.get(student_id, [])
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
    assert "reference" not in curve["title"] and "%" in curve["title"]   # the student's figure only


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
    assert plots.render_artifact(art, "en").startswith("data:image/svg+xml;base64,")
    # a stopped trainer still gets the reference's curve, without a line of its own
    stopped = [o for o in graded["over-budget"]["outcomes"] if o.case == "mnist-run"][0]
    assert set(stopped.artifacts[0]["series"]) == {"reference"}


# ---- trainers that cheat instead of training --------------------------------------------------------

def _load_student(folder: Path, name: str):
    """A submission's mnist.py imported here (these are the kit's own files, not a class's)."""
    spec = importlib.util.spec_from_file_location(f"mnist_student_{name}", folder / "mnist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _own_predict_accuracy(module, X_train, y_train, X_test, y_test) -> float:
    """The former protocol: the student's fit, then the student's predict on the held-out digits."""
    model = module.MLP(**suite.SCALE.model)
    model.fit(X_train, y_train, suite.SCALE.epochs, suite.SCALE.batch_size, suite.SCALE.lr, seed=0)
    return 100.0 * float(np.mean(np.asarray(model.predict(X_test)) == y_test))


def test_each_cheat_would_have_scored_if_its_own_predict_were_graded(split, pretrained, monkeypatch):
    """The cheats are real: asked for predict(X_held_out) on the digits as they are, each beats
    the top step (the lookups read MNIST's public files, which hold the held-out digits). With
    the pixels reordered, the hash no longer matches, but sorted pixel values still do: so a
    permutation alone is not enough, and the accuracy has to come from the params."""
    monkeypatch.setenv("NNGRADE_MNIST_DIR", str(MNIST_DIR))
    top = max(suite.SCALE.steps)
    plain = (split.X_train, split.y_train, split.X_test, split.y_test)
    order = np.random.default_rng(1).permutation(784)
    permuted = (split.X_train[:, order], split.y_train, split.X_test[:, order], split.y_test)
    lookup = _load_student(FILES / "mnist-students" / "hash-lookup", "hash")
    sorted_pixels = _load_student(FILES / "mnist-students" / "sorted-pixels", "sorted")
    loaded = _load_student(pretrained["folder"], "pretrained")
    assert _own_predict_accuracy(lookup, *plain) == 100.0
    assert _own_predict_accuracy(lookup, *permuted) < 50.0
    assert _own_predict_accuracy(sorted_pixels, *plain) > 99.0
    assert _own_predict_accuracy(sorted_pixels, *permuted) > 99.0
    assert _own_predict_accuracy(loaded, *plain) >= top


def test_the_intake_reads_no_data_file_so_the_weights_travel_in_a_py(pretrained):
    sub = pretrained["submission"]
    assert (pretrained["folder"] / "weights.npz").is_file()
    assert set(sub.modules) == {"mnist", "pretrained_weights"}
    assert not any("npz" in name for name in sub.file_names.values())
    assert len(sub.modules["pretrained_weights"]) > 100_000     # W1 alone is 784 x 128 floats


@pytest.mark.parametrize("student_id", CHEATS)
def test_a_cheat_gets_no_accuracy_point_and_the_rest(graded, student_id):
    outcomes = _hidden(graded[student_id]["outcomes"])
    accuracy = _accuracy_tests(outcomes)
    assert len(accuracy) == 4 and not any(o.passed for o in accuracy)
    for o in accuracy:
        assert "below this step" in o.summary, o.summary
        found = re.search(r"held-out accuracy (\d+\.\d+) %", o.summary)
        assert found and float(found.group(1)) < 50.0, o.summary
    assert [o.name for o in outcomes if not o.passed] == [o.name for o in accuracy]
    assert all(o.tags == () for o in outcomes)
    assert _score(outcomes) == 100 - 28


def _order_of(student_id: str) -> np.ndarray:
    return suite.pixel_order(types.SimpleNamespace(seed=student_seed(SALT, student_id, SET)), 784)


def test_the_students_process_sees_only_its_own_reordered_training_digits(graded, split):
    """Every image-sized array sent to a student is its training set in its own pixel order;
    the held-out digits are never sent, in any order; two students' orders differ."""
    plain = _digest(split.X_train)
    held_out = {_digest(split.X_test)}
    orders = {}
    for student_id, info in graded.items():
        order = orders[student_id] = _order_of(student_id)
        assert sorted(order.tolist()) == list(range(784))
        mine = _digest(split.X_train[:, order])
        held_out.add(_digest(split.X_test[:, order]))
        sent = [(name, shape, d) for name, shape, d in info["images"] if shape[0] > 100]
        assert sent == [("fit", split.X_train.shape, mine)], student_id
        assert mine != plain
    for info in graded.values():
        assert not held_out & {d for _, _, d in info["images"]}
    assert len({o.tobytes() for o in orders.values()}) == len(orders)
    again = _order_of("correct-a")
    assert np.array_equal(again, orders["correct-a"])        # fixed per student


def test_a_weight_stored_out_in_fails_the_accuracy_tests_in_one_sentence(graded):
    """catalogue/weights-transposed-08/a trains in seed 000's layout, W (out, in): its params
    cannot be run in the contract's, and the held-out tests say so and name the mistake."""
    outcomes = _hidden(graded["weights-transposed-a"]["outcomes"])
    for o in _accuracy_tests(outcomes):
        assert not o.passed and o.tags == ("weights-transposed",)
        assert o.summary == ("The held-out accuracy is measured from the weights fit leaves in "
                             "model.params, and it could not be: params W1 has shape (128, 784); "
                             "the contract's layout is (in, out) = (784, 128).")
        assert "\n" not in o.summary
    assert [o for o in outcomes if o.case == "mnist-run"][0].passed
    # what still passes: MLP/random-initial-values, both step tests, the run itself
    assert _score(outcomes) == 2 + 6 + 4 + 7


# ---- what params can be scored (no sandbox, no data) --------------------------------------------------

def _good_params():
    rng = np.random.default_rng(3)
    return {"W1": rng.normal(size=(784, 128)), "b1": np.zeros(128),
            "W2": rng.normal(size=(128, 10)), "b2": np.zeros(10)}


def _with(**changes):
    params = _good_params()
    for key, value in changes.items():
        if value is None:
            del params[key]
        else:
            params[key] = value
    return params


@pytest.mark.parametrize("params,english,tags", [
    (_with(W1=np.zeros((128, 784))),
     "params W1 has shape (128, 784); the contract's layout is (in, out) = (784, 128)",
     ("weights-transposed",)),
    (_with(W2=np.zeros((100, 10))),
     "params W2 has shape (100, 10); the contract's layout is (in, out) = (128, 10)", ()),
    (_with(b1=np.zeros((1, 128))),
     "params b1 has shape (1, 128); the contract's shape is (128,)", ()),
    (_with(b2=None), "model.params has no b2 (it holds W1, b1, W2)", ()),
    ([np.zeros((784, 128))], "model.params is a list, not a dict holding W1, b1, W2, b2", ()),
    (_with(W2=[[0.0] * 10] * 128), "params W2 is a list, not a numpy array", ()),
    (_with(W1=np.ones((784, 128), dtype=np.int64)),
     "params W1 has dtype int64; the contract's params are float arrays", ()),
    (_with(b2=np.array([np.nan, np.inf, -np.inf, 0, 0, 0, 0, 0, 0, 0])),
     "params b2 holds 3 values that are nan or inf", ()),
], ids=["W-transposed", "W-other-shape", "b-row", "key-missing", "not-a-dict", "not-an-array",
        "integer", "non-finite"])
def test_params_that_cannot_be_scored_are_named_in_one_sentence(params, english, tags):
    from nngrade.autograder import i18n
    problem = suite.params_problem(params)
    assert problem is not None
    assert problem[0] == english and problem[1] == tags
    korean, _ = suite.params_problem(
        params, lambda msgid, **fields: i18n.gettext(msgid, "ko", find_set(SET).folder, **fields))
    assert re.search(r"[\uac00-\ud7a3]", korean) and "\n" not in english + korean


def test_params_in_float32_or_with_extra_keys_are_scored():
    params = {k: v.astype(np.float32) for k, v in _good_params().items()}
    params["velocity_W1"] = "anything"
    assert suite.params_problem(params) is None


def test_only_the_params_decide_the_held_out_accuracy():
    """The reference model runs the given params: weights that put every digit in class 3 get
    exactly the 3s right."""
    from nngrade.autograder.reference import fresh_reference
    params = _with(W1=np.zeros((784, 128)), W2=np.zeros((128, 10)),
                   b2=np.array([0.0, 0, 0, 5.0, 0, 0, 0, 0, 0, 0]))
    X = np.random.default_rng(0).uniform(size=(50, 784))
    y = np.arange(50) % 10
    assert suite.held_out_correct(fresh_reference(SET), params, X, y) == 5
