"""Hidden suite of set 09: the perceptron and the gates built from it.

The perceptron is probed on per-student random weights, inputs and thresholds on both sides of
the threshold (never within 0.05 of it), and on small integers where w·x equals theta exactly
(it must not fire). Gates are checked on all four inputs of {-1, +1}, in a per-student order,
given as ints or floats. Points of each test are in set.toml's [points].
"""
import numpy as np
import pytest

SET = "09_perceptron"

FOUR_INPUTS = ((-1, -1), (-1, 1), (1, -1), (1, 1))


def _as_sequence(student, values):
    """A list, a tuple or a NumPy array, as a student's caller might pass them."""
    kind = int(student.rng.integers(3))
    if kind == 0:
        return [float(v) for v in values]
    if kind == 1:
        return tuple(float(v) for v in values)
    return np.asarray(values, dtype=np.float64)


@pytest.mark.function("perceptron")
@pytest.mark.case("random")
def test_perceptron_random(student, reference):
    cases = []
    for i in range(12):
        n = int(student.rng.integers(2, 6))
        w = student.rng.normal(0.0, 1.0, size=n)
        x = student.rng.normal(0.0, 1.0, size=n)
        s = float(w @ x)
        side = 1.0 if i % 2 else -1.0        # half fire, half do not
        theta = s - side * float(student.rng.uniform(0.05, 1.0))
        cases.append((_as_sequence(student, x), _as_sequence(student, w), theta))
    order = student.rng.permutation(len(cases))
    cases = [cases[i] for i in order]
    student.check(lambda m: [m.perceptron(x, w, theta) for x, w, theta in cases],
                  reference=reference, what="perceptron(x, w, theta) on 12 random cases")


@pytest.mark.function("perceptron")
@pytest.mark.case("random-at-threshold")
def test_perceptron_at_threshold(student, reference):
    cases = []
    for _ in range(4):
        n = int(student.rng.integers(2, 5))
        w = student.rng.integers(-3, 4, size=n)
        x = student.rng.integers(-3, 4, size=n)
        s = int(w @ x)
        # exactly at the threshold (does not fire), and one above and one below it
        for theta in (s, s - 1, s + 1):
            cases.append(([int(v) for v in x], [int(v) for v in w], theta))
    student.check(lambda m: [m.perceptron(x, w, theta) for x, w, theta in cases],
                  reference=reference,
                  what="perceptron(x, w, theta) with integer w·x equal to, just above and just "
                       "below theta (at w·x = theta it must not fire)")


def _check_truth_table(student, reference, gate):
    """The gate on all four inputs, in a per-student order, some given as floats."""
    inputs = []
    for i in student.rng.permutation(4):
        x1, x2 = FOUR_INPUTS[i]
        if student.rng.integers(2):
            x1, x2 = float(x1), float(x2)
        inputs.append((x1, x2))
    shown = ", ".join(f"({x1}, {x2})" for x1, x2 in inputs)
    student.check(lambda m: [getattr(m, gate)(x1, x2) for x1, x2 in inputs], reference=reference,
                  what=f"{gate}(x1, x2) on all four inputs {shown}")


@pytest.mark.function("and_gate")
@pytest.mark.case("random-order")
def test_and_gate(student, reference):
    _check_truth_table(student, reference, "and_gate")


@pytest.mark.function("or_gate")
@pytest.mark.case("random-order")
def test_or_gate(student, reference):
    _check_truth_table(student, reference, "or_gate")


@pytest.mark.function("nand_gate")
@pytest.mark.case("random-order")
def test_nand_gate(student, reference):
    _check_truth_table(student, reference, "nand_gate")


@pytest.mark.function("xor_gate")
@pytest.mark.case("random-order")
def test_xor_gate(student, reference):
    _check_truth_table(student, reference, "xor_gate")
