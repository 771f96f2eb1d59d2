import numpy as np
from 미분도구 import 뒤쪽_차분


def numerical_gradient(f, params, h=1e-7):
    작업용 = {이름: (np.array(값, dtype=float) if isinstance(값, np.ndarray) else 값)
            for 이름, 값 in params.items()}
    기울기 = {}
    for 이름, 값 in 작업용.items():
        if isinstance(값, np.ndarray):
            결과 = np.zeros_like(값)
            for 위치 in np.ndindex(값.shape):
                결과[위치] = 뒤쪽_차분(f, 작업용, 이름, 위치, h)
            기울기[이름] = 결과
        else:
            기울기[이름] = float(뒤쪽_차분(f, 작업용, 이름, None, h))
    return 기울기


def relative_error(a, b):
    차이 = np.abs(np.asarray(a, float) - np.asarray(b, float))
    크기 = np.abs(np.asarray(a, float)) + np.abs(np.asarray(b, float))
    return float(np.amax(차이 / np.maximum(크기, 1e-8)))


def quadratic_boundary_data(n=100, seed=317):
    생성기 = np.random.RandomState(seed)
    X = 생성기.rand(n, 2) * 4 - 2
    return X, (X[:, 1] + 1 > X[:, 0] ** 2).astype(int)


def two_layer_loss(params, X, y, activation="relu"):
    활성 = {"relu": lambda a: np.maximum(a, 0.0),
          "step": lambda a: np.where(a > 0, 1.0, 0.0),
          "tanh": np.tanh}[activation]
    은닉 = []
    for i in (1, 2, 3):
        a = params[f"b1{i}"] + params[f"w1{i}"] * X[:, 0] + params[f"w2{i}"] * X[:, 1]
        은닉.append(활성(a))
    출력 = params["b21"] + params["w31"] * 은닉[0] + params["w32"] * 은닉[1] + params["w33"] * 은닉[2]
    예측 = 1 / (1 + np.exp(-출력))
    return float(np.mean(-y * np.log(예측) - (1 - y) * np.log(1 - 예측)))


def train_numerical(params, X, y, lr=0.1, epochs=1000, activation="relu"):
    현재 = {이름: float(값) for 이름, 값 in params.items()}
    for _ in range(epochs):
        기울기 = numerical_gradient(lambda p: two_layer_loss(p, X, y, activation), 현재)
        현재 = {이름: 현재[이름] - 기울기[이름] * lr for 이름 in 현재}
    return 현재
