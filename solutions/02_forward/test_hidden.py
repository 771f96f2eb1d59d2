"""Hidden suite of set 02: the forward pass of the cheese network on per-student random inputs.

Networks are drawn with h != n (a transposed weight then shows up as a shape error), batches have
an odd prime number of rows, and every bias is nonzero (a forgotten bias changes the value).
Activations handed to `layer` are probe functions built inside the student's process.
Points of each test are in set.toml's [points].
"""
import numpy as np
import pytest

from nngrade.autograder.sandbox import probes

SET = "02_forward"

ODD_ROWS = (7, 11, 13)


def _sizes(student):
    """(n, h): inputs 2..5 and hidden neurons 3..7, never equal."""
    n = int(student.rng.integers(2, 6))
    h = int(student.rng.choice([k for k in range(3, 8) if k != n]))
    return n, h


def _rows(student):
    return int(student.rng.choice(ODD_ROWS))


def _network(student, n, h):
    """Seed 000's layout: W1 (h, n), b1 (h,), W2 (h,), b2 (1,), values of order 1."""
    rng = student.rng
    return {"W1": rng.normal(0.0, 1.0, size=(h, n)),
            "b1": rng.uniform(0.3, 1.0, size=h) * rng.choice([-1.0, 1.0], size=h),
            "W2": rng.normal(0.0, 1.0, size=h),
            "b2": rng.uniform(0.3, 1.0, size=1) * rng.choice([-1.0, 1.0])}


def _as_float(value):
    """An int result as a float (exact to 1e-16 relative), so integers past 2**63 compare."""
    return float(value) if type(value) is int else value


# ---- dot ------------------------------------------------------------------------------------------

@pytest.mark.function("dot")
@pytest.mark.case("random")
def test_dot_random(student, reference):
    size = int(student.rng.integers(3, 8))
    v = [float(x) for x in student.rng.normal(0.0, 2.0, size=size)]
    w = [float(x) for x in student.rng.normal(0.0, 2.0, size=size)]
    student.check(lambda m: m.dot(v, w), reference=reference,
                  what=student.text("dot(v, w) on two lists of {size} floats", size=str(size)))


@pytest.mark.function("dot")
@pytest.mark.case("random-integers")
def test_dot_random_integers(student, reference):
    size = int(student.rng.integers(4, 10))
    v = [int(x) for x in student.rng.integers(-9, 10, size=size)]
    w = [int(x) for x in student.rng.integers(-9, 10, size=size)]
    # Python's integers are exact at any size; NumPy's int64 wraps past 2**63: a dot written with
    # plain Python (as the contract asks: no NumPy) gets the products of 2**40-sized entries right.
    big = [int(student.rng.integers(2**39, 2**40)) * int(student.rng.choice((-1, 1)))
           for _ in range(3)]
    v, w = v + big, w + [b + 7 for b in big]
    student.check(lambda m: _as_float(m.dot(v, w)), reference=reference,
                  what=student.text("dot(v, w) on two lists of {size} integers, some near 2**40 "
                                    "(plain Python, without NumPy, is exact there)",
                                    size=str(size + 3)))


# ---- init_cheese_network ----------------------------------------------------------------------------

@pytest.mark.function("init_cheese_network")
@pytest.mark.case("values-and-types")
def test_init_cheese_network(student, reference):
    # No inputs to draw: the values are seed 000's, and the layout (W1 (3, 2), W2 (3,)) is checked.
    got = student.check(lambda m: m.init_cheese_network(), reference=reference,
                        what=student.text("init_cheese_network() (seed 000's weights and biases)"))
    for name, value in got.items():
        student.expect_true(isinstance(value, np.ndarray) and value.dtype == np.float64,
                            what=student.text("init_cheese_network()[{key}] must be a float64 NumPy "
                                              "array", key=repr(name)))


# ---- layer --------------------------------------------------------------------------------------------

@pytest.mark.function("layer")
@pytest.mark.case("random-example")
def test_layer_random_example(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    W, b = net["W1"], net["b1"]
    x = student.rng.normal(0.0, 1.0, size=n)
    sigmoid = probes.numpy_fn("sigmoid")
    student.check(lambda m: m.layer(x, W, b, sigmoid), reference=reference,
                  what=student.text("layer(x, W, b, sigmoid) with x ({n},), W ({h}, {n}), b ({h},)",
                                    n=str(n), h=str(h)))


@pytest.mark.function("layer")
@pytest.mark.case("random-batch")
def test_layer_random_batch(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    W, b = net["W1"], net["b1"]
    rows = _rows(student)
    X = student.rng.normal(0.0, 1.0, size=(rows, n))
    tanh = probes.numpy_fn("tanh")
    student.check(lambda m: m.layer(X, W, b, tanh), reference=reference,
                  what=student.text("layer(X, W, b, tanh) with a batch X ({rows}, {n}), W ({h}, {n})",
                                    rows=str(rows), n=str(n), h=str(h)))


@pytest.mark.function("layer")
@pytest.mark.case("random-relu")
def test_layer_random_relu(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    W, b = net["W1"], net["b1"]
    x = student.rng.normal(0.0, 1.0, size=n)
    relu = probes.numpy_fn("relu")
    student.check(lambda m: m.layer(x, W, b, relu), reference=reference,
                  what=student.text("layer(x, W, b, relu) with x ({n},), W ({h}, {n})",
                                    n=str(n), h=str(h)))


@pytest.mark.function("layer")
@pytest.mark.case("random-single-neuron")
def test_layer_random_single_neuron(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    W, b = net["W2"], net["b2"]        # one output neuron: W (h,), b (1,)
    rows = _rows(student)
    Y1 = student.rng.uniform(0.05, 0.95, size=(rows, h))
    identity = probes.numpy_fn("identity")
    student.check(lambda m: m.layer(Y1, W, b, identity), reference=reference,
                  what=student.text("layer(Y, w, b, identity) for one neuron: Y ({rows}, {h}), "
                                    "w ({h},), b (1,)", rows=str(rows), h=str(h)))


# ---- forward -------------------------------------------------------------------------------------------

@pytest.mark.function("forward")
@pytest.mark.case("random-example")
def test_forward_random_example(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    x = student.rng.normal(0.0, 1.0, size=n)
    student.check(lambda m: m.forward(net, x), reference=reference,
                  what=student.text("forward(network, x) with x ({n},), {h} hidden neurons",
                                    n=str(n), h=str(h)))


@pytest.mark.function("forward")
@pytest.mark.case("random-batch")
def test_forward_random_batch(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    rows = _rows(student)
    X = student.rng.normal(0.0, 1.0, size=(rows, n))
    student.check(lambda m: m.forward(net, X), reference=reference,
                  what=student.text("forward(network, X) with a batch X ({rows}, {n}), {h} hidden "
                                    "neurons", rows=str(rows), n=str(n), h=str(h)))


@pytest.mark.function("forward")
@pytest.mark.case("random-identity")
def test_forward_random_identity(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    rows = _rows(student)
    X = student.rng.normal(0.0, 1.0, size=(rows, n))
    student.check(lambda m: m.forward(net, X, output="identity"), reference=reference,
                  what=student.text('forward(network, X, output="identity") with X ({rows}, {n})',
                                    rows=str(rows), n=str(n)))


@pytest.mark.function("forward")
@pytest.mark.case("random-sigmoid-keyword")
def test_forward_random_sigmoid_keyword(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    x = student.rng.normal(0.0, 1.0, size=n)
    student.check(lambda m: m.forward(net, x, output="sigmoid"), reference=reference,
                  what=student.text('forward(network, x, output="sigmoid") with x ({n},)', n=str(n)))
