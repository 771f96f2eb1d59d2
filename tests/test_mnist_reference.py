"""Is set 08's reference MLP right: gradients, batch means, the live params store, fit's steps,
and does it learn real digits quickly? The mistake models of set 08 are checked here too.

The >= 95 % run on the offline split takes seconds per epoch and belongs to benchmarks/bench_mnist.py;
here a short run on the shipped sample has to be clearly better than chance.
"""
import numpy as np
import pytest

from nngrade import mnist_data
from nngrade.autograder.mistakes import models_for
from nngrade.autograder.reference import fresh_reference

CONFIGS = [dict(hidden="sigmoid", output="softmax", loss="cross_entropy"),
           dict(hidden="relu", output="softmax", loss="cross_entropy"),
           dict(hidden="tanh", output="sigmoid", loss="mse"),
           dict(hidden="sigmoid", output="sigmoid", loss="mse")]      # seed 001's


@pytest.fixture(scope="module")
def m():
    return fresh_reference("08_mnist")


def batch(n=7, n_in=5, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, n_in)), np.eye(k)[rng.integers(0, k, n)]


def mean_loss(Y, T, loss):
    """The contract's losses, written out independently of the reference."""
    if loss == "cross_entropy":
        return -np.sum(T * np.log(Y)) / len(Y)
    return np.sum(0.5 * np.sum((T - Y) ** 2, axis=1)) / len(Y)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c['hidden']}-{c['output']}-{c['loss']}")
