"""Public tests of set 05 (gradient descent): run them with `nngrade check gradient_descent`.

They use seed 001's lab, f(x) = (x - 3)^2 + 10 with gradient 2(x - 3), x0 = 10, lr = 0.01.
On this function every step multiplies x - 3 by 1 - 2·lr = 0.98, so x_k = 3 + 7 · 0.98^k.
The graded (hidden) tests use other quadratics, starting points, learning rates and tolerances.
"""
import numpy as np
import pytest

from nngrade.autograder.sandbox import probes

SET = "05_gradient_descent"


def _grad():
    return probes.quadratic_grad(center=3.0, scale=1.0)       # gradient of (x - 3)^2 + 10


@pytest.mark.function("gradient_descent")
@pytest.mark.case("seed-example")
def test_gradient_descent_seed_example(student):
    """After 100 steps from 10 with lr 0.01, is x = 3.9283368912632715 as seed 001 prints?"""
    got = student.module.gradient_descent(_grad(), 10.0, 0.01, 100)
    student.expect_type(got, list, what=student.text("the return value of {call}",
                                                          call="gradient_descent(...)"))
    student.expect_true(len(got) == 100,
                        what=student.text("100 steps must give 100 entries (x0 not included), got "
                                          "{count}", count=str(len(got))))
    student.expect(got[0], 9.86, tol="analytic", what=student.text("x after the first step (10 − 0.01·14)"))
    student.expect(got[-1], 3.9283368912632715, tol="analytic", what=student.text("x after 100 steps"))


@pytest.mark.function("gradient_descent")
@pytest.mark.case("tolerance")
def test_gradient_descent_tolerance(student):
    """With tol = 0.01, does the loop stop right after the first step smaller than tol (step 132)?"""
    got = student.module.gradient_descent(_grad(), 10.0, 0.01, 1000, tol=0.01)
    student.expect_type(got, list, what=student.text("the return value of {call}",
                                                          call="gradient_descent(..., tol=0.01)"))
    # step k has size 0.14 · 0.98^(k-1): 0.0101 at k = 131, 0.0099 at k = 132
    student.expect_true(len(got) == 132,
                        what=student.text("the loop must stop after taking the first step below tol "
                                          "(step 132), got {count} entries", count=str(len(got))))
    student.expect(got[-1], 3 + 7 * 0.98 ** 132, tol="analytic", what=student.text("x after step 132 = 3 + 7·0.98^132"))


@pytest.mark.function("gradient_descent")
@pytest.mark.case("array-start")
def test_gradient_descent_array_start(student):
    """Does gradient descent work on an array x0, without changing it?"""
    x0 = np.array([10.0, -1.0, 3.0])
    got = student.module.gradient_descent(_grad(), x0, 0.1, 5)
    student.expect_type(got, list, what=student.text("the return value of {call}",
                                                          call="gradient_descent(...)"))
    student.expect_true(len(got) == 5, what=student.text("5 steps give 5 entries, got {count}",
                                                              count=str(len(got))))
    # x_k - 3 = (x0 - 3) · 0.8^k with lr = 0.1
    student.expect_shape(got[-1], (3,), what=student.text("x after 5 steps, x0 of shape (3,)"))
    student.expect(got[-1], 3 + (x0 - 3) * 0.8 ** 5, tol="analytic", what=student.text("x after 5 steps = 3 + (x0 − 3)·0.8^5"))
    student.expect_no_mutation(what=student.text("gradient_descent must not change x0"))
