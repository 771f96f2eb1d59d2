"""Do the mistake models of sets 01-05, 09 and 10 load, differ from the reference, and stay apart
from each other on probe inputs of the kind the hidden suites use?

An outcome is what the grader sees of one call: the value (compared with the function's grading
tolerance), the arguments as they were afterwards (compared exactly), the exception type, and
whether a RuntimeWarning was raised. Probe inputs follow CURRICULUM.md's advice: odd prime batch
sizes, h != n (and one square network, where a transposition changes values instead of shapes),
learning rates other than 1/2, 1/N and 0.01 as well as 0.01, more than two outputs for losses,
values of order 1, and the extremes (±1e4, y_hat in {0, 1}) where overflow mistakes show.
"""
import numpy as np
import pytest

from nngrade.autograder import catalogue
from nngrade.autograder.compare import compare
from nngrade.autograder.mistakes import models_for, models_module
from nngrade.autograder.probe import LocalBackend, StudentError, StudentProbe
from nngrade.autograder.reference import fresh_reference
from nngrade.autograder.sandbox import probes

from nngrade.autograder.sets import find_set

MODULES = tuple(models_module(s) for s in ("01_activations", "02_forward", "03_loss", "04_backprop",
                                           "05_gradient_descent", "09_perceptron", "10_compgraph"))

EXPECTED_IDS = {
    "01_activations": {"sigmoid-overflow", "double-activation-grad", "tanh-grad-linear",
                       "softmax-unstable", "softmax-axis", "step-at-zero"},
    "02_forward": {"bias-missing", "output-not-activated", "weights-transposed"},
    "03_loss": {"mse-missing-half", "mse-mean", "bce-sign", "bce-unclipped"},
    "04_backprop": {"delta-sign", "delta-no-derivative", "delta-at-preactivation",
                    "hidden-delta-no-derivative", "hidden-delta-after-update", "bias-not-updated",
                    "gradient-ascent", "learning-rate-x10", "mutates-input", "weights-transposed"},
    "05_gradient_descent": {"gd-off-by-one", "gradient-ascent", "mutates-input"},
    "09_perceptron": {"threshold-sign"},
    "10_compgraph": {"mul-backward-swapped"},
}
SHARED_SETS = {"weights-transposed": ["02_forward", "04_backprop", "07_xor", "08_mnist"],
               "gradient-ascent": ["04_backprop", "05_gradient_descent"],
               "mutates-input": ["04_backprop", "06_numerical_gradient"]}

# Pairs of ids that no input can tell apart on one function, and why. On train_step a flipped
# output delta flips every gradient, and w - lr * (-g) is w + lr * g: the same new network as
# gradient ascent. The gradients test separates them (only delta-sign changes gradients).
INHERENT = {("04_backprop", "train_step", frozenset({"delta-sign", "gradient-ascent"}))}


# ---- probe inputs ----------------------------------------------------------------------------------

def _activation_probes(rng):
    a = rng.normal(0.0, 2.0, size=(7, 5))
    a[0, :3] = [0.0, -0.0, 1e-9]
    y_sig, y_tanh = rng.uniform(0.05, 0.95, size=(11, 4)), rng.uniform(-0.9, 0.9, size=(11, 4))
    extreme = np.array([-1e4, -800.0, -3.0, 0.0, 3.0, 800.0, 1e4])
    big = rng.normal(size=(13, 5)) + np.array([1e4, 0.0, -1e4, 5e3, 2.0])
    return [("step", (a,)), ("sigmoid", (a,)), ("sigmoid", (extreme,)),
            ("sigmoid_grad", (y_sig,)), ("tanh", (a,)), ("tanh_grad", (y_tanh,)),
            ("relu", (a,)), ("relu_grad", (np.maximum(a, 0.0),)), ("identity", (a,)),
            ("softmax", (a,)), ("softmax", (big,)), ("softmax", (a[3],)),
            ("tanh_via_sigmoid", (a,)), ("tanh_via_sigmoid", (extreme,))]


