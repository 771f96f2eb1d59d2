"""Mistake models of set 07 (XOR trainers, momentum).

The train_xor models share one trainer, `_train_xor`, which is the reference's seed-001 loop with
switches for the ways students depart from it: the order the weights are drawn in, which hidden
column is forced to 1.0 (and whether before or after the activation), and the weight layout.
With every switch at its default it computes exactly what the reference does (a kit test checks
this), so each model differs from the reference in its one mistake only.

Probe advice: hidden sizes other than 3 turn a transposed layout into a shape error; hidden = 3
makes it shape-compatible, so the values differ instead. Step counts stay small (<= 50).
"""
import random

import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "07_xor"

_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def _train_xor(m, steps, hidden, lr, seed, *, draw="seed", reset="last", layout="in-out",
               backward_transposed=True):
    """Seed 001's trainer with one departure chosen by the keywords.

    draw: "seed" (weight0 then weight1, row by row), "weight1-first", "reseeded" (the generator
          seeded again before weight1, so weight1 repeats weight0's first draws), "out-in" (both
          drawn in the (out, in) layout, weight0 as (hidden, 3) and weight1 as (1, hidden))
    reset: "last" (layer1's last column set to 1.0), "none", "first" (the first column instead),
           "before-activation" (net1's last column set to 1.0, so the bias unit is sigmoid(1))
    layout: "in-out" (A = X @ W, the seed's), "forward-transposed" (the hidden layer computed
            as X @ weight0.T, seed 000's formula, on seed 001's (3, hidden) weight0, the rest as
            the seed), "out-in" (both matrices kept as (out, in) throughout: drawn, used as
            X @ W.T, updated and returned in that layout)
    backward_transposed: False computes the hidden error as layer2_delta @ weight1, without .T
    """
    rng = np.random.RandomState(seed)
    if draw == "seed":
        weight0 = 2 * rng.random_sample((3, hidden)) - 1
        weight1 = 2 * rng.random_sample((hidden, 1)) - 1
    elif draw == "weight1-first":
        weight1 = 2 * rng.random_sample((hidden, 1)) - 1
        weight0 = 2 * rng.random_sample((3, hidden)) - 1
    elif draw == "reseeded":
        weight0 = 2 * rng.random_sample((3, hidden)) - 1
        rng = np.random.RandomState(seed)
        weight1 = 2 * rng.random_sample((hidden, 1)) - 1
    elif draw == "out-in":
        weight0 = 2 * rng.random_sample((hidden, 3)) - 1
        weight1 = 2 * rng.random_sample((1, hidden)) - 1
    else:
        raise ValueError(draw)

    def mat(W):          # the (in, out) matrix the seed multiplies by
        return W.T if layout == "out-in" else W

    layer2 = None
    for _ in range(steps):
        layer0 = _X
        net1 = np.dot(layer0, weight0.T if layout == "forward-transposed" else mat(weight0))
        if reset == "before-activation":
            net1[:, -1] = 1.0
        layer1 = m.actf(net1)
        if reset == "last":
            layer1[:, -1] = 1.0
        elif reset == "first":
            layer1[:, 0] = 1.0
        net2 = np.dot(layer1, mat(weight1))
        layer2 = m.actf(net2)

        layer2_error = layer2 - _Y
        layer2_delta = layer2_error * m.actf_deriv(layer2)
        w1 = mat(weight1)
        layer1_error = np.dot(layer2_delta, w1.T if backward_transposed else w1)
        layer1_delta = layer1_error * m.actf_deriv(layer1)

        step1 = -lr * np.dot(layer1.T, layer2_delta)
        step0 = -lr * np.dot(layer0.T, layer1_delta)
        if layout == "out-in":
            step1, step0 = step1.T, step0.T
        weight1 = weight1 + step1
        weight0 = weight0 + step0
    return layer2, {"weight0": weight0, "weight1": weight1}


def _xor_trainer(m, **departure):
    def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
        return _train_xor(m, steps, hidden, lr, seed, **departure)
    return train_xor


# --- bias-column-not-reset ---------------------------------------------------------------------

