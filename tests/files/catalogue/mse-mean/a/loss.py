import math
import numpy as np


def mse(t, y):
    t, y = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(y, dtype=float))
    total = 0.0
    count = 0
    for a, b in zip(t.flat, y.flat):
        total += (a - b) ** 2
        count += 1
    return total / count            # mean squared error


def binary_cross_entropy(y, y_hat):
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(y_hat, dtype=float).ravel()
    losses = []
    for i in range(len(y)):
        q = min(max(p[i], 1e-12), 1 - 1e-12)
        losses.append(-(y[i] * math.log(q) + (1 - y[i]) * math.log(1 - q)))
    return sum(losses) / len(losses)


def cross_entropy(T, Y):
    T = np.asarray(T, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        T = T.reshape(1, -1)
        Y = Y.reshape(1, -1)
    losses = []
    for i in range(Y.shape[0]):
        k = int(np.argmax(T[i]))
        losses.append(-math.log(max(Y[i, k], 1e-12)))
    return sum(losses) / len(losses)
