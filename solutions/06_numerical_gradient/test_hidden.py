"""Hidden suite of set 06: numerical gradients, gradient checks and seed 003's network on
per-student random inputs.

numerical_gradient is probed on quadratics of a params dict (`dict_quadratic`, built inside the
student's process) with steps h between 1e-3 and 2e-3: a central difference is exact on a
quadratic, a one-sided one is off by scale·h (more than the 1e-4 tolerance, since every gradient
entry is kept between 0.2 and 3), and a parameter left moved by −h shifts the gradient of the
parameter its cross term couples it to. One probe differentiates the student's own
two_layer_loss (13 coupled parameters) at a large step (0.2 to 0.4), where the central
difference misses the exact derivative by at least ten times the tolerance (the test checks
that margin), together with a quadratic plus a large constant on which only a body that uses
the given h gets the central difference: an exact gradient, a one-sided difference and a body
that overrides h each fail there, each named. After each call the params must be as they were.

Data sets have an odd prime number of rows (at most 29), parameters are of order 0.1 to 0.6, so
every predicted probability stays in [0.01, 0.99] (the +1e-7-inside-the-log variant of the loss
passes at 1e-5), and trainers run at most 16 epochs with learning rates other than the seed's 0.1.
Trained parameters are compared at 1e-6 relative; starting points whose trained parameters come
near 0 are redrawn, so that an implementation adding the loss's terms in another order (which
moves a numerical gradient by ~1e-9) is not failed on a parameter of size 1e-4.
Points of each test are in set.toml's [points].
"""
import math

import numpy as np
import pytest

from nngrade.autograder.sandbox import probes

SET = "06_numerical_gradient"

PARAM_NAMES = ("b11", "b12", "b13", "b21", "w11", "w12", "w13", "w21", "w22", "w23",
               "w31", "w32", "w33")
HIDDEN_NAMES = ("b11", "b12", "b13", "w11", "w12", "w13", "w21", "w22", "w23")
ODD_ROWS = (17, 19, 23, 29)


# ---- inputs --------------------------------------------------------------------------------------

def _step(student):
    """A step h in [1e-3, 2e-3]: large enough that a one-sided difference is visibly off."""
    return float(np.round(student.rng.uniform(1e-3, 2e-3), 6))


def _signed(student, low, high, size=None):
    return student.rng.uniform(low, high, size=size) * student.rng.choice([-1.0, 1.0], size=size)


def _quadratic_problem(student, shapes, cross_range):
    """(f, params): a dict_quadratic with a cross term and a point where every gradient entry
    has magnitude in [0.2, 3]. `shapes` maps names to () for a float or an array shape.

    Redrawn until the bounds hold (deterministic: every draw comes from student.rng)."""
    names = [str(k) for k in student.rng.permutation(list(shapes))]   # the order the student walks
    for _ in range(200):
        centers, scales, params = {}, {}, {}
        for k in names:
            shape = shapes[k]
            centers[k] = _value(student.rng.uniform(-1.0, 1.0, size=shape), shape)
            scales[k] = float(np.round(student.rng.uniform(1.0, 3.0), 3))
            params[k] = _value(centers[k] + _signed(student, 0.1, 0.5, size=shape), shape)
        cross = float(_signed(student, *cross_range))
        f = probes.dict_quadratic(centers, scales, cross=cross)
        grads = _quadratic_gradient(f, params)
        magnitudes = np.concatenate([np.abs(np.ravel(g)) for g in grads.values()])
        if magnitudes.min() >= 0.2 and magnitudes.max() <= 3.0:
            return f, params
    raise RuntimeError("could not draw a quadratic with gradients in [0.2, 3]")


def _quadratic_gradient(f, params):
    """The analytic gradient of a dict_quadratic probe at params (computed here, in the grading
    process, from the probe's definition: no probe carries its gradient)."""
    a = f.args
    keys = sorted(a["centers"])
    values = {k: (float(params[k]) if np.ndim(params[k]) == 0 else np.asarray(params[k], dtype=float))
              for k in keys}
    grad = {k: 2.0 * a["scales"][k] * (values[k] - a["centers"][k]) for k in keys}
    if len(keys) >= 2:
        k0, k1 = keys[0], keys[1]
        s0, s1 = float(np.sum(values[k0])), float(np.sum(values[k1]))
        grad[k0] = grad[k0] + a["cross"] * s1 * np.ones_like(values[k0])
        grad[k1] = grad[k1] + a["cross"] * s0 * np.ones_like(values[k1])
    return grad


