"""The forward pass of seed 000's cheese network (Fat, Salt -> like).

Weight layout (seed 000): a weight matrix has one ROW per neuron of the layer it feeds,
W of shape (out, in), and a layer computes a = x @ W.T + b. For the 2-3-1 cheese network:

    W1 (h, n) = (3, 2)   b1 (h,) = (3,)   W2 (h,) = (3,)   b2 (1,)

W2 is a plain vector because the output layer has one neuron (W2.T is W2 itself).
Sets 07 and 08 use seed 001's other layout, W of shape (in, out) and A = X @ W + b.

Names follow the seed: A1 hidden pre-activation, Y1 hidden output, A2 output pre-activation,
Y2 network output. A single example x has shape (n,); a batch X has shape (N, n), one row per
example, and then A1, Y1 are (N, h) and A2, Y2 are (N,).
"""
import numpy as np


def sigmoid(a):
    """Given (you wrote it in set 01): the logistic sigmoid 1 / (1 + exp(-a)), overflow-safe."""
    # log(1 + exp(-a)) computed by logaddexp never overflows; exp(-that) is the sigmoid.
    return np.exp(-np.logaddexp(0.0, -np.asarray(a, dtype=np.float64)))


def dot(v, w):
    """
    Dot product of two plain Python lists, without NumPy (seed 000's list version).

    Inputs:
    - v: list of n numbers
    - w: list of n numbers

    Returns:
    - float: v[0]*w[0] + v[1]*w[1] + ... + v[n-1]*w[n-1]
    """
    # YOUR CODE HERE
    # TODO dot(v, w): Dot product of two plain Python lists, without NumPy (seed 000's list
    #     version).
    raise NotImplementedError("dot: not implemented yet / 아직 구현하지 않았습니다")


def init_cheese_network():
    """
    The weights and biases of seed 000's 2-3-1 network.

    Returns:
    - network: dict of float64 arrays
      'W1' (3, 2) [[0.05, 0.01], [-0.01, 0.03], [0.02, -0.01]]
      'b1' (3,)   [-0.3, 0.2, 0.05]
      'W2' (3,)   [0.01, 0.05, 0.015]
      'b2' (1,)   [-0.015]
    """
    # YOUR CODE HERE
    # TODO init_cheese_network(): The weights and biases of seed 000's 2-3-1 network.
    raise NotImplementedError("init_cheese_network: not implemented yet / 아직 구현하지 않았습니다")


def layer(x, W, b, activation):
    """
    One fully connected layer in seed 000's layout: activation(x @ W.T + b).

    Inputs:
    - x: input, shape (n,) for one example or (N, n) for a batch
    - W: weights, shape (h, n) (one row per neuron), or (n,) for a single output neuron
    - b: biases, shape (h,), or (1,) for a single output neuron
    - activation: a function applied elementwise to the pre-activation (e.g. sigmoid)

    Returns:
    - y: activation(x @ W.T + b), shape (h,) or (N, h); (1,) or (N,) for a single neuron
    """
    # YOUR CODE HERE
    # TODO layer(x, W, b, activation): One fully connected layer in seed 000's layout: activation(x
    #     @ W.T + b).
    raise NotImplementedError("layer: not implemented yet / 아직 구현하지 않았습니다")


def forward(network, x, output="sigmoid"):
    """
    The forward pass of the cheese network, keeping every intermediate value.

    Inputs:
    - network: dict with 'W1' (h, n), 'b1' (h,), 'W2' (h,), 'b2' (1,)
    - x: input, shape (n,) for one example or (N, n) for a batch
    - output: "sigmoid" (the seed's choice) or "identity" (Y2 = A2, for regression)

    Returns:
    - dict with
      'A1' hidden pre-activation x @ W1.T + b1, shape (h,) or (N, h)
      'Y1' hidden output sigmoid(A1), same shape as A1
      'A2' output pre-activation Y1 @ W2.T + b2, shape (1,) or (N,)
      'Y2' network output sigmoid(A2), or A2 itself when output="identity"
    """
    # YOUR CODE HERE
    # TODO forward(network, x, output): The forward pass of the cheese network, keeping every
    #     intermediate value.
    raise NotImplementedError("forward: not implemented yet / 아직 구현하지 않았습니다")
