"""Mistake models of set 05 (gradient descent)."""
import numpy as np

from nngrade.autograder.mistakes import mistake

SET = "05_gradient_descent"


def _small(step, tol):
    return tol is not None and np.linalg.norm(step) < tol


def _descent(extra_steps=0, sign=-1.0):
    """The reference loop with steps + extra_steps iterations and the given step sign."""
    def gradient_descent(grad, x0, lr, steps, tol=None):
        x, history = x0, []
        for _ in range(steps + extra_steps):
            step = lr * grad(x)
            x = x + sign * step
            history.append(x)
            if _small(step, tol):
                break
        return history
    return gradient_descent


@mistake("gd-off-by-one", "gradient_descent")
def _(m):
    return _descent(extra_steps=+1)       # range(steps + 1)


@mistake("gd-off-by-one", "gradient_descent")
def _(m):
    return _descent(extra_steps=-1)       # range(1, steps)


@mistake("gd-off-by-one", "gradient_descent")
def _(m):
    # x recorded before it is updated: [x0, ..., x_{steps-1}].
    def gradient_descent(grad, x0, lr, steps, tol=None):
        x, history = x0, []
        for _ in range(steps):
            history.append(x)
            step = lr * grad(x)
            x = x - step
            if _small(step, tol):
                break
        return history
    return gradient_descent


@mistake("gd-off-by-one", "gradient_descent")
def _(m):
    # The history starts with x0: [x0, x_1, ..., x_steps].
    def gradient_descent(grad, x0, lr, steps, tol=None):
        x, history = x0, [x0]
        for _ in range(steps):
            step = lr * grad(x)
            x = x - step
            history.append(x)
            if _small(step, tol):
                break
        return history
    return gradient_descent


@mistake("gd-off-by-one", "gradient_descent")
def _(m):
    # tol tested before the small step is taken: the loop stops one step early.
    def gradient_descent(grad, x0, lr, steps, tol=None):
        x, history = x0, []
        for _ in range(steps):
            step = lr * grad(x)
            if _small(step, tol):
                break
            x = x - step
            history.append(x)
        return history
    return gradient_descent


@mistake("gradient-ascent", "gradient_descent")
def _(m):
    return _descent(sign=+1.0)


# --- mutates-input: the caller's x0 is updated in place -----------------------------------------

@mistake("mutates-input", "gradient_descent")
def _(m):
    def gradient_descent(grad, x0, lr, steps, tol=None):
        x, history = x0, []
        for _ in range(steps):
            step = lr * grad(x)
            if isinstance(x, np.ndarray):
                x -= step                      # moves the caller's x0
                history.append(x.copy())
            else:
                x = x - step
                history.append(x)
            if tol is not None and float(np.linalg.norm(step)) < tol:
                break
        return history
    return gradient_descent
