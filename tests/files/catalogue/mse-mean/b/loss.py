"""손실 함수."""
import numpy as np


def mse(t, y):
    오차 = np.asarray(t, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(0.5 * np.mean(오차 ** 2))


def binary_cross_entropy(y, y_hat):
    정답 = np.asarray(y, dtype=np.float64)
    확률 = np.clip(np.asarray(y_hat, dtype=np.float64), 1e-12, 1 - 1e-12)
    return float(-np.mean(정답 * np.log(확률) + (1 - 정답) * np.log(1 - 확률)))


def cross_entropy(T, Y):
    정답 = np.asarray(T, dtype=np.float64)
    출력 = np.asarray(Y, dtype=np.float64)
    if 출력.ndim == 1:
        정답, 출력 = 정답[None, :], 출력[None, :]
    return float(-np.sum(정답 * np.log(출력 + 1e-7)) / 출력.shape[0])
