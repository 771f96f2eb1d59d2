import math

import numpy as np


def 시그모이드(x):
    return 1 / (1 + np.exp(-x))


def 시그모이드_미분(출력):
    return 출력 * (1 - 출력)


def 탄젠트(x):
    return math.tanh(x)


def 탄젠트_미분(출력):
    return 1 - 출력 ** 2
