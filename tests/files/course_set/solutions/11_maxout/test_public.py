"""Public tests of set 11_maxout: `nngrade check maxout`. Seed 003's maxout(x, 2, -1, -1, 1)."""
import pytest

SET = "11_maxout"


@pytest.mark.function("maxout")
@pytest.mark.case("seed-example")
def test_maxout_seed_example(student):
    got = student.module.maxout([-5.0, 0.0, 5.0], 2, -1, -1, 1)
    student.expect(got, [6.0, 1.0, 9.0], tol="analytic", what="maxout([-5, 0, 5], 2, -1, -1, 1)")


@pytest.mark.function("maxout_grad")
@pytest.mark.case("seed-example")
def test_maxout_grad_seed_example(student):
    got = student.module.maxout_grad([-5.0, 0.0, 5.0], 2, -1, -1, 1)
    student.expect(got, [-1.0, -1.0, 2.0], tol="analytic",
                   what="maxout_grad([-5, 0, 5], 2, -1, -1, 1)")
