# a student who writes loops instead of np.maximum
import numpy as np


def maxout(x, w1, b1, w2, b2):
    x = np.asarray(x, dtype=float)
    first = np.dot(x, w1) + b1
    second = np.dot(x, w2) + b2
    out = np.empty_like(np.asarray(first, dtype=float))
    for i in np.ndindex(out.shape):
        out[i] = first[i] if first[i] > second[i] else second[i]
    return out


def maxout_grad(x, w1, b1, w2, b2):
    result = []
    for v in np.asarray(x, dtype=float).ravel():
        result.append(float(w1) if v * w1 + b1 >= v * w2 + b2 else float(w2))
    return np.array(result).reshape(np.shape(x))
