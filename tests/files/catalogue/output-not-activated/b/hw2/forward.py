import numpy as np
from nnutil import Sigmoid

sigmoid = Sigmoid()


def dot(v, w):
    return float(sum(map(lambda p: p[0] * p[1], zip(v, w))))


def init_cheese_network():
    W1 = [[0.05, 0.01], [-0.01, 0.03], [0.02, -0.01]]
    return {"W1": np.array(W1), "b1": np.array([-0.3, 0.2, 0.05]),
            "W2": np.array([0.01, 0.05, 0.015]), "b2": np.array([-0.015])}


def layer(x, W, b, activation):
    x = np.asarray(x, float)
    if np.ndim(W) == 1:                       # one neuron: W is a plain vector
        a = np.einsum("...i,i->...", x, W) + b
    else:
        a = np.einsum("...i,ji->...j", x, W) + b
    return activation(a)


def forward(network, x, output="sigmoid"):
    result = {}
    result["A1"] = layer(x, network["W1"], network["b1"], lambda a: a)
    result["Y1"] = sigmoid(result["A1"])
    result["A2"] = layer(result["Y1"], network["W2"], network["b2"], lambda a: a)
    result["Y2"] = result["A2"]
    if output == "sigmoid":
        sigmoid(result["Y2"])
    return result
