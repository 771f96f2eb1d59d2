import random

import numpy as np


def actf(x):
    return 1 / (1 + np.exp(-x))


def actf_deriv(x):
    return x * (1 - x)


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    rs = np.random.RandomState(seed)
    weight0 = 2 * rs.random_sample((3, hidden)) - 1
    weight1 = 2 * rs.random_sample((hidden, 1)) - 1
    layer2 = None
    for _ in range(steps):
        layer1 = actf(X @ weight0)
        layer1[:, -1] = 1.0
        layer2 = actf(layer1 @ weight1)
        layer2_delta = (layer2 - y) * actf_deriv(layer2)
        layer1_delta = (layer2_delta @ weight1.T) * actf_deriv(layer1)
        weight1 = weight1 - lr * (layer1.T @ layer2_delta)
        weight0 = weight0 - lr * (X.T @ layer1_delta)
    return layer2, {"weight0": weight0, "weight1": weight1}


def momentum_update(w, v, grad, lr, momentum):
    # like the tanh network: remember the gradient for the next step
    w_new = w + momentum * v - lr * grad
    return w_new, grad


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    rnd = random.Random(seed)
    W1 = [[rnd.random() for _ in range(2)] for _ in range(3)]
    W2 = [rnd.random() for _ in range(2)]
    M1 = [[0.0, 0.0] for _ in range(3)]
    M2 = [0.0, 0.0]
    pats = [([0.0, 0.0, 1.0], 0.0), ([0.0, 1.0, 1.0], 1.0), ([1.0, 0.0, 1.0], 1.0), ([1.0, 1.0, 1.0], 0.0)]

    def fwd(x):
        hid = [np.tanh(0.0 + x[0] * W1[0][j] + x[1] * W1[1][j] + x[2] * W1[2][j]) for j in range(2)]
        return hid, np.tanh(0.0 + hid[0] * W2[0] + hid[1] * W2[1])

    errs = []
    for it in range(iterations):
        e = 0.0
        for x, t in pats:
            hid, out = fwd(x)
            d_out = (1 - out ** 2) * (t - out)
            d_hid = [(1 - hid[j] ** 2) * d_out * W2[j] for j in range(2)]
            for j in range(2):
                g = d_out * hid[j]
                W2[j] += momentum * M2[j] - lr * g
                M2[j] = g
            for i in range(3):
                for j in range(2):
                    g = d_hid[j] * x[i]
                    W1[i][j] += momentum * M1[i][j] - lr * g
                    M1[i][j] = g
            e += 0.5 * (t - out) ** 2
        if it % 500 == 0:
            errs.append(float(e))
    return np.array([[float(fwd(x)[1])] for x, _ in pats]), errs
