import numpy as np


def mse(t, y):
    return 0.5 * float(np.sum((np.asarray(t, float) - np.asarray(y, float)) ** 2))


def binary_cross_entropy(y, y_hat):
    # seed 003: L = -y log(y_hat) + (1 - y) log(1 - y_hat), averaged
    y = np.asarray(y, float)
    y_hat = np.clip(np.asarray(y_hat, float), 1e-12, 1 - 1e-12)
    return float(np.mean(-y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))


def cross_entropy(T, Y):
    T, Y = np.atleast_2d(np.asarray(T, float)), np.atleast_2d(np.asarray(Y, float))
    return float(-np.einsum("nk,nk->", T, np.log(np.maximum(Y, 1e-12))) / Y.shape[0])
