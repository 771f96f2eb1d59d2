"""Two mistakes at once: a student whose function holds two catalogued mistakes is told both, on
the test that shows them together, and the student-level list (results.json's
``extra_data.mistakes``) is the smallest set of mistakes that explains every diagnosed test.

The students are hand-written functions (not the kit's models) put into the reference module,
graded in process by the hidden suites; the diagnosis runs in the grading process either way."""
from __future__ import annotations

import pytest

from nngrade.autograder.reference import fresh_reference
from nngrade.autograder.results import build_results, student_mistakes
from nngrade.autograder.sets import find_set

from test_lazy_students import _grade

SOFTMAX_LOOPS = '''
def softmax(a):
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    for j in range(a.shape[1]):              # each column normalised, no shift
        column = np.exp(a[:, j])
        out[:, j] = column / column.sum()
    return out
'''
SOFTMAX_EINSUM = '''
def softmax(a):
    e = np.exp(a)
    return e / np.einsum("ij->j", e)         # sums down the columns
'''
# Set 04: the output delta's sign flipped and the hidden delta without the sigmoid's slope.
DELTAS = '''
def output_delta(t, y2):
    y2 = np.asarray(y2, dtype=float)
    return (np.asarray(t, dtype=float) - y2) * y2 * (1 - y2)

def hidden_delta(y1, W2, d2):
    return np.asarray(W2, dtype=float) * np.asarray(d2, dtype=float)
'''

STUDENTS = {
    "softmax-loops": ("01_activations", SOFTMAX_LOOPS),
    "softmax-einsum": ("01_activations", SOFTMAX_EINSUM),
    "two-deltas": ("04_backprop", DELTAS),
}


def _student(set_id: str, source: str):
    module = fresh_reference(set_id)
    exec("import math\n" + source, module.__dict__)     # the test's own student code
    return module


@pytest.fixture(scope="module")
def graded():
    students = {name: {set_id: _student(set_id, source)}
                for name, (set_id, source) in STUDENTS.items()}
    sets = tuple(find_set(s) for s in sorted({v[0] for v in STUDENTS.values()}))
    outcomes = _grade(students, sets)
    return {name: (outcomes[name], build_results(name, outcomes[name], sets, lang="en"))
            for name in STUDENTS}


@pytest.mark.parametrize("name", ["softmax-loops", "softmax-einsum"])
def test_a_softmax_on_the_wrong_axis_without_the_shift_is_named_twice(graded, name):
    outcomes, document = graded[name]
    (extreme,) = [t for t in document["tests"] if t["name"] == "01_activations/softmax/extreme"]
    assert extreme["status"] == "failed"
    assert set(extreme["tags"]) == {"softmax-axis", "softmax-unstable"}
    assert extreme["extra_data"]["explained_by"] == [["softmax-axis", "softmax-unstable"]]
    assert "softmax-axis" in extreme["output"] and "softmax-unstable" in extreme["output"]
    assert document["extra_data"]["mistakes"] == ["softmax-axis", "softmax-unstable"]


def test_mistakes_in_two_functions_are_named_together_where_they_meet(graded):
    outcomes, document = graded["two-deltas"]
    tests = {t["name"].split("/", 1)[1]: t for t in document["tests"]}
    assert tests["output_delta/random-number-target"]["tags"] == ["delta-sign"]
    assert tests["hidden_delta/random"]["tags"] == ["hidden-delta-no-derivative"]
    together = tests["gradients/random-number-target"]
    assert together["status"] == "failed"
    assert ["delta-sign", "hidden-delta-no-derivative"] in together["extra_data"]["explained_by"]
    assert document["extra_data"]["mistakes"] == ["delta-sign", "hidden-delta-no-derivative"]


def test_the_student_list_is_the_smallest_set_that_explains_every_test():
    # Two mistakes a and b; c and d only tie with them on one test each: not listed.
    assert student_mistakes([["a", "c"], ["a", "d"], ["b"]]) == ["a", "b"]
    assert student_mistakes([["a", "c"], ["b", "d"], ["a"], ["b"]]) == ["a", "b"]
    # An explanation that needs two ids brings both.
    assert student_mistakes([[("x", "y")], ["x"]]) == ["x", "y"]
    assert student_mistakes([[("x", "y"), ("z",)]]) == ["z"]
    # Nothing separates two equally small explanations: both are listed.
    assert student_mistakes([["a", "b"], ["c"]]) == ["a", "b", "c"]
    assert student_mistakes([]) == [] and student_mistakes([[], []]) == []


def test_a_single_mistake_is_not_explained_by_a_pair():
    """One catalogued mistake keeps its one name: pairs are tried only when no single model fits."""
    shifted = SOFTMAX_EINSUM.replace("e = np.exp(a)", "e = np.exp(a - np.max(a, axis=0))")
    students = {"one": {"01_activations": _student("01_activations", shifted)}}
    outcomes = _grade(students, (find_set("01_activations"),))["one"]
    tagged = {o.case: o.tags for o in outcomes if o.function == "softmax" and o.tags}
    assert set(tagged) == {"random-batch", "extreme"}
    assert all(tags == ("softmax-axis",) for tags in tagged.values())


def test_moodle_feedback_lists_the_student_level_mistakes(graded):
    from nngrade import lms
    _, document = graded["two-deltas"]
    text = lms._feedback_text(document)
    named = {tag for t in document["tests"] for tag in t["tags"]}
    assert named > set(document["extra_data"]["mistakes"])    # some tests name more than the list
    for tag in named:
        assert (f"({tag})" in text) == (tag in document["extra_data"]["mistakes"]), tag
