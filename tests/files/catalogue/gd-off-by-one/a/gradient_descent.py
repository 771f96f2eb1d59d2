import numpy as np


def gradient_descent(grad, x0, lr, steps, tol=None):
    x = x0
    history = [x0]          # start point
    for i in range(steps):
        step = lr * grad(x)
        x = x - step
        history.append(x)
        if tol is not None and np.linalg.norm(step) < tol:
            break
    return history
