"""Public tests of set 08: shapes, the (in, out) weight layout, a worked example by hand, means
over the batch, the live params store, and fit on a tiny problem.

Run them with `nngrade check mnist`. They carry no points and never train on MNIST: the graded
tests use per-student random networks and batches, and one training run on real digits (see
README.md for the accuracy scale).
"""
import math

import numpy as np
import pytest

from nngrade.autograder.probe import assign

SET = "08_mnist"

# ---- The worked example (README.md): sizes (3, 2, 2), derived by hand -------------------------
#
#   W1 = 0 (3, 2), b1 = [ln 3, -ln 3]      ->  A1 = [ln 3, -ln 3] for every row
#   Y1 = sigmoid(A1) = [1/(1 + 1/3), 1/(1 + 3)] = [0.75, 0.25]       (exactly)
#   W2 = [[1, -1], [1, -1]], b2 = [0.5, -0.5]
#   A2 = Y1 @ W2 + b2 = [0.75 + 0.25, -0.75 - 0.25] + [0.5, -0.5] = [1.5, -1.5]
#   softmax([1.5, -1.5]) = [1/(1 + e^-3), e^-3/(1 + e^-3)] = [sigmoid(3), sigmoid(-3)]
#   sigmoid([1.5, -1.5]) = [sigmoid(1.5), sigmoid(-1.5)]
# (Y1 @ W2.T would give [0.5, 0.5] instead, so the layout shows in the result.)
LN3 = math.log(3.0)
EXAMPLE = {"W1": np.zeros((3, 2)), "b1": np.array([LN3, -LN3]),
           "W2": np.array([[1.0, -1.0], [1.0, -1.0]]), "b2": np.array([0.5, -0.5])}
X_EXAMPLE = np.array([[0.2, 0.4, 0.6], [0.2, 0.4, 0.6]])    # one example, twice
T_EXAMPLE = np.array([[0.0, 1.0], [0.0, 1.0]])
SIG3 = 0.9525741268224334        # sigmoid(3) = 1/(1 + e^-3)
SIG15 = 0.8175744761936437       # sigmoid(1.5)


def example_model(student, **kwargs):
    model = student.module.MLP(sizes=(3, 2, 2), seed=0, **kwargs)
    for key, value in EXAMPLE.items():
        assign(model, "params", key, value)
    return model


def random_batch(n=7, n_in=4, k=3, seed=8):
    rng = np.random.default_rng(seed)
    X = rng.random((n, n_in))
    T = np.eye(k)[rng.integers(0, k, n)]
    return X, T


# ---- MLP (constructor and .params) ------------------------------------------------------------

@pytest.mark.function("MLP")
@pytest.mark.case("params-layout")
def test_params_layout(student):
    """Does MLP(sizes=(4, 5, 3)) hold W1 (4, 5), b1 (5,), W2 (5, 3), b2 (3,)?"""
    model = student.module.MLP(sizes=(4, 5, 3), seed=0)
    params = model.params
    student.expect_type(params, dict, what="MLP.params")
    student.expect_true(set(params) == {"W1", "b1", "W2", "b2"},
                        what=student.text("MLP.params must have the keys W1, b1, W2, b2 (got {got})",
                                          got=str(sorted(params))))
    for key, shape in (("W1", (4, 5)), ("b1", (5,)), ("W2", (5, 3)), ("b2", (3,))):
        student.expect_type(params[key], np.ndarray, what=f"params['{key}']")
        student.expect_shape(params[key], shape,
                             what=student.text("{key} (W is (in, out))", key="params['%s']" % key))
    student.expect_true(all(np.all(np.isfinite(v)) for v in params.values()),
                        what=student.text("initial parameters must be finite"))
    student.expect_true(np.std(params["W1"]) > 0,
                        what=student.text("W1 must start random (equal weights make every hidden "
                                          "unit learn the same)"))


