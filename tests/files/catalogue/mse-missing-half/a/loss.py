import math
import numpy as np


def mse(t, y):
    t, y = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(y, dtype=float))
    error = 0.0
    for a, b in zip(t.ravel(), y.ravel()):
        error += (a - b) * (a - b)
    return error


def binary_cross_entropy(y, y_hat):
    labels = np.asarray(y, dtype=float).ravel()
    probs = np.asarray(y_hat, dtype=float).ravel()
    s = 0.0
    for lab, p in zip(labels, probs):
        p = min(max(p, 1e-12), 1 - 1e-12)
        s -= lab * math.log(p) + (1 - lab) * math.log(1 - p)
    return s / len(labels)


def cross_entropy(T, Y):
    T = np.atleast_2d(np.asarray(T, dtype=float))
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    s = 0.0
    for row_t, row_y in zip(T, Y):
        for tk, yk in zip(row_t, row_y):
            if tk:
                s -= tk * math.log(max(yk, 1e-12))
    return s / len(Y)
