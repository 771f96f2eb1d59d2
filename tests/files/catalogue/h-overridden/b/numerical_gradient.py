import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def step_function(x):
    return np.array(x > 0, dtype=np.float64)


def numerical_gradient(f, params, h=1e-7):
    step = 1e-7
    grads = {}
    for name in params:
        value = params[name]
        if isinstance(value, np.ndarray):
            g = np.zeros_like(value, dtype=float)
            for idx in np.ndindex(*value.shape):
                moved = dict(params)
                moved[name] = value.copy()
                moved[name][idx] = value[idx] + step
                plus = f(moved)
                moved[name][idx] = value[idx] - step
                minus = f(moved)
                g[idx] = (plus - minus) / (2 * step)
            grads[name] = g
        else:
            moved = dict(params)
            moved[name] = value + step
            plus = f(moved)
            moved[name] = value - step
            minus = f(moved)
            grads[name] = (plus - minus) / (2 * step)
    return grads


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
