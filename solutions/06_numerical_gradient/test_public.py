"""Public tests of set 06: shapes, types, unchanged arguments and seed 003's own numbers.

Run them with `nngrade check numerical_gradient`. They carry no points: the graded tests use other,
per-student inputs (other data, other starting parameters, steps h near 1e-3).
"""
import numpy as np
import pytest

from nngrade.autograder.sandbox import probes

SET = "06_numerical_gradient"

# Seed 003: the parameters of its first forward pass and the 13 central differences it prints.
SEED_PARAMS = {"b11": 0.0, "b12": 0.0, "b13": 0.0, "b21": 0.0,
               "w11": 0.1, "w12": 0.2, "w13": 0.3,
               "w21": 0.1, "w22": 0.2, "w23": 0.3,
               "w31": 0.1, "w32": 0.3, "w33": 0.3}
SEED_LOSS = 0.6832187873470724
SEED_GRADIENTS = {"b11": -0.006909978145230866, "b12": -0.0207299344356926,
                  "b13": -0.0207299344356926, "b21": 0.08090021430540162,
                  "w11": 0.012743330835007782, "w12": 0.03822999361524637,
                  "w13": 0.03822999361524637, "w21": -0.016027190130607494,
                  "w22": -0.048081571502045506, "w23": -0.048081571502045506,
                  "w31": -0.003283858185376687, "w32": -0.006567718036087911,
                  "w33": -0.009851577331687622}
# Seed 003's training run starts here (its "In [15]").
SEED_TRAIN_START = {"b11": 0.0, "b12": 0.0, "b13": 0.0, "b21": 0.0,
                    "w11": 0.2, "w12": 0.3, "w13": 0.8,
                    "w21": 0.7, "w22": 0.8, "w23": 0.3,
                    "w31": 0.3, "w32": 0.1, "w33": 0.2}
HIDDEN_KEYS = ("b11", "b12", "b13", "w11", "w12", "w13", "w21", "w22", "w23")


def seed_data():
    """Seed 003's data, written out here so that these tests do not depend on your
    quadratic_boundary_data."""
    X = np.random.RandomState(317).rand(100, 2) * 4 - 2
    y = (X[:, 1] + 1 > X[:, 0] ** 2).astype(int)
    return X, y


# ---- numerical_gradient ------------------------------------------------------------------------

@pytest.mark.function("numerical_gradient")
@pytest.mark.case("quadratic")
def test_numerical_gradient_quadratic(student):
    """Is the central difference of (x - 3)^2 at x = 5 close to 4?"""
    got = student.module.numerical_gradient(probes.dict_quadratic({"x": 3.0}, {"x": 1.0}),
                                            {"x": 5.0})
    student.expect_type(got, dict, what=student.text("the value {name} returns",
                                                          name="numerical_gradient"))
    student.expect_type(got.get("x"), float,
                        what=student.text("the gradient of a float parameter"))
    student.expect(got["x"], 4.0, tol="numgrad",
                   what=student.text("the slope of (x - 3)^2 at x = 5"))
    student.expect_no_mutation(what=student.text("params must be unchanged afterwards"),
                               tag="param-not-restored")


@pytest.mark.function("numerical_gradient")
@pytest.mark.case("large-step")
def test_numerical_gradient_large_step(student):
    """With h = 1e-3, is the slope of (x - 3)^2 at x = 5 still 4 (a central difference is exact
    on a parabola; a one-sided one is off by h)?"""
    got = student.module.numerical_gradient(probes.dict_quadratic({"x": 3.0}, {"x": 1.0}),
                                            {"x": 5.0}, h=1e-3)
    student.expect_type(got, dict, what=student.text("the value {name} returns",
                                                          name="numerical_gradient"))
    student.expect(got["x"], 4.0, tol="numgrad",
                   what=student.text("the slope of (x - 3)^2 at x = 5 with h = 1e-3 (a one-sided "
                                     "difference gives 4.001)"))


