"""Public tests of set 10 (computational graph): run them with `nngrade check compgraph`.

They use seed 003's apple example: price 100, count 2, tax 1.1. The graded (hidden) tests use
random numbers and arrays.
"""
import numpy as np
import pytest

SET = "10_compgraph"


@pytest.mark.function("MulLayer.forward")
@pytest.mark.case("seed-example")
def test_mullayer_forward_seed_example(student):
    """Is the apple node's output 100 * 2 = 200?"""
    node = student.module.MulLayer()
    got = node.forward(100.0, 2.0)
    student.expect(got, 200.0, tol="analytic", what="MulLayer().forward(100, 2)")


@pytest.mark.function("MulLayer.backward")
@pytest.mark.case("seed-example")
def test_mullayer_backward_seed_example(student):
    """With 1.1 arriving from the tax node, is (dprice, dcount) = (1.1 * 2, 1.1 * 100) = (2.2, 110)?"""
    node = student.module.MulLayer()
    node.forward(100.0, 2.0)
    got = node.backward(1.1)
    student.expect_true(isinstance(got, (tuple, list)) and len(got) == 2,
                        what=student.text("backward must return a tuple (dx, dy)"))
    student.expect(got, (2.2, 110.0), tol="analytic",
                   what=student.text("MulLayer: forward(100, 2), then backward(1.1) → (dout·y, "
                                     "dout·x)"))


@pytest.mark.function("MulLayer.backward")
@pytest.mark.case("arrays")
def test_mullayer_backward_arrays(student):
    """Does the multiply node work elementwise on arrays too?"""
    node = student.module.MulLayer()
    node.forward(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
    got = node.backward(np.array([1.0, -1.0, 0.5]))
    student.expect(got, ([4.0, -5.0, 3.0], [1.0, -2.0, 1.5]), tol="analytic",
                   what=student.text("MulLayer: forward([1, 2, 3], [4, 5, 6]), then backward([1, -1, "
                                     "0.5])"))


@pytest.mark.function("AddLayer.forward")
@pytest.mark.case("values")
def test_addlayer_forward_values(student):
    """Is the add node's output x + y?"""
    node = student.module.AddLayer()
    got = node.forward(200.0, 450.0)
    student.expect(got, 650.0, tol="analytic", what="AddLayer().forward(200, 450)")


@pytest.mark.function("AddLayer.backward")
@pytest.mark.case("values")
def test_addlayer_backward_values(student):
    """Does the add node pass the gradient on unchanged to both inputs?"""
    node = student.module.AddLayer()
    node.forward(200.0, 450.0)
    got = node.backward(1.1)
    student.expect_true(isinstance(got, (tuple, list)) and len(got) == 2,
                        what=student.text("backward must return a tuple (dx, dy)"))
    student.expect(got, (1.1, 1.1), tol="analytic",
                   what=student.text("AddLayer: forward(200, 450), then backward(1.1)"))


@pytest.mark.function("apple_graph")
@pytest.mark.case("seed-example")
def test_apple_graph_seed_example(student):
    """Is the total 220 with gradients price 2.2, count 110, tax 200 (seed 003)?"""
    got = student.module.apple_graph()
    student.expect_true(isinstance(got, (tuple, list)) and len(got) == 2,
                        what=student.text("apple_graph must return (total, dict of gradients)"))
    total, grads = got
    student.expect(total, 220.0, tol="analytic",
                   what=student.text("the total of {call}", call="apple_graph()"))
    student.expect(grads, {"price": 2.2, "count": 110.0, "tax": 200.0}, tol="analytic",
                   what=student.text("the gradients of {call}", call="apple_graph()"))


@pytest.mark.function("apple_graph")
@pytest.mark.case("one-won-dearer")
def test_apple_graph_one_won_dearer(student):
    """With an apple 1 won dearer (101), is the total 222.2, as seed 003 computes it?"""
    got = student.module.apple_graph(101, 2, 1.1)
    student.expect_true(isinstance(got, (tuple, list)) and len(got) == 2,
                        what=student.text("apple_graph must return (total, dict of gradients)"))
    student.expect(got[0], 222.2, tol="analytic",
                   what=student.text("the total of {call}", call="apple_graph(101, 2, 1.1)"))
