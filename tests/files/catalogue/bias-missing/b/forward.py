import numpy as np
from 활성화 import 시그모이드


def dot(v, w):
    합 = 0.0
    for 값1, 값2 in zip(v, w):
        합 += 값1 * 값2
    return 합


def init_cheese_network():
    신경망 = {}
    신경망["W1"] = np.array([[0.05, 0.01], [-0.01, 0.03], [0.02, -0.01]], dtype=np.float64)
    신경망["b1"] = np.array([-0.3, 0.2, 0.05], dtype=np.float64)
    신경망["W2"] = np.array([0.01, 0.05, 0.015], dtype=np.float64)
    신경망["b2"] = np.array([-0.015], dtype=np.float64)
    return 신경망


def layer(x, W, b, activation):
    return activation(np.dot(np.asarray(x, dtype=np.float64), W.T) + b)


def forward(network, x, output="sigmoid"):
    가중치1, 편향1 = network["W1"], network["b1"]
    가중치2 = network["W2"]
    입력 = np.asarray(x, dtype=np.float64)
    A1 = np.dot(입력, 가중치1.T) + 편향1
    Y1 = 시그모이드(A1)
    A2 = np.dot(Y1, 가중치2.T)
    Y2 = 시그모이드(A2) if output == "sigmoid" else A2
    return {"A1": A1, "Y1": Y1, "A2": A2, "Y2": Y2}
