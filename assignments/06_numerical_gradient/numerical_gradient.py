"""Numerical gradients and gradient checks (seed 003).

Seed 003 trains a small 2-3-1 network without backpropagation: it estimates every partial
derivative of the loss with a central difference and steps downhill with it. This module builds
that pipeline in five functions:

    quadratic_boundary_data  ->  two_layer_loss  ->  numerical_gradient  ->  train_numerical
                                                     relative_error (compare two gradients)

Parameters travel as a dict, as in the seed: a name ("b11", "w31", or "W1" in a bigger net) maps
to a float or a NumPy array. No function changes a dict or an array it receives; each returns new
ones.

The network (seed 003's names): inputs x1, x2 (the columns of X); hidden pre-activations
a1..a3, hidden outputs z1..z3, output pre-activation ay1 and prediction yhat:

    a1 = b11 + w11*x1 + w21*x2     (a2 and a3 likewise with b12, w12, w22 and b13, w13, w23)
    z_i = activation(a_i)          (relu, step or tanh)
    ay1 = b21 + w31*z1 + w32*z2 + w33*z3
    yhat = 1 / (1 + exp(-ay1))
    loss = -mean(y*log(yhat) + (1 - y)*log(1 - yhat))

Floating-point sums depend on the order of their terms. The seed's numbers come out exactly only
when the terms are added in the order written above, so the code keeps that order.
"""
import numpy as np


# The seed's activation functions (seed 003, "In [2]"), given to you.
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def step_function(x):
    return np.where(x <= 0, 0.0, 1.0)


ACTIVATIONS = {"relu": relu, "step": step_function, "tanh": np.tanh}


def numerical_gradient(f, params, h=1e-7):
    """
    Central-difference estimate of the gradient of f with respect to every parameter.

    For each parameter p (each element of an array parameter), with all others held fixed:
        df/dp ~ (f(p + h) - f(p - h)) / (2h)

    Inputs:
    - f: callable taking a params dict (same keys, same kinds of values) and returning a float
    - params: dict mapping names to floats or float arrays of any shape
    - h: the step, a small positive float

    Returns:
    - grads: dict with the same keys: a float for a float parameter, a float64 array of the same
      shape for an array parameter
    params is unchanged afterwards, also when f raises an exception.
    """
    # YOUR CODE HERE
    # TODO numerical_gradient(f, params, h): Central-difference estimate of the gradient of f with
    #     respect to every parameter.
    raise NotImplementedError("numerical_gradient: not implemented yet / 아직 구현하지 않았습니다")


def relative_error(a, b):
    """
    Largest elementwise relative error between two gradients (or any two arrays).

        max over elements of |a - b| / max(1e-8, |a| + |b|)

    The 1e-8 floor keeps the ratio finite where both values are 0. A correct analytic gradient and
    a central difference typically agree to 1e-7 or better; 1e-2 means a bug.

    Inputs:
    - a, b: floats or arrays of the same shape

    Returns:
    - err: float
    """
    # YOUR CODE HERE
    # TODO relative_error(a, b): Largest elementwise relative error between two gradients (or any
    #     two arrays).
    raise NotImplementedError("relative_error: not implemented yet / 아직 구현하지 않았습니다")


def quadratic_boundary_data(n=100, seed=317):
    """
    Seed 003's data set: n points uniform in [-2, 2)^2, labelled 1 above the parabola
    x2 + 1 > x1^2.

    The seed runs np.random.seed(317) and np.random.rand(n, 2); a private
    np.random.RandomState(seed) draws the same numbers without changing NumPy's global generator.

    Inputs:
    - n: number of points
    - seed: integer seed

    Returns:
    - X: float64 array (n, 2), columns x1 and x2
    - y: int array (n,), values 0 or 1
    """
    # YOUR CODE HERE
    # TODO quadratic_boundary_data(n, seed): Seed 003's data set: n points uniform in [-2, 2)^2,
    #     labelled 1 above the parabola x2 + 1 > x1^2.
    raise NotImplementedError("quadratic_boundary_data: not implemented yet / 아직 구현하지 않았습니다")


def two_layer_loss(params, X, y, activation="relu"):
    """
    Mean binary cross-entropy of seed 003's 2-3-1 network on a data set.

    Inputs:
    - params: dict with floats b11, b12, b13, b21, w11, w12, w13, w21, w22, w23, w31, w32, w33
      (w1i and w2i connect x1 and x2 to hidden unit i; w3i connects hidden unit i to the output)
    - X: array (N, 2)
    - y: array (N,) of 0/1 labels
    - activation: "relu", "step" or "tanh" for the hidden layer (the output is always a sigmoid)

    Returns:
    - loss: float
    """
    # YOUR CODE HERE
    # TODO two_layer_loss(params, X, y, activation): Mean binary cross-entropy of seed 003's 2-3-1
    #     network on a data set.
    raise NotImplementedError("two_layer_loss: not implemented yet / 아직 구현하지 않았습니다")


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    """
    Full-batch gradient descent on two_layer_loss, with gradients from numerical_gradient
    (h = 1e-7), as seed 003 trains its network.

    Each epoch: grads = numerical gradient of two_layer_loss at the current params; then every
    parameter p <- p - grads[p] * lr.

    Inputs:
    - params: dict of the 13 starting parameters (floats), as two_layer_loss takes
    - X: array (N, 2); y: array (N,) of 0/1 labels
    - lr: learning rate
    - epochs: number of steps
    - activation: "relu", "step" or "tanh"

    Returns:
    - trained: a new dict with the same keys, the parameters after the last step
    """
    # YOUR CODE HERE
    # TODO train_numerical(params, X, y, lr, epochs, activation): Full-batch gradient descent on
    #     two_layer_loss, with gradients from numerical_gradient (h = 1e-7), as seed 003 trains its
    #     network.
    raise NotImplementedError("train_numerical: not implemented yet / 아직 구현하지 않았습니다")