@pytest.mark.function("MLP")
@pytest.mark.case("deeper-and-seeded")
def test_deeper_network_and_seed(student):
    """Does sizes=(6, 4, 5, 2) give three layers, and does the same seed give the same weights?"""
    a = student.module.MLP(sizes=(6, 4, 5, 2), hidden="tanh", seed=3).params
    b = student.module.MLP(sizes=(6, 4, 5, 2), hidden="tanh", seed=3).params
    student.expect_true(set(a) == {"W1", "b1", "W2", "b2", "W3", "b3"},
                        what=student.text("three layers have W1..W3, b1..b3 (got {got})",
                                          got=str(sorted(a))))
    for key, shape in (("W1", (6, 4)), ("W2", (4, 5)), ("W3", (5, 2)), ("b3", (2,))):
        student.expect_shape(a[key], shape, what=f"params['{key}']")
    student.expect(b["W2"], a["W2"], tol="analytic",
                   what=student.text("the same seed gives the same initial weights"))


@pytest.mark.function("MLP")
@pytest.mark.case("live-store")
def test_params_is_the_live_store(student):
    """Does assigning into .params change what the model computes?"""
    model = example_model(student)
    student.expect(model.params["b1"], EXAMPLE["b1"], tol="analytic",
                   what=student.text("the value assigned to params['b1']"))
    before = model.forward(X_EXAMPLE[:1])
    assign(model, "params", "b2", np.array([-0.5, 0.5]))      # now A2 = [0.5, -0.5]
    after = model.forward(X_EXAMPLE[:1])
    student.expect(after, [[1 / (1 + math.exp(-1.0)), 1 / (1 + math.exp(1.0))]], tol="analytic",
                   what=student.text("forward after changing b2: softmax([0.5, -0.5])"))
    student.expect_true(not np.allclose(before, after),
                        what=student.text("changing params must change the model"))


# ---- MLP.forward --------------------------------------------------------------------------------

@pytest.mark.function("MLP.forward")
@pytest.mark.case("shape")
def test_forward_shape(student):
    """Is the output (N, 3) with rows summing to 1, and X left unchanged?"""
    X, _ = random_batch()
    model = student.module.MLP(sizes=(4, 5, 3), seed=0)
    Y = model.forward(X)
    student.expect_type(Y, np.ndarray, what="forward(X)")
    student.expect_shape(Y, (7, 3), what="forward(X)")
    student.expect(np.sum(Y, axis=1), np.ones(7), tol="analytic",
                   what=student.text("each row of the softmax output sums to 1"))
    student.expect_no_mutation(what=student.text("forward must not change X"))


@pytest.mark.function("MLP.forward")
@pytest.mark.case("worked-example")
def test_forward_worked_example(student):
    """Does the worked example give softmax([1.5, -1.5]) = [sigmoid(3), sigmoid(-3)]?"""
    Y = example_model(student).forward(X_EXAMPLE)
    student.expect(Y, [[SIG3, 1 - SIG3], [SIG3, 1 - SIG3]], tol="analytic",
                   what=student.text("the worked example's output"))


@pytest.mark.function("MLP.forward")
@pytest.mark.case("seed-001-output")
def test_forward_sigmoid_output(student):
    """With seed 001's sigmoid output, is the example's output sigmoid([1.5, -1.5])?"""
    Y = example_model(student, hidden="sigmoid", output="sigmoid", loss="mse").forward(X_EXAMPLE)
    student.expect(Y, [[SIG15, 1 - SIG15], [SIG15, 1 - SIG15]], tol="analytic",
                   what=student.text("the sigmoid output layer's output"))


@pytest.mark.function("MLP.forward")
@pytest.mark.case("hidden-activations")
def test_forward_other_hidden_activations(student):
    """Do hidden="relu" and hidden="tanh" run and give (N, 3)?"""
    X, _ = random_batch()
    for hidden in ("relu", "tanh"):
        Y = student.module.MLP(sizes=(4, 5, 3), hidden=hidden, seed=0).forward(X)
        student.expect_shape(Y, (7, 3), what=student.text('forward(X) with hidden="{hidden}"',
                                                          hidden=hidden))


# ---- MLP.backward -------------------------------------------------------------------------------

@pytest.mark.function("MLP.backward")
@pytest.mark.case("shapes")
def test_backward_shapes(student):
    """Are the gradients a dict with the params' keys and each weight's own shape?"""
    X, T = random_batch()
    grads = student.module.MLP(sizes=(4, 5, 3), seed=0).backward(X, T)
    student.expect_type(grads, dict, what="backward(X, T)")
    student.expect_true(set(grads) == {"W1", "b1", "W2", "b2"},
                        what=student.text("the gradients need the params' keys (got {got})",
                                          got=str(sorted(grads))))
    for key, shape in (("W1", (4, 5)), ("b1", (5,)), ("W2", (5, 3)), ("b2", (3,))):
        student.expect_shape(grads[key], shape, what=student.text("{key} (its weight's shape)",
                                                                  key="grads['%s']" % key))
    student.expect_no_mutation(what=student.text("backward must not change X or T"))


