import math
import random

import numpy as np

from optim import 모멘텀

momentum_update = 모멘텀()


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    입력 = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    목표 = np.array([[0], [1], [1], [0]], dtype=np.float64)
    np.random.seed(seed)
    w0 = 2 * np.random.random((3, hidden)) - 1
    w1 = 2 * np.random.random((hidden, 1)) - 1
    결과 = None
    for 단계 in range(steps):
        은닉 = _sig(np.dot(입력, w0))
        은닉[:, -1] = 1.0
        결과 = _sig(np.dot(은닉, w1))
        d2 = (결과 - 목표) * 결과 * (1 - 결과)
        d1 = np.dot(d2, w1.T) * 은닉 * (1 - 은닉)
        w1 = w1 - lr * np.dot(은닉.T, d2)
        w0 = w0 - lr * np.dot(입력.T, d1)
    return 결과, {"weight0": w0, "weight1": w1}


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    난수 = random.Random(seed)
    가중치_입력 = [[난수.random() for _ in range(2)] for _ in range(3)]
    가중치_출력 = [[난수.random()] for _ in range(2)]
    버퍼_입력 = [[0.0, 0.0] for _ in range(3)]
    버퍼_출력 = [[0.0] for _ in range(2)]
    데이터 = [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]]

    def 앞으로(x1, x2):
        a = [x1, x2, 1.0]
        h = [0.0, 0.0]
        for j in range(2):
            s = 0.0
            for i in range(3):
                s += a[i] * 가중치_입력[i][j]
            h[j] = math.tanh(s)
        s = 0.0
        for j in range(2):
            s += h[j] * 가중치_출력[j][0]
        return a, h, math.tanh(s)

    기록 = []
    for 회 in range(iterations):
        합 = 0.0
        for x1, x2, t in 데이터:
            a, h, o = 앞으로(x1, x2)
            od = (1 - o * o) * (t - o)
            hd = [(1 - h[j] * h[j]) * od * 가중치_출력[j][0] for j in range(2)]
            for j in range(2):
                g = od * h[j]
                가중치_출력[j][0] += momentum * 버퍼_출력[j][0] - lr * g
                버퍼_출력[j][0] = g
            for i in range(3):
                for j in range(2):
                    g = hd[j] * a[i]
                    가중치_입력[i][j] += momentum * 버퍼_입력[i][j] - lr * g
                    버퍼_입력[i][j] = g
            합 += 0.5 * (t - o) ** 2
        if 회 % 500 == 0:
            기록.append(합)
    return np.array([[앞으로(x1, x2)[2]] for x1, x2, _ in 데이터]), 기록
