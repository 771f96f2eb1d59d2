"""Mistake models of set 02 (forward pass of the cheese network, seed 000's layout)."""
import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "02_forward"


def _forward_with(m, a1, a2, activate_output=True):
    """A forward pass whose pre-activations are computed by the given (mistaken) rules."""
    def forward(network, x, output="sigmoid"):
        W1, W2 = network["W1"], network["W2"]
        b1, b2 = network["b1"], network["b2"]
        x = np.asarray(x, dtype=np.float64)
        A1 = a1(x, W1, b1)
        Y1 = m.sigmoid(A1)
        A2 = a2(Y1, W2, b2)
        Y2 = m.sigmoid(A2) if output == "sigmoid" and activate_output else A2
        return {"A1": A1, "Y1": Y1, "A2": A2, "Y2": Y2}
    return forward


def _right(x, W, b):
    return x @ W.T + b


def _no_bias(x, W, b):
    return x @ W.T


def _transposed(x, W, b):
    return x @ W + b


@mistake("bias-missing", ("layer", "forward"))
def _(m):
    def layer(x, W, b, activation):
        return activation(np.asarray(x, dtype=np.float64) @ W.T)
    return layer, _forward_with(m, _no_bias, _no_bias)


@mistake("bias-missing", "forward")
def _(m):
    return _forward_with(m, _no_bias, _right)        # only the hidden layer's b1 forgotten


@mistake("bias-missing", "forward")
def _(m):
    return _forward_with(m, _right, _no_bias)        # only the output layer's b2 forgotten


@mistake("output-not-activated", "forward")
def _(m):
    return _forward_with(m, _right, _right, activate_output=False)


@mistake("weights-transposed", ("layer", "forward"))
def _(m):
    # x @ W instead of x @ W.T: a shape error when h != n, a wrong value when h == n.
    def layer(x, W, b, activation):
        return activation(np.asarray(x, dtype=np.float64) @ W + b)
    return layer, _forward_with(m, _transposed, _transposed)
