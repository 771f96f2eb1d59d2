import random

import numpy as np


class Sigmoid:
    def __call__(self, x):
        return 1 / (1 + np.exp(-x))

    @staticmethod
    def derivative(y):
        return y * (1 - y)


act = Sigmoid()


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    inputs = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    targets = np.array([[0], [1], [1], [0]], dtype=float)
    rng = np.random.RandomState(seed)
    # output layer first, then the hidden layer
    weights = {}
    weights["weight1"] = rng.uniform(-1, 1, (hidden, 1))
    weights["weight0"] = rng.uniform(-1, 1, (3, hidden))
    out = None
    for _ in range(steps):
        h = act(inputs @ weights["weight0"])
        h[:, hidden - 1] = 1.0
        out = act(h @ weights["weight1"])
        delta_out = (out - targets) * act.derivative(out)
        delta_h = delta_out @ weights["weight1"].T * act.derivative(h)
        weights = {"weight0": weights["weight0"] - lr * inputs.T @ delta_h,
                   "weight1": weights["weight1"] - lr * h.T @ delta_out}
    return out, {"weight0": weights["weight0"], "weight1": weights["weight1"]}


def momentum_update(w, v, grad, lr, momentum):
    step = momentum * v - lr * grad
    return w + step, step


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    r = random.Random(seed)
    w_ih = [[r.random(), r.random()], [r.random(), r.random()], [r.random(), r.random()]]
    w_ho = [r.random(), r.random()]
    m_ih = [[0.0, 0.0] for _ in range(3)]
    m_ho = [0.0, 0.0]
    samples = [([0, 0, 1.0], 0), ([0, 1, 1.0], 1), ([1, 0, 1.0], 1), ([1, 1, 1.0], 0)]

    def forward(x):
        h = []
        for j in range(2):
            total = 0.0
            for i in range(3):
                total = total + x[i] * w_ih[i][j]
            h.append(float(np.tanh(total)))
        total = 0.0
        for j in range(2):
            total = total + h[j] * w_ho[j]
        return h, float(np.tanh(total))

    history = []
    for it in range(iterations):
        err = 0.0
        for x, t in samples:
            h, o = forward(x)
            do = (1 - o * o) * (t - o)
            dh = [(1 - h[j] * h[j]) * do * w_ho[j] for j in range(2)]
            for j in range(2):
                g = do * h[j]
                w_ho[j] += momentum * m_ho[j] - lr * g
                m_ho[j] = g
            for i in range(3):
                for j in range(2):
                    g = dh[j] * x[i]
                    w_ih[i][j] += momentum * m_ih[i][j] - lr * g
                    m_ih[i][j] = g
            err = err + 0.5 * (t - o) ** 2
        if it % 500 == 0:
            history.append(err)
    return np.array([[forward(x)[1]] for x, _ in samples]), history