@mistake("bias-column-not-reset", "train_xor")
def _(m):
    # the last hidden unit keeps its sigmoid value: the output layer has no bias input
    return _xor_trainer(m, reset="none")


@mistake("bias-column-not-reset", "train_xor")
def _(m):
    # the pre-activation is set to 1.0, so the "bias" unit outputs sigmoid(1) = 0.731...
    return _xor_trainer(m, reset="before-activation")


@mistake("bias-column-not-reset", "train_xor")
def _(m):
    # the first hidden column is forced to 1.0 instead of the last
    return _xor_trainer(m, reset="first")


# --- weight-draw-order -------------------------------------------------------------------------

@mistake("weight-draw-order", "train_xor")
def _(m):
    # weight1 drawn before weight0
    return _xor_trainer(m, draw="weight1-first")


@mistake("weight-draw-order", "train_xor")
def _(m):
    # np.random.seed(seed) called again before weight1 (say, inside a helper that draws one
    # matrix): weight1 then repeats the first draws of weight0
    return _xor_trainer(m, draw="reseeded")


class _Replay(random.Random):
    """A generator whose first draws are given values, then an ordinary one."""

    def __init__(self, values):
        super().__init__(0)
        self._values = list(values)

    def random(self):
        return self._values.pop(0) if self._values else super().random()


class _RandomWithDrawOrder:
    """Stands in for the `random` module inside one variant module. The reference draws
    weight_in row by row, then weight_out, from `random.Random(seed)`; this hands it the values
    a student's other draw order would have put in those places."""

    def __init__(self, draw):
        self._draw = draw

    def Random(self, seed=None):
        weight_in, weight_out = self._draw(random.Random(seed))
        return _Replay([w for row in weight_in for w in row] + [w for row in weight_out for w in row])


def _xor_tanh_trainer(m, draw):
    """The reference's train_xor_tanh with its weights drawn by `draw(rng)`, which returns
    (weight_in as 3 rows of 2, weight_out as 2 rows of 1)."""
    m.random = _RandomWithDrawOrder(draw)     # this variant module only
    return m.train_xor_tanh


@mistake("weight-draw-order", "train_xor_tanh")
def _(m):
    # the output weights drawn before the input weights
    def draw(rng):
        weight_out = [[rng.random()] for _ in range(2)]
        weight_in = [[rng.random() for _ in range(2)] for _ in range(3)]
        return weight_in, weight_out
    return _xor_tanh_trainer(m, draw)


@mistake("weight-draw-order", "train_xor_tanh")
def _(m):
    # the input weights drawn column by column (hidden unit outer, input inner)
    def draw(rng):
        columns = [[rng.random() for _ in range(3)] for _ in range(2)]
        weight_in = [[columns[j][i] for j in range(2)] for i in range(3)]
        weight_out = [[rng.random()] for _ in range(2)]
        return weight_in, weight_out
    return _xor_tanh_trainer(m, draw)


# --- weights-transposed (seed 000's (out, in) layout used in seed 001's trainer) ---------------

@mistake("weights-transposed", "train_xor")
def _(m):
    # hidden error as layer2_delta @ weight1 without .T: a shape error unless hidden == 1
    return _xor_trainer(m, backward_transposed=False)


@mistake("weights-transposed", "train_xor")
def _(m):
    # forward pass as X @ weight0.T with weight0 of shape (3, hidden): a shape error unless
    # hidden == 3, and other values when it is
    return _xor_trainer(m, layout="forward-transposed")


@mistake("weights-transposed", "train_xor")
def _(m):
    # the whole trainer in the (out, in) layout: weights drawn as (hidden, 3) and (1, hidden) and
    # returned in those shapes
    return _xor_trainer(m, draw="out-in", layout="out-in")


# --- momentum-stores-gradient ------------------------------------------------------------------

@mistake("momentum-stores-gradient", "momentum_update")
def _(m):
    def momentum_update(w, v, grad, lr, momentum):
        # seed 002's buffer: w takes the right step, but the gradient is kept instead of the step
        w_new = w + (momentum * v - lr * grad)
        return w_new, grad
    return momentum_update
