# Lab 7. Weights are stored like in the cheese network: W[out, in], and a layer is x @ W.T
import random

import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    t = np.array([[0], [1], [1], [0]], dtype=float)
    np.random.seed(seed)
    W1 = 2 * np.random.random((hidden, 3)) - 1      # (out, in)
    W2 = 2 * np.random.random((1, hidden)) - 1
    y2 = None
    for _ in range(steps):
        y1 = sigmoid(x @ W1.T)
        y1[:, -1] = 1.0
        y2 = sigmoid(y1 @ W2.T)
        d2 = (y2 - t) * y2 * (1 - y2)                 # (4, 1)
        d1 = (d2 @ W2) * y1 * (1 - y1)                # (4, hidden)
        W2 = W2 - lr * d2.T @ y1
        W1 = W1 - lr * d1.T @ x
    return y2, {"weight0": W1, "weight1": W2}


def momentum_update(w, v, grad, lr, momentum):
    v2 = momentum * v - lr * grad
    return w + v2, v2


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    random.seed(seed)
    wi = [[random.random() for _ in range(2)] for _ in range(3)]
    wo = [random.random() for _ in range(2)]
    gi = [[0.0, 0.0] for _ in range(3)]
    go = [0.0, 0.0]
    cases = [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]

    def net(p):
        a = [p[0], p[1], 1.0]
        h = []
        for j in range(2):
            s = 0.0
            for i in range(3):
                s += a[i] * wi[i][j]
            h.append(np.tanh(s))
        s = 0.0
        for j in range(2):
            s += h[j] * wo[j]
        return a, h, np.tanh(s)

    errors = []
    for k in range(iterations):
        err = 0.0
        for p, target in cases:
            a, h, o = net(p)
            do = (1 - o ** 2) * (target - o)
            dh = [(1 - h[j] ** 2) * do * wo[j] for j in range(2)]
            for j in range(2):
                g = do * h[j]
                wo[j] += momentum * go[j] - lr * g
                go[j] = g
            for i in range(3):
                for j in range(2):
                    g = dh[j] * a[i]
                    wi[i][j] += momentum * gi[i][j] - lr * g
                    gi[i][j] = g
            err += 0.5 * (target - o) ** 2
        if k % 500 == 0:
            errors.append(float(err))
    return np.array([[float(net(p)[2])] for p, _ in cases]), errors
