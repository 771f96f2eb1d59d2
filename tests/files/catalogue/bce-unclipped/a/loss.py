import math
import numpy as np


def mse(t, y):
    t, y = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(y, dtype=float))
    return 0.5 * sum((a - b) ** 2 for a, b in zip(t.ravel(), y.ravel()))


def binary_cross_entropy(y, y_hat):
    y = np.asarray(y, dtype=float).ravel()
    y_hat = np.asarray(y_hat, dtype=float).ravel()
    total = 0.0
    for i in range(len(y)):
        if y[i] == 1:
            total += math.log(y_hat[i])
        elif y[i] == 0:
            total += math.log(1 - y_hat[i])
        else:
            total += y[i] * math.log(y_hat[i]) + (1 - y[i]) * math.log(1 - y_hat[i])
    return -total / len(y)


def cross_entropy(T, Y):
    T = np.atleast_2d(np.asarray(T, dtype=float))
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    total = 0.0
    for t_row, y_row in zip(T, Y):
        for tk, yk in zip(t_row, y_row):
            if tk > 0:
                total += tk * math.log(max(yk, 1e-12))
    return -total / len(Y)
