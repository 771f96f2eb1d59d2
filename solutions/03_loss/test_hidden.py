"""Hidden suite of set 03: the loss functions on per-student random inputs.

Losses are compared at the "loss" tolerance (relative 1e-5), and every probability a loss takes
the log of is at least 1e-2, so adding 1e-7 inside the log (as the Saito textbook does) passes.
Batches have an odd prime number of rows and more than two columns, so a mean taken instead of a
sum, or over the wrong axis, changes the value. At y_hat in {0, 1} the loss must be finite and
lie between the two accepted variants, and that test also checks the same function unsaturated.
Points of each test are in set.toml's [points].
"""
import numpy as np
import pytest

from nngrade.autograder.probe import StudentError

SET = "03_loss"

ODD_ROWS = (7, 11, 13)


def _rows(student):
    return int(student.rng.choice(ODD_ROWS))


def _labels(student, size):
    """0/1 labels with at least one of each (so both terms of the cross-entropy count)."""
    y = student.rng.integers(0, 2, size=size).astype(np.float64)
    y[0], y[1] = 0.0, 1.0
    return student.rng.permutation(y)


def _softmax_rows(student, rows, classes):
    """Rows of probabilities, each entry at least 0.1 / classes (>= 1e-2 for up to 10 classes)."""
    a = student.rng.normal(0.0, 1.5, size=(rows, classes))
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return 0.9 * e / e.sum(axis=1, keepdims=True) + 0.1 / classes


def _one_hot(student, rows, classes):
    return np.eye(classes)[student.rng.integers(0, classes, size=rows)]


# ---- mse ------------------------------------------------------------------------------------------

@pytest.mark.function("mse")
@pytest.mark.case("random-batch")
def test_mse_random_batch(student, reference):
    rows, cols = _rows(student), int(student.rng.integers(3, 7))
    t = student.rng.uniform(0.0, 1.0, size=(rows, cols))
    y = student.rng.uniform(0.0, 1.0, size=(rows, cols))
    student.check(lambda m: m.mse(t, y), reference=reference, tol="loss",
                  what=student.text("mse(t, y) on arrays of shape ({rows}, {cols})",
                                    rows=str(rows), cols=str(cols)))


@pytest.mark.function("mse")
@pytest.mark.case("random-vector")
def test_mse_random_vector(student, reference):
    size = _rows(student)
    t = student.rng.normal(0.0, 1.0, size=size)
    y = student.rng.normal(0.0, 1.0, size=size)
    student.check(lambda m: m.mse(t, y), reference=reference, tol="loss",
                  what=student.text("mse(t, y) on vectors of {size} values", size=str(size)))


@pytest.mark.function("mse")
@pytest.mark.case("random-number-target")
def test_mse_random_number_target(student, reference):
    size = _rows(student)
    t = float(student.rng.uniform(0.0, 1.0))
    y = student.rng.uniform(0.0, 1.0, size=size)
    student.check(lambda m: m.mse(t, y), reference=reference, tol="loss",
                  what=student.text("mse(t, y) with t a number and y {size} outputs (t is broadcast)",
                                    size=str(size)))


# ---- binary_cross_entropy ------------------------------------------------------------------------

@pytest.mark.function("binary_cross_entropy")
@pytest.mark.case("random-labels")
def test_bce_random_labels(student, reference):
    size = _rows(student)
    y = _labels(student, size)
    y_hat = student.rng.uniform(0.02, 0.98, size=size)
    student.check(lambda m: m.binary_cross_entropy(y, y_hat), reference=reference, tol="loss",
                  what=student.text("binary_cross_entropy(y, y_hat) with {size} labels in {{0, 1}}",
                                    size=str(size)))


@pytest.mark.function("binary_cross_entropy")
@pytest.mark.case("random-soft-labels")
def test_bce_random_soft_labels(student, reference):
    rows, cols = _rows(student), 3
    y = student.rng.uniform(0.0, 1.0, size=(rows, cols))
    y_hat = student.rng.uniform(0.02, 0.98, size=(rows, cols))
    student.check(lambda m: m.binary_cross_entropy(y, y_hat), reference=reference, tol="loss",
                  what=student.text("binary_cross_entropy(y, y_hat) with probabilities as labels, "
                                    "shape ({rows}, {cols})", rows=str(rows), cols=str(cols)))


