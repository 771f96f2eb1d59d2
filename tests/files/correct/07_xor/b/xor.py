"""Lab 7 - XOR with NumPy (seed 001), classical momentum, and seed 002's tanh network."""
import random

import numpy as np

X = np.array([[0, 0, 1],
              [0, 1, 1],
              [1, 0, 1],
              [1, 1, 1]], dtype=np.float64)
Y = np.array([[0, 1, 1, 0]], dtype=np.float64).T


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(w0, w1):
    h = sigmoid(X @ w0)
    h[:, -1] = 1.0               # bias unit for the output layer
    return h, sigmoid(h @ w1)


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    np.random.seed(seed)
    w0 = 2 * np.random.random((3, hidden)) - 1
    w1 = 2 * np.random.random((hidden, 1)) - 1
    out = forward(w0, w1)[1]
    for step in range(steps):
        h, out = forward(w0, w1)
        d2 = (out - Y) * out * (1 - out)
        d1 = d2.dot(w1.T) * h * (1 - h)
        w1 = w1 - lr * h.T.dot(d2)
        w0 = w0 - lr * X.T.dot(d1)
    return out, {"weight0": w0, "weight1": w1}


def momentum_update(w, v, grad, lr, momentum):
    v_new = momentum * np.asarray(v, dtype=float) - lr * np.asarray(grad, dtype=float)
    w_new = np.asarray(w, dtype=float) + v_new
    if w_new.ndim == 0:                 # floats in, floats out
        return float(w_new), float(v_new)
    return w_new, v_new


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    gen = random.Random(seed)
    w_in = np.array([[gen.random() for _ in range(2)] for _ in range(3)])
    w_out = np.array([[gen.random()] for _ in range(2)])
    buf_in = np.zeros_like(w_in)
    buf_out = np.zeros_like(w_out)
    patterns = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]

    def run(x):
        inp = np.array([x[0], x[1], 1.0])
        hid = np.tanh(inp @ w_in)
        return inp, hid, np.tanh(hid @ w_out)

    errors = []
    for it in range(iterations):
        total = 0.0
        for x, t in patterns:
            inp, hid, out = run(x)
            d_out = (1 - out ** 2) * (t - out)                 # shape (1,)
            d_hid = (1 - hid ** 2) * (w_out @ d_out)          # uses w_out before the update
            g_out = np.outer(hid, d_out)
            w_out = w_out + (momentum * buf_out - lr * g_out)
            buf_out = g_out
            g_in = np.outer(inp, d_hid)
            w_in = w_in + (momentum * buf_in - lr * g_in)
            buf_in = g_in
            total += float(0.5 * (t - out[0]) ** 2)
        if it % 500 == 0:
            errors.append(total)
    preds = np.array([run(x)[2] for x, _ in patterns])
    return preds, errors
