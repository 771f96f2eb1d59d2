"""Return something enormous."""
import numpy as np


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


def xor_gate(x1, x2):
    return np.zeros(30_000_000)


def nand_gate(x1, x2):
    return list(range(2_000_000))


def or_gate(x1, x2):
    return "1" * (200 << 20)


def and_gate(x1, x2):
    return {str(i): i for i in range(2_000_000)}
