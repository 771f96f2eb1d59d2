"""Do the contract's stated rules carry points? Each rule has a hand-made violation (the reference
with one function rewritten to break only that rule), graded in process by the hidden suite:
the test that checks the rule must fail, with its mistake named where one is catalogued."""
from __future__ import annotations

import numpy as np
import pytest

from nngrade.autograder.mistakes import models_for
from nngrade.autograder.reference import fresh_reference
from nngrade.autograder.results import student_mistakes
from nngrade.autograder.sets import find_set

from test_lazy_students import _grade


def _violation(set_id, **functions):
    module = fresh_reference(set_id)
    for name, make in functions.items():
        setattr(module, name, make(module))
    return module


def _step_int(m):
    def step(a):
        return (np.asarray(a) > 0).astype(int)         # the right 0s and 1s, as ints
    return step


def _relu_grad_bool(m):
    def relu_grad(y):
        return np.asarray(y) > 0                       # True/False instead of 1.0/0.0
    return relu_grad


def _dot_numpy(m):
    def dot(v, w):
        return np.dot(v, w)                            # NumPy: int64 wraps past 2**63
    return dot


def _bce_clip_wide(m):
    def binary_cross_entropy(y, y_hat):
        y_hat = np.clip(np.asarray(y_hat, dtype=float), 1e-3, 1 - 1e-3)   # finite, but not the loss
        return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
    return binary_cross_entropy


def _bce_constant(m):
    def binary_cross_entropy(y, y_hat):
        return 1.0                                     # finite, whatever the inputs
    return binary_cross_entropy


VIOLATIONS = {
    "step-returns-int": ("01_activations", {"step": _step_int}, {"01_activations/step/random"}),
    "relu-grad-returns-bool": ("01_activations", {"relu_grad": _relu_grad_bool},
                               {"01_activations/relu_grad/random"}),
    "dot-with-numpy": ("02_forward", {"dot": _dot_numpy}, {"02_forward/dot/random-integers"}),
    "bce-saturated-outside-variants": ("03_loss", {"binary_cross_entropy": _bce_clip_wide},
                                       {"03_loss/binary_cross_entropy/random-saturated"}),
    "bce-finite-constant": ("03_loss", {"binary_cross_entropy": _bce_constant},
                            {"03_loss/binary_cross_entropy/random-saturated"}),
}


@pytest.fixture(scope="module")
def graded():
    students = {name: {set_id: _violation(set_id, **fns)}
                for name, (set_id, fns, _) in VIOLATIONS.items()}
    sets = tuple(find_set(s) for s in sorted({v[0] for v in VIOLATIONS.values()}))
    return _grade(students, sets)


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_a_broken_rule_costs_its_points(graded, name):
    _, _, must_fail = VIOLATIONS[name]
    failed = {o.name for o in graded[name] if not o.passed}
    assert must_fail <= failed


def test_the_two_loss_variants_both_pass_the_saturated_test():
    def epsilon_in_log(m):
        def binary_cross_entropy(y, y_hat):
            y, y_hat = np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float)
            return float(-np.mean(y * np.log(y_hat + 1e-7) + (1 - y) * np.log(1 - y_hat + 1e-7)))
        return binary_cross_entropy
    s = find_set("03_loss")
    out = _grade({"saito": {s.id: _violation(s.id, binary_cross_entropy=epsilon_in_log)}}, (s,))
    assert all(o.passed for o in out["saito"] if o.function == "binary_cross_entropy")


def test_x0_changed_in_place_costs_points_and_is_named():
    s = find_set("05_gradient_descent")
    (model,) = [m for m in models_for(s.id) if m.id == "mutates-input"]
    out = _grade({"inplace": {s.id: model.module()}}, (s,))["inplace"]
    failed = [o for o in out if not o.passed and o.max_score]
    assert [o.case for o in failed] == ["random-array"]
    assert failed[0].tags == ("mutates-input",)


def test_exact_gradient_and_overridden_h_fail_each_named_alone():
    s = find_set("06_numerical_gradient")
    models = [m for m in models_for(s.id) if m.id in ("exact-gradient", "h-overridden")]
    out = _grade({m.label: {s.id: m.module()} for m in models}, (s,))
    for m in models:
        outcomes = out[m.label]
        assert any(not o.passed and o.max_score for o in outcomes), m.label
        assert student_mistakes([list(o.tags) for o in outcomes]) == [m.id], m.label
