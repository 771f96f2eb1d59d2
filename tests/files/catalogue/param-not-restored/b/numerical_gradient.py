import numpy as np

from grad_utils import entries, nudge


def numerical_gradient(f, params, h=1e-7):
    grads = {}
    for key in params:
        is_array = isinstance(params[key], np.ndarray)
        g = np.zeros(np.shape(params[key])) if is_array else 0.0
        for index in entries(params, key):
            nudge(params, key, index, h)
            f_plus = f(params)
            nudge(params, key, index, -2 * h)
            f_minus = f(params)
            slope = (f_plus - f_minus) / (2 * h)
            if is_array:
                g[index] = slope
            else:
                g = float(slope)
        grads[key] = g
    return grads


def relative_error(a, b):
    num = np.abs(np.subtract(a, b))
    den = np.fmax(np.abs(a) + np.abs(b), 1e-8)
    return float(np.max(num / den))


def quadratic_boundary_data(n=100, seed=317):
    rng = np.random.RandomState(seed)
    X = 4 * rng.rand(n, 2) - 2
    labels = X[:, 1] + 1 > np.square(X[:, 0])
    return X, labels.astype(int)


ACT = {"relu": lambda s: np.where(s > 0, s, 0.0),
       "step": lambda s: np.where(s > 0, 1.0, 0.0),
       "tanh": np.tanh}


def two_layer_loss(params, X, y, activation="relu"):
    f = ACT[activation]
    total = params["b21"]
    for i in "123":
        a = params["b1" + i] + params["w1" + i] * X[:, 0] + params["w2" + i] * X[:, 1]
        total = total + params["w3" + i] * f(a)
    prob = 1.0 / (1.0 + np.exp(-total))
    return float(-np.mean(y * np.log(prob) + (1 - y) * np.log(1 - prob)))


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    weights = {k: float(v) for k, v in params.items()}
    for epoch in range(epochs):
        grads = numerical_gradient(lambda w: two_layer_loss(w, X, y, activation), weights)
        weights = {k: weights[k] - lr * grads[k] for k in weights}
    return weights
