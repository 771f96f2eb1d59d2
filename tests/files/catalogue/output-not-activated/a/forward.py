import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def dot(v, w):
    result = 0.0
    for k in range(len(v)):
        result += v[k] * w[k]
    return result


def init_cheese_network():
    network = {}
    network["W1"] = np.array([[0.05, 0.01], [-0.01, 0.03], [0.02, -0.01]])
    network["b1"] = np.array([-0.3, 0.2, 0.05])
    network["W2"] = np.array([0.01, 0.05, 0.015])
    network["b2"] = np.array([-0.015])
    return network


def layer(x, W, b, activation):
    x = np.array(x, dtype=float)
    a = x @ W.T + b
    return activation(a)


def forward(network, x, output="sigmoid"):
    x = np.array(x, dtype=float)
    A1 = x @ network["W1"].T + network["b1"]
    Y1 = sigmoid(A1)
    A2 = Y1 @ network["W2"].T + network["b2"]
    # the output neuron
    Y2 = A2
    return {"A1": A1, "Y1": Y1, "A2": A2, "Y2": Y2}
