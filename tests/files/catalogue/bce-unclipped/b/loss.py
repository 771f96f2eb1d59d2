"""Losses as seed 003 writes them."""
import numpy as np


def mse(t, y):
    e = np.asarray(t, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float((e * e).sum() * 0.5)


def binary_cross_entropy(y, y_hat):
    y = np.asarray(y, dtype=np.float64)
    y_hat = np.asarray(y_hat, dtype=np.float64)
    return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def cross_entropy(T, Y):
    T = np.asarray(T, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    batch = Y.shape[0] if Y.ndim == 2 else 1
    return float(-np.sum(T * np.log(Y + 1e-7)) / batch)
