import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def step_function(x):
    return np.array(x > 0, dtype=np.float64)


def _central(f, params, h):
    grads = {}
    for k in params:
        v = params[k]
        if isinstance(v, np.ndarray):
            g = np.zeros(v.shape)
            for idx in np.ndindex(*v.shape):
                up, down = dict(params), dict(params)
                up[k], down[k] = v.copy(), v.copy()
                up[k][idx] = v[idx] + h
                down[k][idx] = v[idx] - h
                g[idx] = (f(up) - f(down)) / (2 * h)
            grads[k] = g
        else:
            up, down = dict(params), dict(params)
            up[k], down[k] = v + h, v - h
            grads[k] = (f(up) - f(down)) / (2 * h)
    return grads


def numerical_gradient(f, params, h=1e-7):
    # "better than the central difference": Richardson's extrapolation removes the h^2 error
    d1, d2 = _central(f, params, 0.05), _central(f, params, 0.025)
    return {k: (4 * np.asarray(d2[k]) - np.asarray(d1[k])) / 3 if isinstance(params[k], np.ndarray)
            else (4 * d2[k] - d1[k]) / 3 for k in params}


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
    if activation == "relu":
        act = relu
    elif activation == "step":
        act = step_function
    elif activation == "tanh":
        act = np.tanh
    else:
        raise ValueError(activation)
    x1, x2 = X[:, 0], X[:, 1]
    z1 = act(params["b11"] + params["w11"] * x1 + params["w21"] * x2)
    z2 = act(params["b12"] + params["w12"] * x1 + params["w22"] * x2)
    z3 = act(params["b13"] + params["w13"] * x1 + params["w23"] * x2)
    yhat = sigmoid(params["b21"] + params["w31"] * z1 + params["w32"] * z2 + params["w33"] * z3)
    return float(-np.mean(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)))


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    params = dict(params)
    for epoch in range(epochs):
        grads = numerical_gradient(lambda p: two_layer_loss(p, X, y, activation), params)
        params = {k: params[k] - lr * grads[k] for k in params}
    return params
