"""HW 8, written without matrix products in fit: every weight is updated in plain Python loops,
one example at a time. Right, and far too slow for 8,000 digits."""
import math

import numpy as np


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


_ACT = {"sigmoid": (_sigmoid, lambda y: y * (1 - y)),
        "relu": (lambda a: np.maximum(a, 0.0), lambda y: (y > 0) * 1.0),
        "tanh": (np.tanh, lambda y: 1 - y * y)}


class MLP:
    def __init__(self, sizes=(784, 512, 10), hidden="sigmoid", output="softmax",
                 loss="cross_entropy", seed=0):
        rng = np.random.default_rng(seed)
        self.sizes, self.hidden, self.output, self.loss = tuple(sizes), hidden, output, loss
        self.act, self.act_grad = _ACT[hidden]
        self.params = {}
        for l in range(1, len(sizes)):
            self.params[f"W{l}"] = rng.normal(0, 1 / np.sqrt(sizes[l - 1]), (sizes[l - 1], sizes[l]))
            self.params[f"b{l}"] = np.zeros(sizes[l])

    def _ys(self, X):
        ys = [np.asarray(X, dtype=float)]
        L = len(self.sizes) - 1
        for l in range(1, L + 1):
            a = ys[-1] @ self.params[f"W{l}"] + self.params[f"b{l}"]
            ys.append(self.act(a) if l < L else (_softmax(a) if self.output == "softmax" else _sigmoid(a)))
        return ys

    def forward(self, X):
        return self._ys(X)[-1]

    def backward(self, X, T):
        ys = self._ys(X)
        Y = ys[-1]
        d = (Y - np.asarray(T, dtype=float)) / len(Y)
        if self.loss == "mse":
            d = d * Y * (1 - Y)
        grads = {}
        for l in range(len(self.sizes) - 1, 0, -1):
            grads[f"W{l}"] = ys[l - 1].T @ d
            grads[f"b{l}"] = d.sum(axis=0)
            if l > 1:
                d = (d @ self.params[f"W{l}"].T) * self.act_grad(ys[l - 1])
        return grads

    def step(self, grads, lr):
        for k, g in grads.items():
            self.params[k] -= lr * g

    def fit(self, X, y, epochs, batch_size, lr, seed=0):
        """Online SGD with lists: the weights of a 2-layer net, neuron by neuron."""
        W1, b1 = self.params["W1"].tolist(), self.params["b1"].tolist()
        W2, b2 = self.params["W2"].tolist(), self.params["b2"].tolist()
        n_in, n_hid, n_out = len(W1), len(b1), len(b2)
        history = []
        for _ in range(epochs):
            right = 0
            for x, label in zip(np.asarray(X).tolist(), np.asarray(y).tolist()):
                h = [1 / (1 + math.exp(-(b1[j] + sum(x[i] * W1[i][j] for i in range(n_in)))))
                     for j in range(n_hid)]
                a = [b2[k] + sum(h[j] * W2[j][k] for j in range(n_hid)) for k in range(n_out)]
                top = max(a)
                e = [math.exp(v - top) for v in a]
                p = [v / sum(e) for v in e]
                right += int(p.index(max(p)) == label)
                d2 = [p[k] - (k == label) for k in range(n_out)]
                d1 = [h[j] * (1 - h[j]) * sum(W2[j][k] * d2[k] for k in range(n_out)) for j in range(n_hid)]
                for j in range(n_hid):
                    for k in range(n_out):
                        W2[j][k] -= lr * h[j] * d2[k]
                for k in range(n_out):
                    b2[k] -= lr * d2[k]
                for i in range(n_in):
                    for j in range(n_hid):
                        W1[i][j] -= lr * x[i] * d1[j]
                for j in range(n_hid):
                    b1[j] -= lr * d1[j]
            history.append({"loss": 0.0, "accuracy": right / len(X)})
        self.params.update(W1=np.array(W1), b1=np.array(b1), W2=np.array(W2), b2=np.array(b2))
        return history

    def predict(self, X):
        return self.forward(X).argmax(axis=1)
