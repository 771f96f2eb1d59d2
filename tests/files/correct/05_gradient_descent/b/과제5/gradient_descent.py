"""경사 하강법."""
import numpy as np

from 도우미 import 크기


class 경사하강:
    def __init__(self, 기울기함수, 학습률):
        self.기울기함수 = 기울기함수
        self.학습률 = 학습률

    def 한걸음(self, 위치):
        이동 = self.학습률 * np.asarray(self.기울기함수(위치))
        return 위치 - 이동, 크기(이동)


def gradient_descent(grad, x0, lr, steps, tol=None):
    최적화 = 경사하강(grad, lr)
    기록 = []
    위치 = x0
    for _ in range(steps):
        위치, 이동크기 = 최적화.한걸음(위치)
        if np.ndim(위치) == 0:
            위치 = float(위치)
        기록.append(위치)
        if tol is not None and 이동크기 < tol:
            break
    return 기록
