import numpy as np


def gradient_descent(grad, x0, lr, steps, tol=None):
    path = []
    x = np.copy(x0) if isinstance(x0, np.ndarray) else x0
    for _ in range(steps):
        direction = grad(x)           # the direction the function changes most
        move = lr * direction
        x = np.add(x, move) if isinstance(x, np.ndarray) else x + move
        path.append(x)
        if tol is not None and np.linalg.norm(move) < tol:
            break
    return path
