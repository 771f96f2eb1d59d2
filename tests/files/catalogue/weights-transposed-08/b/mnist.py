"""과제 8 — MNIST 신경망. W는 (입력, 출력) 모양, 순전파는 X @ W + b."""
import numpy as np

def _시그모이드(x):
    return 0.5 * (np.tanh(x / 2) + 1)

def _소프트맥스(x):
    지수 = np.exp(x - np.max(x, axis=1, keepdims=True))
    return 지수 / 지수.sum(axis=1, keepdims=True)

class MLP:
    def __init__(self, sizes=(784, 512, 10), hidden="sigmoid", output="softmax",
                 loss="cross_entropy", seed=0):
        난수 = np.random.default_rng(seed)
        self.sizes = list(sizes)
        self.은닉 = hidden
        self.출력 = output
        self.손실 = loss
        self.params = {}
        for 층 in range(1, len(sizes)):
            한계 = np.sqrt(6.0 / (sizes[층 - 1] + sizes[층]))
            self.params[f"W{층}"] = 난수.uniform(-한계, 한계, size=(sizes[층 - 1], sizes[층]))
            self.params[f"b{층}"] = np.zeros(sizes[층])

    def _활성(self, a):
        return {"sigmoid": _시그모이드, "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[self.은닉](a)

    def _미분(self, y):
        if self.은닉 == "sigmoid":
            return y * (1 - y)
        if self.은닉 == "relu":
            return np.where(y > 0, 1.0, 0.0)
        return 1 - y * y

    def _순전파(self, X):
        출력들 = [np.asarray(X, dtype=float)]
        마지막 = len(self.sizes) - 1
        for 층 in range(1, 마지막 + 1):
            합 = np.dot(출력들[-1], self.params[f"W{층}"]) + self.params[f"b{층}"]
            if 층 == 마지막:
                출력들.append(_소프트맥스(합) if self.출력 == "softmax" else _시그모이드(합))
            else:
                출력들.append(self._활성(합))
        return 출력들

    def forward(self, X):
        return self._순전파(X)[-1]

    def backward(self, X, T):
        출력들 = self._순전파(X)
        Y = 출력들[-1]
        델타 = Y - np.asarray(T, dtype=float)
        if self.손실 == "mse":
            델타 = 델타 * Y * (1 - Y)
        델타 = 델타 / len(Y)
        기울기 = {}
        for 층 in range(len(self.sizes) - 1, 0, -1):
            # 출력 뉴런마다 한 행: (출력, 입력)
            기울기[f"W{층}"] = np.dot(델타.T, 출력들[층 - 1])
            기울기[f"b{층}"] = np.sum(델타, axis=0)
            if 층 > 1:
                델타 = np.dot(델타, self.params[f"W{층}"].T) * self._미분(출력들[층 - 1])
        return 기울기

    def step(self, grads, lr):
        for 이름, 값 in grads.items():
            if 이름.startswith("W"):
                값 = 값.T            # 기울기는 (출력, 입력)이라 W 모양으로 돌려서 뺀다
            self.params[이름] -= lr * 값

    def fit(self, X, y, epochs, batch_size, lr, seed=0):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=int)
        T = np.eye(self.sizes[-1])[y]
        난수 = np.random.default_rng(seed)
        기록 = []
        for _ in range(epochs):
            순서 = 난수.permutation(len(X))
            for 시작 in range(0, len(X), batch_size):
                묶음 = 순서[시작:시작 + batch_size]
                self.step(self.backward(X[묶음], T[묶음]), lr)
            Y = self.forward(X)
            손실값 = -np.sum(T * np.log(Y + 1e-9)) / len(X) if self.손실 == "cross_entropy" \
                else np.sum((T - Y) ** 2) / 2 / len(X)
            기록.append({"loss": float(손실값), "accuracy": float(np.mean(Y.argmax(axis=1) == y))})
        return 기록

    def predict(self, X):
        return np.argmax(self.forward(X), axis=1)
