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
    ### BEGIN SOLUTION
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0
    ### END SOLUTION


def and_gate(x1, x2):
    """
    AND on {-1, +1}: +1 only when both inputs are +1.

    Inputs:
    - x1, x2: -1 or +1

    Returns:
    - int: +1 or -1
    """
    ### BEGIN SOLUTION
    # x1 + x2 is 2 only when both are +1; the threshold 1.5 separates 2 from 0 and -2.
    return 2 * perceptron((x1, x2), (1.0, 1.0), 1.5) - 1
    ### END SOLUTION


def or_gate(x1, x2):
    """
    OR on {-1, +1}: -1 only when both inputs are -1.

    Inputs:
    - x1, x2: -1 or +1

    Returns:
    - int: +1 or -1
    """
    ### BEGIN SOLUTION
    return 2 * perceptron((x1, x2), (1.0, 1.0), -1.5) - 1
    ### END SOLUTION


def nand_gate(x1, x2):
    """
    NAND on {-1, +1}: -1 only when both inputs are +1 (the AND with every sign flipped).

    Inputs:
    - x1, x2: -1 or +1

    Returns:
    - int: +1 or -1
    """
    ### BEGIN SOLUTION
    return 2 * perceptron((x1, x2), (-1.0, -1.0), -1.5) - 1
    ### END SOLUTION


def xor_gate(x1, x2):
    """
    XOR on {-1, +1}: +1 when exactly one input is +1. No single perceptron can do this;
    build it from the other gates only (seed 004: two layers).

    Inputs:
    - x1, x2: -1 or +1

    Returns:
    - int: +1 or -1
    """
    ### BEGIN SOLUTION
    # Seed 004's network: first layer x1 AND (NOT x2), (NOT x1) AND x2, second layer OR.
    # On {-1, +1}, NOT is a sign flip (a weight of -1).
    return or_gate(and_gate(x1, -x2), and_gate(-x1, x2))
    ### END SOLUTION
