# 과제 7: XOR 학습기 두 가지와 모멘텀
import random

import numpy as np

from 활성 import 시그모이드, 시그모이드_미분, 탄젠트, 탄젠트_미분

입력 = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
정답 = np.array([[0], [1], [1], [0]], dtype=float)


class 배치XOR:
    """시드 001의 신경망. 가중치는 (입력, 출력) 모양, 은닉층 마지막 열은 편향 입력(1.0)."""

    def __init__(self, 은닉수, 시드):
        생성기 = np.random.RandomState(시드)
        self.가중치0 = 2 * 생성기.random_sample((3, 은닉수)) - 1
        self.가중치1 = 2 * 생성기.random_sample((은닉수, 1)) - 1

    def 순전파(self):
        은닉 = 시그모이드(입력 @ self.가중치0)
        은닉[:, -1] = 1.0
        return 은닉, 시그모이드(은닉 @ self.가중치1)

    def 한단계(self, 학습률):
        은닉, 출력 = self.순전파()
        출력델타 = (출력 - 정답) * 시그모이드_미분(출력)
        은닉델타 = (출력델타 @ self.가중치1.T) * 시그모이드_미분(은닉)
        self.가중치1 = self.가중치1 - 학습률 * (은닉.T @ 출력델타)
        self.가중치0 = self.가중치0 - 학습률 * (입력.T @ 은닉델타)
        return 출력


def train_xor(steps=10000, hidden=6, lr=0.2, seed=5):
    망 = 배치XOR(hidden, seed)
    출력 = None
    for _ in range(steps):
        출력 = 망.한단계(lr)
    if 출력 is None:
        출력 = 망.순전파()[1]
    return 출력, {"weight0": 망.가중치0, "weight1": 망.가중치1}


def momentum_update(w, v, grad, lr, momentum):
    속도 = momentum * v - lr * grad
    return w + 속도, 속도


class 탄젠트XOR:
    """시드 002의 2-2-1 tanh 신경망 (패턴마다 갱신, 버퍼에는 기울기를 저장)."""

    def __init__(self, 시드, 학습률, 모멘텀):
        생성기 = random.Random(시드)
        self.입력층 = [0.0, 0.0, 1.0]
        self.은닉층 = [0.0, 0.0]
        self.출력 = 0.0
        self.w입력 = []
        for i in range(3):
            self.w입력.append([생성기.random(), 생성기.random()])
        self.w출력 = [생성기.random(), 생성기.random()]
        self.버퍼입력 = [[0.0, 0.0] for _ in range(3)]
        self.버퍼출력 = [0.0, 0.0]
        self.학습률 = 학습률
        self.모멘텀 = 모멘텀

    def 순전파(self, x):
        self.입력층[0], self.입력층[1] = x[0], x[1]
        for j in range(2):
            합 = 0.0
            for i in range(3):
                합 += self.입력층[i] * self.w입력[i][j]
            self.은닉층[j] = 탄젠트(합)
        합 = 0.0
        for j in range(2):
            합 += self.은닉층[j] * self.w출력[j]
        self.출력 = 탄젠트(합)
        return self.출력

    def 역전파(self, t):
        출력델타 = 탄젠트_미분(self.출력) * (t - self.출력)
        은닉델타 = [탄젠트_미분(self.은닉층[j]) * (출력델타 * self.w출력[j]) for j in range(2)]
        for j in range(2):
            기울기 = 출력델타 * self.은닉층[j]
            self.w출력[j] += self.모멘텀 * self.버퍼출력[j] - self.학습률 * 기울기
            self.버퍼출력[j] = 기울기
        for i in range(3):
            for j in range(2):
                기울기 = 은닉델타[j] * self.입력층[i]
                self.w입력[i][j] += self.모멘텀 * self.버퍼입력[i][j] - self.학습률 * 기울기
                self.버퍼입력[i][j] = 기울기
        return 0.5 * (t - self.출력) ** 2


def train_xor_tanh(iterations=5000, lr=0.1, momentum=0.4, seed=777):
    망 = 탄젠트XOR(seed, lr, momentum)
    패턴 = [([0, 0], 0), ([0, 1], 1), ([1, 0], 1), ([1, 1], 0)]
    오차들 = []
    for 반복 in range(iterations):
        오차 = 0.0
        for x, t in 패턴:
            망.순전파(x)
            오차 += 망.역전파(t)
        if 반복 % 500 == 0:
            오차들.append(오차)
    예측 = np.array([[망.순전파(x)] for x, _ in 패턴])
    return 예측, 오차들
