"""Public tests of set 01 (activation functions): run them with `nngrade check activations`.

They check shapes, types, that no argument is changed, and one worked value per function.
The graded (hidden) tests use other, random inputs.
"""
import numpy as np
import pytest

SET = "01_activations"

A1 = [-0.281, 0.225, 0.045]                                         # seed 000, hidden layer
Y1 = [0.4302086298074603, 0.5560138905446199, 0.5112481019468548]   # sigmoid(A1), seed 000
TANH_1 = 0.7615941559557649                                         # tanh(1)


@pytest.mark.function("step")
@pytest.mark.case("boundary")
def test_step_boundary(student):
    """Is step 0 at and below zero, 1 above, and returned as floats?"""
    a = np.array([[-2.0, 0.0, 1e-9], [3.0, -0.0, 0.5]])
    got = student.module.step(a)
    student.expect_type(got, np.ndarray, what=student.text("the return value of {call}", call="step(a)"))
    student.expect_shape(got, (2, 3), what=student.text("{call}, {arg} of shape {shape}", call="step(a)", arg="a",
                                                    shape="(2, 3)"))
    student.expect_true(got.dtype == np.float64,
                        what=student.text("{name} must return float64, got {dtype}", name="step",
                                          dtype=str(got.dtype)))
    student.expect(got, [[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]], tol="analytic",
                   what="step([[-2, 0, 1e-9], [3, -0, 0.5]]) (step(0) = 0)")
    student.expect_no_mutation(what=student.text("{name} must not change its argument", name="step"))


@pytest.mark.function("sigmoid")
@pytest.mark.case("seed-example")
def test_sigmoid_seed_example(student):
    """Does sigmoid reproduce the cheese network's hidden outputs (seed 000)?"""
    got = student.module.sigmoid(np.array(A1))
    student.expect_type(got, np.ndarray, what=student.text("the return value of {call}",
                                                                  call="sigmoid(array)"))
    student.expect_shape(got, (3,), what=student.text("{call}, {arg} of shape {shape}", call="sigmoid(A1)",
                                                    arg="A1", shape="(3,)"))
    student.expect(got, Y1, tol="analytic", what="sigmoid([-0.281, 0.225, 0.045])")
    student.expect_no_mutation(what=student.text("{name} must not change its argument", name="sigmoid"))


@pytest.mark.function("sigmoid")
@pytest.mark.case("extreme")
def test_sigmoid_extreme(student):
    """Is sigmoid 0 and 1 at a = -1e4 and 1e4, without an overflow warning?"""
    got = student.module.sigmoid(np.array([-1e4, 0.0, 1e4]))
    student.expect(got, [0.0, 0.5, 1.0], tol="analytic", what="sigmoid([-1e4, 0, 1e4])")
    student.expect_no_warning(
        what=student.text("sigmoid must not overflow or warn at a = ±1e4"),
        tag="sigmoid-overflow")


@pytest.mark.function("sigmoid_grad")
@pytest.mark.case("outputs")
def test_sigmoid_grad_outputs(student):
    """Does sigmoid_grad take the sigmoid's output y and return y(1 - y)?"""
    y = np.array([[0.5, 0.2], [0.9, 0.75]])
    got = student.module.sigmoid_grad(y)
    student.expect_shape(got, (2, 2), what=student.text("{call}, {arg} of shape {shape}", call="sigmoid_grad(y)",
                                                    arg="y", shape="(2, 2)"))
    student.expect(got, [[0.25, 0.16], [0.09, 0.1875]], tol="analytic",
                   what="sigmoid_grad([[0.5, 0.2], [0.9, 0.75]]) = y(1 - y)")
    student.expect_no_mutation(what=student.text("{name} must not change its argument",
                                                   name="sigmoid_grad"))


@pytest.mark.function("tanh")
@pytest.mark.case("values")
def test_tanh_values(student):
    """Is tanh odd, 0 at 0 and tanh(1) = 0.76159...?"""
    got = student.module.tanh(np.array([-1.0, 0.0, 1.0]))
    student.expect_shape(got, (3,), what="tanh([-1, 0, 1])")
    student.expect(got, [-TANH_1, 0.0, TANH_1], tol="analytic", what="tanh([-1, 0, 1])")
    student.expect_no_mutation(what=student.text("{name} must not change its argument", name="tanh"))


