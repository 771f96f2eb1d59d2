# 6주차 과제 - 수치 미분
import copy

import numpy as np


def 시그모이드(x):
    return 1 / (1 + np.exp(-x))


def numerical_gradient(f, params, h=1e-7):
    매개변수 = copy.deepcopy(params)
    결과 = {}
    for 키 in 매개변수:
        값 = 매개변수[키]
        if type(값) == np.ndarray:
            기울기 = np.zeros(값.shape)
            반복자 = np.nditer(값, flags=["multi_index"], op_flags=["readwrite"])
            while not 반복자.finished:
                i = 반복자.multi_index
                임시 = 값[i]
                값[i] = 임시 + h
                fxh1 = f(매개변수)
                값[i] = 임시 - h
                fxh2 = f(매개변수)
                기울기[i] = (fxh1 - fxh2) / 2 * h
                값[i] = 임시
                반복자.iternext()
            결과[키] = 기울기
        else:
            매개변수[키] = 값 + h
            fxh1 = f(매개변수)
            매개변수[키] = 값 - h
            fxh2 = f(매개변수)
            결과[키] = float((fxh1 - fxh2) / 2 * h)
            매개변수[키] = 값
    return 결과


def relative_error(a, b):
    a = np.array(a, dtype=np.float64)
    b = np.array(b, dtype=np.float64)
    오차 = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.max(오차))


def quadratic_boundary_data(n=100, seed=317):
    np.random.seed(seed)
    X = np.random.rand(n, 2) * 4 - 2
    y = (X[:, 1] + 1 > X[:, 0] ** 2).astype(int)
    return X, y


def two_layer_loss(params, X, y, activation="relu"):
    if activation == "relu":
        활성 = lambda a: np.maximum(0, a)
    elif activation == "step":
        활성 = lambda a: np.array(a > 0, dtype=float)
    elif activation == "tanh":
        활성 = np.tanh
    else:
        raise ValueError("activation은 relu, step, tanh 중 하나")
    p = params
    z1 = 활성(p["b11"] + p["w11"] * X[:, 0] + p["w21"] * X[:, 1])
    z2 = 활성(p["b12"] + p["w12"] * X[:, 0] + p["w22"] * X[:, 1])
    z3 = 활성(p["b13"] + p["w13"] * X[:, 0] + p["w23"] * X[:, 1])
    yhat = 시그모이드(p["b21"] + p["w31"] * z1 + p["w32"] * z2 + p["w33"] * z3)
    return float(-(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)).mean())


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    현재 = copy.deepcopy(params)
    for 에폭 in range(epochs):
        기울기 = numerical_gradient(lambda p: two_layer_loss(p, X, y, activation), 현재)
        현재 = {키: 현재[키] - 기울기[키] * lr for 키 in 현재}
    return 현재
