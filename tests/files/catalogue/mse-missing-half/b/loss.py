import numpy as np


def mse(t, y):
    d = (np.asarray(t, dtype=np.float64) - np.asarray(y, dtype=np.float64)).ravel()
    return float(np.dot(d, d))       # sum of squared errors


def binary_cross_entropy(y, y_hat):
    y = np.asarray(y, dtype=np.float64)
    y_hat = np.clip(np.asarray(y_hat, dtype=np.float64), 1e-12, 1 - 1e-12)
    return float(np.mean(-y * np.log(y_hat) - (1 - y) * np.log(1 - y_hat)))


def cross_entropy(T, Y):
    T = np.asarray(T, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    n = 1 if Y.ndim == 1 else len(Y)
    return float(-(T * np.log(np.maximum(Y, 1e-12))).sum() / n)
