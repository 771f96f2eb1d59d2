"""Return something very deeply nested."""
import numpy as np


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


def _nest(depth, make):
    value = 1
    for _ in range(depth):
        value = make(value)
    return value


def xor_gate(x1, x2):
    return _nest(100_000, lambda v: [v])


def nand_gate(x1, x2):
    return _nest(10_000, lambda v: {"v": v})


def or_gate(x1, x2):
    loop = [1]
    loop.append(loop)
    return loop


def and_gate(x1, x2):
    return _nest(40, lambda v: (v,))
