"""경사 하강법: tol 보다 작은 걸음이면 멈춘다."""
import numpy as np


def gradient_descent(grad, x0, lr, steps, tol=None):
    기록 = []
    x = x0
    for 단계 in range(steps):
        걸음 = lr * grad(x)
        if tol is not None and np.sqrt(np.sum(np.square(걸음))) < tol:
            break                     # 충분히 작아졌으니 그만
        x = x - 걸음
        기록.append(x)
    return 기록
