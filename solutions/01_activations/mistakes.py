"""Mistake models of set 01 (activation functions)."""
import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "01_activations"


@mistake("sigmoid-overflow", "sigmoid")
def _(m):
    # The seeds' formula: exp(-a) overflows (RuntimeWarning) for a below about -709.
    def sigmoid(a):
        return 1 / (1 + np.exp(-np.asarray(a, dtype=np.float64)))
    return sigmoid


@mistake("sigmoid-overflow", "sigmoid")
def _(m):
    # The other textbook form: exp(a) overflows for large positive a and gives inf/inf = nan.
    def sigmoid(a):
        e = np.exp(np.asarray(a, dtype=np.float64))
        return e / (1 + e)
    return sigmoid


@mistake("double-activation-grad", "sigmoid_grad")
def _(m):
    # The derivative formula applied to the input, but the argument is already the output y.
    def sigmoid_grad(y):
        s = m.sigmoid(y)
        return s * (1 - s)
    return sigmoid_grad


@mistake("tanh-grad-linear", "tanh_grad")
def _(m):
    def tanh_grad(y):
        return 1 - np.asarray(y, dtype=np.float64)
    return tanh_grad


@mistake("softmax-unstable", "softmax")
def _(m):
    # No max subtraction: exp overflows to inf for entries above ~709, and inf/inf is nan.
    def softmax(a):
        e = np.exp(np.asarray(a, dtype=np.float64))
        return e / np.sum(e, axis=-1, keepdims=True)
    return softmax


@mistake("softmax-axis", "softmax")
def _(m):
    # Normalised down the columns (axis 0) instead of along each row.
    def softmax(a):
        a = np.asarray(a, dtype=np.float64)
        e = np.exp(a - np.max(a, axis=0, keepdims=True))
        return e / np.sum(e, axis=0, keepdims=True)
    return softmax


@mistake("softmax-axis", "softmax")
def _(m):
    # Normalised over the whole batch at once (np.sum without an axis).
    def softmax(a):
        a = np.asarray(a, dtype=np.float64)
        e = np.exp(a - np.max(a))
        return e / np.sum(e)
    return softmax


# Both softmax mistakes at once: models of one function replace it whole, so the pair is declared.
@mistake(("softmax-axis", "softmax-unstable"), "softmax")
def _(m):
    # Down the columns and without the max shift.
    def softmax(a):
        e = np.exp(np.asarray(a, dtype=np.float64))
        return e / np.sum(e, axis=0, keepdims=True)
    return softmax


@mistake(("softmax-axis", "softmax-unstable"), "softmax")
def _(m):
    # Over the whole batch at once and without the max shift.
    def softmax(a):
        e = np.exp(np.asarray(a, dtype=np.float64))
        return e / np.sum(e)
    return softmax


@mistake("step-at-zero", "step")
def _(m):
    def step(a):
        return np.where(np.asarray(a, dtype=np.float64) >= 0, 1.0, 0.0)
    return step
