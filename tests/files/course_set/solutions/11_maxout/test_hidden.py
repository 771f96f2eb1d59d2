"""Hidden suite of set 11_maxout: per-student random inputs on both sides of the crossing point.

Weights have different slopes and the biases are never zero, so a min instead of a max, a dropped
bias or the other piece's slope each change the result. Points are in set.toml's [points].
"""
import pytest

SET = "11_maxout"


def _pieces(student):
    w1, w2 = student.rng.choice([-1, 1]) * student.rng.uniform(0.5, 3.0, size=2)
    w2 = -w2 if (w1 > 0) == (w2 > 0) and student.rng.random() < 0.5 else w2
    if abs(w1 - w2) < 0.3:
        w2 = w1 + 1.0
    b1, b2 = student.rng.uniform(0.3, 2.0, size=2) * student.rng.choice([-1, 1], size=2)
    return float(w1), float(b1), float(w2), float(b2)


def _x(student, pieces):
    w1, b1, w2, b2 = pieces
    cross = (b2 - b1) / (w1 - w2)
    # points on both sides of the crossing, never within 0.05 of it
    offsets = student.rng.uniform(0.05, 3.0, size=9) * student.rng.choice([-1, 1], size=9)
    offsets[:2] = [-1.0, 1.0]
    return cross + offsets


@pytest.mark.function("maxout")
@pytest.mark.case("random-scalar")
def test_maxout_random_scalar(student, reference):
    pieces = _pieces(student)
    x = _x(student, pieces)
    student.check(lambda m: m.maxout(x, *pieces), reference=reference,
                  what="maxout(x, w1, b1, w2, b2) with scalar weights")


@pytest.mark.function("maxout")
@pytest.mark.case("random-vector")
def test_maxout_random_vector(student, reference):
    x = student.rng.normal(0.0, 1.0, size=(int(student.rng.choice([5, 7])), 3))
    w1, w2 = student.rng.normal(0.0, 1.0, size=(2, 3))
    b1, b2 = student.rng.uniform(0.3, 1.0, size=2) * student.rng.choice([-1, 1], size=2)
    student.check(lambda m: m.maxout(x, w1, float(b1), w2, float(b2)), reference=reference,
                  what="maxout(x, w1, b1, w2, b2) with x of shape (N, 3) and weight vectors")


@pytest.mark.function("maxout_grad")
@pytest.mark.case("random")
def test_maxout_grad_random(student, reference):
    pieces = _pieces(student)
    x = _x(student, pieces)
    student.check(lambda m: m.maxout_grad(x, *pieces), reference=reference,
                  what="maxout_grad(x, w1, b1, w2, b2)")
