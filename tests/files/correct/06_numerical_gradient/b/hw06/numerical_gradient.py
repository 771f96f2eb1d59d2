"""HW6 - numerical gradient, gradient check and the 2-3-1 network of the lecture."""
import numpy as np


class CentralDifference:
    """Estimate df/dp for every entry of every parameter with (f(p+h) - f(p-h)) / 2h."""

    def __call__(self, f, params, h=1e-7):
        work = {name: np.copy(v) if isinstance(v, np.ndarray) else v for name, v in params.items()}
        out = {}
        for name, value in work.items():
            if np.isscalar(value):
                out[name] = self._scalar(f, work, name, value, h)
            else:
                out[name] = self._array(f, work, value, h)
        return out

    @staticmethod
    def _scalar(f, work, name, value, h):
        work[name] = value + h
        up = f(work)
        work[name] = value - h
        down = f(work)
        work[name] = value
        return float((up - down) / (2 * h))

    @staticmethod
    def _array(f, work, arr, h):
        grad = np.empty_like(arr, dtype=np.float64)
        it = np.nditer(arr, flags=["multi_index"])
        for _ in it:
            i = it.multi_index
            keep = float(arr[i])
            arr[i] = keep + h
            up = f(work)
            arr[i] = keep - h
            down = f(work)
            arr[i] = keep
            grad[i] = (up - down) / (2 * h)
        return grad


numerical_gradient = CentralDifference()


def relative_error(a, b):
    diff = np.abs(np.subtract(a, b, dtype=np.float64))
    scale = np.abs(np.asarray(a, dtype=np.float64)) + np.abs(np.asarray(b, dtype=np.float64))
    return float(np.max(diff / np.where(scale > 1e-8, scale, 1e-8)))


def quadratic_boundary_data(n=100, seed=317):
    X = np.random.RandomState(seed).rand(n, 2) * 4 - 2
    return X, (X[:, 1] + 1 > X[:, 0] ** 2).astype(np.int64)


_ACT = {
    "relu": lambda a: a * (a > 0),
    "step": lambda a: (a > 0).astype(np.float64),
    "tanh": np.tanh,
}


def _forward(p, X, activation):
    # matrix form: column i of W1 feeds hidden unit i
    W1 = np.array([[p["w11"], p["w12"], p["w13"]],
                   [p["w21"], p["w22"], p["w23"]]])
    b1 = np.array([p["b11"], p["b12"], p["b13"]])
    w2 = np.array([p["w31"], p["w32"], p["w33"]])
    hidden = _ACT[activation](X @ W1 + b1)
    return 1.0 / (1.0 + np.exp(-(hidden @ w2 + p["b21"])))


def two_layer_loss(params, X, y, activation="relu"):
    if activation not in _ACT:
        raise ValueError("unknown activation " + str(activation))
    yhat = _forward(params, np.asarray(X, dtype=np.float64), activation)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(yhat) + (1.0 - y) * np.log(1.0 - yhat)))


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    p = {k: float(v) for k, v in params.items()}
    loss = lambda q: two_layer_loss(q, X, y, activation)
    for epoch in range(epochs):
        g = numerical_gradient(loss, p)
        p = {k: p[k] - g[k] * lr for k in p}
    return p
