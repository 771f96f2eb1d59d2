"""Public tests of set 03 (loss functions): run them with `nngrade check loss`.

They check types, that no argument is changed, and the seeds' worked values.
The graded (hidden) tests use other, random targets and outputs.
"""
import numpy as np
import pytest

SET = "03_loss"


def _seed_003_predictions():
    """Seed 003's data set and its 2-3-1 network's predictions before training (the seed's code)."""
    X = np.random.RandomState(317).rand(100, 2) * 4 - 2        # = np.random.seed(317); np.random.rand
    y = (X[:, 1] + 1 > X[:, 0] ** 2).astype(int)
    x1, x2 = X[:, 0], X[:, 1]
    relu = lambda a: np.maximum(0, a)
    a1 = 0 + 0.1 * x1 + 0.1 * x2
    a2 = 0 + 0.2 * x1 + 0.2 * x2
    a3 = 0 + 0.3 * x1 + 0.3 * x2
    ay1 = 0 + 0.1 * relu(a1) + 0.3 * relu(a2) + 0.3 * relu(a3)
    return y.astype(float), 1 / (1 + np.exp(-ay1))


@pytest.mark.function("mse")
@pytest.mark.case("seed-example")
def test_mse_seed_example(student):
    """Does mse give seed 000's error 0.1219228944272693 for t = 1, y = 0.50619256?"""
    got = student.module.mse(1.0, np.array([0.50619256]))
    student.expect_type(got, float, what=student.text("the return value of {call}", call="mse(t, y)"))
    student.expect(got, 0.1219228944272693, tol="loss", what="mse(1, [0.50619256])")
    student.expect_no_mutation(what=student.text("{name} must not change its arguments", name="mse"))


@pytest.mark.function("mse")
@pytest.mark.case("three-outputs")
def test_mse_three_outputs(student):
    """Is mse one half of the SUM of squared errors (not a mean) over several outputs?"""
    got = student.module.mse(np.array([1.0, 0.0, 0.5]), np.array([0.5, 0.5, 0.5]))
    student.expect(got, 0.25, tol="loss", what="mse([1, 0, 0.5], [0.5, 0.5, 0.5]) = ½(0.25 + 0.25 + 0)")


@pytest.mark.function("binary_cross_entropy")
@pytest.mark.case("seed-example")
def test_binary_cross_entropy_seed_example(student):
    """Does binary_cross_entropy give seed 003's loss 0.6832187873470724?"""
    y, y_hat = _seed_003_predictions()
    got = student.module.binary_cross_entropy(y, y_hat)
    student.expect_type(got, float, what=student.text("the return value of {call}",
                                                          call="binary_cross_entropy(y, y_hat)"))
    student.expect(got, 0.6832187873470724, tol="loss",
                   what=student.text("binary_cross_entropy on seed 003's 100 points "
                                     "(np.random.seed(317))"))
    student.expect_no_mutation(
        what=student.text("{name} must not change its arguments", name="binary_cross_entropy"))


@pytest.mark.function("binary_cross_entropy")
@pytest.mark.case("saturated")
def test_binary_cross_entropy_saturated(student):
    """Is binary_cross_entropy finite, small and quiet when y_hat is exactly 0 or 1 and right?"""
    got = student.module.binary_cross_entropy(np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.0, 1.0]))
    student.expect_type(got, float, what=student.text("the return value of {call}",
                                                          call="binary_cross_entropy(y, y_hat)"))
    student.expect_true(bool(np.isfinite(got)) and abs(got) < 1e-6,
                        what=student.text("at y_hat = 0 or 1 (and right) the loss must be finite and "
                                          "near 0, got {got}", got=repr(got)))
    student.expect_no_warning(what=student.text("a log(0) warning"), tag="bce-unclipped")


@pytest.mark.function("cross_entropy")
@pytest.mark.case("batch")
def test_cross_entropy_batch(student):
    """Is cross_entropy -sum(T log Y) averaged over the rows?"""
    T = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    Y = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])
    got = student.module.cross_entropy(T, Y)
    student.expect_type(got, float, what=student.text("the return value of {call}",
                                                          call="cross_entropy(T, Y)"))
    student.expect(got, 0.5249110622493389, tol="loss", what="cross_entropy(T, Y) = −(log 0.7 + log 0.5) / 2")
    student.expect_no_mutation(what=student.text("{name} must not change its arguments",
                                                   name="cross_entropy"))


@pytest.mark.function("cross_entropy")
@pytest.mark.case("zero-probability")
def test_cross_entropy_zero_probability(student):
    """Is cross_entropy finite when the softmax gave the target class probability 0?"""
    got = student.module.cross_entropy(np.array([[0.0, 0.0, 1.0]]), np.array([[0.5, 0.5, 0.0]]))
    student.expect_type(got, float, what=student.text("the return value of {call}",
                                                          call="cross_entropy(T, Y)"))
    student.expect_true(bool(np.isfinite(got)) and got > 10.0,
                        what=student.text("with probability 0 on the target the loss must be large "
                                          "but finite, got {got}", got=repr(got)))
    student.expect_no_warning(what=student.text("a log(0) warning"))
