"""Public tests of set 09 (perceptron gates): run them with `nngrade check perceptron`.

Gates use seed 004's coding: -1 is false, +1 is true. The graded (hidden) tests use random
perceptron inputs, weights and thresholds.
"""
import pytest

SET = "09_perceptron"

INPUTS = [(-1, -1), (-1, 1), (1, -1), (1, 1)]


def _truth_table(student, gate, expected):
    got = [getattr(student.module, gate)(x1, x2) for x1, x2 in INPUTS]
    for value in got:
        student.expect_true(type(value) is int,
                            what=student.text("{gate} must return the int -1 or +1, got {value}",
                                              gate=gate, value=repr(value)))
    student.expect(got, expected, tol="analytic",
                   what=student.text("truth table of {gate} on (−1,−1), (−1,+1), (+1,−1), (+1,+1)",
                                     gate=gate))


@pytest.mark.function("perceptron")
@pytest.mark.case("seed-example")
def test_perceptron_seed_example(student):
    """x = (3, 8), w = (0.6, -0.3), theta = -1: is -0.6 > -1, so y = 1 (seed 003)?"""
    got = student.module.perceptron([3.0, 8.0], [0.6, -0.3], -1.0)
    student.expect_true(type(got) is int, what=student.text("perceptron must return an int, got {value}",
                                                            value=repr(got)))
    student.expect(got, 1, tol="analytic", what="perceptron((3, 8), (0.6, -0.3), theta=-1)")
    student.expect_no_mutation(what=student.text("{name} must not change its arguments",
                                                 name="perceptron"))


@pytest.mark.function("perceptron")
@pytest.mark.case("boundary")
def test_perceptron_boundary(student):
    """At w.x == theta exactly, and just below, does the perceptron stay at 0?"""
    at = student.module.perceptron([1.0, 1.0], [0.5, 0.5], 1.0)
    below = student.module.perceptron([1.0, 1.0], [0.5, 0.5], 2.0)
    above = student.module.perceptron([1.0, 1.0], [0.5, 0.5], 0.5)
    student.expect([at, below, above], [0, 0, 1], tol="analytic",
                   what=student.text("perceptron((1, 1), (0.5, 0.5), theta) for theta = 1 (w·x = θ), "
                                     "2, 0.5"))


@pytest.mark.function("and_gate")
@pytest.mark.case("truth-table")
def test_and_gate_truth_table(student):
    """Is AND +1 only when both inputs are +1?"""
    _truth_table(student, "and_gate", [-1, -1, -1, 1])


@pytest.mark.function("or_gate")
@pytest.mark.case("truth-table")
def test_or_gate_truth_table(student):
    """Is OR -1 only when both inputs are -1?"""
    _truth_table(student, "or_gate", [-1, 1, 1, 1])


@pytest.mark.function("nand_gate")
@pytest.mark.case("truth-table")
def test_nand_gate_truth_table(student):
    """Is NAND -1 only when both inputs are +1?"""
    _truth_table(student, "nand_gate", [1, 1, 1, -1])


@pytest.mark.function("xor_gate")
@pytest.mark.case("truth-table")
def test_xor_gate_truth_table(student):
    """Is XOR +1 exactly when the inputs differ?"""
    _truth_table(student, "xor_gate", [-1, 1, 1, -1])
