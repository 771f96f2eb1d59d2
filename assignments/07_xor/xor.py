"""Two XOR trainers from the seeds, and the momentum update (seeds 001 and 002).

train_xor is seed 001's batched NumPy trainer. Its weight layout is seed 001's, the one sets 07
and 08 use: a weight matrix W has shape (inputs, outputs) and a layer computes A = X @ W, one
row per example. (Sets 02-04 keep seed 000's layout instead, W of shape (out, in) and
a = x @ W.T + b.) There is no separate bias vector: the bias is a weight on a constant input
of 1.0, the last column of X for the hidden layer and the last hidden unit for the output layer.

train_xor_tanh is seed 002's pure-Python trainer (a 2-2-1 tanh net with a bias input, trained one
pattern at a time). It keeps seed 002's update as written, which is NOT classical momentum; the
README explains the difference. momentum_update is the classical rule.

Every function returns new arrays; none changes an argument.
"""
import random

import numpy as np


# Seed 001's activation and its derivative, written in terms of the OUTPUT y = actf(x).
def actf(x):
    return 1 / (1 + np.exp(-x))


def actf_deriv(x):
    return x * (1 - x)


# Seed 002's tanh helper: with derivative=True, x is tanh's OUTPUT and the result is 1 - x^2.
def tanh(x, derivative=False):
    if derivative:
        return 1 - x ** 2
    return np.tanh(x)


XOR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]
XOR_TARGETS = [0, 1, 1, 0]


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    """
    Seed 001's XOR network: 2 inputs + a constant bias input, `hidden` sigmoid units (the last one
    forced to 1.0 so it acts as the output's bias), 1 sigmoid output, full-batch gradient descent
    on E = 1/2 sum (layer2 - y)^2.

    Initialisation, in this order: np.random.seed(seed) (here a private
    np.random.RandomState(seed), which draws the same numbers without touching NumPy's global
    generator), then
        weight0 = 2 * random((3, hidden)) - 1
        weight1 = 2 * random((hidden, 1)) - 1
    Each step, on X = [[0,0,1], [0,1,1], [1,0,1], [1,1,1]] and y = [[0], [1], [1], [0]]:
        layer1 = actf(X @ weight0), then its last column set to 1.0
        layer2 = actf(layer1 @ weight1)
        layer2_delta = (layer2 - y) * layer2 * (1 - layer2)
        layer1_delta = (layer2_delta @ weight1.T) * layer1 * (1 - layer1)
        weight1 += -lr * layer1.T @ layer2_delta
        weight0 += -lr * X.T @ layer1_delta

    Inputs:
    - steps: number of full-batch steps
    - hidden: number of hidden units, counting the bias unit
    - lr: learning rate
    - seed: integer seed of the weight draws

    Returns a tuple (layer2, weights):
    - layer2: float64 array (4, 1), the outputs of the LAST step, computed before that step's
      update (what seed 001 prints)
    - weights: dict {"weight0": array (3, hidden), "weight1": array (hidden, 1)} after the last
      update
    """
    # YOUR CODE HERE
    # TODO train_xor(steps, hidden, lr, seed): Seed 001's XOR network: 2 inputs + a constant bias
    #     input, `hidden` sigmoid units (the last one forced to 1.0 so it acts as the output's
    #     bias), 1 sigmoid output, full-batch gradient descent on E = 1/2 sum (layer2 - y)^2.
    raise NotImplementedError("train_xor: not implemented yet / 아직 구현하지 않았습니다")


def momentum_update(w, v, grad, lr, momentum):
    """
    One step of classical momentum (gradient descent with a velocity):

        v_new = momentum * v - lr * grad
        w_new = w + v_new

    The velocity v remembers the previous STEPS, so a run of gradients pointing the same way
    speeds the descent up. The caller keeps v_new and passes it back next time.

    Inputs:
    - w: weights, a float or an array of any shape
    - v: velocity, same shape as w (zeros at the start)
    - grad: dE/dw at w, same shape as w
    - lr: learning rate
    - momentum: momentum coefficient, usually in [0, 1)

    Returns:
    - (w_new, v_new): new floats or arrays, same shape as w
    """
    # YOUR CODE HERE
    # TODO momentum_update(w, v, grad, lr, momentum): One step of classical momentum (gradient
    #     descent with a velocity):
    raise NotImplementedError("momentum_update: not implemented yet / 아직 구현하지 않았습니다")


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    """
    Seed 002's XOR network exactly as the seed is written: 2 inputs + a bias input fixed at 1.0,
    2 tanh hidden units, 1 tanh output, updated after every pattern.

    Initialisation: random.seed(seed) (here a private random.Random(seed): same numbers, and
    Python's global generator is left alone); weight_in[i][j] = random() for i in the 3 inputs,
    j in the 2 hidden units (row by row), then weight_out[j][0] = random() for j in the 2 hidden
    units. The two gradient buffers start at 0.0.

    For each iteration, for each pattern (x, t) in order [0,0]->0, [0,1]->1, [1,0]->1, [1,1]->0:
        forward: hidden_j = tanh(sum_i input_i * weight_in[i][j]), out = tanh(sum_j hidden_j *
        weight_out[j][0]), each sum taken from 0.0 in index order
        output_delta = (1 - out^2) * (t - out)
        hidden_delta_j = (1 - hidden_j^2) * output_delta * weight_out[j][0]   (before the update)
        for every weight w with buffer g (output weights first, then input weights):
            gradient = delta * (its input)
            v = momentum * g - lr * gradient;  w += v;  g = gradient
        pattern error = 0.5 * (t - out)^2
    The error of an iteration is the sum over the four patterns; it is recorded when
    iteration % 500 == 0.

    Note: this is not classical momentum (momentum_update is). The buffer g keeps the last
    gradient, not the step taken; and because the deltas are built from (t - out), `gradient` is
    -dE/dw, so the lr term climbs while the momentum term descends. The README works this out;
    the seed's numbers are those of the rule as written.

    Inputs:
    - iterations: passes over the four patterns
    - lr: learning rate
    - momentum: the coefficient the buffer is multiplied by (seed 002's `mo`)
    - seed: integer seed of the weight draws

    Returns a tuple (predictions, errors):
    - predictions: float64 array (4, 1), the network's outputs for the four patterns after training
    - errors: list of floats, the summed error of iterations 0, 500, 1000, ... (10 values for
      5000 iterations), not rounded
    """
    # YOUR CODE HERE
    # TODO train_xor_tanh(iterations, lr, momentum, seed): Seed 002's XOR network exactly as the
    #     seed is written: 2 inputs + a bias input fixed at 1.0, 2 tanh hidden units, 1 tanh
    #     output, updated after every pattern.
    raise NotImplementedError("train_xor_tanh: not implemented yet / 아직 구현하지 않았습니다")
