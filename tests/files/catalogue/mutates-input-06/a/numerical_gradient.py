import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numerical_gradient(f, params, h=1e-7):
    work = {}
    for k, v in params.items():
        work[k] = v.copy() if isinstance(v, np.ndarray) else v
    grad = {}
    for k in work:
        v = work[k]
        if isinstance(v, np.ndarray):
            g = np.zeros_like(v, dtype=float)
            for idx in np.ndindex(v.shape):
                tmp = v[idx]
                v[idx] = tmp + h
                fxh1 = f(work)
                v[idx] = tmp - h
                fxh2 = f(work)
                v[idx] = tmp
                g[idx] = (fxh1 - fxh2) / (2 * h)
            grad[k] = g
        else:
            work[k] = v + h
            fxh1 = f(work)
            work[k] = v - h
            fxh2 = f(work)
            work[k] = v
            grad[k] = float((fxh1 - fxh2) / (2 * h))
    return grad


def relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def quadratic_boundary_data(n=100, seed=317):
    np.random.seed(seed)
    X = np.random.rand(n, 2) * 4 - 2
    y = (X[:, 1] + 1 > X[:, 0] ** 2).astype(int)
    return X, y


def two_layer_loss(params, X, y, activation="relu"):
    act = {"relu": lambda x: np.maximum(0, x),
           "step": lambda x: np.array(x > 0, dtype=float),
           "tanh": np.tanh}[activation]
    x1, x2 = X[:, 0], X[:, 1]
    z1 = act(params["b11"] + params["w11"] * x1 + params["w21"] * x2)
    z2 = act(params["b12"] + params["w12"] * x1 + params["w22"] * x2)
    z3 = act(params["b13"] + params["w13"] * x1 + params["w23"] * x2)
    yhat = sigmoid(params["b21"] + params["w31"] * z1 + params["w32"] * z2 + params["w33"] * z3)
    return float(-np.mean(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)))


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    for epoch in range(epochs):
        grad = numerical_gradient(lambda p: two_layer_loss(p, X, y, activation), params)
        for key in params.keys():
            params[key] -= lr * grad[key]
    return params
