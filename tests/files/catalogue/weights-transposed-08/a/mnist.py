"""Homework 8: MNIST network. Weights kept the way the cheese network kept them: one row per
neuron of the layer, so each layer computes X @ W.T + b."""
import numpy as np


def sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    ez = np.exp(z)
    return ez / ez.sum(axis=1, keepdims=True)


class MLP:
    def __init__(self, sizes=(784, 512, 10), hidden="sigmoid", output="softmax",
                 loss="cross_entropy", seed=0):
        rng = np.random.RandomState(seed)
        self.sizes = sizes
        self.hidden, self.output, self.loss = hidden, output, loss
        self.params = {}
        for i in range(1, len(sizes)):
            fan_in, fan_out = sizes[i - 1], sizes[i]
            self.params[f"W{i}"] = rng.randn(fan_out, fan_in) * np.sqrt(2.0 / (fan_in + fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)

    def _act(self, z):
        if self.hidden == "relu":
            return np.maximum(z, 0)
        if self.hidden == "tanh":
            return np.tanh(z)
        return sigmoid(z)

    def _act_grad(self, y):
        if self.hidden == "relu":
            return (y > 0).astype(float)
        if self.hidden == "tanh":
            return 1 - y ** 2
        return y * (1 - y)

    def _layers(self, X):
        ys = [np.asarray(X, dtype=float)]
        n = len(self.sizes) - 1
        for i in range(1, n + 1):
            z = ys[-1] @ self.params[f"W{i}"].T + self.params[f"b{i}"]
            if i < n:
                ys.append(self._act(z))
            else:
                ys.append(softmax(z) if self.output == "softmax" else sigmoid(z))
        return ys

    def forward(self, X):
        return self._layers(X)[-1]

    def backward(self, X, T):
        ys = self._layers(X)
        Y = ys[-1]
        d = (Y - np.asarray(T, dtype=float)) / len(Y)
        if self.loss == "mse":
            d = d * Y * (1 - Y)
        grads = {}
        for i in range(len(self.sizes) - 1, 0, -1):
            grads[f"W{i}"] = d.T @ ys[i - 1]              # (out, in), like W
            grads[f"b{i}"] = d.sum(axis=0)
            if i > 1:
                d = (d @ self.params[f"W{i}"]) * self._act_grad(ys[i - 1])
        return grads

    def step(self, grads, lr):
        for k in grads:
            self.params[k] -= lr * grads[k]

    def fit(self, X, y, epochs, batch_size, lr, seed=0):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y).astype(int)
        T = np.zeros((len(y), self.sizes[-1]))
        T[np.arange(len(y)), y] = 1.0
        rng = np.random.RandomState(seed)
        history = []
        for _ in range(epochs):
            perm = rng.permutation(len(X))
            total, right = 0.0, 0
            for s in range(0, len(X), batch_size):
                idx = perm[s:s + batch_size]
                Y = self.forward(X[idx])
                total += -np.sum(T[idx] * np.log(Y + 1e-7)) if self.loss == "cross_entropy" \
                    else 0.5 * np.sum((T[idx] - Y) ** 2)
                right += int((Y.argmax(1) == y[idx]).sum())
                self.step(self.backward(X[idx], T[idx]), lr)
            history.append({"loss": total / len(X), "accuracy": right / len(X)})
        return history

    def predict(self, X):
        return self.forward(X).argmax(1)
