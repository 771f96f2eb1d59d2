import math


def gradient_descent(grad, x0, lr, steps, tol=None):
    xs = []
    x = x0
    n = 0
    while n < steps:
        g = grad(x)
        x = x + lr * g
        xs.append(x)
        n += 1
        if tol is not None:
            size = abs(lr * g) if isinstance(g, (int, float)) else math.sqrt(float((lr * g) @ (lr * g)))
            if size < tol:
                break
    return xs
