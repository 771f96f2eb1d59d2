import numpy as np


def 시그모이드(a):
    return np.exp(-np.logaddexp(0, -a))