@pytest.mark.function("tanh_grad")
@pytest.mark.case("outputs")
def test_tanh_grad_outputs(student):
    """Does tanh_grad take tanh's output y and return 1 - y**2?"""
    got = student.module.tanh_grad(np.array([0.0, 0.5, -0.5, 0.9]))
    student.expect_shape(got, (4,), what=student.text("{call}, {arg} of shape {shape}", call="tanh_grad(y)",
                                                    arg="y", shape="(4,)"))
    student.expect(got, [1.0, 0.75, 0.75, 0.19], tol="analytic",
                   what="tanh_grad([0, 0.5, -0.5, 0.9]) = 1 - y²")
    student.expect_no_mutation(what=student.text("{name} must not change its argument", name="tanh_grad"))


@pytest.mark.function("relu")
@pytest.mark.case("values")
def test_relu_values(student):
    """Is relu max(0, a), elementwise, on a batch?"""
    a = np.array([[-2.0, 0.0, 3.5], [1.0, -0.1, 0.2]])
    got = student.module.relu(a)
    student.expect_shape(got, (2, 3), what=student.text("{call}, {arg} of shape {shape}", call="relu(a)", arg="a",
                                                    shape="(2, 3)"))
    student.expect(got, [[0.0, 0.0, 3.5], [1.0, 0.0, 0.2]], tol="analytic", what="relu(a)")
    student.expect_no_mutation(what=student.text("{name} must not change its argument", name="relu"))


@pytest.mark.function("relu_grad")
@pytest.mark.case("outputs")
def test_relu_grad_outputs(student):
    """Does relu_grad return float 1.0 where the ReLU output is positive and 0.0 where it is 0?"""
    got = student.module.relu_grad(np.array([0.0, 2.5, 0.0, 0.1]))
    student.expect_type(got, np.ndarray, what=student.text("the return value of {call}", call="relu_grad(y)"))
    student.expect_true(got.dtype == np.float64,
                        what=student.text("{name} must return float64, got {dtype}", name="relu_grad",
                                          dtype=str(got.dtype)))
    student.expect(got, [0.0, 1.0, 0.0, 1.0], tol="analytic", what="relu_grad([0, 2.5, 0, 0.1])")
    student.expect_no_mutation(what=student.text("{name} must not change its argument", name="relu_grad"))


@pytest.mark.function("identity")
@pytest.mark.case("seed-example")
def test_identity_seed_example(student):
    """Does identity return the cheese network's output pre-activation unchanged (seed 000)?"""
    got = student.module.identity(np.array([0.0247715]))
    student.expect_shape(got, (1,), what="identity([0.0247715])")
    student.expect(got, [0.0247715], tol="analytic", what="identity([0.0247715])")
    student.expect_no_mutation(what=student.text("{name} must not change its argument", name="identity"))


@pytest.mark.function("softmax")
@pytest.mark.case("batch")
def test_softmax_batch(student):
    """Does softmax normalise each row of a batch (the last axis)?"""
    a = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    got = student.module.softmax(a)
    student.expect_shape(got, (2, 3), what=student.text("{call}, {arg} of shape {shape}", call="softmax(a)", arg="a",
                                                    shape="(2, 3)"))
    student.expect(got, [[0.09003057317038046, 0.24472847105479764, 0.6652409557748219],
                         [1 / 3, 1 / 3, 1 / 3]],
                   tol="analytic",
                   what=student.text("{call}, each row sums to 1", call="softmax([[1, 2, 3], [5, 5, 5]])"))
    student.expect_no_mutation(what=student.text("{name} must not change its argument", name="softmax"))


@pytest.mark.function("softmax")
@pytest.mark.case("extreme")
def test_softmax_extreme(student):
    """Does softmax stay finite and quiet for entries of 1e4?"""
    got = student.module.softmax(np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 0.0]]))
    student.expect(got, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], tol="analytic",
                   what="softmax([[1e4, 0, -1e4], [1e4, 1e4, 0]])")
    student.expect_no_warning(
        what=student.text("softmax must not overflow for large inputs"),
        tag="softmax-unstable")


@pytest.mark.function("tanh_via_sigmoid")
@pytest.mark.case("values")
def test_tanh_via_sigmoid_values(student):
    """Is 2*sigmoid(2a) - 1 equal to tanh(a) (seed 004)?"""
    got = student.module.tanh_via_sigmoid(np.array([-1.0, 0.0, 1.0]))
    student.expect_shape(got, (3,), what="tanh_via_sigmoid([-1, 0, 1])")
    student.expect(got, [-TANH_1, 0.0, TANH_1], tol="analytic",
                   what="tanh_via_sigmoid([-1, 0, 1]) = tanh([-1, 0, 1])")
    student.expect_no_mutation(
        what=student.text("{name} must not change its argument", name="tanh_via_sigmoid"))