def _value(x, shape):
    return float(x) if shape == () else np.asarray(x, dtype=np.float64)


def _data(student, rows=None):
    """Seed 003's kind of data: points in [-2, 2)^2 labelled 1 above the parabola x2 + 1 > x1^2."""
    rows = rows or int(student.rng.choice(ODD_ROWS))
    X = student.rng.uniform(-2.0, 2.0, size=(rows, 2))
    y = (X[:, 1] + 1 > X[:, 0] ** 2).astype(int)
    return X, y


def _params(student):
    """The 13 parameters in seed 003's order. |a_i| <= 0.5 + 4·0.6 and |ay1| <= 0.5 + 3·0.45·2.9,
    so every prediction lies in [0.012, 0.988]."""
    p = {}
    for k in PARAM_NAMES:
        low, high = (0.2, 0.5) if k.startswith("b") else (0.2, 0.45) if k.startswith("w3") else (0.25, 0.6)
        p[k] = float(_signed(student, low, high))
    return p


def _lr(student):
    """A learning rate in [0.05, 0.3], never the seed's 0.1."""
    lr = float(np.round(student.rng.uniform(0.05, 0.3), 3))
    return lr if lr != 0.1 else 0.103


def _training_problem(student, reference, activation):
    """(start, X, y, lr, epochs) whose reference run ends with every parameter at least 0.1 away
    from 0, where 1e-6 relative is still far above the rounding of the loss's sums."""
    for _ in range(50):
        X, y = _data(student)
        start, lr, epochs = _params(student), _lr(student), int(student.rng.integers(8, 17))
        trained = reference.train_numerical(dict(start), X, y, lr=lr, epochs=epochs,
                                            activation=activation)
        if min(abs(v) for v in trained.values()) >= 0.1:
            return start, X, y, lr, epochs, trained
    raise RuntimeError("could not draw a training problem away from zero")


# ---- numerical_gradient ---------------------------------------------------------------------------

@pytest.mark.function("numerical_gradient")
@pytest.mark.case("random-floats-large-step")
def test_numerical_gradient_floats(student, reference):
    count = int(student.rng.integers(4, 7))
    f, params = _quadratic_problem(student, {f"p{i}": () for i in range(count)}, (1.0, 2.0))
    h = _step(student)
    student.check(lambda m: m.numerical_gradient(f, params, h=h), reference=reference, tol="numgrad",
                  what=student.text("numerical_gradient(f, params, h={h}) on a quadratic of {count} "
                                    "float parameters with a cross term (a central difference is "
                                    "exact on it)", h=str(h), count=str(count)))
    student.expect_no_mutation(what=student.text("numerical_gradient must leave params as they were"),
                               tag="param-not-restored")


@pytest.mark.function("numerical_gradient")
@pytest.mark.case("random-arrays-large-step")
def test_numerical_gradient_arrays(student, reference):
    rows, cols = int(student.rng.integers(2, 4)), int(student.rng.integers(3, 5))
    shapes = {"W": (rows, cols), "b": (cols,), "c": ()}   # the cross term couples W and b
    f, params = _quadratic_problem(student, shapes, (0.3, 0.6))
    h = _step(student)
    student.check(lambda m: m.numerical_gradient(f, params, h=h), reference=reference, tol="numgrad",
                  what=student.text("numerical_gradient(f, params, h={h}) with params W ({rows}, "
                                    "{cols}), b ({cols},) and a float c, on a quadratic whose cross "
                                    "term couples W and b", h=str(h), rows=str(rows),
                                    cols=str(cols)))
    student.expect_no_mutation(what=student.text("numerical_gradient must leave params and the "
                                                 "arrays in it as they were"),
                               tag="param-not-restored")


