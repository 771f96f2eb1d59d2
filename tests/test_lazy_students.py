"""Does a point mean the work is right? Lazy students, who ignore their inputs, earn nothing.

Each lazy student is the reference of a set with every graded function replaced by one that
returns a value of the right type and shape but does not compute it:

    zeros     zeros (0.0, 0, False, zero arrays, dicts and tuples of them)
    constant  one constant of the right shape (0.37 for floats, 1 for ints)
    random    random values of the right shape
    input     its first argument wherever that has the right shape (zeros elsewhere)
    example   the seed's example: what the function returns on the public test's first call,
              whatever it is given

They are graded in process (trusted modules, as tests/test_engine.py does) by the hidden suites;
every test must give 0 points except where that constant truly is the answer (ALLOWED). The
table of points earned is printed (`pytest -s tests/test_lazy_students.py`). A few lazy students
written as source files go through the real sandbox in tests/test_lazy_students_sandbox.py.
"""
from __future__ import annotations

import copy
import functools

import numpy as np
import pytest

from nngrade.autograder.plugin import GradingPlugin, StudentJob
from nngrade.autograder.reference import fresh_reference
from nngrade.autograder.suite_session import TrustedStudent, run_suites, suite_paths
from nngrade.autograder.sets import SETS

LAZY_SETS = tuple(s for s in SETS if s.file("test_hidden.py").is_file() and s.id != "08_mnist")
KINDS = ("zeros", "constant", "random", "input", "example")

# (set, kind) -> tests whose points a lazy function truly earns: the lazy value is the answer.
ALLOWED = {
    ("01_activations", "input"): {"01_activations/identity/random"},          # identity(a) is a
    ("10_compgraph", "input"): {"10_compgraph/AddLayer.backward/random-numbers",   # (dout, dout)
                                "10_compgraph/AddLayer.backward/random-arrays"},
    ("02_forward", "example"): {"02_forward/init_cheese_network/values-and-types"},  # by definition
}


# ---- building lazy modules ---------------------------------------------------------------------

def _first_input(args):
    return args[0] if args else None


def _leaf(value, kind, rng, given):
    if isinstance(value, (bool, np.bool_)):
        return False if kind != "random" else bool(rng.integers(2))
    if isinstance(value, (int, np.integer)):
        return {"zeros": 0, "constant": 1}.get(kind, int(rng.choice((-1, 0, 1))))
    if isinstance(value, (float, np.floating)):
        if kind == "input" and isinstance(given, (int, float)) and not isinstance(given, bool):
            return float(given)
        return {"zeros": 0.0, "constant": 0.37, "input": 0.0}.get(kind, float(rng.normal()))
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        if kind == "input" and isinstance(given, np.ndarray) and given.shape == value.shape:
            return given.astype(value.dtype, copy=True)
        if kind == "zeros" or kind == "input":
            return np.zeros_like(value)
        if kind == "constant":
            return np.full_like(value, 1 if value.dtype.kind in "biu" else 0.37)
        if value.dtype.kind in "biu":
            return rng.integers(0, 2, size=value.shape).astype(value.dtype)
        return rng.normal(size=value.shape)
    return value


def _shaped_like(value, kind, rng, given):
    """A lazy value with the structure, types and shapes of `value`."""
    if isinstance(value, dict):
        return {k: _shaped_like(v, kind, rng, given) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_shaped_like(v, kind, rng, given) for v in value)
    if isinstance(value, list):
        return [_shaped_like(v, kind, rng, given) for v in value]
    return _leaf(value, kind, rng, given)


def _lazy(original, kind, rng, examples, name):
    method = "." in name

    @functools.wraps(original)
    def lazy(*args, **kwargs):
        if kind == "example" and name in examples:
            return copy.deepcopy(examples[name])
        value = original(*args, **kwargs)
        shown = "zeros" if kind == "example" else kind   # no example recorded: zeros
        return _shaped_like(value, shown, rng, _first_input(args[1:] if method else args))
    return lazy


