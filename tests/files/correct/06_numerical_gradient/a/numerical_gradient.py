# 과제 6: 수치 미분 (중앙 차분)
import numpy as np
from 활성함수 import 시그모이드, 활성화


def numerical_gradient(f, params, h=1e-7):
    # 원본은 건드리지 않도록 복사본에서 작업
    복사본 = {}
    for 이름, 값 in params.items():
        if isinstance(값, np.ndarray):
            복사본[이름] = 값.astype(np.float64)   # astype은 항상 새 배열
        else:
            복사본[이름] = 값

    기울기 = {}
    for 이름 in 복사본:
        값 = 복사본[이름]
        if isinstance(값, np.ndarray):
            결과 = np.zeros(값.shape)
            평탄 = 값.reshape(-1)          # 같은 메모리를 보는 1차원 뷰
            결과평탄 = 결과.reshape(-1)
            for i in range(평탄.size):
                원래 = 평탄[i]
                평탄[i] = 원래 + h
                앞 = f(복사본)
                평탄[i] = 원래 - h
                뒤 = f(복사본)
                평탄[i] = 원래
                결과평탄[i] = (앞 - 뒤) / (2 * h)
            기울기[이름] = 결과
        else:
            복사본[이름] = 값 + h
            앞 = f(복사본)
            복사본[이름] = 값 - h
            뒤 = f(복사본)
            복사본[이름] = 값
            기울기[이름] = float((앞 - 뒤) / (2 * h))
    return 기울기


def relative_error(a, b):
    a = np.array(a, dtype=float)
    b = np.array(b, dtype=float)
    분모 = np.maximum(np.abs(a) + np.abs(b), 1e-8)
    return float((np.abs(a - b) / 분모).max())


def quadratic_boundary_data(n=100, seed=317):
    난수 = np.random.RandomState(seed)
    X = 난수.rand(n, 2) * 4 - 2
    y = np.zeros(n, dtype=int)
    for i in range(n):
        if X[i, 1] + 1 > X[i, 0] ** 2:
            y[i] = 1
    return X, y


def two_layer_loss(params, X, y, activation="relu"):
    act = 활성화[activation]
    x1 = X[:, 0]
    x2 = X[:, 1]
    z1 = act(params["b11"] + params["w11"] * x1 + params["w21"] * x2)
    z2 = act(params["b12"] + params["w12"] * x1 + params["w22"] * x2)
    z3 = act(params["b13"] + params["w13"] * x1 + params["w23"] * x2)
    출력 = 시그모이드(params["b21"] + params["w31"] * z1 + params["w32"] * z2 + params["w33"] * z3)
    손실 = -(y * np.log(출력) + (1 - y) * np.log(1 - 출력))
    return float(np.mean(손실))


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    현재 = dict(params)

    def 손실함수(p):
        return two_layer_loss(p, X, y, activation)

    for 반복 in range(epochs):
        기울기 = numerical_gradient(손실함수, 현재)
        새것 = {}
        for 이름 in 현재:
            새것[이름] = 현재[이름] - lr * 기울기[이름]
        현재 = 새것
    return 현재
