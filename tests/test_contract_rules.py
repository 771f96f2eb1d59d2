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


def _relu_in_place(m):
    def relu(a):
        a = np.asarray(a)
        np.maximum(a, 0.0, out=a)                      # the right values, written into the input
        return a
    return relu


def _softmax_in_place(m):
    def softmax(a):
        a = np.asarray(a)
        a -= a.max(axis=-1, keepdims=True)             # the stable shift, done on the caller's array
        np.exp(a, out=a)
        a /= a.sum(axis=-1, keepdims=True)
        return a
    return softmax


def _xor_direct(m):
    def xor_gate(x1, x2):
        return 1 if x1 != x2 else -1                   # the right table, no gate
    return xor_gate


def _xor_decorative(m):
    def xor_gate(x1, x2):
        m.and_gate(x1, x2)                             # a gate called for show
        return -int(x1 * x2)
    return xor_gate


def _xor_gate_fed_the_answer(m):
    def xor_gate(x1, x2):
        answer = -x1 * x2
        return m.and_gate(answer, 1)                   # AND(x, 1) = x: the gate passes it through
    return xor_gate


def _xor_by_cases(m):
    def xor_gate(x1, x2):
        if x1 == x2:                                   # a different gate per input: no circuit
            return m.nand_gate(1, 1)
        return m.or_gate(1, 1)
    return xor_gate


VIOLATIONS = {
    "xor-compares-inputs": ("09_perceptron", {"xor_gate": _xor_direct},
                            {"09_perceptron/xor_gate/built-from-gates"}),
    "xor-calls-a-gate-for-show": ("09_perceptron", {"xor_gate": _xor_decorative},
                                  {"09_perceptron/xor_gate/built-from-gates"}),
    "xor-feeds-a-gate-the-answer": ("09_perceptron", {"xor_gate": _xor_gate_fed_the_answer},
                                    {"09_perceptron/xor_gate/built-from-gates"}),
    "xor-by-cases": ("09_perceptron", {"xor_gate": _xor_by_cases},
                     {"09_perceptron/xor_gate/built-from-gates"}),
    "relu-changes-its-argument": ("01_activations", {"relu": _relu_in_place},
                                  {"01_activations/relu/random"}),
    "softmax-changes-its-argument": ("01_activations", {"softmax": _softmax_in_place},
                                     {"01_activations/softmax/random-batch",
                                      "01_activations/softmax/extreme"}),
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


def test_an_activation_that_changes_its_argument_is_named():
    s = find_set("01_activations")
    out = _grade({"inplace": {s.id: _violation(s.id, relu=_relu_in_place)}}, (s,))["inplace"]
    failed = [o for o in out if not o.passed and o.max_score]
    assert [(o.function, o.tags) for o in failed] == [("relu", ("mutates-input",))]


COMPOSITIONS = {
    "and-of-nand-or": lambda m, a, b: m.and_gate(m.nand_gate(a, b), m.or_gate(a, b)),
    "seed-004": lambda m, a, b: m.or_gate(m.and_gate(a, -b), m.and_gate(-a, b)),
    "four-nands": lambda m, a, b: (lambda n1: m.nand_gate(m.nand_gate(a, n1),
                                                          m.nand_gate(b, n1)))(m.nand_gate(a, b)),
    "negated-xnor": lambda m, a, b: -m.or_gate(m.and_gate(a, b), m.and_gate(-a, -b)),
    "keywords-and-constants": lambda m, a, b: m.and_gate(x1=m.or_gate(a, b),
                                                         x2=m.and_gate(m.nand_gate(a, b), 1)),
}


@pytest.mark.parametrize("name", sorted(COMPOSITIONS))
def test_any_composition_of_the_gates_earns_the_composition_points(name):
    s = find_set("09_perceptron")
    build = COMPOSITIONS[name]

    def make(m):
        def xor_gate(x1, x2):
            return build(m, x1, x2)
        return xor_gate

    out = _grade({name: {s.id: _violation(s.id, xor_gate=make)}}, (s,))[name]
    assert [o.name for o in out if not o.passed] == []


def test_xor_not_built_from_the_gates_is_named():
    s = find_set("09_perceptron")
    out = _grade({"direct": {s.id: _violation(s.id, xor_gate=_xor_direct)}}, (s,))["direct"]
    (failed,) = [o for o in out if not o.passed]
    assert failed.case == "built-from-gates" and failed.tags == ("xor-not-from-gates",)
