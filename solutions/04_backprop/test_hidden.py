"""Hidden suite of set 04: backpropagation and SGD on per-student random networks.

Networks have h != n (a transposed gradient then has the wrong shape), biases and gradients are
nonzero, targets come as a number and as an array of shape (1,), and learning rates are drawn
away from 0.01 as well as set to 0.01 (so "0.1 instead of lr" and "10 * lr" are told apart).
Changes made by `train_step` are compared as (new - old), where a hidden delta computed with the
already-updated W2 stands out. Functions must not change their arguments: that is checked in the value tests, after the value,
so a function returning constants of the right shape earns nothing for leaving them alone.
Points of each test are in set.toml's [points].
"""
import numpy as np
import pytest

SET = "04_backprop"

NETWORK_KEYS = ("W1", "b1", "W2", "b2")


def _sizes(student):
    """(n, h): inputs 2..5 and hidden neurons 3..7, never equal."""
    n = int(student.rng.integers(2, 6))
    h = int(student.rng.choice([k for k in range(3, 8) if k != n]))
    return n, h


def _signed(student, size, low, high):
    return student.rng.uniform(low, high, size=size) * student.rng.choice([-1.0, 1.0], size=size)


def _network(student, n, h):
    """Seed 000's layout: W1 (h, n), b1 (h,), W2 (h,), b2 (1,), values of order 1."""
    rng = student.rng
    return {"W1": rng.normal(0.0, 1.0, size=(h, n)),
            "b1": _signed(student, h, 0.2, 1.0),
            "W2": _signed(student, h, 0.5, 2.0),
            "b2": _signed(student, 1, 0.2, 1.0)}


def _example(student, n, as_array):
    """One input x (n,) and its target t, a number or an array of shape (1,)."""
    x = student.rng.normal(0.0, 1.0, size=n)
    t = float(student.rng.choice([0.05, 0.95]) + student.rng.uniform(-0.04, 0.04))
    return x, (np.array([t]) if as_array else t)


def _grads(student, n, h):
    return {"W1": student.rng.normal(0.0, 0.5, size=(h, n)),
            "b1": _signed(student, h, 0.1, 0.5),
            "W2": _signed(student, h, 0.1, 0.5),
            "b2": _signed(student, 1, 0.1, 0.5)}


def _lr(student):
    """A learning rate that is neither 0.01, 0.1 nor a round fraction."""
    return float(np.round(student.rng.uniform(0.021, 0.089), 4))


def _expect_arguments_unchanged(student, what):
    """No mutation, checked after the value: it scores only with a right value (same test)."""
    student.expect_no_mutation(what=what, tag="mutates-input")


# ---- output_delta -------------------------------------------------------------------------------

@pytest.mark.function("output_delta")
@pytest.mark.case("random-number-target")
def test_output_delta_number_target(student, reference):
    t = float(student.rng.uniform(0.0, 1.0))
    y2 = student.rng.uniform(0.05, 0.95, size=1)
    student.check(lambda m: m.output_delta(t, y2), reference=reference,
                  what=student.text("output_delta(t, y2) with t a number, y2 of shape (1,)"))


@pytest.mark.function("output_delta")
@pytest.mark.case("random-array-target")
def test_output_delta_array_target(student, reference):
    t = student.rng.uniform(0.0, 1.0, size=1)
    y2 = student.rng.uniform(0.05, 0.95, size=1)
    student.check(lambda m: m.output_delta(t, y2), reference=reference,
                  what=student.text("output_delta(t, y2) with t and y2 of shape (1,)"))


# ---- hidden_delta -------------------------------------------------------------------------------

@pytest.mark.function("hidden_delta")
@pytest.mark.case("random")
def test_hidden_delta_random(student, reference):
    n, h = _sizes(student)
    y1 = student.rng.uniform(0.05, 0.95, size=h)
    W2 = student.rng.normal(0.0, 1.0, size=h)
    d2 = _signed(student, 1, 0.01, 0.2)
    student.check(lambda m: m.hidden_delta(y1, W2, d2), reference=reference,
                  what=student.text("hidden_delta(y1, W2, d2) with {h} hidden neurons", h=str(h)))


@pytest.mark.function("hidden_delta")
@pytest.mark.case("random-wide")
def test_hidden_delta_random_wide(student, reference):
    h = int(student.rng.integers(8, 14))
    y1 = student.rng.uniform(0.05, 0.95, size=h)
    W2 = student.rng.normal(0.0, 2.0, size=h)
    d2 = _signed(student, 1, 0.01, 0.2)
    student.check(lambda m: m.hidden_delta(y1, W2, d2), reference=reference,
                  what=student.text("hidden_delta(y1, W2, d2) with {h} hidden neurons", h=str(h)))


# ---- gradients ----------------------------------------------------------------------------------

