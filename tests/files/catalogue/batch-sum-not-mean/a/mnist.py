"""HW 8 - MNIST MLP. The backward pass adds up the examples' gradients; fit shares the rate out."""
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-np.clip(a, -500, 500)))


def softmax(a):
    e = np.exp(a - np.max(a, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


ACTIVATIONS = {
    "sigmoid": (sigmoid, lambda y: y * (1 - y)),
    "relu": (lambda a: np.maximum(0, a), lambda y: (y > 0).astype(float)),
    "tanh": (np.tanh, lambda y: 1 - y ** 2),
}


class MLP:
    def __init__(self, sizes=(784, 512, 10), hidden="sigmoid", output="softmax",
                 loss="cross_entropy", seed=0):
        np.random.seed(seed)
        self.sizes = list(sizes)
        self.f, self.df = ACTIVATIONS[hidden]
        self.output = output
        self.loss = loss
        self.params = {}
        for l in range(1, len(sizes)):
            self.params["W" + str(l)] = np.random.randn(sizes[l - 1], sizes[l]) * np.sqrt(1.0 / sizes[l - 1])
            self.params["b" + str(l)] = np.zeros(sizes[l])

    def _outputs(self, X):
        ys = [np.asarray(X, dtype=float)]
        L = len(self.sizes) - 1
        for l in range(1, L + 1):
            a = ys[-1] @ self.params["W" + str(l)] + self.params["b" + str(l)]
            if l < L:
                ys.append(self.f(a))
            elif self.output == "softmax":
                ys.append(softmax(a))
            else:
                ys.append(sigmoid(a))
        return ys

    def forward(self, X):
        return self._outputs(X)[-1]

    def backward(self, X, T):
        ys = self._outputs(X)
        y = ys[-1]
        delta = y - np.asarray(T, dtype=float)
        if self.loss == "mse":
            delta = delta * y * (1 - y)
        grads = {}
        for l in range(len(self.sizes) - 1, 0, -1):
            grads["W" + str(l)] = ys[l - 1].T @ delta      # the total over the batch
            grads["b" + str(l)] = np.sum(delta, axis=0)
            if l > 1:
                delta = (delta @ self.params["W" + str(l)].T) * self.df(ys[l - 1])
        return grads

    def step(self, grads, lr):
        for k in self.params:
            self.params[k] -= lr * grads[k]

    def fit(self, X, y, epochs, batch_size, lr, seed=0):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        T = np.eye(self.sizes[-1])[y]
        rng = np.random.default_rng(seed)
        history = []
        for epoch in range(epochs):
            order = rng.permutation(len(X))
            for i in range(0, len(X), batch_size):
                b = order[i:i + batch_size]
                g = self.backward(X[b], T[b])
                # backward gives the sum over the batch, so the rate is shared out here
                self.step(g, lr / len(b))
            Y = self.forward(X)
            if self.loss == "cross_entropy":
                loss = -np.sum(T * np.log(Y + 1e-7)) / len(X)
            else:
                loss = 0.5 * np.sum((T - Y) ** 2) / len(X)
            history.append({"loss": float(loss), "accuracy": float(np.mean(Y.argmax(1) == y))})
        return history

    def predict(self, X):
        return np.argmax(self.forward(X), axis=1)
