"""Maxout units (seed 003): the larger of two affine pieces, and its slope.

    maxout(x, w1, b1, w2, b2) = max(x·w1 + b1, x·w2 + b2)

seed 003 draws maxout(x, 2, -1, -1, 1) over x in [-5, 5]: two lines crossing at x = 2/3.
"""
import numpy as np


def maxout(x, w1, b1, w2, b2):
    """The larger of x·w1 + b1 and x·w2 + b2, elementwise (np.dot, so w may be scalars or vectors)."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(np.dot(x, w1) + b1, np.dot(x, w2) + b2)
    ### END SOLUTION


def maxout_grad(x, w1, b1, w2, b2):
    """d maxout / d x for scalar weights: w1 where the first piece is the larger (ties: w1), else w2."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    first = x * w1 + b1 >= x * w2 + b2
    return np.where(first, float(w1), float(w2))
    ### END SOLUTION
