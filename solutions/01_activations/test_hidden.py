"""Hidden suite of set 01: activation functions on per-student random inputs.

Each test draws its inputs from ``student.rng`` (seeded by course salt, student id and set), runs
the same scenario on the reference and the student, and names the mistake when they differ.
Points of each test are in set.toml's [points].
"""
import numpy as np
import pytest

from nngrade.autograder.compare import numeric_array

SET = "01_activations"

ODD_ROWS = (7, 11, 13)   # batch sizes that are odd primes, so an axis mix-up changes the result


def _check(student, scenario, **check):
    """The value, and the README's rule that no function changes its argument: one test."""
    got = student.check(scenario, **check)
    student.expect_no_mutation(what=student.text("{what}: the argument must be left as it was",
                                                 what=check["what"]))
    return got


def _batch(student, scale=3.0):
    rows = ODD_ROWS[int(student.rng.integers(len(ODD_ROWS)))]
    return student.rng.normal(0.0, scale, size=(rows, 5))


def _expect_floats(student, got, what):
    """The contract's "step and relu_grad return floats": a float, or a float64 array (checked
    after the value, in the same test); ints and bools fail."""
    ok = (type(got) is float) or (isinstance(got, np.ndarray) and got.dtype == np.float64)
    if isinstance(got, np.ndarray):
        said = student.text("{what} must return floats (a float or a float64 array), not "
                            "{type} of {dtype}", what=what, type=type(got).__name__,
                            dtype=str(got.dtype))
    else:
        said = student.text("{what} must return floats (a float or a float64 array), not {type}",
                            what=what, type=type(got).__name__)
    student.expect_true(ok, what=said)


CURVE_X = np.linspace(-5.0, 5.0, 81)


def _plot_curve(student, reference, name):
    """The student's activation against the reference's, for the feedback page."""
    try:
        mine = numeric_array(getattr(student.module, name)(CURVE_X))
    except AssertionError:
        return  # the failure itself is reported by the test
    if mine is None or mine.size != CURVE_X.size:
        return  # not numbers, or not one per input: the check below says what is wrong
    theirs = getattr(reference, name)(CURVE_X)
    student.artifact("curve", title=f"{name}(a)", x=CURVE_X.tolist(),
                     series={"student": mine.ravel().tolist(),
                             "reference": np.asarray(theirs, dtype=float).tolist()},
                     xlabel="a", ylabel=f"{name}(a)")


def _outputs(student, low=0.02, high=0.98):
    """Values an activation could output (in (0, 1) for the sigmoid's derivative)."""
    return student.rng.uniform(low, high, size=(int(student.rng.choice(ODD_ROWS)), 4))


@pytest.mark.function("step")
@pytest.mark.case("random")
def test_step_random(student, reference):
    a = _batch(student)
    a[0, :3] = [0.0, -0.0, 1e-9]     # the boundary: step(0) must be 0
    got = _check(student, lambda m: m.step(a), reference=reference, what=student.text("step(a) with zeros in a"))
    _expect_floats(student, got, "step(a)")
    scalar = float(a[1, 0])
    got = _check(student, lambda m: m.step(scalar), reference=reference,
                 what=student.text("step(a) of one number"))
    _expect_floats(student, got, student.text("step(a) of one number"))


@pytest.mark.function("sigmoid")
@pytest.mark.case("random")
def test_sigmoid_random(student, reference):
    a = _batch(student)
    _plot_curve(student, reference, "sigmoid")  # drawn first: most useful when the check fails
    _check(student, lambda m: m.sigmoid(a), reference=reference, what="sigmoid(a)")


@pytest.mark.function("sigmoid")
@pytest.mark.case("extreme")
def test_sigmoid_extreme(student, reference):
    a = np.array([-1e4, -745.5, -50.0, 0.0, 50.0, 745.5, 1e4])
    _check(student, lambda m: m.sigmoid(a), reference=reference, what=student.text("sigmoid at ±1e4"))
    student.expect_no_warning(what=student.text("sigmoid must not overflow or warn at a = ±1e4"),
                              tag="sigmoid-overflow")


@pytest.mark.function("sigmoid_grad")
@pytest.mark.case("random")
def test_sigmoid_grad_random(student, reference):
    y = _outputs(student)
    _check(student, lambda m: m.sigmoid_grad(y), reference=reference,
                  what=student.text("sigmoid_grad(y) on sigmoid outputs y"))


@pytest.mark.function("tanh")
@pytest.mark.case("random")
def test_tanh_random(student, reference):
    a = _batch(student)
    _plot_curve(student, reference, "tanh")  # drawn first: most useful when the check fails
    _check(student, lambda m: m.tanh(a), reference=reference, what="tanh(a)")


@pytest.mark.function("tanh_grad")
@pytest.mark.case("random")
def test_tanh_grad_random(student, reference):
    y = _outputs(student, -0.95, 0.95)
    _check(student, lambda m: m.tanh_grad(y), reference=reference,
                  what=student.text("tanh_grad(y) on tanh outputs y"))


@pytest.mark.function("relu")
@pytest.mark.case("random")
def test_relu_random(student, reference):
    a = _batch(student)
    _plot_curve(student, reference, "relu")  # drawn first: most useful when the check fails
    _check(student, lambda m: m.relu(a), reference=reference, what="relu(a)")


@pytest.mark.function("relu_grad")
@pytest.mark.case("random")
def test_relu_grad_random(student, reference):
    y = np.maximum(_batch(student), 0.0)   # ReLU outputs: zeros and positives
    got = _check(student, lambda m: m.relu_grad(y), reference=reference,
                        what=student.text("relu_grad(y) on relu outputs y"))
    _expect_floats(student, got, "relu_grad(y)")


@pytest.mark.function("identity")
@pytest.mark.case("random")
def test_identity_random(student, reference):
    a = _batch(student)
    _check(student, lambda m: m.identity(a), reference=reference, what="identity(a)")


@pytest.mark.function("softmax")
@pytest.mark.case("random-batch")
def test_softmax_batch(student, reference):
    a = _batch(student)                # (odd prime, 5): rows must each sum to 1
    _check(student, lambda m: m.softmax(a), reference=reference, what=student.text("softmax(a) on a batch of rows"))


@pytest.mark.function("softmax")
@pytest.mark.case("extreme")
def test_softmax_extreme(student, reference):
    a = _batch(student) + np.array([1e4, 0.0, -1e4, 5e3, 2.0])
    _check(student, lambda m: m.softmax(a), reference=reference,
           what=student.text("softmax with entries near 1e4"))
    student.expect_no_warning(what=student.text("softmax must stay finite and quiet for large inputs"),
                              tag="softmax-unstable")


@pytest.mark.function("tanh_via_sigmoid")
@pytest.mark.case("random")
def test_tanh_via_sigmoid_random(student, reference):
    a = _batch(student)
    _plot_curve(student, reference, "tanh_via_sigmoid")  # drawn first: most useful when the check fails
    _check(student, lambda m: m.tanh_via_sigmoid(a), reference=reference,
                  what="tanh_via_sigmoid(a) = 2·sigmoid(2a) − 1")
