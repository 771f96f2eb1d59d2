# Loss functions with plain loops and math.log
import math
import numpy as np

EPS = 1e-12


def mse(t, y):
    t, y = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(y, dtype=float))
    total = 0.0
    for ti, yi in zip(t.flat, y.flat):
        total += (ti - yi) ** 2
    return 0.5 * total


def binary_cross_entropy(y, y_hat):
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(y_hat, dtype=float).ravel()
    total = 0.0
    for label, prob in zip(y, p):
        prob = min(max(prob, EPS), 1 - EPS)
        total += label * math.log(prob) + (1 - label) * math.log(1 - prob)
    return -total / len(y)


def cross_entropy(T, Y):
    T = np.asarray(T, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        T, Y = T[np.newaxis, :], Y[np.newaxis, :]
    total = 0.0
    for n in range(Y.shape[0]):
        for k in range(Y.shape[1]):
            if T[n, k] != 0:
                total += T[n, k] * math.log(max(Y[n, k], EPS))
    return -total / Y.shape[0]
