import random

import numpy as np

XOR_IN = np.array([[0., 0., 1.], [0., 1., 1.], [1., 0., 1.], [1., 1., 1.]])
XOR_OUT = np.array([[0.], [1.], [1.], [0.]])


def σ(z):
    return 1 / (1 + np.exp(-z))


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    rng = np.random.RandomState(seed)
    weight0 = 2 * rng.random_sample((3, hidden)) - 1
    weight1 = 2 * rng.random_sample((hidden, 1)) - 1
    layer2 = None
    for _ in range(steps):
        layer1 = σ(XOR_IN.dot(weight0))
        layer1[:, -1] = 1.0
        layer2 = σ(layer1.dot(weight1))
        layer2_delta = (layer2 - XOR_OUT) * layer2 * (1 - layer2)
        # error sent back through the output weights
        layer1_delta = layer2_delta.dot(weight1) * layer1 * (1 - layer1)
        weight1 -= lr * layer1.T.dot(layer2_delta)
        weight0 -= lr * XOR_IN.T.dot(layer1_delta)
    return layer2, {"weight0": weight0, "weight1": weight1}


def momentum_update(w, v, grad, lr, momentum):
    velocity = momentum * v - lr * grad
    new_w = w + velocity
    return new_w, velocity


class TanhXor:
    def __init__(self, seed):
        r = random.Random(seed)
        self.wi = [[r.random(), r.random()] for _ in range(3)]
        self.wo = [r.random(), r.random()]
        self.bi = [[0.0, 0.0] for _ in range(3)]
        self.bo = [0.0, 0.0]

    def forward(self, x):
        self.a = [float(x[0]), float(x[1]), 1.0]
        self.h = []
        for j in range(2):
            s = 0.0
            for i in range(3):
                s = s + self.a[i] * self.wi[i][j]
            self.h.append(float(np.tanh(s)))
        s = 0.0
        for j in range(2):
            s = s + self.h[j] * self.wo[j]
        self.o = float(np.tanh(s))
        return self.o

    def backward(self, t, lr, mo):
        do = (1 - self.o ** 2) * (t - self.o)
        dh = [(1 - self.h[j] ** 2) * do * self.wo[j] for j in range(2)]
        for j in range(2):
            g = do * self.h[j]
            self.wo[j] += mo * self.bo[j] - lr * g
            self.bo[j] = g
        for i in range(3):
            for j in range(2):
                g = dh[j] * self.a[i]
                self.wi[i][j] += mo * self.bi[i][j] - lr * g
                self.bi[i][j] = g
        return 0.5 * (t - self.o) ** 2


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    net = TanhXor(seed)
    data = [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]
    errors = []
    for it in range(iterations):
        e = 0.0
        for x, t in data:
            net.forward(x)
            e += net.backward(t, lr, momentum)
        if it % 500 == 0:
            errors.append(e)
    return np.array([[net.forward(x)] for x, _ in data]), errors
