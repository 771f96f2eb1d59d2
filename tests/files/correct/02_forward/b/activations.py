import numpy as np


def sigmoid(a):
    a = np.asarray(a, dtype=np.float64)
    # exp of a negative number only: no overflow at either end
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def identity(a):
    return a
