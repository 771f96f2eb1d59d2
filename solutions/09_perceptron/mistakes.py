"""Mistake models of set 09 (perceptron gates)."""
import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "09_perceptron"


@mistake("threshold-sign", "perceptron")
def _(m):
    # The threshold added like a bias: w.x + theta > 0 instead of w.x > theta.
    # The gates built on it turn AND into OR, OR into AND, NAND into NOR, XOR into XNOR.
    def perceptron(x, w, theta):
        s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
        return 1 if s + theta > 0 else 0
    return perceptron


@mistake("threshold-sign", ("and_gate", "or_gate", "nand_gate"))
def _(m):
    # A right perceptron, but the gates pass seed 004's bias (+1.5 for OR) as the threshold.
    def and_gate(x1, x2):
        return 2 * m.perceptron((x1, x2), (1.0, 1.0), -1.5) - 1

    def or_gate(x1, x2):
        return 2 * m.perceptron((x1, x2), (1.0, 1.0), 1.5) - 1

    def nand_gate(x1, x2):
        return 2 * m.perceptron((x1, x2), (-1.0, -1.0), 1.5) - 1
    return and_gate, or_gate, nand_gate
