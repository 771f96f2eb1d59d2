"""Do the mistake models of sets 06 and 07 each differ from the reference, and can models of
different ids always be told apart, on probe inputs of the kind the hidden suites use?

An outcome is what the grader sees of one call: the value (compared with the function's grading
tolerance), the arguments as they were afterwards (compared exactly), or the exception type.
Probe inputs follow CURRICULUM.md's advice: h = 1e-3 where a one-sided difference must show,
a loss that couples the parameters, odd prime sizes, learning rates other than 1/2, and at most
50 training steps.
"""
import numpy as np

from nngrade.autograder.sandbox import probes
import pytest

from nngrade.autograder import catalogue
from nngrade.autograder.compare import compare
from nngrade.autograder.mistakes import models_module
from nngrade.autograder.mistakes import models_for
from nngrade.autograder.probe import LocalBackend
from nngrade.autograder.reference import fresh_reference
from nngrade.autograder.sets import find_set

m06_numerical_gradient = models_module("06_numerical_gradient")
m07_xor = models_module("07_xor")

OWN_IDS = {"forward-difference", "missing-factor-2h", "param-not-restored", "exact-gradient",
           "h-overridden",
           "bias-column-not-reset", "weight-draw-order", "momentum-stores-gradient"}
EXPECTED_IDS = {"06_numerical_gradient": {"forward-difference", "missing-factor-2h",
                                          "param-not-restored", "mutates-input",
                                          "exact-gradient", "h-overridden"},
                "07_xor": {"bias-column-not-reset", "weight-draw-order",
                           "momentum-stores-gradient", "weights-transposed"}}


# An exact derivative and a body's own tiny step give the same value on any one call at a large
# step; the suite tells them apart by pairing that call with an offset quadratic in one test
# (tests/test_contract_rules.py checks that each is named alone).
SEPARATED_BY_PAIRS = {"exact-gradient", "h-overridden"}


# ---- probe inputs ----------------------------------------------------------------------------------

def _numgrad_probes():
    rng = np.random.default_rng(2029)
    ref = fresh_reference("06_numerical_gradient")
    X, y = ref.quadratic_boundary_data(n=37, seed=11)
    A = rng.normal(size=(7, 3))

    def coupled(p):          # every entry interacts with the others
        return float(np.sum(np.sin(A @ p["W"])) * p["a"] + p["a"] ** 3)

    def separable(p):        # sum of separate quadratics
        return 1.5 * (p["u"] - 0.3) ** 2 + 0.7 * (p["v"] + 1.1) ** 2

    def net_loss(p):
        return ref.two_layer_loss(p, X, y, "tanh")

    # a quadratic plus a large constant: the exact derivative is the central difference at a
    # large h, while a small step of the body's own drowns in the constant's rounding
    offset_quadratic = probes.dict_quadratic({"q0": 0.0, "q1": 0.1, "q2": -0.2}, cross=0.0,
                                             offset=6e9)

    start = {k: float(v) for k, v in zip(
        ("b11", "b12", "b13", "b21", "w11", "w12", "w13", "w21", "w22", "w23", "w31", "w32", "w33"),
        rng.uniform(-0.8, 0.8, size=13))}
    W = rng.normal(size=(3, 5))
    return [
        ("numerical_gradient", (coupled, {"a": 0.7, "W": W}), {"h": 1e-3}, "numgrad"),
        ("numerical_gradient", (separable, {"u": 1.3, "v": -0.4}), {"h": 1e-3}, "numgrad"),
        ("numerical_gradient", (net_loss, dict(start)), {"h": 1e-3}, "numgrad"),
        ("numerical_gradient", (net_loss, dict(start)), {}, "numgrad"),
        ("numerical_gradient", (net_loss, dict(start)), {"h": 0.3}, "numgrad"),
        ("numerical_gradient", (offset_quadratic, {"q0": 0.35, "q1": 0.5, "q2": 0.2}), {"h": 0.25},
         "numgrad"),
        ("train_numerical", (dict(start), X, y), {"lr": 0.07, "epochs": 7, "activation": "tanh"},
         "trained"),
        ("train_numerical", (dict(start), X, y), {"lr": 0.3, "epochs": 11, "activation": "relu"},
         "trained"),
    ]


