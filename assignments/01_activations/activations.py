"""Activation functions and their derivatives (seeds 000, 001, 003 and 004).

Every function takes a NumPy array of any shape (a single vector or a batch of rows) and returns
a new float64 array of the same shape; none of them changes its argument.

The derivatives follow the seeds' convention: `*_grad` takes the activation's OUTPUT y, not its
input a. For the sigmoid, y = sigmoid(a) and dy/da = y * (1 - y) (seed 001's `actf_deriv`).
"""
import numpy as np


def step(a):
    """
    The perceptron's step function (seed 003's `step_function`).

    Inputs:
    - a: array of any shape

    Returns:
    - y: float64 array, same shape as a: 0.0 where a <= 0, 1.0 where a > 0
    """
    # YOUR CODE HERE
    # TODO step(a): The perceptron's step function (seed 003's `step_function`).
    raise NotImplementedError("step: not implemented yet / 아직 구현하지 않았습니다")


def sigmoid(a):
    """
    The logistic sigmoid y = 1 / (1 + exp(-a)), without overflow for large |a|.

    Inputs:
    - a: array of any shape

    Returns:
    - y: float64 array, same shape as a, values in [0, 1]; no RuntimeWarning even at a = -1e4
    """
    # YOUR CODE HERE
    # TODO sigmoid(a): The logistic sigmoid y = 1 / (1 + exp(-a)), without overflow for large |a|.
    raise NotImplementedError("sigmoid: not implemented yet / 아직 구현하지 않았습니다")


def sigmoid_grad(y):
    """
    Derivative of the sigmoid, written in terms of its output.

    Inputs:
    - y: array of sigmoid outputs, y = sigmoid(a)

    Returns:
    - dy/da: float64 array, same shape as y: y * (1 - y)
    """
    # YOUR CODE HERE
    # TODO sigmoid_grad(y): Derivative of the sigmoid, written in terms of its output.
    raise NotImplementedError("sigmoid_grad: not implemented yet / 아직 구현하지 않았습니다")


def tanh(a):
    """
    Hyperbolic tangent.

    Inputs:
    - a: array of any shape

    Returns:
    - y: float64 array, same shape as a, values in [-1, 1]
    """
    # YOUR CODE HERE
    # TODO tanh(a): Hyperbolic tangent.
    raise NotImplementedError("tanh: not implemented yet / 아직 구현하지 않았습니다")


def tanh_grad(y):
    """
    Derivative of tanh, written in terms of its output (seed 004: 1 - theta(s)^2).

    Inputs:
    - y: array of tanh outputs, y = tanh(a)

    Returns:
    - dy/da: float64 array, same shape as y: 1 - y**2
    """
    # YOUR CODE HERE
    # TODO tanh_grad(y): Derivative of tanh, written in terms of its output (seed 004: 1 -
    #     theta(s)^2).
    raise NotImplementedError("tanh_grad: not implemented yet / 아직 구현하지 않았습니다")


def relu(a):
    """
    Rectified linear unit.

    Inputs:
    - a: array of any shape

    Returns:
    - y: float64 array, same shape as a: max(0, a)
    """
    # YOUR CODE HERE
    # TODO relu(a): Rectified linear unit.
    raise NotImplementedError("relu: not implemented yet / 아직 구현하지 않았습니다")


def relu_grad(y):
    """
    Derivative of ReLU, written in terms of its output.

    Inputs:
    - y: array of ReLU outputs, y = relu(a)

    Returns:
    - dy/da: float64 array, same shape as y: 1.0 where y > 0, else 0.0
    """
    # YOUR CODE HERE
    # TODO relu_grad(y): Derivative of ReLU, written in terms of its output.
    raise NotImplementedError("relu_grad: not implemented yet / 아직 구현하지 않았습니다")


def identity(a):
    """
    The identity function, used at a regression network's output (seed 000's
    `identity_function`).

    Inputs:
    - a: array of any shape

    Returns:
    - a itself (or a float64 copy of it)
    """
    # YOUR CODE HERE
    # TODO identity(a): The identity function, used at a regression network's output (seed 000's
    #     `identity_function`).
    raise NotImplementedError("identity: not implemented yet / 아직 구현하지 않았습니다")


def softmax(a):
    """
    Softmax over the last axis: each row of a batch becomes a probability vector.

    Inputs:
    - a: array of shape (K,) for one example or (N, K) for a batch of N rows

    Returns:
    - y: float64 array, same shape as a; y[..., k] = exp(a[..., k]) / sum_j exp(a[..., j]),
      so every row sums to 1. Finite and without RuntimeWarning even for entries of 1e4.
    """
    # YOUR CODE HERE
    # TODO softmax(a): Softmax over the last axis: each row of a batch becomes a probability
    #     vector.
    raise NotImplementedError("softmax: not implemented yet / 아직 구현하지 않았습니다")


def tanh_via_sigmoid(a):
    """
    tanh built from the sigmoid (seed 004): tanh(a) = 2 * sigmoid(2a) - 1.

    Inputs:
    - a: array of any shape

    Returns:
    - y: float64 array, same shape as a, equal to tanh(a)
    """
    # YOUR CODE HERE
    # TODO tanh_via_sigmoid(a): tanh built from the sigmoid (seed 004): tanh(a) = 2 * sigmoid(2a) -
    #     1.
    raise NotImplementedError("tanh_via_sigmoid: not implemented yet / 아직 구현하지 않았습니다")