@pytest.mark.function("numerical_gradient")
@pytest.mark.case("array")
def test_numerical_gradient_array(student):
    """Does an array parameter get a gradient array of its own shape, next to a float one?"""
    params = {"w": np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]), "b": 0.25}
    centers = {"w": np.array([[1.0, 2.0, -1.0], [0.0, 0.5, 0.5]]), "b": 1.0}
    # f = 3(b - cb)^2 + 2·Σ(w - cw)^2 + 0.5·b·Σw   (the last term couples b and w)
    f = probes.dict_quadratic(centers, {"w": 2.0, "b": 3.0}, cross=0.5)
    got = student.module.numerical_gradient(f, params)
    student.expect_type(got, dict, what=student.text("the value {name} returns",
                                                          name="numerical_gradient"))
    student.expect_type(got.get("w"), np.ndarray,
                        what=student.text("the gradient of an array parameter"))
    student.expect_shape(got["w"], (2, 3), what="grads['w']")
    student.expect(got["w"], 4.0 * (params["w"] - centers["w"]) + 0.5 * params["b"], tol="numgrad",
                   what="∂f/∂w = 4(w − cw) + 0.5·b")
    student.expect(got["b"], 6.0 * (params["b"] - centers["b"]) + 0.5 * params["w"].sum(),
                   tol="numgrad", what="∂f/∂b = 6(b − cb) + 0.5·Σw")
    student.expect_no_mutation(what=student.text("params and the arrays in it must be unchanged "
                                                 "afterwards"),
                               tag="param-not-restored")


@pytest.mark.function("numerical_gradient")
@pytest.mark.case("seed-example")
def test_numerical_gradient_seed(student):
    """Are seed 003's 13 numerical gradients reproduced (through your two_layer_loss)?"""
    X, y = seed_data()
    f = probes.module_function("numerical_gradient", "two_layer_loss",
                               {"X": X, "y": y, "activation": "relu"})
    got = student.module.numerical_gradient(f, dict(SEED_PARAMS))
    student.expect_type(got, dict, what=student.text("the value {name} returns",
                                                          name="numerical_gradient"))
    student.expect(got, SEED_GRADIENTS, tol="numgrad",
                   what=student.text("seed 003's 13 gradients (your two_layer_loss must be right "
                                     "too)"))
    student.expect_no_mutation(what=student.text("params must be unchanged afterwards"),
                               tag="param-not-restored")


@pytest.mark.function("numerical_gradient")
@pytest.mark.case("seed-large-step")
def test_numerical_gradient_seed_large_step(student):
    """With h = 1e-3 on seed 003's network, do the 13 gradients stay within 1e-4 of the seed's
    h = 1e-7 values (each parameter put back before the next one is moved)?"""
    X, y = seed_data()
    f = probes.module_function("numerical_gradient", "two_layer_loss",
                               {"X": X, "y": y, "activation": "relu"})
    got = student.module.numerical_gradient(f, dict(SEED_PARAMS), h=1e-3)
    student.expect_type(got, dict, what=student.text("the value {name} returns",
                                                          name="numerical_gradient"))
    student.expect(got, SEED_GRADIENTS, tol="numgrad",
                   what=student.text("the 13 gradients with h = 1e-3: a central difference stays "
                                     "within 1e-4 of the h = 1e-7 values"))
    student.expect_no_mutation(what=student.text("params must be unchanged afterwards"),
                               tag="param-not-restored")


# ---- relative_error ----------------------------------------------------------------------------

@pytest.mark.function("relative_error")
@pytest.mark.case("example")
def test_relative_error_example(student):
    """Is the largest elementwise |a - b| / max(1e-8, |a| + |b|) returned, as a float?"""
    a = np.array([1.0, 2.0, -3.0])
    b = np.array([1.0, 2.2, -3.0])
    got = student.module.relative_error(a, b)
    student.expect_type(got, float, what=student.text("the value {name} returns",
                                                          name="relative_error"))
    student.expect(got, abs(2.0 - 2.2) / 4.2, tol="analytic",
                   what="relative_error([1, 2, -3], [1, 2.2, -3]) = 0.2 / 4.2")
    student.expect_no_mutation(what=student.text("a and b must be unchanged"))


@pytest.mark.function("relative_error")
@pytest.mark.case("floor")
def test_relative_error_floor(student):
    """Does the 1e-8 floor apply as a maximum (not added), and keep 0 vs 0 finite?"""
    student.expect(student.module.relative_error(np.zeros(3), np.zeros(3)), 0.0, tol="analytic",
                   what="relative_error(0, 0) = 0 / 1e-8 = 0")
    student.expect(student.module.relative_error(1e-9, 0.0), 0.1, tol="analytic",
                   what="relative_error(1e-9, 0) = 1e-9 / max(1e-8, 1e-9) = 0.1")


# ---- quadratic_boundary_data -------------------------------------------------------------------