def _replace(module, truth, name, make):
    """Install make(original) as `name` (a function, or "Class.method") of `module`."""
    if "." in name:
        cls_name, method = name.split(".")
        cls = getattr(module, cls_name)
        original = getattr(getattr(truth, cls_name), method)
        setattr(cls, method, make(original))
    else:
        setattr(module, name, make(getattr(truth, name)))


def _recording_module(exercise_set, examples):
    """The reference, recording each graded function's first result (the public examples)."""
    module = fresh_reference(exercise_set.id)
    truth = fresh_reference(exercise_set.id)

    def make(name):
        def wrap(original):
            @functools.wraps(original)
            def recording(*args, **kwargs):
                value = original(*args, **kwargs)
                examples.setdefault(name, copy.deepcopy(value))
                return value
            return recording
        return wrap

    for name in exercise_set.functions:
        _replace(module, truth, name, make(name))
    return module


def lazy_module(exercise_set, kind, examples=None, seed=0):
    module = fresh_reference(exercise_set.id)
    truth = fresh_reference(exercise_set.id)      # the real values, only for shapes and types
    rng = np.random.default_rng(seed)
    for name in exercise_set.functions:
        _replace(module, truth, name, lambda original, name=name: _lazy(original, kind, rng,
                                                                         examples or {}, name))
    return module


def _grade(students: dict, sets, *, hidden=True, public=False):
    queue = [StudentJob(name, {}) for name in students]
    results = {}
    plugin = GradingPlugin(next_job=lambda: queue.pop(0) if queue else None,
                           open_student=lambda job: TrustedStudent(students[job.student_id]),
                           on_done=lambda job, outcomes, secs: results.__setitem__(job.student_id,
                                                                                   outcomes),
                           salt="lazy-salt")
    run_suites(suite_paths(sets, public=public, hidden=hidden), plugin)
    return results


@pytest.fixture(scope="module")
def examples():
    """Each set's public-example results, recorded on the reference."""
    found = {s.id: {} for s in LAZY_SETS}
    _grade({"recorder": {s.id: _recording_module(s, found[s.id]) for s in LAZY_SETS}}, LAZY_SETS,
           hidden=False, public=True)
    return found


@pytest.fixture(scope="module")
def lazy_outcomes(examples):
    students = {kind: {s.id: lazy_module(s, kind, examples[s.id]) for s in LAZY_SETS}
                for kind in KINDS}
    return _grade(students, LAZY_SETS)


def points_table(lazy_outcomes) -> dict[tuple[str, str], float]:
    table = {}
    for kind, outcomes in lazy_outcomes.items():
        for o in outcomes:
            table[(o.set_id, kind)] = table.get((o.set_id, kind), 0.0) + (o.max_score if o.passed else 0.0)
    return table


def test_print_points_of_lazy_students(lazy_outcomes):
    table = points_table(lazy_outcomes)
    lines = ["points earned by lazy students (of 100 per set)",
             f"{'set':<24}" + "".join(f"{k:>10}" for k in KINDS)]
    for s in LAZY_SETS:
        lines.append(f"{s.id:<24}" + "".join(f"{table.get((s.id, k), 0.0):>10.0f}" for k in KINDS))
    print("\n" + "\n".join(lines))


@pytest.mark.parametrize("kind", KINDS)
def test_lazy_students_earn_nothing(lazy_outcomes, kind):
    """Only tests whose answer the lazy value truly is may give points."""
    unfair = []
    for o in lazy_outcomes[kind]:
        if o.passed and o.max_score and o.name not in ALLOWED.get((o.set_id, kind), set()):
            unfair.append((o.name, o.max_score))
    assert not unfair


def test_the_allowed_exceptions_really_score(lazy_outcomes):
    """The exceptions are real answers: they pass (else ALLOWED is stale)."""
    for (set_id, kind), names in ALLOWED.items():
        passed = {o.name for o in lazy_outcomes[kind] if o.passed}
        assert names <= passed, (set_id, kind, names - passed)