def _network(rng, n, h):
    return {"W1": rng.normal(size=(h, n)), "b1": rng.normal(size=h),
            "W2": rng.normal(size=h), "b2": rng.normal(size=1)}


def _forward_probes(rng):
    net, square = _network(rng, 3, 5), _network(rng, 4, 4)
    x, X = rng.normal(size=3), rng.normal(size=(11, 3))
    Y1 = rng.uniform(size=(7, 5))
    return [("dot", (list(rng.normal(size=5)), list(rng.normal(size=5)))),
            ("init_cheese_network", ()),
            ("layer", (x, net["W1"], net["b1"], probes.numpy_fn("sigmoid"))),
            ("layer", (X, net["W1"], net["b1"], probes.numpy_fn("tanh"))),
            ("layer", (Y1, net["W2"], net["b2"], probes.numpy_fn("identity"))),
            ("layer", (rng.normal(size=(7, 4)), square["W1"], square["b1"], probes.numpy_fn("tanh"))),
            ("forward", (net, x)), ("forward", (net, X)),
            ("forward", (net, X), {"output": "identity"}), ("forward", (square, rng.normal(size=4)))]


def _loss_probes(rng):
    Tm = np.eye(5)[rng.integers(0, 5, size=7)]
    Y = np.exp(rng.normal(size=(7, 5)))
    Y /= Y.sum(axis=1, keepdims=True)
    return [("mse", (rng.uniform(size=7), rng.uniform(size=7))),
            ("mse", (rng.uniform(size=(5, 3)), rng.uniform(size=(5, 3)))),
            ("binary_cross_entropy", ((rng.uniform(size=13) > 0.5).astype(float),
                                      rng.uniform(0.02, 0.98, size=13))),
            ("binary_cross_entropy", (np.array([1.0, 0.0, 1.0, 0.0, 1.0]),
                                      np.array([1.0, 0.0, 0.3, 0.6, 1.0]))),
            ("cross_entropy", (Tm, Y)), ("cross_entropy", (Tm[2], Y[2]))]


def _backprop_probes(rng):
    net, square = _network(rng, 3, 5), _network(rng, 4, 4)
    x, t = rng.normal(size=3), 0.3
    grads = {k: rng.normal(size=v.shape) for k, v in net.items()}
    return [("output_delta", (t, rng.uniform(0.1, 0.9, size=1))),
            ("output_delta", (np.array([0.8]), rng.uniform(0.1, 0.9, size=1))),
            ("hidden_delta", (rng.uniform(0.1, 0.9, size=5), net["W2"], np.array([-0.37]))),
            ("gradients", (net, x, t)), ("gradients", (square, rng.normal(size=4), np.array([0.9]))),
            ("sgd_step", (net, grads, 0.07)), ("sgd_step", (net, grads, 0.01)),
            ("train_step", (net, x, t, 0.07)), ("train_step", (net, x, np.array([0.8]), 0.01)),
            ("train_step", (square, rng.normal(size=4), 0.6, 0.3))]


def _gd_probes(rng):
    center = rng.normal(size=3)
    return [("gradient_descent", (probes.quadratic_grad(center=1.7, scale=0.8), 4.2, 0.13, 11)),
            ("gradient_descent", (probes.quadratic_grad(center=-0.6, scale=1.3), 2.0, 0.07, 23),
             {"tol": 0.01}),
            ("gradient_descent", (probes.quadratic_grad(center=center, scale=0.9),
                                  rng.normal(size=3), 0.11, 7)),
            ("gradient_descent", (probes.quadratic_grad(center=3.0, scale=1.0), 10.0, 0.01, 13))]


def _perceptron_probes(rng):
    out = [("perceptron", (list(rng.normal(size=5)), list(rng.normal(size=5)), float(rng.normal())))
           for _ in range(3)]
    out.append(("perceptron", ([1.0, 2.0], [1.0, 1.0], 3.0)))          # w.x == theta
    out.append(("perceptron", ([3.0, 8.0], [0.6, -0.3], -1.0)))
    for gate in ("and_gate", "or_gate", "nand_gate", "xor_gate"):
        out += [(gate, (x1, x2)) for x1 in (-1, 1) for x2 in (-1, 1)]
    return out


