"""퍼셉트론과 논리 게이트 (과제 9). 입력과 출력은 -1(거짓), +1(참)."""
import numpy as np

# 게이트별 (가중치, 임계값): 시드 004
게이트표 = {
    "AND": ((1.0, 1.0), 1.5),
    "OR": ((1.0, 1.0), -1.5),
    "NAND": ((-1.0, -1.0), -1.5),
}


def perceptron(x, w, theta):
    가중합 = np.dot(np.asarray(w, dtype=float), np.asarray(x, dtype=float))
    return int(가중합 > theta)


def _게이트(이름, x1, x2):
    가중치, 임계값 = 게이트표[이름]
    return 2 * perceptron((x1, x2), 가중치, 임계값) - 1


def and_gate(x1, x2):
    return _게이트("AND", x1, x2)


def or_gate(x1, x2):
    return _게이트("OR", x1, x2)


def nand_gate(x1, x2):
    return _게이트("NAND", x1, x2)


def xor_gate(x1, x2):
    # 두 층: (x1 AND NOT x2) OR (NOT x1 AND x2)
    return or_gate(and_gate(x1, -x2), and_gate(-x1, x2))