@pytest.mark.function("quadratic_boundary_data")
@pytest.mark.case("seed-example")
def test_quadratic_boundary_data_seed(student):
    """Are the first five rows of seed 003's table (Out[5]) reproduced?"""
    X, y = student.module.quadratic_boundary_data()
    student.expect_shape(X, (100, 2), what="X")
    student.expect_shape(y, (100,), what="y")
    table = np.array([[-0.782599, 0.905209], [1.854088, 0.307004], [-1.248618, 0.832538],
                      [0.238576, 0.712806], [-1.166176, -0.802204]])
    student.expect(np.round(np.asarray(X)[:5], 6), table, tol="analytic",
                   what=student.text("X[:5] to 6 decimals (seed 003, Out[5])"))
    student.expect(np.asarray(y)[:5], [1, 0, 1, 1, 0], tol="analytic", what="y[:5]")


@pytest.mark.function("quadratic_boundary_data")
@pytest.mark.case("shapes")
def test_quadratic_boundary_data_shapes(student):
    """Do n and seed change the data as they should?"""
    X, y = student.module.quadratic_boundary_data(n=37, seed=11)
    student.expect_shape(X, (37, 2), what="X (n=37)")
    student.expect_shape(y, (37,), what="y (n=37)")
    X, y = np.asarray(X), np.asarray(y)
    student.expect_true(bool(np.all((X >= -2) & (X < 2))),
                        what=student.text("X must lie in [-2, 2)"))
    student.expect(y, (X[:, 1] + 1 > X[:, 0] ** 2).astype(float), tol="analytic",
                   what=student.text("y = 1 where x2 + 1 > x1^2, else 0"))


# ---- two_layer_loss ----------------------------------------------------------------------------

@pytest.mark.function("two_layer_loss")
@pytest.mark.case("seed-example")
def test_two_layer_loss_seed(student):
    """Is seed 003's first loss, 0.6832187873470724, reproduced?"""
    X, y = seed_data()
    got = student.module.two_layer_loss(dict(SEED_PARAMS), X, y, "relu")
    student.expect_type(got, float, what=student.text("the value {name} returns",
                                                          name="two_layer_loss"))
    student.expect(got, SEED_LOSS, tol="loss", what=student.text("seed 003's loss"))
    student.expect_no_mutation(what=student.text("params, X and y must be unchanged"))


@pytest.mark.function("two_layer_loss")
@pytest.mark.case("zero-params")
def test_two_layer_loss_zero(student):
    """With every parameter 0 the output is sigmoid(0) = 1/2, so is the loss ln 2 for each activation?"""
    X, y = seed_data()
    zeros = {key: 0.0 for key in SEED_PARAMS}
    for activation in ("relu", "step", "tanh"):
        got = student.module.two_layer_loss(zeros, X, y, activation)
        student.expect(got, float(np.log(2.0)), tol="loss",
                       what=student.text("activation={activation}, all parameters 0: ln 2",
                                         activation=repr(activation)))


# ---- train_numerical ---------------------------------------------------------------------------

@pytest.mark.function("train_numerical")
@pytest.mark.case("short-run")
def test_train_numerical_short(student):
    """Do three epochs return a new dict of the 13 floats, lower the loss, and leave params alone?"""
    X, y = seed_data()
    got = student.module.train_numerical(dict(SEED_TRAIN_START), X, y, lr=0.1, epochs=3)
    student.expect_type(got, dict, what=student.text("the value {name} returns",
                                                          name="train_numerical"))
    student.expect_true(sorted(got) == sorted(SEED_TRAIN_START),
                        what=student.text("the returned dict must have the 13 parameter names as "
                                          "keys"))
    before = student.module.two_layer_loss(dict(SEED_TRAIN_START), X, y, "relu")
    after = student.module.two_layer_loss(got, X, y, "relu")
    student.expect_true(after < before,
                        what=student.text("the loss must go down after three descent steps"))
    student.expect_no_mutation(what=student.text("params must be unchanged (return a new dict)"))


@pytest.mark.function("train_numerical")
@pytest.mark.case("step-activation")
def test_train_numerical_step(student):
    """With the step function, do the hidden layer's parameters stay put (seed 003's lesson)?"""
    X, y = seed_data()
    got = student.module.train_numerical(dict(SEED_TRAIN_START), X, y, lr=0.1, epochs=3,
                                         activation="step")
    student.expect_type(got, dict, what=student.text("the value {name} returns",
                                                          name="train_numerical"))
    student.expect({k: got.get(k) for k in HIDDEN_KEYS}, {k: SEED_TRAIN_START[k] for k in HIDDEN_KEYS},
                   tol="trained",
                   what=student.text("the step function's gradient is 0, so the hidden parameters "
                                     "stay put"))
    student.expect_true(got.get("b21") != 0.0,
                        what=student.text("the output bias b21 must still learn"))