@pytest.mark.function("gradients")
@pytest.mark.case("random-number-target")
def test_gradients_number_target(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    x, t = _example(student, n, as_array=False)
    student.check(lambda m: m.gradients(net, x, t), reference=reference,
                  what=student.text("gradients(network, x, t) with x ({n},), {h} hidden neurons, "
                                    "t a number", n=str(n), h=str(h)))
    _expect_arguments_unchanged(student, student.text("gradients must leave network, x and t "
                                                      "unchanged"))


@pytest.mark.function("gradients")
@pytest.mark.case("random-array-target")
def test_gradients_array_target(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    x, t = _example(student, n, as_array=True)
    student.check(lambda m: m.gradients(net, x, t), reference=reference,
                  what=student.text("gradients(network, x, t) with x ({n},), {h} hidden neurons, "
                                    "t of shape (1,)", n=str(n), h=str(h)))
    _expect_arguments_unchanged(student, student.text("gradients must leave network, x and t "
                                                      "unchanged"))


@pytest.mark.function("gradients")
@pytest.mark.case("random-wide-input")
def test_gradients_wide_input(student, reference):
    h = int(student.rng.integers(2, 4))
    n = int(student.rng.integers(h + 2, 9))    # more inputs than hidden neurons
    net = _network(student, n, h)
    x, t = _example(student, n, as_array=False)
    student.check(lambda m: m.gradients(net, x, t), reference=reference,
                  what=student.text("gradients(network, x, t) with x ({n},), {h} hidden neurons",
                                    n=str(n), h=str(h)))


# ---- sgd_step ------------------------------------------------------------------------------------

@pytest.mark.function("sgd_step")
@pytest.mark.case("random-lr")
def test_sgd_step_random_lr(student, reference):
    n, h = _sizes(student)
    net, grads, lr = _network(student, n, h), _grads(student, n, h), _lr(student)
    student.check(lambda m: m.sgd_step(net, grads, lr), reference=reference,
                  what=f"sgd_step(network, grads, lr={lr})")
    _expect_arguments_unchanged(student, student.text("sgd_step must return a new dict and leave "
                                                      "network and grads unchanged"))


@pytest.mark.function("sgd_step")
@pytest.mark.case("random-lr-0.01")
def test_sgd_step_lr_001(student, reference):
    n, h = _sizes(student)
    net, grads = _network(student, n, h), _grads(student, n, h)
    student.check(lambda m: m.sgd_step(net, grads, 0.01), reference=reference,
                  what="sgd_step(network, grads, lr=0.01)")
    _expect_arguments_unchanged(student, student.text("sgd_step must return a new dict and leave "
                                                      "network and grads unchanged"))


# ---- train_step -----------------------------------------------------------------------------------

def _part(result, index):
    """result[index] of a (network, loss) pair; anything else is returned whole to be compared."""
    return result[index] if isinstance(result, (tuple, list)) and len(result) == 2 else result


def _change(new, old):
    """new - old for each parameter; a value of another kind or shape is returned as it is."""
    if not isinstance(new, dict) or set(new) != set(old):
        return new
    change = {}
    for k, before in old.items():
        after = np.asarray(new[k]) if isinstance(new[k], (np.ndarray, list, float, int)) else None
        ok = after is not None and after.dtype.kind in "iuf" and after.shape == before.shape
        change[k] = after.astype(np.float64) - before if ok else new[k]
    return change


def _train_change(net, x, t, lr):
    """A scenario: the change train_step makes to each parameter (new - old)."""
    return lambda m: _change(_part(m.train_step(net, x, t, lr), 0), net)


@pytest.mark.function("train_step")
@pytest.mark.case("random-lr")
def test_train_step_random_lr(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    x, t = _example(student, n, as_array=False)
    lr = round(_lr(student) * 10, 3)     # a large step (0.21 to 0.89): the order of updates shows
    student.check(_train_change(net, x, t, lr), reference=reference,
                  what=student.text("the change train_step(network, x, t, lr={lr}) makes to each "
                                    "parameter (new − old)", lr=str(lr)))
    _expect_arguments_unchanged(student, student.text("train_step must return a new network and "
                                                      "leave its arguments unchanged"))


@pytest.mark.function("train_step")
@pytest.mark.case("random-lr-0.01")
def test_train_step_lr_001(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    x, t = _example(student, n, as_array=True)
    student.check(_train_change(net, x, t, 0.01), reference=reference,
                  what=student.text("the change train_step(network, x, t, lr=0.01) makes to each "
                                    "parameter (new − old), t of shape (1,)"))
    _expect_arguments_unchanged(student, student.text("train_step must return a new network and "
                                                      "leave its arguments unchanged"))


@pytest.mark.function("train_step")
@pytest.mark.case("random-loss")
def test_train_step_loss(student, reference):
    n, h = _sizes(student)
    net = _network(student, n, h)
    x, t = _example(student, n, as_array=bool(student.rng.integers(2)))
    lr = _lr(student)
    student.check(lambda m: _part(m.train_step(net, x, t, lr), 1), reference=reference, tol="loss",
                  what=student.text("the loss train_step returns (E = ½·Σ(t − Y2)² before the "
                                    "update)"))
    _expect_arguments_unchanged(student, student.text("train_step must return a new network and "
                                                      "leave its arguments unchanged"))


