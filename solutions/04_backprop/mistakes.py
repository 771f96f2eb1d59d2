"""Mistake models of set 04 (backpropagation and one SGD step, seed 000's layout)."""
import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "04_backprop"


def _forward(m, network, x, a1=None):
    """The reference forward pass; a1 replaces the hidden pre-activation rule when given."""
    W1, b1, W2, b2 = network["W1"], network["b1"], network["W2"], network["b2"]
    x = np.asarray(x, dtype=np.float64)
    A1 = a1(x, W1, b1) if a1 else x @ W1.T + b1
    Y1 = m.sigmoid(A1)
    A2 = Y1 @ W2.T + b2
    Y2 = m.sigmoid(A2)
    return x, A1, Y1, A2, Y2


# --- the output delta -------------------------------------------------------------------------

@mistake("delta-sign", "output_delta")
def _(m):
    def output_delta(t, y2):
        y2 = np.asarray(y2, dtype=np.float64)
        return (t - y2) * (1 - y2) * y2
    return output_delta


@mistake("delta-no-derivative", "output_delta")
def _(m):
    def output_delta(t, y2):
        return -(t - np.asarray(y2, dtype=np.float64))
    return output_delta


@mistake("delta-at-preactivation", "gradients")
def _(m):
    # The error at Y2, but the sigmoid's slope written with A2 in place of Y2.
    def gradients(network, x, t):
        x, A1, Y1, A2, Y2 = _forward(m, network, x)
        d2 = -(t - Y2) * (1 - A2) * A2
        d1 = m.hidden_delta(Y1, network["W2"], d2)
        return {"W1": np.outer(d1, x), "b1": d1, "W2": d2 * Y1, "b2": d2}
    return gradients


@mistake("delta-at-preactivation", "gradients")
def _(m):
    # output_delta called with the pre-activation A2 instead of the output Y2.
    def gradients(network, x, t):
        x, A1, Y1, A2, Y2 = _forward(m, network, x)
        d2 = m.output_delta(t, A2)
        d1 = m.hidden_delta(Y1, network["W2"], d2)
        return {"W1": np.outer(d1, x), "b1": d1, "W2": d2 * Y1, "b2": d2}
    return gradients


@mistake("delta-at-preactivation", "gradients")
def _(m):
    # Both slopes taken at the pre-activations: (1 - A2) A2 and (1 - A1) A1.
    def gradients(network, x, t):
        x, A1, Y1, A2, Y2 = _forward(m, network, x)
        d2 = -(t - Y2) * (1 - A2) * A2
        d1 = A1 * (1 - A1) * network["W2"] * d2
        return {"W1": np.outer(d1, x), "b1": d1, "W2": d2 * Y1, "b2": d2}
    return gradients


# --- the hidden delta -------------------------------------------------------------------------

@mistake("hidden-delta-no-derivative", "hidden_delta")
def _(m):
    def hidden_delta(y1, W2, d2):
        return W2 * d2             # the slope y1 * (1 - y1) left out
    return hidden_delta


@mistake("hidden-delta-after-update", "train_step")
def _(m):
    # Seed 000's order of work, done wrongly: W2 updated first, then d1 computed with the new W2.
    def train_step(network, x, t, lr):
        x, A1, Y1, A2, Y2 = _forward(m, network, x)
        loss = float(0.5 * np.sum((t - Y2) ** 2))
        d2 = m.output_delta(t, Y2)
        W2 = network["W2"] - lr * d2 * Y1
        b2 = network["b2"] - lr * d2
        d1 = m.hidden_delta(Y1, W2, d2)
        W1 = network["W1"] - lr * np.outer(d1, x)
        b1 = network["b1"] - lr * d1
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, loss
    return train_step


# --- the update -------------------------------------------------------------------------------

def _sgd(skip=(), sign=-1.0, rate=None):
    """An SGD step that leaves the names in skip alone, with a sign and a rate rule."""
    def sgd_step(network, grads, lr):
        step = lr if rate is None else rate(lr)
        return {name: (network[name].copy() if name in skip
                       else network[name] + sign * step * grads[name])
                for name in network}
    return sgd_step


@mistake("bias-not-updated", "sgd_step")
def _(m):
    return _sgd(skip=("b1", "b2"))


@mistake("bias-not-updated", "sgd_step")
def _(m):
    return _sgd(skip=("b1",))


@mistake("bias-not-updated", "sgd_step")
def _(m):
    return _sgd(skip=("b2",))


@mistake("gradient-ascent", "sgd_step")
def _(m):
    return _sgd(sign=+1.0)


@mistake("learning-rate-x10", "sgd_step")
def _(m):
    return _sgd(rate=lambda lr: 0.1)          # seed 000's comment: 0.1 written, 0.01 meant


@mistake("learning-rate-x10", "sgd_step")
def _(m):
    return _sgd(rate=lambda lr: 10 * lr)


@mistake("mutates-input", "sgd_step")
def _(m):
    # In-place update of the caller's arrays (network[name] -= ...), returning the same dict.
    def sgd_step(network, grads, lr):
        for name in network:
            network[name] -= lr * grads[name]
        return network
    return sgd_step


@mistake("mutates-input", "sgd_step")
def _(m):
    # New arrays, but written back into the caller's dict.
    def sgd_step(network, grads, lr):
        for name in list(network):
            network[name] = network[name] - lr * grads[name]
        return network
    return sgd_step


# --- the weight layout ------------------------------------------------------------------------

@mistake("weights-transposed", "gradients")
def _(m):
    # dE/dW1 built as outer(x, d1): shape (n, h) instead of W1's (h, n).
    def gradients(network, x, t):
        x, A1, Y1, A2, Y2 = _forward(m, network, x)
        d2 = m.output_delta(t, Y2)
        d1 = m.hidden_delta(Y1, network["W2"], d2)
        return {"W1": np.outer(x, d1), "b1": d1, "W2": d2 * Y1, "b2": d2}
    return gradients


@mistake("weights-transposed", "gradients")
def _(m):
    # The forward pass with x @ W1 instead of x @ W1.T (a shape error when h != n).
    def gradients(network, x, t):
        x, A1, Y1, A2, Y2 = _forward(m, network, x, a1=lambda x, W, b: x @ W + b)
        d2 = m.output_delta(t, Y2)
        d1 = m.hidden_delta(Y1, network["W2"], d2)
        return {"W1": np.outer(d1, x), "b1": d1, "W2": d2 * Y1, "b2": d2}
    return gradients
