import numpy as np


class Sigmoid:
    def __call__(self, a):
        return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype=float)))
