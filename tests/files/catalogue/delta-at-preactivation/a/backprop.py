# HW4 backprop - written with loops
import math
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _target(t):
    """t may be a number or an array of shape (1,)."""
    return float(np.asarray(t, dtype=float).reshape(-1)[0])


def output_delta(t, y2):
    y2 = np.asarray(y2, dtype=float)
    target = _target(t)
    delta = np.zeros(y2.shape)
    for k in range(len(y2)):
        delta[k] = -(target - y2[k]) * (1 - y2[k]) * y2[k]
    return delta


def hidden_delta(y1, W2, d2):
    y1 = np.asarray(y1, dtype=float)
    d = np.zeros(len(y1))
    for j in range(len(y1)):
        d[j] = y1[j] * (1 - y1[j]) * W2[j] * d2[0]
    return d


def _forward(network, x):
    W1, b1, W2, b2 = network["W1"], network["b1"], network["W2"], network["b2"]
    h, n = W1.shape
    A1 = np.zeros(h)
    for j in range(h):
        s = 0.0
        for i in range(n):
            s += W1[j][i] * x[i]
        A1[j] = s + b1[j]
    Y1 = sigmoid(A1)
    s = 0.0
    for j in range(h):
        s += W2[j] * Y1[j]
    A2 = np.array([s + b2[0]])
    Y2 = sigmoid(A2)
    return A1, Y1, A2, Y2


def gradients(network, x, t):
    x = np.asarray(x, dtype=float)
    A1, Y1, A2, Y2 = _forward(network, x)
    # output delta: error times the sigmoid's slope a(1 - a)
    d2 = np.array([-(_target(t) - Y2[0]) * (1 - A2[0]) * A2[0]])
    d1 = hidden_delta(Y1, network["W2"], d2)
    h, n = network["W1"].shape
    gW1 = np.zeros((h, n))
    for j in range(h):
        for i in range(n):
            gW1[j][i] = d1[j] * x[i]
    gW2 = np.zeros(h)
    for j in range(h):
        gW2[j] = d2[0] * Y1[j]
    return {"W1": gW1, "b1": d1, "W2": gW2, "b2": d2}


def sgd_step(network, grads, lr):
    new_network = {}
    for key in network:
        new_network[key] = network[key] - lr * grads[key]
    return new_network


def train_step(network, x, t, lr):
    x = np.asarray(x, dtype=float)
    A1, Y1, A2, Y2 = _forward(network, x)
    loss = 0.5 * (_target(t) - Y2[0]) ** 2
    grads = gradients(network, x, t)
    return sgd_step(network, grads, lr), loss