def _bce_variants(y, y_hat):
    """The two accepted ways of keeping log(0) out: clipping y_hat to [1e-12, 1 - 1e-12] (the
    reference), and adding 1e-7 inside the log (Saito's textbook). Any value between them is
    accepted at saturated outputs, and nothing else."""
    clipped = np.clip(y_hat, 1e-12, 1 - 1e-12)
    by_clip = -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
    by_epsilon = -np.mean(y * np.log(y_hat + 1e-7) + (1 - y) * np.log(1 - y_hat + 1e-7))
    return float(min(by_clip, by_epsilon)), float(max(by_clip, by_epsilon))


@pytest.mark.function("binary_cross_entropy")
@pytest.mark.case("random-saturated")
def test_bce_random_saturated(student, reference):
    size = _rows(student)
    y = _labels(student, size)
    y_hat = student.rng.uniform(0.02, 0.98, size=size)
    # The same function away from saturation first: finiteness alone earns nothing.
    student.check(lambda m: m.binary_cross_entropy(y, y_hat), reference=reference, tol="loss",
                  what=student.text("binary_cross_entropy(y, y_hat) with {size} labels in {{0, 1}}",
                                    size=str(size)))
    # Outputs exactly 0 or 1, right and wrong: log(0) must not reach the loss.
    y_sat, y_hat_sat = y.copy(), y_hat.copy()
    y_hat_sat[:4] = [1.0, 0.0, 0.0, 1.0]
    y_sat[:4] = [1.0, 0.0, 1.0, 0.0]
    try:
        value = student.module.binary_cross_entropy(y_sat, y_hat_sat)
    except StudentError as exc:
        # math.log(0) raises "math domain error": the log reached an unclipped 0 or 1
        if exc.error_type == "ValueError" and "math domain error" in exc.summary:
            raise exc.with_tags(("bce-unclipped",))
        raise
    number = np.asarray(value) if isinstance(value, (int, float, np.ndarray)) else None
    if number is None or number.size != 1 or number.dtype.kind not in "iuf":
        student.fail(student.text("binary_cross_entropy(y, y_hat) must return one number (a float)"))
    finite = bool(np.isfinite(number).all())
    if not finite:
        student.tag("bce-unclipped")
    student.expect_true(finite, what=student.text(
        "binary_cross_entropy(y, y_hat) with some y_hat exactly 0 or 1 must be a finite float "
        "(clip y_hat to [1e-12, 1 - 1e-12])"))
    low, high = _bce_variants(y_sat, y_hat_sat)
    got = float(number.ravel()[0])
    student.expect_true(low * (1 - 1e-5) <= got <= high * (1 + 1e-5),
                        what=student.text(
                            "binary_cross_entropy(y, y_hat) with some y_hat exactly 0 or 1 must lie "
                            "between the loss with y_hat clipped to [1e-12, 1 - 1e-12] and the loss "
                            "with 1e-7 added inside the log"))


# ---- cross_entropy ---------------------------------------------------------------------------------

@pytest.mark.function("cross_entropy")
@pytest.mark.case("random-batch")
def test_cross_entropy_random_batch(student, reference):
    rows, classes = _rows(student), int(student.rng.integers(3, 7))
    T = _one_hot(student, rows, classes)
    Y = _softmax_rows(student, rows, classes)
    student.check(lambda m: m.cross_entropy(T, Y), reference=reference, tol="loss",
                  what=student.text("cross_entropy(T, Y) on a batch of {rows} rows and {classes} "
                                    "classes", rows=str(rows), classes=str(classes)))


@pytest.mark.function("cross_entropy")
@pytest.mark.case("random-example")
def test_cross_entropy_random_example(student, reference):
    classes = int(student.rng.integers(3, 8))
    T = _one_hot(student, 1, classes)[0]
    Y = _softmax_rows(student, 1, classes)[0]
    student.check(lambda m: m.cross_entropy(T, Y), reference=reference, tol="loss",
                  what=student.text("cross_entropy(t, y) on one example of {classes} classes "
                                    "(1-D arrays)", classes=str(classes)))


@pytest.mark.function("cross_entropy")
@pytest.mark.case("random-ten-classes")
def test_cross_entropy_random_ten_classes(student, reference):
    rows = 11
    T = _one_hot(student, rows, 10)
    Y = _softmax_rows(student, rows, 10)
    student.check(lambda m: m.cross_entropy(T, Y), reference=reference, tol="loss",
                  what=student.text("cross_entropy(T, Y) on 11 rows of 10 classes"))
