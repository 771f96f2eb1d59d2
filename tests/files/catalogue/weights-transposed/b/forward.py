"""과제 2: 순전파."""
import numpy as np


def 시그모이드(a):
    return 1.0 / (1.0 + np.exp(-a))


def dot(v, w):
    곱들 = [v[i] * w[i] for i in range(len(v))]
    return float(sum(곱들))


def init_cheese_network():
    return {"W1": np.array([[0.05, 0.01], [-0.01, 0.03], [0.02, -0.01]]),
            "b1": np.array([-0.3, 0.2, 0.05]),
            "W2": np.array([0.01, 0.05, 0.015]),
            "b2": np.array([-0.015])}


def layer(x, W, b, activation):
    입력 = np.array(x, dtype=float)
    return activation(np.dot(입력, W) + b)


def forward(network, x, output="sigmoid"):
    입력 = np.array(x, dtype=float)
    A1 = np.dot(입력, network["W1"]) + network["b1"]
    Y1 = 시그모이드(A1)
    A2 = np.dot(Y1, network["W2"]) + network["b2"]
    Y2 = A2 if output == "identity" else 시그모이드(A2)
    return {"A1": A1, "Y1": Y1, "A2": A2, "Y2": Y2}
