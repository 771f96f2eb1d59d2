# 과제 1 - 활성화 함수 (반복문 없이 numpy 로)
import numpy as np


def step(a):
    return (np.asarray(a, dtype=float) > 0).astype(float)


def sigmoid(a):
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    pos = a >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
    ea = np.exp(a[~pos])
    out[~pos] = ea / (1.0 + ea)
    return out


def sigmoid_grad(y):
    return y * (1 - y)


def tanh(a):
    return np.tanh(a)


def tanh_grad(y):
    return 1 - np.square(y)


def relu(a):
    return np.where(np.asarray(a) > 0, a, 0.0).astype(float)


def relu_grad(y):
    return (np.asarray(y) > 0) * 1.0


def identity(a):
    return a


def softmax(a):
    a = np.asarray(a, dtype=float)
    shifted = a - a.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def tanh_via_sigmoid(a):
    return 2 * sigmoid(2 * np.asarray(a, dtype=float)) - 1
