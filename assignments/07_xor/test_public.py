"""Public tests of set 07: shapes, types, unchanged arguments and the seeds' own XOR numbers.

Run them with `nngrade check xor`. They carry no points: the graded tests use other, per-student
seeds, hidden sizes, learning rates and step counts.
"""
import numpy as np
import pytest

SET = "07_xor"

# Seed 001 prints layer2 after 10000 steps with 8 significant digits.
SEED_XOR_OUTPUTS = [[0.02391914], [0.9757925], [0.97343127], [0.03041428]]
# Seed 002 prints its predictions in full and its errors with 5 decimals.
SEED_TANH_PREDICTIONS = [[0.0006183430577843577], [0.9889696478602484],
                         [0.9889970505963889], [0.0021449252379778148]]
SEED_TANH_ERRORS = [0.66537, 0.00263, 0.00088, 0.00051, 0.00036,
                    0.00027, 0.00022, 0.00018, 0.00016, 0.00014]


# ---- train_xor ---------------------------------------------------------------------------------

@pytest.mark.function("train_xor")
@pytest.mark.case("seed-example")
def test_train_xor_seed(student):
    """Are seed 001's four outputs after 10000 steps reproduced to the digits it prints?"""
    outputs, weights = student.module.train_xor()
    student.expect_shape(outputs, (4, 1), what="outputs (layer2)")
    student.expect(outputs, SEED_XOR_OUTPUTS, tol="trained",
                   what=student.text("seed 001's outputs (seed 5, 6 hidden, lr 0.2, 10000 steps)"))
    student.expect_type(weights, dict, what="weights")
    student.expect_shape(weights.get("weight0"), (3, 6),
                         what=student.text("{key}, (inputs + bias, hidden)", key="weights['weight0']"))
    student.expect_shape(weights.get("weight1"), (6, 1),
                         what=student.text("{key}, (hidden, outputs)", key="weights['weight1']"))


@pytest.mark.function("train_xor")
@pytest.mark.case("shapes")
def test_train_xor_shapes(student):
    """Do hidden, steps, lr and seed change what they should, with seed 001's (in, out) layout?"""
    outputs, weights = student.module.train_xor(steps=7, hidden=5, lr=0.3, seed=11)
    student.expect_shape(outputs, (4, 1), what="outputs (layer2)")
    student.expect_true(bool(np.all((np.asarray(outputs) > 0) & (np.asarray(outputs) < 1))),
                        what=student.text("sigmoid outputs lie between 0 and 1"))
    student.expect_shape(weights.get("weight0"), (3, 5), what=student.text("{key} with hidden=5",
                                                                          key="weights['weight0']"))
    student.expect_shape(weights.get("weight1"), (5, 1), what=student.text("{key} with hidden=5",
                                                                          key="weights['weight1']"))


# ---- momentum_update ---------------------------------------------------------------------------

@pytest.mark.function("momentum_update")
@pytest.mark.case("example")
def test_momentum_update_example(student):
    """v_new = 0.4 * 0.5 - 0.1 * 3.0 = -0.1 and w_new = 1.0 + v_new = 0.9?"""
    w_new, v_new = student.module.momentum_update(1.0, 0.5, 3.0, 0.1, 0.4)
    student.expect(v_new, 0.4 * 0.5 - 0.1 * 3.0, tol="analytic",
                   what=student.text("the new velocity: momentum·v − lr·grad (not the gradient)"))
    student.expect(w_new, 1.0 + (0.4 * 0.5 - 0.1 * 3.0), tol="analytic",
                   what=student.text("the new weight: w + v_new"))


@pytest.mark.function("momentum_update")
@pytest.mark.case("arrays")
def test_momentum_update_arrays(student):
    """Do arrays keep their shape, and are w, v and grad left unchanged?"""
    w = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.5]])
    v = np.array([[0.1, 0.0, -0.2], [0.3, -0.1, 0.0]])
    grad = np.array([[2.0, -1.0, 0.0], [0.5, 0.25, -4.0]])
    w_new, v_new = student.module.momentum_update(w, v, grad, 0.03, 0.9)
    student.expect_shape(w_new, (2, 3), what="w_new")
    student.expect_shape(v_new, (2, 3), what="v_new")
    student.expect(v_new, 0.9 * v - 0.03 * grad, tol="analytic", what="v_new = 0.9·v − 0.03·grad")
    student.expect(w_new, w + (0.9 * v - 0.03 * grad), tol="analytic", what="w_new = w + v_new")
    student.expect_no_mutation(what=student.text("w, v and grad must be unchanged"))


# ---- train_xor_tanh ----------------------------------------------------------------------------

@pytest.mark.function("train_xor_tanh")
@pytest.mark.case("seed-example")
def test_train_xor_tanh_seed(student):
    """Are seed 002's predictions and its ten printed errors reproduced?"""
    predictions, errors = student.module.train_xor_tanh()
    student.expect_shape(predictions, (4, 1), what="predictions")
    student.expect(predictions, SEED_TANH_PREDICTIONS, tol="trained",
                   what=student.text("seed 002's predictions (seed 777, 5000 iterations)"))
    student.expect_shape(errors, (10,), what=student.text("errors (one every 500 iterations)"))
    student.expect(np.round(np.asarray(errors, dtype=float), 5), SEED_TANH_ERRORS, tol="analytic",
                   what=student.text("the errors rounded to 5 decimals, as seed 002 prints them"))


@pytest.mark.function("train_xor_tanh")
@pytest.mark.case("shapes")
def test_train_xor_tanh_shapes(student):
    """Does a short run give (4, 1) predictions in (-1, 1) and one error per 500 iterations?"""
    predictions, errors = student.module.train_xor_tanh(iterations=1001, lr=0.3, momentum=0.7,
                                                        seed=13)
    student.expect_shape(predictions, (4, 1), what="predictions")
    p = np.asarray(predictions, dtype=float)
    student.expect_true(bool(np.all(np.abs(p) < 1)),
                        what=student.text("tanh outputs lie between -1 and 1"))
    student.expect_shape(errors, (3,), what=student.text("errors of iterations 0, 500 and 1000"))
