# gradient descent, written with a while loop
import math


def _size(step):
    """|step| for a number, the Euclidean norm for an array."""
    try:
        return math.sqrt(float((step * step).sum()))
    except AttributeError:
        return abs(step)


def gradient_descent(grad, x0, lr, steps, tol=None):
    history = []
    x = x0
    k = 0
    while k < steps:
        step = lr * grad(x)
        x = x - step
        history.append(x)
        k += 1
        if tol is not None and _size(step) < tol:
            break
    return history