def _xor_probes():
    rng = np.random.default_rng(7)
    w, v, g = rng.normal(size=(3, 5)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    return [
        ("train_xor", (), {"steps": 37, "hidden": 5, "lr": 0.3, "seed": 11}, "trained"),
        ("train_xor", (), {"steps": 29, "hidden": 3, "lr": 0.7, "seed": 2}, "trained"),
        ("momentum_update", (w, v, g, 0.03, 0.9), {}, "analytic"),
        ("momentum_update", (1.5, -0.2, 0.7, 0.1, 0.4), {}, "analytic"),
        ("train_xor_tanh", (), {"iterations": 41, "lr": 0.3, "momentum": 0.7, "seed": 13}, "trained"),
    ]


PROBES = {"06_numerical_gradient": _numgrad_probes, "07_xor": _xor_probes}


# ---- outcomes ----------------------------------------------------------------------------------

class Outcome:
    def __init__(self, module, probe):
        name, args, kwargs, self.tol = probe
        o = LocalBackend(module).call(name, list(args), dict(kwargs))
        self.error = o.error_type if o.status != "ok" else None
        self.value = o.value
        self.args_after = o.args_after
        self.kwargs_after = o.kwargs_after

    def same_as(self, other) -> bool:
        if self.error or other.error:
            return self.error == other.error
        return (compare(self.value, other.value, self.tol) is None
                and _same_args(self.args_after, other.args_after)
                and _same_args(self.kwargs_after, other.kwargs_after))


def _same_args(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_args(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_args(x, y) for x, y in zip(a, b))
    if callable(a):
        return True
    return compare(a, b, "exact") is None


@pytest.fixture(scope="module", params=sorted(PROBES))
def outcomes(request):
    set_id = request.param
    probes = PROBES[set_id]()
    reference = [Outcome(fresh_reference(set_id), p) for p in probes]
    models = {m.label: (m, [Outcome(m.module(), p) for p in probes]) for m in models_for(set_id)}
    return set_id, reference, models


# ---- the tests -----------------------------------------------------------------------------------

def test_expected_ids_are_modelled(outcomes):
    set_id, _, models = outcomes
    assert {m.id for m, _ in models.values()} == EXPECTED_IDS[set_id]


def test_each_model_differs_from_the_reference(outcomes):
    """Would a submission with this mistake fail at least one probe?"""
    _, reference, models = outcomes
    for label, (_, results) in models.items():
        assert any(not r.same_as(ref) for r, ref in zip(results, reference)), label


def test_models_of_different_ids_never_coincide(outcomes):
    """Where a model misses the reference, no model of another id gives the same outcome, so a
    student's result never names two different mistakes."""
    _, reference, models = outcomes
    items = list(models.items())
    for i, (label_a, (model_a, results_a)) in enumerate(items):
        for label_b, (model_b, results_b) in items[i + 1:]:
            if model_a.id == model_b.id or {model_a.id, model_b.id} == SEPARATED_BY_PAIRS:
                continue
            for k, (a, b, ref) in enumerate(zip(results_a, results_b, reference)):
                if not a.same_as(ref):
                    assert not a.same_as(b), f"{label_a} and {label_b} coincide on probe {k}"


def test_shared_loops_match_the_reference_when_nothing_is_changed():
    """The helper loops the models are built from compute exactly the reference's numbers."""
    ng = fresh_reference("06_numerical_gradient")
    A = np.arange(15.0).reshape(5, 3) / 7

    def f(p):
        return float(np.sum(np.tanh(A @ p["W"])) + p["a"] * p["W"][0, 0])

    params = {"a": 0.3, "W": np.linspace(-1, 1, 6).reshape(3, 2)}
    expected = ng.numerical_gradient(f, params, h=1e-3)
    got = m06_numerical_gradient._estimate(f, params, 1e-3, (1, -1), m06_numerical_gradient._central)
    assert got["a"] == expected["a"] and np.array_equal(got["W"], expected["W"])

    xor = fresh_reference("07_xor")
    for steps, hidden, lr, seed in ((23, 5, 0.3, 11), (17, 3, 0.7, 2)):
        out, w = m07_xor._train_xor(xor, steps, hidden, lr, seed)
        ref_out, ref_w = xor.train_xor(steps, hidden, lr, seed)
        assert np.array_equal(out, ref_out)
        assert all(np.array_equal(w[k], ref_w[k]) for k in ref_w)

    def seed_order(rng):
        weight_in = [[rng.random() for _ in range(2)] for _ in range(3)]
        weight_out = [[rng.random()] for _ in range(2)]
        return weight_in, weight_out

    expected = xor.train_xor_tanh(41, 0.3, 0.7, 13)
    variant = fresh_reference("07_xor")
    got = m07_xor._xor_tanh_trainer(variant, seed_order)(41, 0.3, 0.7, 13)
    assert np.array_equal(got[0], expected[0]) and got[1] == expected[1]


def test_param_not_restored_leaves_the_callers_params_moved():
    """The in-place model hands back the caller's dict with every entry at x - h, as a
    student's code would; the reference leaves it alone."""
    (model,) = [m for m in models_for("06_numerical_gradient") if m.label == "param-not-restored"]
    params = {"u": 1.3, "v": -0.4}
    model.module().numerical_gradient(lambda p: p["u"] * p["v"], params, h=1e-3)
    assert params == {"u": 1.3 - 1e-3, "v": -0.4 - 1e-3}
    params = {"u": 1.3, "v": -0.4}
    fresh_reference("06_numerical_gradient").numerical_gradient(lambda p: p["u"] * p["v"], params)
    assert params == {"u": 1.3, "v": -0.4}


def test_reference_restores_params_when_f_raises():
    ng = fresh_reference("06_numerical_gradient")
    params = {"a": 1.0, "W": np.ones((2, 3))}

    def boom(p):
        if p["W"][1, 2] != 1.0:
            raise ValueError("boom")
        return 0.0

    with pytest.raises(ValueError):
        ng.numerical_gradient(boom, params)
    assert params["a"] == 1.0 and np.array_equal(params["W"], np.ones((2, 3)))


@pytest.mark.parametrize("mistake_id", sorted(OWN_IDS))
def test_hints(mistake_id):
    entry = catalogue.entries()[mistake_id]
    for field in ("title_en", "title_ko", "hint_en", "hint_ko"):
        assert entry[field].strip(), field
        assert "\n" not in entry[field].strip(), f"{field} must be one paragraph"
    expected_set = "06_numerical_gradient" if mistake_id in EXPECTED_IDS["06_numerical_gradient"] \
        else "07_xor"
    assert catalogue.source(mistake_id) == find_set(expected_set).file("locale")
