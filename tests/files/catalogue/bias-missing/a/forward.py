import math
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def dot(v, w):
    s = 0
    for a, b in zip(v, w):
        s += a * b
    return float(s)


def init_cheese_network():
    return {
        "W1": np.array([[0.05, 0.01], [-0.01, 0.03], [0.02, -0.01]]),
        "b1": np.array([-0.3, 0.2, 0.05]),
        "W2": np.array([0.01, 0.05, 0.015]),
        "b2": np.array([-0.015]),
    }


def weighted_sum(x, W):
    """Every neuron's weighted input, row by row."""
    x = np.asarray(x, dtype=float)
    W = np.asarray(W, dtype=float)
    if W.ndim == 1:
        W = W[np.newaxis, :]
        single_neuron = True
    else:
        single_neuron = False
    batch = x if x.ndim == 2 else x[np.newaxis, :]
    result = np.empty((batch.shape[0], W.shape[0]))
    for i, row in enumerate(batch):
        for j, weights in enumerate(W):
            result[i, j] = dot(list(row), list(weights))
    if single_neuron:
        return result[:, 0]
    return result if x.ndim == 2 else result[0]


def layer(x, W, b, activation):
    a = weighted_sum(x, W)
    return activation(a)


def forward(network, x, output="sigmoid"):
    A1 = weighted_sum(x, network["W1"])
    Y1 = sigmoid(A1)
    A2 = weighted_sum(Y1, network["W2"])
    Y2 = sigmoid(A2) if output == "sigmoid" else A2
    return {"A1": A1, "Y1": Y1, "A2": A2, "Y2": Y2}