@pytest.mark.function("MLP.backward")
@pytest.mark.case("worked-example")
def test_backward_worked_example(student):
    """Softmax + cross-entropy on the example: are the gradients the batch MEAN?

    The batch holds the same example twice, so the mean gradient is that example's own.
    With s = sigmoid(3):
      Y = [s, 1 - s], T = [0, 1]  ->  d2 = Y - T = [s, -s]
      dW2 = Y1.T @ d2 = [[0.75 s, -0.75 s], [0.25 s, -0.25 s]],  db2 = [s, -s]
      d2 @ W2.T = [s + s, s + s] = [2s, 2s];  Y1 (1 - Y1) = [0.1875, 0.1875]
      d1 = [0.375 s, 0.375 s],  dW1 = x.T @ d1 = [[0.2], [0.4], [0.6]] * 0.375 s,  db1 = d1
    A sum over the batch would give twice these.
    """
    grads = example_model(student).backward(X_EXAMPLE, T_EXAMPLE)
    s = SIG3
    student.expect(grads["b2"], [s, -s], tol="analytic", what=student.text("grads['b2'] (mean over the batch)"))
    student.expect(grads["W2"], [[0.714430595116825, -0.714430595116825],      # 0.75 s
                                 [0.23814353170560834, -0.23814353170560834]],  # 0.25 s
                   tol="analytic", what="grads['W2']")
    student.expect(grads["b1"], [0.3572152975584125, 0.3572152975584125],       # 0.375 s
                   tol="analytic", what="grads['b1']")
    student.expect(grads["W1"], [[0.07144305951168252] * 2,                   # 0.2 * 0.375 s
                                 [0.14288611902336504] * 2,                   # 0.4 * 0.375 s
                                 [0.2143291785350475] * 2],                   # 0.6 * 0.375 s
                   tol="analytic", what="grads['W1']")


@pytest.mark.function("MLP.backward")
@pytest.mark.case("seed-001-mse")
def test_backward_mse_worked_example(student):
    """Seed 001's sigmoid output + mse (mean over rows of 1/2 sum (t - y)^2) on the example.

      Y = [q, 1 - q] with q = sigmoid(1.5), T = [0, 1], slope Y (1 - Y) = q (1 - q) = 0.14914645207033286
      d2 = (Y - T) * Y (1 - Y) = [q, -q] * 0.149146... = [0.12193833242754278, -0.12193833242754278]
      dW2 = Y1.T @ d2 = [[0.75, 0.25]].T @ d2,  db2 = d2
      d1 = (d2 @ W2.T) * 0.1875 = [2 * 0.12193833..., same] * 0.1875 = [0.04572687466032854] * 2
    """
    model = example_model(student, hidden="sigmoid", output="sigmoid", loss="mse")
    grads = model.backward(X_EXAMPLE, T_EXAMPLE)
    student.expect(grads["b2"], [0.12193833242754278, -0.12193833242754278], tol="analytic",
                   what="grads['b2'] (mse)")
    student.expect(grads["W2"], [[0.09145374932065709, -0.09145374932065709],     # 0.75 * d2
                                 [0.030484583106885694, -0.030484583106885694]],  # 0.25 * d2
                   tol="analytic", what="grads['W2'] (mse)")
    student.expect(grads["W1"], [[0.009145374932065709] * 2, [0.018290749864131418] * 2,
                                 [0.027436124796197125] * 2],       # x * 0.04572687466032854
                   tol="analytic", what="grads['W1'] (mse)")


# ---- MLP.step -----------------------------------------------------------------------------------

