"""Mistake models of set 08 (the MNIST trainer).

Each model is the reference's MLP class with a method or two overridden. The reference funnels
every gradient through `MLP._backprop` (used by both `backward` and `fit`), and `predict` goes
through `forward`, so overriding those makes the mistake show in every graded method at once, as
it would in a student's class.

Probe advice: batches of more than one row (odd primes keep the factor N visible) for
batch-sum-not-mean; layer sizes with in != out for weights-transposed, which then fails with a
shape error, as the student's code does.
"""
import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "08_mnist"


@mistake("batch-sum-not-mean", "MLP")
def _(m):
    """Gradients summed over the batch: every one N times the mean (no division by N)."""
    Base = m.MLP

    class MLP(Base):
        def _backprop(self, X, T, params=None):
            Y, grads = super()._backprop(X, T, params)
            return Y, {k: g * len(X) for k, g in grads.items()}

    return MLP


@mistake("batch-sum-not-mean", "MLP")
def _(m):
    """The weight gradients divided by N, the bias gradients left as sums (d.sum(axis=0) of an
    undivided delta)."""
    Base = m.MLP

    class MLP(Base):
        def _backprop(self, X, T, params=None):
            Y, grads = super()._backprop(X, T, params)
            return Y, {k: (g * len(X) if k.startswith("b") else g) for k, g in grads.items()}

    return MLP


def _flipped(params):
    """Every weight matrix transposed, biases as they are."""
    return {k: (v.T if k.startswith("W") else v) for k, v in params.items()}


@mistake("weights-transposed", "MLP")
def _(m):
    """Seed 000's layout in the batched trainer: each W stored as (out, in) and used as X @ W.T,
    its gradient returned as (out, in) too. Weights given in the (in, out) layout then fail."""
    Base = m.MLP

    class MLP(Base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for key in [k for k in self.params if k.startswith("W")]:
                self.params[key] = np.ascontiguousarray(self.params[key].T)

        def forward(self, X):
            return super()._layers(np.asarray(X, dtype=np.float64), _flipped(self.params))[-1]

        def _backprop(self, X, T, params=None):
            Y, grads = super()._backprop(X, T, _flipped(self.params if params is None else params))
            return Y, {k: np.ascontiguousarray(g) for k, g in _flipped(grads).items()}

    return MLP


@mistake("weights-transposed", "MLP")
def _(m):
    """The right forward pass, but each weight gradient computed as d.T @ Y_prev, of shape
    (out, in): the transpose of its weight."""
    Base = m.MLP

    class MLP(Base):
        def _backprop(self, X, T, params=None):
            Y, grads = super()._backprop(X, T, params)
            return Y, {k: np.ascontiguousarray(g.T) if k.startswith("W") else g
                       for k, g in grads.items()}

    return MLP
