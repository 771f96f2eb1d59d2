import numpy as np


def 시그모이드(x):
    return 1 / (1 + np.exp(-x))


def 렐루(x):
    return np.maximum(0, x)


def 계단(x):
    return np.where(x > 0, 1.0, 0.0)


def 하이퍼탄젠트(x):
    return np.tanh(x)


활성화 = {"relu": 렐루, "step": 계단, "tanh": 하이퍼탄젠트}
