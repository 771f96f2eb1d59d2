import math
import numpy as np


def mse(t, y):
    t, y = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(y, dtype=float))
    s = 0.0
    for a, b in zip(t.ravel(), y.ravel()):
        s += (a - b) ** 2
    return s / 2


def binary_cross_entropy(y, y_hat):
    y = list(np.asarray(y, dtype=float).ravel())
    y_hat = list(np.asarray(y_hat, dtype=float).ravel())
    total = 0.0
    for label, p in zip(y, y_hat):
        p = max(1e-12, min(1 - 1e-12, p))
        total += label * math.log(p) + (1 - label) * math.log(1 - p)
    return total / len(y)


def cross_entropy(T, Y):
    T = np.atleast_2d(np.asarray(T, dtype=float))
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    total = 0.0
    for n in range(len(Y)):
        for k in range(len(Y[n])):
            total += T[n][k] * math.log(max(Y[n][k], 1e-12))
    return -total / len(Y)
