import numpy as np


def sigmoid(a):
    a = np.asarray(a, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * a))      # = 1 / (1 + e^-a), and never overflows
