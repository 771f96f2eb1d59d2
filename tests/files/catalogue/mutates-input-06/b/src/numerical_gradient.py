import numpy as np

from 신경망 import 작은신경망


def numerical_gradient(f, params, h=1e-7):
    사본 = {k: (np.copy(v).astype(float) if isinstance(v, np.ndarray) else v) for k, v in params.items()}
    기울기 = {}
    for k in 사본:
        if isinstance(사본[k], np.ndarray):
            g = np.zeros(사본[k].shape)
            for i in range(사본[k].size):
                위치 = np.unravel_index(i, 사본[k].shape)
                원래 = 사본[k][위치]
                사본[k][위치] = 원래 + h
                위 = f(사본)
                사본[k][위치] = 원래 - h
                아래 = f(사본)
                사본[k][위치] = 원래
                g[위치] = (위 - 아래) / (2 * h)
            기울기[k] = g
        else:
            원래 = 사본[k]
            사본[k] = 원래 + h
            위 = f(사본)
            사본[k] = 원래 - h
            아래 = f(사본)
            사본[k] = 원래
            기울기[k] = float((위 - 아래) / (2 * h))
    return 기울기


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def quadratic_boundary_data(n=100, seed=317):
    X = np.random.RandomState(seed).rand(n, 2) * 4 - 2
    return X, np.where(X[:, 1] + 1 > X[:, 0] ** 2, 1, 0)


def two_layer_loss(params, X, y, activation="relu"):
    return 작은신경망(params, activation).손실(X, y)


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    망 = 작은신경망(params, activation)
    for _ in range(epochs):
        기울기 = numerical_gradient(lambda p: 망.손실(X, y, p), 망.매개변수)
        망.갱신(기울기, lr)
    return 망.매개변수
