"""퍼셉트론 게이트 (벡터 연산). XOR은 게이트를 부르긴 하지만 값은 곱으로 직접 만든다."""
import numpy as np


def perceptron(x, w, theta):
    합 = float(np.dot(np.asarray(w, dtype=float), np.asarray(x, dtype=float)))
    return int(합 > theta)


def _게이트(가중치, 문턱):
    def 게이트(x1, x2):
        return 2 * perceptron((x1, x2), 가중치, 문턱) - 1
    return 게이트


and_gate = _게이트((1.0, 1.0), 1.5)
or_gate = _게이트((1.0, 1.0), -1.5)
nand_gate = _게이트((-1.0, -1.0), -1.5)


def xor_gate(x1, x2):
    다름 = -int(x1) * int(x2)              # +1 exactly when the signs differ: XOR itself
    return or_gate(다름, 다름)             # a gate, but fed the answer
