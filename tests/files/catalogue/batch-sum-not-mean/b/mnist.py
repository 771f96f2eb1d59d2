"""과제 8: 미니배치 SGD로 학습하는 다층 퍼셉트론 (벡터화)."""
import numpy as np


def 시그모이드(a):
    return np.exp(-np.logaddexp(0.0, -a))


def 소프트맥스(a):
    a = a - a.max(axis=1, keepdims=True)
    return np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)


은닉함수 = {
    "sigmoid": (시그모이드, lambda y: y * (1.0 - y)),
    "relu": (lambda a: np.maximum(a, 0.0), lambda y: np.where(y > 0, 1.0, 0.0)),
    "tanh": (np.tanh, lambda y: 1.0 - y * y),
}


class MLP:
    def __init__(self, sizes=(784, 512, 10), hidden="sigmoid", output="softmax",
                 loss="cross_entropy", seed=0):
        생성기 = np.random.default_rng(seed)
        self.크기 = tuple(sizes)
        self.활성, self.활성미분 = 은닉함수[hidden]
        self.출력층 = output
        self.손실 = loss
        self.params = {}
        for i in range(len(sizes) - 1):
            self.params[f"W{i + 1}"] = 생성기.normal(0.0, 1.0 / np.sqrt(sizes[i]), (sizes[i], sizes[i + 1]))
            self.params[f"b{i + 1}"] = np.zeros(sizes[i + 1])

    def _전부(self, X):
        값들 = [np.asarray(X, dtype=np.float64)]
        층수 = len(self.크기) - 1
        for i in range(1, 층수 + 1):
            합 = 값들[-1] @ self.params[f"W{i}"] + self.params[f"b{i}"]
            if i < 층수:
                값들.append(self.활성(합))
            else:
                값들.append(소프트맥스(합) if self.출력층 == "softmax" else 시그모이드(합))
        return 값들

    def forward(self, X):
        return self._전부(X)[-1]

    def backward(self, X, T):
        값들 = self._전부(X)
        출력 = 값들[-1]
        N = len(출력)
        델타 = 출력 - np.asarray(T, dtype=np.float64)
        if self.손실 == "mse":
            델타 = 델타 * 출력 * (1.0 - 출력)
        기울기 = {}
        for i in range(len(self.크기) - 1, 0, -1):
            기울기[f"W{i}"] = 값들[i - 1].T @ 델타 / N     # 가중치는 평균
            기울기[f"b{i}"] = 델타.sum(axis=0)             # 편향은 델타를 그대로 더함
            if i > 1:
                델타 = (델타 @ self.params[f"W{i}"].T) * self.활성미분(값들[i - 1])
        return 기울기

    def step(self, grads, lr):
        for 이름, 값 in grads.items():
            self.params[이름] = self.params[이름] - lr * 값

    def fit(self, X, y, epochs, batch_size, lr, seed=0):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.int64)
        T = np.eye(self.크기[-1])[y]
        섞기 = np.random.default_rng(seed)
        기록 = []
        for _ in range(epochs):
            순서 = 섞기.permutation(len(X))
            for s in range(0, len(X), batch_size):
                고름 = 순서[s:s + batch_size]
                self.step(self.backward(X[고름], T[고름]), lr)
            출력 = self.forward(X)
            if self.손실 == "cross_entropy":
                손실값 = -np.mean(np.sum(T * np.log(np.maximum(출력, 1e-12)), axis=1))
            else:
                손실값 = np.mean(0.5 * np.sum((T - 출력) ** 2, axis=1))
            기록.append({"loss": float(손실값), "accuracy": float(np.mean(출력.argmax(axis=1) == y))})
        return 기록

    def predict(self, X):
        return self.forward(X).argmax(axis=1)
