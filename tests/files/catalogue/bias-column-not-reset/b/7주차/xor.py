import math
import random

import numpy as np

from xor_util import XOR_T, XOR_X, init_weights, sigmoid


def hidden_layer(가중치0):
    합 = XOR_X @ 가중치0
    합[:, -1] = 1.0           # 마지막 은닉 유닛은 바이어스
    return sigmoid(합)


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    가중치0, 가중치1 = init_weights(hidden, seed)
    출력 = None
    for _ in range(steps):
        은닉 = hidden_layer(가중치0)
        출력 = sigmoid(은닉 @ 가중치1)
        델타2 = (출력 - XOR_T) * 출력 * (1 - 출력)
        델타1 = (델타2 @ 가중치1.T) * 은닉 * (1 - 은닉)
        가중치1 = 가중치1 - lr * 은닉.T @ 델타2
        가중치0 = 가중치0 - lr * XOR_X.T @ 델타1
    if 출력 is None:
        출력 = sigmoid(hidden_layer(가중치0) @ 가중치1)
    return 출력, {"weight0": 가중치0, "weight1": 가중치1}


def momentum_update(w, v, grad, lr, momentum):
    새속도 = momentum * v - lr * grad
    return w + 새속도, 새속도


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    난수 = random.Random(seed)
    입력가중치 = [[난수.random(), 난수.random()] for _ in range(3)]
    출력가중치 = [난수.random(), 난수.random()]
    입력버퍼 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    출력버퍼 = [0.0, 0.0]
    패턴들 = [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]

    def 계산(x):
        입력 = [x[0], x[1], 1.0]
        은닉 = []
        for j in range(2):
            s = 0.0
            for i in range(3):
                s += 입력[i] * 입력가중치[i][j]
            은닉.append(math.tanh(s))
        s = 0.0
        for j in range(2):
            s += 은닉[j] * 출력가중치[j]
        return 입력, 은닉, math.tanh(s)

    오차기록 = []
    for 반복 in range(iterations):
        합계 = 0.0
        for x, t in 패턴들:
            입력, 은닉, 출력 = 계산(x)
            출력델타 = (1 - 출력 ** 2) * (t - 출력)
            은닉델타 = [(1 - 은닉[j] ** 2) * 출력델타 * 출력가중치[j] for j in range(2)]
            for j in range(2):
                g = 출력델타 * 은닉[j]
                출력가중치[j] += momentum * 출력버퍼[j] - lr * g
                출력버퍼[j] = g
            for i in range(3):
                for j in range(2):
                    g = 은닉델타[j] * 입력[i]
                    입력가중치[i][j] += momentum * 입력버퍼[i][j] - lr * g
                    입력버퍼[i][j] = g
            합계 += 0.5 * (t - 출력) ** 2
        if 반복 % 500 == 0:
            오차기록.append(합계)
    return np.array([[계산(x)[2]] for x, _ in 패턴들]), 오차기록