@pytest.mark.function("numerical_gradient")
@pytest.mark.case("random-default-step")
def test_numerical_gradient_default_step(student, reference):
    f, params = _quadratic_problem(student, {"u": (), "v": (int(student.rng.integers(2, 5)),)},
                                   (0.5, 1.0))
    student.check(lambda m: m.numerical_gradient(f, params), reference=reference, tol="numgrad",
                  what=student.text("numerical_gradient(f, params) with the default h = 1e-7 on a "
                                    "quadratic"))
    student.expect_no_mutation(what=student.text("numerical_gradient must leave params as they were"),
                               tag="param-not-restored")


# Bodies that do not use the h they are given, as the large-step test must tell them apart:
# Saito's textbook hard-codes h = 1e-4 inside the body; others keep the default 1e-7.
OVERRIDDEN_STEPS = (1e-4, 1e-5, 1e-6, 1e-7)
MARGIN = 10 * 1e-4          # ten times the "numgrad" tolerance


def _central(f, params, h):
    """The central difference of f at params with step h (the contract's estimate)."""
    grads = {}
    for k, v in params.items():
        if np.ndim(v) == 0:
            up, down = dict(params), dict(params)
            up[k], down[k] = v + h, v - h
            grads[k] = (f(up) - f(down)) / (2 * h)
        else:
            g = np.zeros(np.shape(v))
            for idx in np.ndindex(g.shape):
                up, down = dict(params), dict(params)
                up[k], down[k] = np.array(v, dtype=float), np.array(v, dtype=float)
                up[k][idx] += h
                down[k][idx] -= h
                g[idx] = (f(up) - f(down)) / (2 * h)
            grads[k] = g
    return grads


def _richardson(f, params, h=1e-3):
    """The exact derivative to ~1e-12: (4·D(h/2) − D(h)) / 3 of central differences D."""
    d1, d2 = _central(f, params, h), _central(f, params, h / 2)
    return {k: (4 * np.asarray(d2[k]) - np.asarray(d1[k])) / 3 for k in params}


def _max_relative_gap(a: dict, b: dict) -> float:
    return max(float(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k]))
                            / np.maximum(np.abs(np.asarray(b[k])), 1e-12))) for k in b)


def _large_step_tanh(student, reference):
    """(f, params, h, X, y): the student's two_layer_loss (tanh) at a step h where the central
    difference misses the exact derivative by at least MARGIN (checked, else redrawn)."""
    for _ in range(50):
        X, y = _data(student)
        params = _params(student)
        h = float(np.round(student.rng.uniform(0.2, 0.4), 3))
        loss = lambda p: reference.two_layer_loss(p, X, y, "tanh")   # noqa: E731
        if _max_relative_gap(_central(loss, params, h), _richardson(loss, params)) >= MARGIN:
            return params, h, X, y
    raise RuntimeError("could not draw a step where the central difference is visibly inexact")


def _offset_quadratic(student):
    """(f, params, h): a quadratic plus a large offset, at a large step h. A central difference
    is exact on a quadratic, and at this h the offset's rounding stays below a tenth of the
    tolerance; at the steps of OVERRIDDEN_STEPS the same rounding moves the estimate by more than
    MARGIN. So the exact derivative passes here and a body that ignores h does not (checked)."""
    for _ in range(200):
        names = ["q0", "q1", "q2"]
        centers = {k: float(np.round(student.rng.uniform(-1.0, 1.0), 3)) for k in names}
        scales = {k: 1.0 for k in names}
        params = {k: centers[k] + float(_signed(student, 0.3, 0.45)) for k in names}
        offset = float(np.round(student.rng.uniform(4e9, 8e9), 0))
        f = probes.dict_quadratic(centers, scales, cross=0.0, offset=offset)
        exact = _quadratic_gradient(f, params)
        if not all(0.5 <= abs(g) <= 1.0 for g in exact.values()):
            continue
        h = float(np.round(student.rng.uniform(0.2, 0.3), 3))
        if _max_relative_gap(_central(f, params, h), exact) > 1e-5:
            continue
        if all(_max_relative_gap(_central(f, params, step), exact) >= MARGIN
               for step in OVERRIDDEN_STEPS):
            return f, params, h
    raise RuntimeError("could not draw an offset quadratic that separates the steps")


