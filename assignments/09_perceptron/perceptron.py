"""The perceptron and logic gates built from it (seeds 003 and 004).

A perceptron fires when the weighted sum of its inputs is above its threshold theta:

    y = 1 if w . x > theta else 0          (seed 003; theta = -b for a bias b)

The gates work on seed 004's coding, -1 for false and +1 for true, and return -1 or +1.
Each gate is one perceptron with weights +-1 and threshold +-1.5; XOR needs two layers of them.
"""
import numpy as np


def perceptron(x, w, theta):
    """
    A single perceptron with a step activation.

    Inputs:
    - x: the inputs, a sequence or array of n numbers
    - w: the weights, n numbers
    - theta: the threshold, a number

    Returns:
    - int: 1 if w . x > theta, else 0 (at w . x == theta it does not fire)
    """
    # YOUR CODE HERE
    # TODO perceptron(x, w, theta): A single perceptron with a step activation.
    raise NotImplementedError("perceptron: not implemented yet / 아직 구현하지 않았습니다")


def and_gate(x1, x2):
    """
    AND on {-1, +1}: +1 only when both inputs are +1.

    Inputs:
    - x1, x2: -1 or +1

    Returns:
    - int: +1 or -1
    """
    # YOUR CODE HERE
    # TODO and_gate(x1, x2): AND on {-1, +1}: +1 only when both inputs are +1.
    raise NotImplementedError("and_gate: not implemented yet / 아직 구현하지 않았습니다")


def or_gate(x1, x2):
    """
    OR on {-1, +1}: -1 only when both inputs are -1.

    Inputs:
    - x1, x2: -1 or +1

    Returns:
    - int: +1 or -1
    """
    # YOUR CODE HERE
    # TODO or_gate(x1, x2): OR on {-1, +1}: -1 only when both inputs are -1.
    raise NotImplementedError("or_gate: not implemented yet / 아직 구현하지 않았습니다")


def nand_gate(x1, x2):
    """
    NAND on {-1, +1}: -1 only when both inputs are +1 (the AND with every sign flipped).

    Inputs:
    - x1, x2: -1 or +1

    Returns:
    - int: +1 or -1
    """
    # YOUR CODE HERE
    # TODO nand_gate(x1, x2): NAND on {-1, +1}: -1 only when both inputs are +1 (the AND with every
    #     sign flipped).
    raise NotImplementedError("nand_gate: not implemented yet / 아직 구현하지 않았습니다")


def xor_gate(x1, x2):
    """
    XOR on {-1, +1}: +1 when exactly one input is +1. No single perceptron can do this;
    build it from the other gates only (seed 004: two layers).

    Inputs:
    - x1, x2: -1 or +1

    Returns:
    - int: +1 or -1
    """
    # YOUR CODE HERE
    # TODO xor_gate(x1, x2): XOR on {-1, +1}: +1 when exactly one input is +1. No single perceptron
    #     can do this; build it from the other gates only (seed 004: two layers).
    raise NotImplementedError("xor_gate: not implemented yet / 아직 구현하지 않았습니다")
