"""Assignment 6. Numerical differentiation of a loss over a dict of parameters."""
import numpy as np


def numerical_gradient(f, params, h=1e-7):
    p = {}
    for name, value in params.items():
        p[name] = np.array(value, dtype=float) if isinstance(value, np.ndarray) else value
    grads = {}
    for name in p:
        if isinstance(p[name], np.ndarray):
            arr = p[name]
            grad = np.zeros(arr.shape)
            for i in np.ndindex(arr.shape):
                x = arr[i]
                arr[i] = x + h
                f1 = f(p)
                arr[i] = x - h
                f2 = f(p)
                grad[i] = (f1 - f2) / (2 * h)
            grads[name] = grad
        else:
            x = p[name]
            p[name] = x + h
            f1 = f(p)
            p[name] = x - h
            f2 = f(p)
            grads[name] = float((f1 - f2) / (2 * h))
    return grads


def relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denom = np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.max(np.abs(a - b) / denom))


def quadratic_boundary_data(n=100, seed=317):
    X = np.random.RandomState(seed).rand(n, 2) * 4 - 2
    y = (X[:, 1] + 1 > X[:, 0] ** 2).astype(int)
    return X, y


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def two_layer_loss(params, X, y, activation="relu"):
    if activation == "relu":
        act = lambda a: np.maximum(0, a)
    elif activation == "step":
        act = lambda a: np.where(a <= 0, 0.0, 1.0)
    elif activation == "tanh":
        act = np.tanh
    else:
        raise ValueError("unknown activation: %s" % activation)
    x1, x2 = X[:, 0], X[:, 1]
    a1 = params["b11"] + params["w11"] * x1 + params["w21"] * x2
    a2 = params["b12"] + params["w12"] * x1 + params["w22"] * x2
    a3 = params["b13"] + params["w13"] * x1 + params["w23"] * x2
    z1, z2, z3 = act(a1), act(a2), act(a3)
    yhat = _sigmoid(params["b21"] + params["w31"] * z1 + params["w32"] * z2 + params["w33"] * z3)
    return float(-np.mean(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)))


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    def loss(p):
        return two_layer_loss(p, X, y, activation)

    current = dict(params)
    for _ in range(epochs):
        grads = numerical_gradient(loss, current)
        current = {k: v - lr * grads[k] for k, v in current.items()}
    return current
