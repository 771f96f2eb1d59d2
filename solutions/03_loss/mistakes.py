"""Mistake models of set 03 (loss functions)."""
import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "03_loss"


def _arrays(*xs):
    return [np.asarray(x, dtype=np.float64) for x in xs]


@mistake("mse-missing-half", "mse")
def _(m):
    def mse(t, y):
        t, y = _arrays(t, y)
        return float(np.sum((t - y) ** 2))
    return mse


@mistake("mse-mean", "mse")
def _(m):
    def mse(t, y):
        t, y = _arrays(t, y)
        return float(np.mean((t - y) ** 2))
    return mse


@mistake("mse-mean", "mse")
def _(m):
    def mse(t, y):
        t, y = _arrays(t, y)
        return float(0.5 * np.mean((t - y) ** 2))
    return mse


@mistake("bce-sign", "binary_cross_entropy")
def _(m):
    def binary_cross_entropy(y, y_hat):
        y, y_hat = _arrays(y, y_hat)
        y_hat = np.clip(y_hat, 1e-12, 1 - 1e-12)
        return float(np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
    return binary_cross_entropy


@mistake("bce-sign", "binary_cross_entropy")
def _(m):
    # Seed 003's prose formula: the minus reaches only the first term.
    def binary_cross_entropy(y, y_hat):
        y, y_hat = _arrays(y, y_hat)
        y_hat = np.clip(y_hat, 1e-12, 1 - 1e-12)
        return float(np.mean(-(y * np.log(y_hat)) + (1 - y) * np.log(1 - y_hat)))
    return binary_cross_entropy


@mistake("bce-unclipped", "binary_cross_entropy")
def _(m):
    # Seed 003's code as printed: log(0) = -inf at y_hat = 0 or 1 (and 0 * -inf = nan).
    def binary_cross_entropy(y, y_hat):
        y, y_hat = _arrays(y, y_hat)
        return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
    return binary_cross_entropy
