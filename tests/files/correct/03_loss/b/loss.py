"""손실 함수 (과제 3): 벡터화, 교차 엔트로피는 사이토 책처럼 log 안에 1e-7."""
import numpy as np


def mse(t, y):
    오차 = np.subtract(t, y, dtype=np.float64)
    return float(np.sum(np.square(오차)) / 2)


def binary_cross_entropy(y, y_hat):
    정답 = np.asarray(y, dtype=np.float64)
    예측 = np.clip(y_hat, 1e-12, 1 - 1e-12)
    손실들 = -(정답 * np.log(예측) + (1 - 정답) * np.log1p(-예측))
    return float(손실들.mean())


def cross_entropy(T, Y):
    델타 = 1e-7
    정답 = np.atleast_2d(np.asarray(T, dtype=np.float64))
    출력 = np.atleast_2d(np.asarray(Y, dtype=np.float64))
    배치크기 = 출력.shape[0]
    return float(-np.sum(정답 * np.log(출력 + 델타)) / 배치크기)
