"""Hidden suite of set 10: multiply and add nodes of a computational graph, and the apple graph.

Nodes are created in the student's process and driven through forward then backward on
per-student random numbers and arrays (x != y, and dout != 1, so swapped or missing factors
show). Points of each test are in set.toml's [points].
"""
import numpy as np
import pytest

SET = "10_compgraph"


def _numbers(student):
    """x, y, dout: three distinct floats of order 1 to 10, none equal to 1."""
    x, y = (float(v) for v in np.round(student.rng.uniform(1.5, 9.5, size=2), 4)
            * student.rng.choice([-1.0, 1.0], size=2))
    dout = float(np.round(student.rng.uniform(1.2, 3.0), 4))
    return x, y, dout


def _arrays(student):
    shape = (int(student.rng.choice((5, 7))), 3)
    x, y, dout = (student.rng.normal(0.0, 2.0, size=shape) for _ in range(3))
    return x, y, dout


def _forward(cls, x, y):
    def scenario(m):
        node = getattr(m, cls)()
        return node.forward(x, y)
    return scenario


def _backward(cls, x, y, dout):
    def scenario(m):
        node = getattr(m, cls)()
        node.forward(x, y)
        return node.backward(dout)
    return scenario


# ---- MulLayer -----------------------------------------------------------------------------------

@pytest.mark.function("MulLayer.forward")
@pytest.mark.case("random-numbers")
def test_mul_forward_numbers(student, reference):
    x, y, _ = _numbers(student)
    student.check(_forward("MulLayer", x, y), reference=reference,
                  what=f"MulLayer().forward({x}, {y})")


@pytest.mark.function("MulLayer.forward")
@pytest.mark.case("random-arrays")
def test_mul_forward_arrays(student, reference):
    x, y, _ = _arrays(student)
    student.check(_forward("MulLayer", x, y), reference=reference,
                  what=student.text("{node}().forward(x, y) on arrays of shape {shape}",
                                    node="MulLayer", shape=str(x.shape)))


@pytest.mark.function("MulLayer.backward")
@pytest.mark.case("random-numbers")
def test_mul_backward_numbers(student, reference):
    x, y, dout = _numbers(student)
    student.check(_backward("MulLayer", x, y, dout), reference=reference,
                  what=student.text("(dx, dy) from backward({dout}) after {node}().forward({x}, {y})",
                                    node="MulLayer", dout=str(dout), x=str(x), y=str(y)))


@pytest.mark.function("MulLayer.backward")
@pytest.mark.case("random-arrays")
def test_mul_backward_arrays(student, reference):
    x, y, dout = _arrays(student)
    student.check(_backward("MulLayer", x, y, dout), reference=reference,
                  what=student.text("(dx, dy) from {node} backward(dout) after forward(x, y), arrays "
                                    "of shape {shape}", node="MulLayer", shape=str(x.shape)))


# ---- AddLayer -----------------------------------------------------------------------------------

@pytest.mark.function("AddLayer.forward")
@pytest.mark.case("random-numbers")
def test_add_forward_numbers(student, reference):
    x, y, _ = _numbers(student)
    student.check(_forward("AddLayer", x, y), reference=reference,
                  what=f"AddLayer().forward({x}, {y})")


@pytest.mark.function("AddLayer.forward")
@pytest.mark.case("random-arrays")
def test_add_forward_arrays(student, reference):
    x, y, _ = _arrays(student)
    student.check(_forward("AddLayer", x, y), reference=reference,
                  what=student.text("{node}().forward(x, y) on arrays of shape {shape}",
                                    node="AddLayer", shape=str(x.shape)))


@pytest.mark.function("AddLayer.backward")
@pytest.mark.case("random-numbers")
def test_add_backward_numbers(student, reference):
    x, y, dout = _numbers(student)
    student.check(_backward("AddLayer", x, y, dout), reference=reference,
                  what=student.text("(dx, dy) from backward({dout}) after {node}().forward({x}, {y})",
                                    node="AddLayer", dout=str(dout), x=str(x), y=str(y)))


@pytest.mark.function("AddLayer.backward")
@pytest.mark.case("random-arrays")
def test_add_backward_arrays(student, reference):
    x, y, dout = _arrays(student)
    student.check(_backward("AddLayer", x, y, dout), reference=reference,
                  what=student.text("(dx, dy) from {node} backward(dout) after forward(x, y), arrays "
                                    "of shape {shape}", node="AddLayer", shape=str(x.shape)))


# ---- apple_graph ----------------------------------------------------------------------------------

@pytest.mark.function("apple_graph")
@pytest.mark.case("random-positional")
def test_apple_graph_positional(student, reference):
    price = float(np.round(student.rng.uniform(50.0, 500.0), 2))
    count = float(student.rng.integers(3, 13))
    tax = float(np.round(student.rng.uniform(1.02, 1.25), 3))
    student.check(lambda m: m.apple_graph(price, count, tax), reference=reference,
                  what=student.text("apple_graph({price}, {count}, {tax}): (total, gradients)",
                                    price=str(price), count=str(count), tax=str(tax)))


@pytest.mark.function("apple_graph")
@pytest.mark.case("random-keywords")
def test_apple_graph_keywords(student, reference):
    price = int(student.rng.integers(120, 900))
    count = int(student.rng.integers(3, 13))
    tax = float(np.round(student.rng.uniform(1.02, 1.25), 3))
    student.check(lambda m: m.apple_graph(price=price, count=count, tax=tax), reference=reference,
                  what=student.text("apple_graph(price={price}, count={count}, tax={tax}): (total, "
                                    "gradients)", price=str(price), count=str(count), tax=str(tax)))
