"""Backpropagation through seed 000's cheese network, and one SGD step.

Weight layout (seed 000, as in set 02): W of shape (out, in), a = x @ W.T + b.

    W1 (h, n)   b1 (h,)   W2 (h,)   b2 (1,)

Forward pass for one example x of shape (n,):

    A1 = x @ W1.T + b1     Y1 = sigmoid(A1)      (h,)
    A2 = Y1 @ W2.T + b2    Y2 = sigmoid(A2)      (1,)
    E  = 1/2 * sum (t - Y2)^2

Backward pass (seed 000's names):

    d2 = dE/dA2 = -(t - Y2) * (1 - Y2) * Y2          output delta, (1,)
    d1 = dE/dA1 = Y1 * (1 - Y1) * W2 * d2            hidden delta, (h,)
    dE/dW2 = d2 * Y1     dE/db2 = d2
    dE/dW1 = outer(d1, x) (row j is d1[j] * x, the same layout as W1)     dE/db1 = d1

Each function returns new arrays and leaves its arguments as they were.
"""
import numpy as np


def sigmoid(a):
    """Given (you wrote it in set 01): the logistic sigmoid 1 / (1 + exp(-a)), overflow-safe."""
    # log(1 + exp(-a)) computed by logaddexp never overflows; exp(-that) is the sigmoid.
    return np.exp(-np.logaddexp(0.0, -np.asarray(a, dtype=np.float64)))


def output_delta(t, y2):
    """
    The output layer's delta for the squared error and a sigmoid output.

    Inputs:
    - t: target, a number or an array of shape (1,)
    - y2: the network's output sigmoid(A2), shape (1,)

    Returns:
    - d2 = dE/dA2 = -(t - y2) * (1 - y2) * y2, shape (1,)
    """
    # YOUR CODE HERE
    # TODO output_delta(t, y2): The output layer's delta for the squared error and a sigmoid
    #     output.
    raise NotImplementedError("output_delta: not implemented yet / 아직 구현하지 않았습니다")


def hidden_delta(y1, W2, d2):
    """
    The hidden layer's delta: the output delta sent back through W2, times the sigmoid's slope.

    Inputs:
    - y1: the hidden outputs sigmoid(A1), shape (h,)
    - W2: the hidden-to-output weights, shape (h,) (the weights BEFORE any update)
    - d2: the output delta, shape (1,)

    Returns:
    - d1 = dE/dA1 = y1 * (1 - y1) * W2 * d2, shape (h,)
    """
    # YOUR CODE HERE
    # TODO hidden_delta(y1, W2, d2): The hidden layer's delta: the output delta sent back through
    #     W2, times the sigmoid's slope.
    raise NotImplementedError("hidden_delta: not implemented yet / 아직 구현하지 않았습니다")


def gradients(network, x, t):
    """
    The gradient of E = 1/2 * sum (t - Y2)^2 with respect to every weight and bias.

    Inputs:
    - network: dict with 'W1' (h, n), 'b1' (h,), 'W2' (h,), 'b2' (1,)
    - x: one input example, shape (n,)
    - t: its target, a number or an array of shape (1,)

    Returns:
    - grads: dict with the same keys and shapes as network:
      'W1' (h, n), 'b1' (h,), 'W2' (h,), 'b2' (1,)
    """
    # YOUR CODE HERE
    # TODO gradients(network, x, t): The gradient of E = 1/2 * sum (t - Y2)^2 with respect to every
    #     weight and bias.
    raise NotImplementedError("gradients: not implemented yet / 아직 구현하지 않았습니다")


def sgd_step(network, grads, lr):
    """
    One step of gradient descent on every parameter: p_new = p - lr * dE/dp.

    Inputs:
    - network: dict of parameter arrays ('W1', 'b1', 'W2', 'b2')
    - grads: dict with the same keys and shapes (from gradients)
    - lr: learning rate, a positive number (seed 000 uses 0.01)

    Returns:
    - a NEW dict with the updated parameters; network and grads are left unchanged
    """
    # YOUR CODE HERE
    # TODO sgd_step(network, grads, lr): One step of gradient descent on every parameter: p_new = p
    #     - lr * dE/dp.
    raise NotImplementedError("sgd_step: not implemented yet / 아직 구현하지 않았습니다")


def train_step(network, x, t, lr):
    """
    One training step on one example: forward, backward, update.

    Inputs:
    - network: dict with 'W1' (h, n), 'b1' (h,), 'W2' (h,), 'b2' (1,)
    - x: one input example, shape (n,)
    - t: its target, a number or an array of shape (1,)
    - lr: learning rate

    Returns a tuple of:
    - new_network: a new dict with every weight and bias updated once
    - loss: float, E = 1/2 * sum (t - Y2)^2 of the network BEFORE the update
    """
    # YOUR CODE HERE
    # TODO train_step(network, x, t, lr): One training step on one example: forward, backward,
    #     update.
    raise NotImplementedError("train_step: not implemented yet / 아직 구현하지 않았습니다")
