"""과제 8: MNIST를 배우는 다층 퍼셉트론 — 층마다 클래스를 두고, 층을 차례로 도는 방식."""
import numpy as np


class 활성화:
    """활성화 함수의 공통 틀: 순전파 값과, 출력 y에서의 기울기."""

    def 적용(self, a):
        raise NotImplementedError

    def 기울기(self, y):
        raise NotImplementedError


class 시그모이드(활성화):
    def 적용(self, a):
        # exp가 넘치지 않게 부호에 따라 나누어 계산
        양수 = a >= 0
        결과 = np.empty_like(a)
        결과[양수] = 1.0 / (1.0 + np.exp(-a[양수]))
        e = np.exp(a[~양수])
        결과[~양수] = e / (1.0 + e)
        return 결과

    def 기울기(self, y):
        return y * (1.0 - y)


class 렐루(활성화):
    def 적용(self, a):
        return np.where(a > 0, a, 0.0)

    def 기울기(self, y):
        return np.where(y > 0, 1.0, 0.0)


class 쌍곡탄젠트(활성화):
    def 적용(self, a):
        return np.tanh(a)

    def 기울기(self, y):
        return 1.0 - y ** 2


class 소프트맥스(활성화):
    def 적용(self, a):
        이동 = a - np.max(a, axis=1, keepdims=True)
        지수 = np.exp(이동)
        return 지수 / np.sum(지수, axis=1, keepdims=True)


활성화들 = {"sigmoid": 시그모이드, "relu": 렐루, "tanh": 쌍곡탄젠트}


class 완전연결층:
    """W, b를 직접 들고 있지 않고 모델의 params 사전에서 그때그때 꺼내 쓴다 (params가 진짜 저장소)."""

    def __init__(self, 저장소, 번호, 활성):
        self.저장소 = 저장소
        self.W이름 = f"W{번호}"
        self.b이름 = f"b{번호}"
        self.활성 = 활성

    def 순전파(self, 입력):
        self.입력 = 입력
        합 = 입력 @ self.저장소[self.W이름] + self.저장소[self.b이름]
        self.출력 = self.활성.적용(합)
        return self.출력

    def 역전파(self, 델타, 기울기모음):
        """델타 = dL/d(이 층의 합). 앞 층으로 보낼 dL/d(입력)을 돌려준다."""
        기울기모음[self.W이름] = self.입력.T @ 델타
        기울기모음[self.b이름] = 델타.sum(axis=0)
        return 델타 @ self.저장소[self.W이름].T


class MLP:
    def __init__(self, sizes=(784, 512, 10), hidden="sigmoid", output="softmax",
                 loss="cross_entropy", seed=0):
        self.크기 = list(sizes)
        self.손실종류 = loss
        난수 = np.random.RandomState(seed)
        self.params = {}
        self.층들 = []
        층수 = len(self.크기) - 1
        for 번호 in range(1, 층수 + 1):
            입력수, 출력수 = self.크기[번호 - 1], self.크기[번호]
            # 입력 수에 맞춘 정규분포 초기화 (분산 1/입력수)
            self.params[f"W{번호}"] = 난수.randn(입력수, 출력수) / np.sqrt(입력수)
            self.params[f"b{번호}"] = np.zeros(출력수)
            if 번호 < 층수:
                활성 = 활성화들[hidden]()
            else:
                활성 = 소프트맥스() if output == "softmax" else 시그모이드()
            self.층들.append(완전연결층(self.params, 번호, 활성))

    def forward(self, X):
        값 = np.array(X, dtype=float)
        for 층 in self.층들:
            값 = 층.순전파(값)
        return 값

    def backward(self, X, T):
        출력 = self.forward(X)
        목표 = np.array(T, dtype=float)
        개수 = 출력.shape[0]
        if self.손실종류 == "cross_entropy":
            델타 = (출력 - 목표) / 개수
        else:
            델타 = (출력 - 목표) * 출력 * (1.0 - 출력) / 개수
        기울기모음 = {}
        for 위치 in range(len(self.층들) - 1, -1, -1):
            층 = self.층들[위치]
            뒤로 = 층.역전파(델타, 기울기모음)
            if 위치 > 0:
                앞층 = self.층들[위치 - 1]
                델타 = 뒤로 * 앞층.활성.기울기(앞층.출력)
        return 기울기모음

    def step(self, grads, lr):
        for 이름 in grads:
            self.params[이름] -= lr * grads[이름]

    def _손실(self, 출력, 목표):
        if self.손실종류 == "cross_entropy":
            return float(-np.sum(목표 * np.log(출력 + 1e-7)) / len(출력))
        return float(np.sum((목표 - 출력) ** 2) / 2 / len(출력))

    def fit(self, X, y, epochs, batch_size, lr, seed=0):
        X = np.array(X, dtype=float)
        y = np.array(y, dtype=int)
        원핫 = np.eye(self.크기[-1])[y]
        섞개 = np.random.default_rng(seed)
        기록 = []
        for 에포크 in range(epochs):
            순서 = 섞개.permutation(len(X))
            손실합, 맞은수 = 0.0, 0
            for 시작 in range(0, len(X), batch_size):
                고른것 = 순서[시작:시작 + batch_size]
                기울기 = self.backward(X[고른것], 원핫[고른것])
                출력 = self.층들[-1].출력              # backward가 방금 계산한 순전파 결과
                손실합 += self._손실(출력, 원핫[고른것]) * len(고른것)
                맞은수 += int(np.sum(np.argmax(출력, axis=1) == y[고른것]))
                self.step(기울기, lr)
            기록.append({"loss": 손실합 / len(X), "accuracy": 맞은수 / len(X)})
        return 기록

    def predict(self, X):
        return np.argmax(self.forward(X), axis=1)
