"""퍼셉트론 게이트: 시드 004 의 편향 b 를 그대로 임계값으로 넘김."""
import numpy as np


def perceptron(x, w, theta):
    return 1 if float(np.dot(w, x)) > theta else 0


class 게이트:
    def __init__(self, 가중치, 편향):
        self.가중치 = np.array(가중치, dtype=float)
        self.편향 = 편향

    def __call__(self, x1, x2):
        return 2 * perceptron(np.array([x1, x2], dtype=float), self.가중치, self.편향) - 1


and_gate = 게이트([1, 1], -1.5)
or_gate = 게이트([1, 1], 1.5)
nand_gate = 게이트([-1, -1], 1.5)


def xor_gate(x1, x2):
    return or_gate(and_gate(x1, -x2), and_gate(-x1, x2))