def test_gradients_match_central_differences_in_every_layer(m, config):
    """Three layers (5-6-3-4), each parameter checked by central differences of the loss."""
    net = m.MLP(sizes=(5, 6, 3, 4), seed=2, **config)
    X, T = batch()
    grads = net.backward(X, T)
    assert set(grads) == set(net.params) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    h = 1e-6
    for key, p in net.params.items():
        assert grads[key].shape == p.shape
        numeric = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = mean_loss(net.forward(X), T, config["loss"])
            p[idx] = old - h
            down = mean_loss(net.forward(X), T, config["loss"])
            p[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        err = np.abs(numeric - grads[key]) / np.maximum(1e-6, np.abs(numeric) + np.abs(grads[key]))
        assert err.max() < 1e-5, (key, err.max())


def test_gradients_are_means_over_the_batch(m):
    """The batch twice over gives the same gradients; one example N times gives its own."""
    net = m.MLP(sizes=(5, 6, 4), seed=1)
    X, T = batch()
    once, twice = net.backward(X, T), net.backward(np.vstack([X, X]), np.vstack([T, T]))
    single = net.backward(np.repeat(X[:1], 5, axis=0), np.repeat(T[:1], 5, axis=0))
    alone = net.backward(X[:1], T[:1])
    for key in once:
        np.testing.assert_allclose(twice[key], once[key], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(single[key], alone[key], rtol=1e-12, atol=1e-15)


def test_layout_is_in_out_and_forward_is_x_at_w_plus_b(m):
    net = m.MLP(sizes=(3, 5, 2), hidden="relu", seed=0)
    assert net.params["W1"].shape == (3, 5) and net.params["W2"].shape == (5, 2)
    X, _ = batch(n=4, n_in=3)
    p = net.params
    A2 = np.maximum(X @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
    expected = np.exp(A2) / np.exp(A2).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-12)


def test_params_is_the_live_store_and_nothing_else_changes(m):
    net = m.MLP(sizes=(4, 3, 2), seed=0)
    X, T = batch(n=5, n_in=4, k=2)
    X0, T0 = X.copy(), T.copy()
    net.params["b2"] = np.array([5.0, -5.0])          # replacing an entry
    assert np.all(net.predict(X) == 0)
    net.params["b2"][:] = [-5.0, 5.0]                  # writing into an entry
    assert np.all(net.predict(X) == 1)
    grads = net.backward(X, T)
    kept = {k: g.copy() for k, g in grads.items()}
    store, W1 = net.params, net.params["W1"]
    before = W1.copy()
    net.step(grads, 0.3)
    assert net.params is store and net.params["W1"] is W1           # in place
    np.testing.assert_allclose(W1, before - 0.3 * kept["W1"], rtol=1e-15)
    for k in grads:
        assert np.array_equal(grads[k], kept[k])
    assert np.array_equal(X, X0) and np.array_equal(T, T0)


def test_outputs_and_labels_have_the_contract_types(m):
    net = m.MLP(sizes=(4, 6, 10), seed=0)
    X, _ = batch(n=3, n_in=4, k=10)
    Y = net.forward(X)
    assert Y.shape == (3, 10) and Y.dtype == np.float64
    np.testing.assert_allclose(Y.sum(axis=1), 1.0, rtol=1e-12)
    labels = net.predict(X)
    assert labels.shape == (3,) and labels.dtype == np.int64


@pytest.mark.parametrize("bad", [dict(hidden="softplus"), dict(output="softmax", loss="mse"),
                                 dict(output="sigmoid", loss="cross_entropy"), dict(sizes=(784,))])
def test_unknown_configurations_are_refused(m, bad):
    with pytest.raises(ValueError):
        m.MLP(**bad)


def test_fit_with_momentum_takes_classical_momentum_steps(m):
    """fit's steps equal a loop of backward() and v <- mu*v - lr*g, w <- w + v, shuffled per epoch
    with np.random.default_rng(seed) as its docstring says, the last batch smaller."""
    X, T = batch(n=23, n_in=5, k=3, seed=4)
    y = T.argmax(axis=1)
    net = m.MLP(sizes=(5, 4, 3), hidden="tanh", seed=7)
    ref = m.MLP(sizes=(5, 4, 3), hidden="tanh", seed=7)
    history = net.fit(X, y, epochs=3, batch_size=5, lr=0.2, seed=11, momentum=0.8)
    rng = np.random.default_rng(11)
    v = {k: np.zeros_like(p) for k, p in ref.params.items()}
    for _ in range(3):
        order = rng.permutation(23)
        for i in range(0, 23, 5):
            g = ref.backward(X[order[i:i + 5]], T[order[i:i + 5]])
            for k in v:
                v[k] = 0.8 * v[k] - 0.2 * g[k]
                ref.params[k] += v[k]
    for k in ref.params:
        np.testing.assert_allclose(net.params[k], ref.params[k], rtol=1e-10, atol=1e-13)
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert all(set(h) >= {"loss", "accuracy"} for h in history)


def test_fit_without_momentum_is_backward_then_step(m):
    X, T = batch(n=12, n_in=5, k=3, seed=5)
    y = T.argmax(axis=1)
    net, ref = m.MLP(sizes=(5, 4, 3), seed=1), m.MLP(sizes=(5, 4, 3), seed=1)
    net.fit(X, y, epochs=2, batch_size=4, lr=0.5, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(2):
        order = rng.permutation(12)
        for i in range(0, 12, 4):
            ref.step(ref.backward(X[order[i:i + 4]], T[order[i:i + 4]]), 0.5)
    for k in ref.params:
        np.testing.assert_array_equal(net.params[k], ref.params[k])


@pytest.fixture(scope="module")
def sample():
    return mnist_data.load_sample()


def test_a_short_run_on_real_digits_learns(m, sample):
    """Four epochs on the shipped 1,000 digits: far above chance (10 %) on the 300 held out."""
    net = m.MLP(sizes=(784, 100, 10), hidden="relu", seed=0)
    history = net.fit(sample.X_train, sample.y_train, epochs=4, batch_size=32, lr=0.1, seed=0)
    accuracy = np.mean(net.predict(sample.X_test) == sample.y_test)
    assert accuracy > 0.75
    assert history[-1]["loss"] < history[0]["loss"]
    assert 0.0 <= history[-1]["accuracy"] <= 1.0


def test_float32_training_keeps_the_params_float64(m, sample):
    net = m.MLP(sizes=(784, 32, 10), hidden="relu", seed=0)
    store = net.params
    net.fit(sample.X_train, sample.y_train, epochs=2, batch_size=64, lr=0.2, dtype=np.float32)
    assert net.params is store
    assert all(p.dtype == np.float64 for p in net.params.values())
    assert np.mean(net.predict(sample.X_test) == sample.y_test) > 0.6


def test_seed_001_configuration_runs_and_learns_slowly(m, sample):
    """sigmoid + mse + SGD at 0.01, batch 128: it runs; after 2 epochs it is still near chance,
    while the same steps with softmax + cross-entropy and lr 0.5 are far ahead."""
    keras = m.MLP(sizes=(784, 100, 10), hidden="sigmoid", output="sigmoid", loss="mse", seed=0)
    history = keras.fit(sample.X_train, sample.y_train, epochs=2, batch_size=128, lr=0.01, seed=0)
    assert all(np.isfinite(h["loss"]) for h in history)
    slow = np.mean(keras.predict(sample.X_test) == sample.y_test)
    fast_net = m.MLP(sizes=(784, 100, 10), hidden="sigmoid", seed=0)
    fast_net.fit(sample.X_train, sample.y_train, epochs=2, batch_size=128, lr=0.5, seed=0)
    fast = np.mean(fast_net.predict(sample.X_test) == sample.y_test)
    assert slow < 0.5 < fast


# ---- mistake models ----------------------------------------------------------------------------

def _models(mistake_id):
    return [mm for mm in models_for("08_mnist") if mm.id == mistake_id]


def test_batch_sum_models_scale_gradients_by_n(m):
    X, T = batch(n=7)
    reference = m.MLP(sizes=(5, 6, 4), seed=0).backward(X, T)
    models = _models("batch-sum-not-mean")
    assert len(models) == 2
    for model in models:
        got = model.module().MLP(sizes=(5, 6, 4), seed=0).backward(X, T)
        ratios = {k: got[k] / reference[k] for k in reference}
        assert np.allclose(ratios["b1"], 7) and np.allclose(ratios["b2"], 7)
        assert any(not np.allclose(got[k], reference[k]) for k in reference)


def test_weights_transposed_models_show_as_shapes(m):
    X, T = batch(n=7)
    layouts, grads = _models("weights-transposed")
    net = layouts.module().MLP(sizes=(5, 6, 4), seed=0)
    assert net.params["W1"].shape == (6, 5)
    np.testing.assert_allclose(net.forward(X), m.MLP(sizes=(5, 6, 4), seed=0).forward(X), rtol=1e-12)
    assert net.backward(X, T)["W2"].shape == (4, 6)
    with pytest.raises(ValueError):
        net.params["W1"] = np.zeros((5, 6))
        net.forward(X)
    assert grads.module().MLP(sizes=(5, 6, 4), seed=0).backward(X, T)["W1"].shape == (6, 5)
