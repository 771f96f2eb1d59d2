import random

import numpy as np


def actf(x):
    return 1 / (1 + np.exp(-x))


def actf_deriv(x):
    return x * (1 - x)


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = np.array([[0], [1], [1], [0]])
    np.random.seed(seed)
    weight0 = 2 * np.random.random((3, hidden)) - 1
    weight1 = 2 * np.random.random((hidden, 1)) - 1
    layer2 = None
    for j in range(steps):
        layer0 = X
        layer1 = actf(np.dot(layer0, weight0))
        layer2 = actf(np.dot(layer1, weight1))
        layer2_error = layer2 - y
        layer2_delta = layer2_error * actf_deriv(layer2)
        layer1_error = layer2_delta.dot(weight1.T)
        layer1_delta = layer1_error * actf_deriv(layer1)
        weight1 = weight1 - lr * layer1.T.dot(layer2_delta)
        weight0 = weight0 - lr * layer0.T.dot(layer1_delta)
    return layer2, {"weight0": weight0, "weight1": weight1}


def momentum_update(w, v, grad, lr, momentum):
    v_new = momentum * v - lr * grad
    w_new = w + v_new
    return w_new, v_new


def tanh(x, derivative=False):
    if derivative:
        return 1 - x ** 2
    return np.tanh(x)


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    random.seed(seed)
    wi = [[random.random() for j in range(2)] for i in range(3)]
    wo = [[random.random()] for j in range(2)]
    ci = [[0.0] * 2 for i in range(3)]
    co = [[0.0] for j in range(2)]
    ai = [1.0] * 3
    ah = [1.0] * 2
    ao = [1.0]
    data = [[[0, 0], [0]], [[0, 1], [1]], [[1, 0], [1]], [[1, 1], [0]]]

    def update(inputs):
        for i in range(2):
            ai[i] = inputs[i]
        for j in range(2):
            s = 0.0
            for i in range(3):
                s = s + ai[i] * wi[i][j]
            ah[j] = tanh(s)
        s = 0.0
        for j in range(2):
            s = s + ah[j] * wo[j][0]
        ao[0] = tanh(s)
        return ao[:]

    def backprop(targets):
        output_delta = tanh(ao[0], True) * (targets[0] - ao[0])
        hidden_deltas = [tanh(ah[j], True) * output_delta * wo[j][0] for j in range(2)]
        for j in range(2):
            change = output_delta * ah[j]
            wo[j][0] += momentum * co[j][0] - lr * change
            co[j][0] = change
        for i in range(3):
            for j in range(2):
                change = hidden_deltas[j] * ai[i]
                wi[i][j] += momentum * ci[i][j] - lr * change
                ci[i][j] = change
        return 0.5 * (targets[0] - ao[0]) ** 2

    errors = []
    for i in range(iterations):
        error = 0.0
        for p in data:
            update(p[0])
            error = error + backprop(p[1])
        if i % 500 == 0:
            errors.append(error)
    return np.array([update(p[0]) for p in data]), errors
