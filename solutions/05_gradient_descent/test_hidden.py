"""Hidden suite of set 05: gradient descent on per-student random quadratics.

The gradient is a probe (`quadratic_grad`, built inside the student's process) of
f(x) = sum(scale * (x - center)**2); starting points, centres, scales, learning rates and step
counts are drawn per student. The tolerance test puts tol strictly between two successive step
sizes, well inside the run, so stopping one step early or late changes the history.
Points of each test are in set.toml's [points].
"""
import numpy as np
import pytest

from nngrade.autograder.sandbox import probes

SET = "05_gradient_descent"


def _steps(student):
    return int(student.rng.integers(7, 24))


def _lr(student):
    """A learning rate that is neither 0.01, 0.1 nor a round fraction."""
    return float(np.round(student.rng.uniform(0.021, 0.089), 4))


def _scalar_problem(student):
    center = float(np.round(student.rng.uniform(-5.0, 5.0), 3))
    scale = float(np.round(student.rng.uniform(0.5, 3.0), 3))
    x0 = center + float(student.rng.choice([-1.0, 1.0]) * student.rng.uniform(2.0, 8.0))
    return probes.quadratic_grad(center=center, scale=scale), x0


@pytest.mark.function("gradient_descent")
@pytest.mark.case("random-lr")
def test_gradient_descent_random_lr(student, reference):
    grad, x0 = _scalar_problem(student)
    lr, steps = _lr(student), _steps(student)
    student.check(lambda m: m.gradient_descent(grad, x0, lr, steps), reference=reference,
                  what=student.text("gradient_descent(grad, x0, lr={lr}, steps={steps}) on a quadratic",
                                    lr=str(lr), steps=str(steps)))


@pytest.mark.function("gradient_descent")
@pytest.mark.case("random-lr-0.01")
def test_gradient_descent_lr_001(student, reference):
    grad, x0 = _scalar_problem(student)
    steps = _steps(student)
    student.check(lambda m: m.gradient_descent(grad, x0, 0.01, steps, tol=None),
                  reference=reference,
                  what=student.text("gradient_descent(grad, x0, lr=0.01, steps={steps}, tol=None) on "
                                    "a quadratic", steps=str(steps)))


@pytest.mark.function("gradient_descent")
@pytest.mark.case("random-array")
def test_gradient_descent_random_array(student, reference):
    size = int(student.rng.integers(3, 6))
    center = np.round(student.rng.uniform(-3.0, 3.0, size=size), 3)
    scale = np.round(student.rng.uniform(0.5, 3.0, size=size), 3)
    grad = probes.quadratic_grad(center=center, scale=scale)
    x0 = center + student.rng.normal(0.0, 3.0, size=size)
    lr, steps = _lr(student), _steps(student)
    student.check(lambda m: m.gradient_descent(grad, x0, lr, steps), reference=reference,
                  what=student.text("gradient_descent(grad, x0, lr={lr}, steps={steps}) with x0 an "
                                    "array of {size} values", lr=str(lr), steps=str(steps),
                                    size=str(size)))
    student.expect_no_mutation(what=student.text("gradient_descent must not change x0 (return new "
                                                 "arrays)"),
                               tag="mutates-input")


@pytest.mark.function("gradient_descent")
@pytest.mark.case("random-tol")
def test_gradient_descent_random_tol(student, reference):
    grad, x0 = _scalar_problem(student)
    lr = _lr(student)
    steps = 60
    # Step sizes shrink geometrically; put tol halfway (in log scale) between the sizes of
    # steps k and k + 1, so the run stops after step k + 1, well before `steps`.
    sizes, x = [], x0
    for _ in range(steps):
        step = lr * grad(x)
        sizes.append(abs(step))
        x = x - step
    k = int(student.rng.integers(5, 15))
    tol = float(np.sqrt(sizes[k] * sizes[k + 1]))
    student.check(lambda m: m.gradient_descent(grad, x0, lr, steps, tol=tol), reference=reference,
                  what=student.text("gradient_descent(grad, x0, lr={lr}, steps={steps}, tol={tol}): "
                                    "the run must stop right after the first step smaller than tol",
                                    lr=str(lr), steps=str(steps), tol=format(tol, ".6g")))
