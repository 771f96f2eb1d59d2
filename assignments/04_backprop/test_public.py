"""Public tests of set 04 (backpropagation, one SGD step): run them with `nngrade check backprop`.

They check shapes, types, that no argument is changed, and seed 000's worked values (t = 1,
lr = 0.01). Seed 000 prints most of them to 8 decimals, so those are compared at relative 1e-5
(1e-4 for the hidden deltas, which have only 5 significant digits there). The graded (hidden)
tests use other, random networks (h != n), targets and learning rates.
"""
import numpy as np
import pytest

SET = "04_backprop"

X = [0.2, 0.9]
W1 = [[0.05, 0.01], [-0.01, 0.03], [0.02, -0.01]]
B1 = [-0.3, 0.2, 0.05]
W2 = [0.01, 0.05, 0.015]
B2 = [-0.015]
Y1 = [0.4302086298074603, 0.5560138905446199, 0.5112481019468548]
Y2 = [0.50619256]
D2 = [-0.12343292]
D1 = [-0.00030257, -0.00152355, -0.00046264]
MSE = 0.1219228944272693
AFTER = {                                      # every parameter after one step with lr = 0.01
    "W1": [[0.05000061, 0.01000272], [-0.00999695, 0.03001371], [0.02000093, -0.00999584]],
    "b1": [-0.29999697, 0.20001524, 0.05000463],
    "W2": [0.01053102, 0.0506863, 0.01563105],
    "b2": [-0.01376567],
}
SHAPES = {"W1": (3, 2), "b1": (3,), "W2": (3,), "b2": (1,)}


def _network():
    return {"W1": np.array(W1), "b1": np.array(B1), "W2": np.array(W2), "b2": np.array(B2)}


def _expect_network(student, got, shapes, what):
    student.expect_type(got, dict, what=what)
    for key, shape in shapes.items():
        student.expect_true(key in got, what=student.text("{what}: no key '{key}'", what=what, key=key))
        student.expect_shape(got[key], shape, what=f"{what}['{key}']")


@pytest.mark.function("output_delta")
@pytest.mark.case("seed-example")
def test_output_delta_seed_example(student):
    """Is d2 = -(t - y2)(1 - y2)y2 = -0.12343292 for t = 1, y2 = 0.50619256?"""
    got = student.module.output_delta(1.0, np.array(Y2))
    student.expect_shape(got, (1,), what="output_delta(1, [0.50619256])")
    student.expect(got, D2, tol="loss", what="output_delta(1, [0.50619256])")
    student.expect_no_mutation(what=student.text("{name} must not change its arguments",
                                                   name="output_delta"))


@pytest.mark.function("output_delta")
@pytest.mark.case("target-array")
def test_output_delta_target_array(student):
    """Does output_delta accept the target as an array of shape (1,) too?"""
    got = student.module.output_delta(np.array([1.0]), np.array(Y2))
    student.expect_shape(got, (1,), what="output_delta([1], [0.50619256])")
    student.expect(got, D2, tol="loss", what="output_delta([1], [0.50619256])")


@pytest.mark.function("hidden_delta")
@pytest.mark.case("seed-example")
def test_hidden_delta_seed_example(student):
    """Is d1 = y1(1 - y1) * W2 * d2 the seed's [-0.00030257, -0.00152355, -0.00046264]?"""
    got = student.module.hidden_delta(np.array(Y1), np.array(W2), np.array(D2))
    student.expect_shape(got, (3,), what="hidden_delta(Y1, W2, d2)")
    student.expect(got, D1, tol="numgrad", what="hidden_delta(Y1, W2, d2)")
    student.expect_no_mutation(what=student.text("{name} must not change its arguments",
                                                   name="hidden_delta"))


@pytest.mark.function("gradients")
@pytest.mark.case("seed-example")
def test_gradients_seed_example(student):
    """Does gradients give every parameter a gradient of its own shape, with dE/db2 = d2, dE/db1 = d1?"""
    got = student.module.gradients(_network(), np.array(X), 1.0)
    _expect_network(student, got, SHAPES, "gradients(network, x, 1)")
    student.expect(got["b2"], D2, tol="loss", what="gradients(...)['b2'] = d2")
    student.expect(got["b1"], D1, tol="numgrad", what="gradients(...)['b1'] = d1")
    student.expect(got["W2"], [D2[0] * y for y in Y1], tol="loss", what="gradients(...)['W2'] = d2 · Y1")
    student.expect(got["W1"], [[d * x for x in X] for d in D1], tol="numgrad",
                   what="gradients(...)['W1'][j, i] = d1[j] · x[i]")
    student.expect_no_mutation(what=student.text("{name} must not change its arguments", name="gradients"))


@pytest.mark.function("gradients")
@pytest.mark.case("shapes-h-not-n")
def test_gradients_shapes_h_not_n(student):
    """With 4 inputs and 5 hidden neurons, does each gradient have its weight's shape?"""
    n, h = 4, 5
    network = {"W1": np.linspace(-0.5, 0.5, h * n).reshape(h, n), "b1": np.linspace(0.1, -0.1, h),
               "W2": np.linspace(0.3, -0.2, h), "b2": np.array([0.05])}
    got = student.module.gradients(network, np.array([0.5, -1.0, 0.25, 2.0]), np.array([0.0]))
    _expect_network(student, got, {"W1": (h, n), "b1": (h,), "W2": (h,), "b2": (1,)},
                    "gradients(network, x, t), W1 (5, 4)")


@pytest.mark.function("sgd_step")
@pytest.mark.case("unit-gradients")
def test_sgd_step_unit_gradients(student):
    """Does sgd_step subtract lr times the gradient from every weight AND bias, into a new dict?"""
    network = _network()
    grads = {k: np.ones_like(v) for k, v in network.items()}
    got = student.module.sgd_step(network, grads, 0.05)
    _expect_network(student, got, SHAPES, "sgd_step(network, grads, 0.05)")
    expected = {"W1": [[0.0, -0.04], [-0.06, -0.02], [-0.03, -0.06]], "b1": [-0.35, 0.15, 0.0],
                "W2": [-0.04, 0.0, -0.035], "b2": [-0.065]}
    student.expect(got, expected, tol="analytic", what="sgd_step(network, grads = 1, lr = 0.05)")
    student.expect_no_mutation(what=student.text("sgd_step must not change network or grads"))


@pytest.mark.function("train_step")
@pytest.mark.case("seed-example")
def test_train_step_seed_example(student):
    """Does one training step reproduce seed 000's updated weights and the loss before the step?"""
    got = student.module.train_step(_network(), np.array(X), 1.0, 0.01)
    student.expect_true(isinstance(got, (tuple, list)) and len(got) == 2,
                        what=student.text("train_step must return a tuple (new network, loss)"))
    new, loss = got
    _expect_network(student, new, SHAPES, "train_step(...)[0]")
    student.expect(loss, MSE, tol="loss", what=student.text("{call}, the loss before the step",
                                                                 call="train_step(...)[1]"))
    student.expect(new, AFTER, tol="loss", what="train_step(network, x, 1, lr=0.01)[0]")
    student.expect_no_mutation(what=student.text("train_step must not change network"))
