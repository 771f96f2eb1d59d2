import numpy as np


def random_weights(n_in, n_out, seed):
    """Weights uniform in [-1, 1), reproducible for a given seed."""
    np.random.seed(seed)
    return 2 * np.random.random((n_in, n_out)) - 1


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_prime(out):
    return out * (1 - out)
