"""MNIST MLP, written with np.einsum and plain functions over lists of layers.

Weights are kept in self.params (W_l of shape (in, out)); everything else is recomputed from it.
"""
import numpy as np


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _softmax(a):
    z = a - a.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=-1, keepdims=True)


_HIDDEN = {
    "sigmoid": (_sigmoid, lambda y: y * (1 - y)),
    "relu": (lambda a: np.maximum(a, 0), lambda y: (y > 0) * 1.0),
    "tanh": (np.tanh, lambda y: 1 - y * y),
}


def _affine(x, w, b):
    return np.einsum("ni,io->no", x, w, optimize=True) + b


class MLP:
    def __init__(self, sizes=(784, 512, 10), hidden="sigmoid", output="softmax",
                 loss="cross_entropy", seed=0):
        if (output, loss) not in (("softmax", "cross_entropy"), ("sigmoid", "mse")):
            raise ValueError("output/loss must be softmax/cross_entropy or sigmoid/mse")
        self.sizes = tuple(sizes)
        self.act, self.act_grad = _HIDDEN[hidden]
        self.output, self.loss = output, loss
        gen = np.random.default_rng(seed + 12345)
        self.params = {}
        for i in range(1, len(sizes)):
            bound = np.sqrt(6 / (sizes[i - 1] + sizes[i]))
            self.params["W%d" % i] = gen.uniform(-bound, bound, (sizes[i - 1], sizes[i]))
            self.params["b%d" % i] = np.zeros(sizes[i])

    @property
    def n_layers(self):
        return len(self.sizes) - 1

    def _all_outputs(self, X):
        outs = [np.asarray(X, dtype=np.float64)]
        for i in range(1, self.n_layers + 1):
            a = _affine(outs[-1], self.params["W%d" % i], self.params["b%d" % i])
            if i < self.n_layers:
                outs.append(self.act(a))
            elif self.output == "softmax":
                outs.append(_softmax(a))
            else:
                outs.append(_sigmoid(a))
        return outs

    def forward(self, X):
        return self._all_outputs(X)[-1]

    def backward(self, X, T):
        outs = self._all_outputs(X)
        Y = outs[-1]
        T = np.asarray(T, dtype=np.float64)
        n = Y.shape[0]
        delta = Y - T
        if self.loss == "mse":
            delta = delta * Y * (1 - Y)
        delta = delta / n
        grads = {}
        for i in reversed(range(1, self.n_layers + 1)):
            grads["W%d" % i] = np.einsum("ni,no->io", outs[i - 1], delta, optimize=True)
            grads["b%d" % i] = np.einsum("no->o", delta)
            if i > 1:
                delta = np.einsum("no,io->ni", delta, self.params["W%d" % i], optimize=True) * self.act_grad(outs[i - 1])
        return grads

    def step(self, grads, lr):
        for k, g in grads.items():
            self.params[k] -= lr * np.asarray(g)

    def fit(self, X, y, epochs, batch_size, lr, seed=0):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y).astype(int)
        T = np.zeros((len(y), self.sizes[-1]))
        T[np.arange(len(y)), y] = 1
        shuffler = np.random.RandomState(seed)
        history = []
        for _ in range(epochs):
            idx = shuffler.permutation(len(X))
            losses, hits = [], 0
            for start in range(0, len(X), batch_size):
                b = idx[start:start + batch_size]
                Y = self.forward(X[b])
                if self.loss == "cross_entropy":
                    losses.append(-np.einsum("nk,nk->", T[b], np.log(np.clip(Y, 1e-12, None))))
                else:
                    losses.append(0.5 * np.einsum("nk,nk->", T[b] - Y, T[b] - Y))
                hits += np.count_nonzero(Y.argmax(1) == y[b])
                self.step(self.backward(X[b], T[b]), lr)
            history.append({"loss": float(sum(losses) / len(X)), "accuracy": hits / len(X)})
        return history

    def predict(self, X):
        return self.forward(X).argmax(axis=1)
