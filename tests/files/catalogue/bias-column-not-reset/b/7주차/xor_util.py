import numpy as np

XOR_X = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
XOR_T = np.array([[0.0], [1.0], [1.0], [0.0]])


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def init_weights(n_hidden, seed):
    state = np.random.RandomState(seed)
    first = 2 * state.random_sample((3, n_hidden)) - 1
    second = 2 * state.random_sample((n_hidden, 1)) - 1
    return first, second
