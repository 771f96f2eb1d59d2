"""Public tests of set 02 (the cheese network's forward pass): run them with `nngrade check forward`.

They check shapes, types, that no argument is changed, and seed 000's worked values.
The graded (hidden) tests use other, random networks (with h != n) and batches.
"""
import numpy as np
import pytest

from nngrade.autograder.sandbox import probes

SET = "02_forward"

X = [0.2, 0.9]                                                      # seed 000: Fat, Salt
W1 = [[0.05, 0.01], [-0.01, 0.03], [0.02, -0.01]]
B1 = [-0.3, 0.2, 0.05]
W2 = [0.01, 0.05, 0.015]
B2 = [-0.015]
A1 = [-0.281, 0.225, 0.045]
Y1 = [0.4302086298074603, 0.5560138905446199, 0.5112481019468548]
A2 = [0.0247715]            # printed to 7 decimals: compared at relative 1e-5
Y2 = [0.50619256]           # printed to 8 decimals
CHEESE = [[0.2, 0.9], [0.1, 0.1], [0.2, 0.4], [0.2, 0.5], [0.4, 0.5], [0.3, 0.8]]   # table 9-1


def _network():
    return {"W1": np.array(W1), "b1": np.array(B1), "W2": np.array(W2), "b2": np.array(B2)}


@pytest.mark.function("dot")
@pytest.mark.case("seed-example")
def test_dot_seed_example(student):
    """Does dot on plain lists give the hidden nodes' inputs of seed 000 (A3, A4, A5)?"""
    got = [student.module.dot(list(X), list(w)) for w in W1]
    student.expect_type(got[0], float, what=student.text("the return value of {call}",
                                                            call="dot(v, w)"))
    student.expect([g + b for g, b in zip(got, B1)], A1, tol="analytic",
                   what=student.text("dot([0.2, 0.9], W1[j]) + b1[j] for j = 0, 1, 2"))
    student.expect_no_mutation(what=student.text("{name} must not change its lists", name="dot"))


@pytest.mark.function("init_cheese_network")
@pytest.mark.case("seed-values")
def test_init_cheese_network_seed_values(student):
    """Does init_cheese_network hold seed 000's weights and biases with the right shapes?"""
    got = student.module.init_cheese_network()
    student.expect_type(got, dict, what=student.text("the return value of {call}",
                                                          call="init_cheese_network()"))
    for key, shape in (("W1", (3, 2)), ("b1", (3,)), ("W2", (3,)), ("b2", (1,))):
        student.expect_true(key in got, what=student.text("network has no key '{key}'", key=key))
        student.expect_shape(got[key], shape, what=f"network['{key}']")
    student.expect(got, {"W1": W1, "b1": B1, "W2": W2, "b2": B2}, tol="analytic",
                   what="init_cheese_network()")


@pytest.mark.function("layer")
@pytest.mark.case("seed-example")
def test_layer_seed_example(student):
    """Does layer(x, W1, b1, sigmoid) give the cheese network's hidden outputs Y1?"""
    got = student.module.layer(np.array(X), np.array(W1), np.array(B1), probes.numpy_fn("sigmoid"))
    student.expect_type(got, np.ndarray, what=student.text("the return value of {call}",
                                                                call="layer(...)"))
    student.expect_shape(got, (3,), what="layer(x, W1, b1, sigmoid), x (2,), W1 (3, 2)")
    student.expect(got, Y1, tol="analytic", what="layer([0.2, 0.9], W1, b1, sigmoid)")
    student.expect_no_mutation(what=student.text("{name} must not change its arguments", name="layer"))


@pytest.mark.function("layer")
@pytest.mark.case("batch")
def test_layer_batch(student):
    """Does layer take a batch (N, n), one example per row?"""
    got = student.module.layer(np.array(CHEESE), np.array(W1), np.array(B1), probes.numpy_fn("identity"))
    student.expect_shape(got, (6, 3), what=student.text("{call}, X (6, 2) = table 9-1",
                                                          call="layer(X, W1, b1, identity)"))
    student.expect(got[0], A1, tol="analytic", what=student.text("the first row of {call}",
                                                                call="layer(X, W1, b1, identity)"))
    student.expect_no_mutation(what=student.text("{name} must not change its arguments", name="layer"))


@pytest.mark.function("forward")
@pytest.mark.case("seed-example")
def test_forward_seed_example(student):
    """Does forward reproduce A1, Y1, A2 and Y2 of seed 000?"""
    got = student.module.forward(_network(), np.array(X))
    student.expect_type(got, dict, what=student.text("the return value of {call}",
                                                            call="forward(...)"))
    for key in ("A1", "Y1", "A2", "Y2"):
        student.expect_true(key in got, what=student.text("the result of {name} has no key '{key}'",
                                                            name="forward", key=key))
    student.expect_shape(got["A1"], (3,), what="forward(...)['A1']")
    student.expect_shape(got["Y2"], (1,), what="forward(...)['Y2']")
    student.expect(got["A1"], A1, tol="analytic", what="A1")
    student.expect(got["Y1"], Y1, tol="analytic", what="Y1")
    student.expect(got["A2"], A2, tol="loss", what="A2")
    student.expect(got["Y2"], Y2, tol="analytic", what=student.text("Y2 (sigmoid output)"))
    student.expect_no_mutation(what=student.text("{name} must not change its arguments", name="forward"))


@pytest.mark.function("forward")
@pytest.mark.case("identity-output")
def test_forward_identity_output(student):
    """With output="identity", is Y2 the pre-activation A2 itself?"""
    got = student.module.forward(_network(), np.array(X), output="identity")
    student.expect_type(got, dict, what=student.text("the return value of {call}",
                                                            call="forward(...)"))
    student.expect(got["Y2"], A2, tol="loss", what='forward(..., output="identity")["Y2"]')


@pytest.mark.function("forward")
@pytest.mark.case("batch")
def test_forward_batch(student):
    """Does forward take the whole table 9-1 as a batch (6, 2)?"""
    got = student.module.forward(_network(), np.array(CHEESE))
    student.expect_type(got, dict, what=student.text("the return value of {call}",
                                                            call="forward(...)"))
    student.expect_shape(got["A1"], (6, 3), what="forward(network, X)['A1'], X (6, 2)")
    student.expect_shape(got["Y1"], (6, 3), what="forward(network, X)['Y1']")
    student.expect_shape(got["A2"], (6,), what="forward(network, X)['A2']")
    student.expect_shape(got["Y2"], (6,), what="forward(network, X)['Y2']")
    student.expect(got["Y1"][0], Y1, tol="analytic", what=student.text("the first row of {call}",
                                                                    call="forward(network, X)['Y1']"))
    student.expect(got["Y2"][0], Y2[0], tol="analytic", what="forward(network, X)['Y2'][0]")
    student.expect_no_mutation(what=student.text("{name} must not change its arguments", name="forward"))
