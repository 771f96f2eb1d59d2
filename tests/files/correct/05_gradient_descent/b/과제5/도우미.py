import numpy as np


def 크기(값):
    return float(np.linalg.norm(np.ravel(값)))