@pytest.mark.function("MLP.step")
@pytest.mark.case("in-place")
def test_step_updates_params_in_place(student):
    """Does step(grads, lr) make params[k] - lr * grads[k] and leave grads unchanged?"""
    model = student.module.MLP(sizes=(4, 5, 3), seed=0)
    before = model.params
    grads = {"W1": np.full((4, 5), 0.5), "b1": np.arange(5.0), "W2": np.full((5, 3), -2.0),
             "b2": np.array([1.0, 0.0, -1.0])}
    model.step(grads, 0.1)
    after = model.params
    for key in grads:
        student.expect(after[key], before[key] - 0.1 * grads[key], tol="analytic",
                       what=student.text("{key} after step(grads, 0.1)", key="params['%s']" % key))
    student.expect_no_mutation(what=student.text("step must not change grads"))


# ---- MLP.predict --------------------------------------------------------------------------------

@pytest.mark.function("MLP.predict")
@pytest.mark.case("labels")
def test_predict_gives_integer_labels(student):
    """Is predict(X) the index of each row's largest output, as integers?"""
    X, _ = random_batch(n=9)
    model = student.module.MLP(sizes=(4, 5, 3), seed=0)
    assign(model, "params", "b2", np.array([0.0, 0.3, -0.3]))
    labels = model.predict(X)
    student.expect_type(labels, np.ndarray, what="predict(X)")
    student.expect_shape(labels, (9,), what="predict(X)")
    student.expect_true(labels.dtype.kind in "iu",
                        what=student.text("predict returns integer labels (got dtype {dtype})",
                                          dtype=str(labels.dtype)))
    student.expect(labels, np.argmax(model.forward(X), axis=1), tol="exact",
                   what=student.text("the index of each row's largest output"))
    worked = example_model(student).predict(X_EXAMPLE)
    student.expect(worked, [0, 0], tol="exact", what=student.text("the worked example's prediction"))


# ---- MLP.fit ------------------------------------------------------------------------------------

def two_blobs(n=60, seed=4):
    """Two separable classes in 2-D: label 1 above the line x1 = x0."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    return X, (X[:, 1] > X[:, 0]).astype(np.int64)


@pytest.mark.function("MLP.fit")
@pytest.mark.case("history")
def test_fit_returns_a_history_and_learns(student):
    """Does fit return one dict per epoch with "loss" and "accuracy", the loss going down?"""
    X, y = two_blobs()
    model = student.module.MLP(sizes=(2, 8, 2), hidden="tanh", seed=0)
    history = model.fit(X, y, 30, 8, 0.5, seed=0)
    student.expect_type(history, list, what="fit(...)")
    student.expect_true(len(history) == 30, what=student.text("30 epochs give 30 entries (got {count})",
                                                              count=str(len(history))))
    first, last = history[0], history[-1]
    student.expect_type(first, dict, what="history[0]")
    student.expect_true("loss" in first and "accuracy" in first,
                        what=student.text('each epoch has "loss" and "accuracy" (got {got})',
                                          got=str(sorted(first))))
    for key in ("loss", "accuracy"):
        student.expect_type(first[key], float, what=f'history[0]["{key}"]')
    student.expect_true(0.0 <= last["accuracy"] <= 1.0,
                        what=student.text('"accuracy" is a fraction (got {got})',
                                          got=str(last["accuracy"])))
    student.expect_true(last["loss"] < first["loss"],
                        what=student.text("the loss must go down ({first} -> {last})",
                                          first=format(first["loss"], ".4g"),
                                          last=format(last["loss"], ".4g")))
    student.expect_true(last["accuracy"] >= 0.8,
                        what=student.text("two separable blobs must be learned (training accuracy "
                                          "{accuracy})", accuracy=format(last["accuracy"], ".2f")))
    student.expect_no_mutation(what=student.text("fit must not change X or y"))


@pytest.mark.function("MLP.fit")
@pytest.mark.case("seed-001-configuration")
def test_fit_runs_seed_001_configuration(student):
    """Does seed 001's Keras configuration run: sigmoid output, mse, SGD at 0.01, batch 128?"""
    X, y = two_blobs()
    model = student.module.MLP(sizes=(2, 8, 2), hidden="sigmoid", output="sigmoid", loss="mse", seed=0)
    history = model.fit(X, y, 2, 128, 0.01, seed=0)        # batch larger than the data: one batch
    student.expect_true(isinstance(history, list) and len(history) == 2,
                        what=student.text("2 epochs give 2 entries"))
    student.expect_true(all(np.isfinite(h["loss"]) for h in history),
                        what=student.text("the loss must be finite"))
