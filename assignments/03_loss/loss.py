"""Loss functions (seeds 000, 001 and 003).

Each loss takes the targets first and the network's outputs second, as the seeds write them,
and returns one Python float. None of them changes its arguments.
"""
import numpy as np


def mse(t, y):
    """
    The squared error of seeds 000 and 001, E = 1/2 * sum (t - y)^2.

    Inputs:
    - t: targets, a number or an array of any shape
    - y: outputs, same shape as t (or broadcastable to it)

    Returns:
    - float: 0.5 * sum of (t - y)**2 over every element (a sum, not a mean)
    """
    # YOUR CODE HERE
    # TODO mse(t, y): The squared error of seeds 000 and 001, E = 1/2 * sum (t - y)^2.
    raise NotImplementedError("mse: not implemented yet / 아직 구현하지 않았습니다")


def binary_cross_entropy(y, y_hat):
    """
    Mean binary cross-entropy (seed 003): -mean( y*log(y_hat) + (1 - y)*log(1 - y_hat) ).

    Inputs:
    - y: labels in {0, 1} (or probabilities), array of shape (N,) or any shape
    - y_hat: predicted probabilities of the label 1, same shape as y

    Returns:
    - float: the mean over every element. y_hat is first clipped to [1e-12, 1 - 1e-12],
      so the loss stays finite at y_hat = 0 or 1.
    """
    # YOUR CODE HERE
    # TODO binary_cross_entropy(y, y_hat): Mean binary cross-entropy (seed 003): -mean(
    #     y*log(y_hat) + (1 - y)*log(1 - y_hat) ).
    raise NotImplementedError("binary_cross_entropy: not implemented yet / 아직 구현하지 않았습니다")


def cross_entropy(T, Y):
    """
    Categorical cross-entropy for softmax outputs, averaged over the rows of a batch.

    Inputs:
    - T: one-hot targets, shape (N, K) (or (K,) for a single example)
    - Y: softmax outputs, same shape as T, each row a probability vector

    Returns:
    - float: -(1/N) * sum_n sum_k T[n, k] * log(max(Y[n, k], 1e-12))
    """
    # YOUR CODE HERE
    # TODO cross_entropy(T, Y): Categorical cross-entropy for softmax outputs, averaged over the
    #     rows of a batch.
    raise NotImplementedError("cross_entropy: not implemented yet / 아직 구현하지 않았습니다")
