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
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=np.float64)
    # step(0) is 0: the perceptron fires only when w.x is strictly above the threshold.
    return np.where(a > 0, 1.0, 0.0)
    ### END SOLUTION


def sigmoid(a):
    """
    The logistic sigmoid y = 1 / (1 + exp(-a)), without overflow for large |a|.

    Inputs:
    - a: array of any shape

    Returns:
    - y: float64 array, same shape as a, values in [0, 1]; no RuntimeWarning even at a = -1e4
    """
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=np.float64)
    # exp(-|a|) is at most 1, so it cannot overflow. For a >= 0 this is the textbook formula;
    # for a < 0 multiply top and bottom by exp(a): 1 / (1 + exp(-a)) = exp(a) / (1 + exp(a)).
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def sigmoid_grad(y):
    """
    Derivative of the sigmoid, written in terms of its output.

    Inputs:
    - y: array of sigmoid outputs, y = sigmoid(a)

    Returns:
    - dy/da: float64 array, same shape as y: y * (1 - y)
    """
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=np.float64)
    return y * (1.0 - y)
    ### END SOLUTION


def tanh(a):
    """
    Hyperbolic tangent.

    Inputs:
    - a: array of any shape

    Returns:
    - y: float64 array, same shape as a, values in [-1, 1]
    """
    ### BEGIN SOLUTION
    return np.tanh(np.asarray(a, dtype=np.float64))
    ### END SOLUTION


def tanh_grad(y):
    """
    Derivative of tanh, written in terms of its output (seed 004: 1 - theta(s)^2).

    Inputs:
    - y: array of tanh outputs, y = tanh(a)

    Returns:
    - dy/da: float64 array, same shape as y: 1 - y**2
    """
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=np.float64)
    return 1.0 - y ** 2
    ### END SOLUTION


def relu(a):
    """
    Rectified linear unit.

    Inputs:
    - a: array of any shape

    Returns:
    - y: float64 array, same shape as a: max(0, a)
    """
    ### BEGIN SOLUTION
    return np.maximum(0.0, np.asarray(a, dtype=np.float64))
    ### END SOLUTION


def relu_grad(y):
    """
    Derivative of ReLU, written in terms of its output.

    Inputs:
    - y: array of ReLU outputs, y = relu(a)

    Returns:
    - dy/da: float64 array, same shape as y: 1.0 where y > 0, else 0.0
    """
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=np.float64)
    return np.where(y > 0, 1.0, 0.0)
    ### END SOLUTION


def identity(a):
    """
    The identity function, used at a regression network's output (seed 000's
    `identity_function`).

    Inputs:
    - a: array of any shape

    Returns:
    - a itself (or a float64 copy of it)
    """
    ### BEGIN SOLUTION
    return np.asarray(a, dtype=np.float64)
    ### END SOLUTION


def softmax(a):
    """
    Softmax over the last axis: each row of a batch becomes a probability vector.

    Inputs:
    - a: array of shape (K,) for one example or (N, K) for a batch of N rows

    Returns:
    - y: float64 array, same shape as a; y[..., k] = exp(a[..., k]) / sum_j exp(a[..., j]),
      so every row sums to 1. Finite and without RuntimeWarning even for entries of 1e4.
    """
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=np.float64)
    # Subtracting each row's maximum leaves the result unchanged (the factor exp(-max) cancels)
    # and keeps every exponent <= 0, so exp cannot overflow.
    z = a - np.max(a, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)
    ### END SOLUTION


def tanh_via_sigmoid(a):
    """
    tanh built from the sigmoid (seed 004): tanh(a) = 2 * sigmoid(2a) - 1.

    Inputs:
    - a: array of any shape

    Returns:
    - y: float64 array, same shape as a, equal to tanh(a)
    """
    ### BEGIN SOLUTION
    # 2*sigmoid(.) - 1 stretches the range (0, 1) to (-1, 1); the inner 2a gives the slope 1
    # at the origin that tanh has (2*sigmoid(a) - 1 alone is tanh(a/2)).
    return 2.0 * sigmoid(2.0 * np.asarray(a, dtype=np.float64)) - 1.0
    ### END SOLUTION
