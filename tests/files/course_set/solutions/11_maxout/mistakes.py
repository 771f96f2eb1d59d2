"""Mistake models of set 11_maxout."""
import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "11_maxout"


@mistake("maxout-min", "maxout")
def _(m):
    # the smaller piece instead of the larger
    def maxout(x, w1, b1, w2, b2):
        x = np.asarray(x, dtype=np.float64)
        return np.minimum(np.dot(x, w1) + b1, np.dot(x, w2) + b2)
    return maxout


@mistake("maxout-bias-dropped", "maxout")
def _(m):
    # the biases left out of both pieces
    def maxout(x, w1, b1, w2, b2):
        x = np.asarray(x, dtype=np.float64)
        return np.maximum(np.dot(x, w1), np.dot(x, w2))
    return maxout


@mistake("maxout-grad-other-piece", "maxout_grad")
def _(m):
    # the slope of the piece that lost
    def maxout_grad(x, w1, b1, w2, b2):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x * w1 + b1 >= x * w2 + b2, float(w2), float(w1))
    return maxout_grad