def _compgraph_probes(rng):
    a, b, d = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    return [("MulLayer", [("forward", (1.3, -0.7)), ("backward", (0.45,))]),
            ("MulLayer", [("forward", (a, b)), ("backward", (d,))]),
            ("AddLayer", [("forward", (a, b)), ("backward", (d,))]),
            ("apple_graph", ()), ("apple_graph", (3.7, 5, 1.08))]


PROBES = {"01_activations": _activation_probes, "02_forward": _forward_probes,
          "03_loss": _loss_probes, "04_backprop": _backprop_probes,
          "05_gradient_descent": _gd_probes, "09_perceptron": _perceptron_probes,
          "10_compgraph": _compgraph_probes}
TOL = {"03_loss": "loss"}


# ---- outcomes ----------------------------------------------------------------------------------

class Outcome:
    """What the grader sees of one probe on one module. Calls go through the probe API on an
    in-process backend, which copies arguments in and out as the transport does."""

    def __init__(self, module, probe, tol):
        name, rest = probe[0], probe[1:]
        self.tol = tol
        student = StudentProbe(None, LocalBackend(module), diagnose=False)
        self.value, self.error = [], None
        try:
            if rest and isinstance(rest[0], list):          # a class: construct, then call methods
                self.function = f"{name}.{rest[0][-1][0]}"
                obj = getattr(student.module, name)()
                for method, args in rest[0]:
                    self.value.append(getattr(obj, method)(*args))
            else:
                self.function = name
                args, kwargs = rest[0], (rest[1] if len(rest) > 1 else {})
                self.value.append(getattr(student.module, name)(*args, **kwargs))
        except StudentError as exc:
            self.error = exc.error_type or exc.status
        outcomes = [c.outcome for c in student.calls]
        self.args_after = [(o.args_after, o.kwargs_after) for o in outcomes]
        self.warned = any(cat == "RuntimeWarning" for o in outcomes for cat, _ in o.warnings)

    def same_as(self, other) -> bool:
        if self.error or other.error:
            return self.error == other.error
        return (self.warned == other.warned
                and compare(self.value, other.value, self.tol) is None
                and _same_args(self.args_after, other.args_after))


