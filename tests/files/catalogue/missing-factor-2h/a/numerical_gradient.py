import numpy as np

ACTIVATIONS = {
    "relu": lambda x: np.maximum(0, x),
    "step": lambda x: (x > 0) * 1.0,
    "tanh": np.tanh,
}


def _flat_view(value):
    return value.reshape(-1)


def numerical_gradient(f, params, h=1e-7):
    p = {k: (np.array(v, dtype=np.float64) if isinstance(v, np.ndarray) else float(v))
         for k, v in params.items()}
    grads = {}
    for k in list(p):
        if isinstance(p[k], np.ndarray):
            flat = _flat_view(p[k])
            g = np.empty(flat.size)
            for i in range(flat.size):
                x = flat[i]
                flat[i] = x + h
                plus = f(p)
                flat[i] = x - h
                minus = f(p)
                flat[i] = x
                g[i] = (plus - minus) / h
            grads[k] = g.reshape(p[k].shape)
        else:
            x = p[k]
            p[k] = x + h
            plus = f(p)
            p[k] = x - h
            minus = f(p)
            p[k] = x
            grads[k] = (plus - minus) / h
    return grads


def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float((abs(a - b) / np.maximum(1e-8, abs(a) + abs(b))).max())


def quadratic_boundary_data(n=100, seed=317):
    rs = np.random.RandomState(seed)
    X = rs.rand(n, 2) * 4 - 2
    y = np.array([1 if x2 + 1 > x1 ** 2 else 0 for x1, x2 in X])
    return X, y


def two_layer_loss(params, X, y, activation="relu"):
    g = ACTIVATIONS[activation]
    z = [g(params["b1%d" % i] + params["w1%d" % i] * X[:, 0] + params["w2%d" % i] * X[:, 1])
         for i in (1, 2, 3)]
    s = params["b21"] + params["w31"] * z[0] + params["w32"] * z[1] + params["w33"] * z[2]
    yhat = 1 / (1 + np.exp(-s))
    return float(-np.mean(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)))


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    cur = dict(params)
    for _ in range(epochs):
        grads = numerical_gradient(lambda q: two_layer_loss(q, X, y, activation), cur)
        cur = {k: cur[k] - lr * grads[k] for k in cur}
    return cur