@pytest.mark.function("numerical_gradient")
@pytest.mark.case("random-two-layer-loss-large-step")
def test_numerical_gradient_two_layer_loss_large_step(student, reference):
    params, h, X, y = _large_step_tanh(student, reference)
    f = probes.module_function("numerical_gradient", "two_layer_loss",
                               {"X": X, "y": y, "activation": "tanh"})
    q, q_params, q_h = _offset_quadratic(student)
    student.check(lambda m: (m.numerical_gradient(f, params, h=h),
                             m.numerical_gradient(q, q_params, h=q_h)),
                  reference=reference, tol="numgrad",
                  what=student.text(
                      "(numerical_gradient(f, params, h={h}) with f = your two_layer_loss (tanh) "
                      "on {points} points, numerical_gradient(q, p, h={q_h}) with q a quadratic "
                      "plus a large constant): at these steps the central difference differs "
                      "from the exact derivative, and it is the central difference at the h "
                      "given that is asked for; the 13 parameters interact, so each must be put "
                      "back before the next is moved", h=str(h), points=str(len(y)), q_h=str(q_h)))
    student.expect_no_mutation(what=student.text("numerical_gradient must leave params as they were"),
                               tag="param-not-restored")


# ---- relative_error -------------------------------------------------------------------------------

@pytest.mark.function("relative_error")
@pytest.mark.case("random-arrays")
def test_relative_error_arrays(student, reference):
    rows, cols = int(student.rng.choice((5, 7))), 4
    a = student.rng.normal(0.0, 2.0, size=(rows, cols))
    b = a * (1.0 + student.rng.uniform(-1e-3, 1e-3, size=a.shape))
    a[0, 0] = b[0, 0] = 0.0                        # 0 vs 0: the floor keeps it 0, not nan
    i, j = int(student.rng.integers(1, rows)), int(student.rng.integers(cols))
    a[i, j], b[i, j] = 1e-10, float(student.rng.uniform(2e-10, 4e-10))   # below the 1e-8 floor
    student.check(lambda m: m.relative_error(a, b), reference=reference,
                  what=student.text("relative_error(a, b) on ({rows}, {cols}) arrays with a 0 vs 0 "
                                    "entry and a pair of values below the 1e-8 floor",
                                    rows=str(rows), cols=str(cols)))


@pytest.mark.function("relative_error")
@pytest.mark.case("random-floats")
def test_relative_error_floats(student, reference):
    a = float(_signed(student, 0.5, 3.0))
    b = a + float(_signed(student, 1e-4, 1e-2))
    student.check(lambda m: m.relative_error(a, b), reference=reference,
                  what=student.text("relative_error(a, b) on two floats"))


# ---- quadratic_boundary_data ----------------------------------------------------------------------

@pytest.mark.function("quadratic_boundary_data")
@pytest.mark.case("random-n-seed")
def test_quadratic_boundary_data_n_seed(student, reference):
    n = int(student.rng.choice((37, 41, 43, 47, 53)))
    seed = int(student.rng.integers(1, 10_000))
    student.check(lambda m: m.quadratic_boundary_data(n=n, seed=seed), reference=reference,
                  what=f"quadratic_boundary_data(n={n}, seed={seed})")


@pytest.mark.function("quadratic_boundary_data")
@pytest.mark.case("random-seed-default-n")
def test_quadratic_boundary_data_default_n(student, reference):
    seed = int(student.rng.integers(1, 10_000))
    student.check(lambda m: m.quadratic_boundary_data(seed=seed), reference=reference,
                  what=student.text("quadratic_boundary_data(seed={seed}) with the default n = 100",
                                    seed=str(seed)))


# ---- two_layer_loss -------------------------------------------------------------------------------

def _loss_test(student, reference, activation):
    X, y = _data(student)
    params = _params(student)
    student.check(lambda m: m.two_layer_loss(params, X, y, activation), reference=reference,
                  tol="loss", what=student.text("two_layer_loss(params, X, y, {activation}) on "
                                                "{points} points", activation=repr(activation),
                                                points=str(len(y))))


@pytest.mark.function("two_layer_loss")
@pytest.mark.case("random-relu")
def test_two_layer_loss_relu(student, reference):
    _loss_test(student, reference, "relu")


@pytest.mark.function("two_layer_loss")
@pytest.mark.case("random-tanh")
def test_two_layer_loss_tanh(student, reference):
    _loss_test(student, reference, "tanh")


