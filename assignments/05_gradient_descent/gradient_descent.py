"""Gradient descent on a function given by its gradient (seed 001's lab on (x - 3)^2 + 10).

    x_{k+1} = x_k - lr * grad(x_k)

x may be a number or a NumPy array (then grad returns an array of the same shape).
"""
import numpy as np


def gradient_descent(grad, x0, lr, steps, tol=None):
    """
    Run gradient descent from x0 and record where every step lands.

    Inputs:
    - grad: a function returning the gradient at x (a number, or an array shaped like x)
    - x0: the starting point, a number or an array; it is not changed
    - lr: learning rate (seed 001 uses 0.01)
    - steps: the largest number of steps to take
    - tol: None, or a number: stop after the first step whose size |lr * grad(x)|
      (its Euclidean norm for arrays) is strictly below tol

    Returns:
    - history: list of x after each step, [x_1, x_2, ..., x_K] (x0 itself is not in it);
      K = steps, or fewer when tol stopped the loop (the x after that small step is last)
    """
    # YOUR CODE HERE
    # TODO gradient_descent(grad, x0, lr, steps, tol): Run gradient descent from x0 and record
    #     where every step lands.
    raise NotImplementedError("gradient_descent: not implemented yet / 아직 구현하지 않았습니다")
