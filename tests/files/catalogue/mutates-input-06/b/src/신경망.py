import numpy as np


def 시그모이드(x):
    return 1 / (1 + np.exp(-x))


활성화함수 = {
    "relu": lambda x: np.maximum(0, x),
    "step": lambda x: np.where(x > 0, 1.0, 0.0),
    "tanh": np.tanh,
}


class 작은신경망:
    """시드 003의 2-3-1 신경망. 매개변수는 딕셔너리 그대로 들고 있는다."""

    def __init__(self, 매개변수, 활성화="relu"):
        self.매개변수 = 매개변수
        self.활성화 = 활성화함수[활성화]

    def 예측(self, X, p=None):
        p = self.매개변수 if p is None else p
        z1 = self.활성화(p["b11"] + p["w11"] * X[:, 0] + p["w21"] * X[:, 1])
        z2 = self.활성화(p["b12"] + p["w12"] * X[:, 0] + p["w22"] * X[:, 1])
        z3 = self.활성화(p["b13"] + p["w13"] * X[:, 0] + p["w23"] * X[:, 1])
        return 시그모이드(p["b21"] + p["w31"] * z1 + p["w32"] * z2 + p["w33"] * z3)

    def 손실(self, X, y, p=None):
        예측값 = self.예측(X, p)
        return float(-np.mean(y * np.log(예측값) + (1 - y) * np.log(1 - 예측값)))

    def 갱신(self, 기울기, lr):
        for 이름 in self.매개변수:
            self.매개변수[이름] = self.매개변수[이름] - lr * 기울기[이름]