@pytest.mark.function("two_layer_loss")
@pytest.mark.case("random-step")
def test_two_layer_loss_step(student, reference):
    _loss_test(student, reference, "step")


# ---- train_numerical ------------------------------------------------------------------------------

GRID_SIZE = 25


def _probabilities(reference, params, points, activation):
    """The reference network's prediction at each point: two_layer_loss of one point labelled 1
    is −log(ŷ), so ŷ = exp(−loss)."""
    one = np.ones(1)
    return [math.exp(-reference.two_layer_loss(params, p[None, :], one, activation)) for p in points]


def _trained_params(value):
    """The student's trained parameters as 13 floats, or None when they are not that."""
    if not isinstance(value, dict) or set(value) != set(PARAM_NAMES):
        return None
    try:
        params = {k: float(value[k]) for k in PARAM_NAMES}
    except (TypeError, ValueError):
        return None
    return params if all(math.isfinite(v) for v in params.values()) else None


def _boundary_artifact(student, reference, X, y, expected, got, activation):
    """The probability maps of the reference's and the student's trained networks over the data."""
    xs = np.linspace(-2.0, 2.0, GRID_SIZE)
    points = np.array([[gx, gy] for gy in xs for gx in xs])     # row i is grid.y[i]

    def grid(params):
        p = _probabilities(reference, params, points, activation)
        return [p[i * GRID_SIZE:(i + 1) * GRID_SIZE] for i in range(GRID_SIZE)]

    trained = _trained_params(got)
    student.artifact("boundary",
                     title=student.text("Decision boundary (train_numerical)"),
                     X=X.tolist(), y=y.tolist(),
                     grid={"x": xs.tolist(), "y": xs.tolist(),
                           "student": grid(trained) if trained else None,
                           "reference": grid(expected)})


@pytest.mark.function("train_numerical")
@pytest.mark.case("random-relu")
def test_train_numerical_relu(student, reference):
    start, X, y, lr, epochs, expected = _training_problem(student, reference, "relu")
    students_result = []

    def scenario(m):
        result = m.train_numerical(start, X, y, lr=lr, epochs=epochs)
        if m is student.module:
            students_result.append(result)
        return result

    try:
        student.check(scenario, reference=reference, tol="trained",
                      what=student.text("train_numerical(params, X, y, lr={lr}, epochs={epochs}) with "
                                        "ReLU on {points} points: the trained parameters",
                                        lr=str(lr), epochs=str(epochs), points=str(len(y))))
    finally:
        _boundary_artifact(student, reference, X, y, expected,
                           students_result[0] if students_result else None, "relu")
    student.expect_no_mutation(what=student.text("train_numerical must return a new dict and "
                                                 "leave params, X and y unchanged"),
                               tag="mutates-input")


@pytest.mark.function("train_numerical")
@pytest.mark.case("random-tanh")
def test_train_numerical_tanh(student, reference):
    start, X, y, lr, epochs, _ = _training_problem(student, reference, "tanh")
    student.check(lambda m: m.train_numerical(start, X, y, lr=lr, epochs=epochs, activation="tanh"),
                  reference=reference, tol="trained",
                  what=student.text("train_numerical(params, X, y, lr={lr}, epochs={epochs}, "
                                    "activation='tanh') on {points} points: the trained parameters",
                                    lr=str(lr), epochs=str(epochs), points=str(len(y))))
    student.expect_no_mutation(what=student.text("train_numerical must return a new dict and "
                                                 "leave params, X and y unchanged"),
                               tag="mutates-input")


@pytest.mark.function("train_numerical")
@pytest.mark.case("random-step")
def test_train_numerical_step(student, reference):
    start, X, y, lr, epochs, _ = _training_problem(student, reference, "step")
    student.check(lambda m: m.train_numerical(start, X, y, lr=lr, epochs=epochs, activation="step"),
                  reference=reference, tol="trained",
                  what=student.text("train_numerical(params, X, y, lr={lr}, epochs={epochs}, "
                                    "activation='step') on {points} points: only the output layer "
                                    "learns", lr=str(lr), epochs=str(epochs), points=str(len(y))))