def _same_args(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_args(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_args(x, y) for x, y in zip(a, b))
    if callable(a) or a is None:
        return True
    return compare(a, b, "exact") is None


@pytest.fixture(scope="module", params=sorted(PROBES))
def outcomes(request):
    set_id = request.param
    probe_list = PROBES[set_id](np.random.default_rng(317))
    tol = TOL.get(set_id, "analytic")
    reference = [Outcome(fresh_reference(set_id), p, tol) for p in probe_list]
    models = {m.label: (m, [Outcome(m.module(), p, tol) for p in probe_list])
              for m in models_for(set_id)}
    return set_id, reference, models


# ---- the tests -----------------------------------------------------------------------------------

def test_model_files_declare_their_set():
    assert {m.SET for m in MODULES} == set(EXPECTED_IDS)


def test_expected_ids_are_modelled(outcomes):
    set_id, _, models = outcomes
    assert {m.id for m, _ in models.values()} == EXPECTED_IDS[set_id]


def test_reference_passes_its_own_probes(outcomes):
    """The probes are valid inputs: the reference answers all of them, quietly."""
    _, reference, _ = outcomes
    assert all(r.error is None and not r.warned for r in reference)


def test_each_model_differs_from_the_reference(outcomes):
    """Would a submission with this mistake fail at least one probe?"""
    _, reference, models = outcomes
    for label, (_, results) in models.items():
        assert any(not r.same_as(ref) for r, ref in zip(results, reference)), label


def test_models_of_different_ids_never_coincide(outcomes):
    """Where a model misses the reference, no model of another id gives the same outcome, so a
    student's result names one mistake (except the pairs listed in INHERENT)."""
    set_id, reference, models = outcomes
    items = list(models.items())
    for i, (label_a, (model_a, results_a)) in enumerate(items):
        for label_b, (model_b, results_b) in items[i + 1:]:
            if model_a.id == model_b.id:
                continue
            pair = frozenset({model_a.id, model_b.id})
            for k, (a, b, ref) in enumerate(zip(results_a, results_b, reference)):
                if (set_id, a.function, pair) in INHERENT:
                    continue
                if not a.same_as(ref):
                    assert not a.same_as(b), f"{label_a} and {label_b} coincide on probe {k} ({a.function})"


def test_models_of_different_ids_differ_somewhere(outcomes):
    """Over all probes of a set, no two ids leave the same fingerprint."""
    _, _, models = outcomes
    items = list(models.items())
    for i, (label_a, (model_a, results_a)) in enumerate(items):
        for label_b, (model_b, results_b) in items[i + 1:]:
            if model_a.id != model_b.id:
                assert any(not a.same_as(b) for a, b in zip(results_a, results_b)), (label_a, label_b)


def test_inherent_coincidence_is_real():
    """The listed pair does coincide on train_step and does not on gradients."""
    models = {m.label: m.module() for m in models_for("04_backprop")}
    rng = np.random.default_rng(5)
    net, x = _network(rng, 3, 5), rng.normal(size=3)
    a, _ = models["delta-sign"].train_step(net, x, 0.3, 0.07)
    b, _ = models["gradient-ascent"].train_step(net, x, 0.3, 0.07)
    assert all(np.allclose(a[k], b[k], rtol=1e-13, atol=1e-15) for k in net)
    ga, gb = models["delta-sign"].gradients(net, x, 0.3), models["gradient-ascent"].gradients(net, x, 0.3)
    assert not np.allclose(ga["W1"], gb["W1"])


def test_overflow_models_warn_where_the_reference_is_quiet():
    big = np.array([-1e4, 0.0, 1e4])
    ref = LocalBackend(fresh_reference("01_activations"))
    assert not ref.call("sigmoid", [big], {}).warnings
    for m in models_for("01_activations"):
        if m.id in ("sigmoid-overflow", "softmax-unstable"):
            name = m.replaces[0]
            o = LocalBackend(m.module()).call(name, [big[None, :] if name == "softmax" else big], {})
            assert any(cat == "RuntimeWarning" for cat, _ in o.warnings), m.label
    (bce,) = [m for m in models_for("03_loss") if m.id == "bce-unclipped"]
    o = LocalBackend(bce.module()).call("binary_cross_entropy",
                                        [np.array([1.0, 0.0]), np.array([1.0, 0.0])], {})
    assert not np.isfinite(o.value) and o.warnings


def test_mutation_models_change_the_callers_network():
    rng = np.random.default_rng(9)
    net = _network(rng, 3, 5)
    grads = {k: rng.normal(size=v.shape) for k, v in net.items()}
    for m in models_for("04_backprop"):
        if m.id == "mutates-input":
            mine = {k: v.copy() for k, v in net.items()}
            new = m.module().sgd_step(mine, grads, 0.07)
            assert all(np.allclose(mine[k], net[k] - 0.07 * grads[k]) for k in net), m.label
            assert new is mine
    mine = {k: v.copy() for k, v in net.items()}
    fresh_reference("04_backprop").sgd_step(mine, grads, 0.07)
    assert all(np.array_equal(mine[k], net[k]) for k in net)


@pytest.mark.parametrize("mistake_id", sorted(set().union(*EXPECTED_IDS.values())))
def test_hints(mistake_id):
    entry = catalogue.entries()[mistake_id]
    for field in ("title_en", "title_ko", "hint_en", "hint_ko"):
        assert entry[field].strip(), field
        assert "\n" not in entry[field].strip(), f"{field} must be one paragraph"
    expected = SHARED_SETS.get(mistake_id) or [s for s, ids in EXPECTED_IDS.items() if mistake_id in ids]
    # described once: in its set's catalogue, or in the shared one when several sets name it
    folder = find_set(expected[0]).folder if len(expected) == 1 else find_set(expected[0]).folder.parent / "shared"
    assert catalogue.source(mistake_id) == folder / "locale"
