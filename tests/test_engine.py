"""Does the grading engine score, name mistakes and lay out results as the contract says?

These run the real suites with trusted modules (the reference and the mistake models) served in
process, which is fast; the same suites against student code in the sandbox are covered by
tests/test_grading_sandbox.py.
"""
import json
import re

import pytest

from nngrade.autograder import catalogue
from nngrade.autograder.mistakes import models_for
from nngrade.autograder.plugin import GradingPlugin, StudentJob
from nngrade.autograder.probe import student_seed
from nngrade.autograder.reference import fresh_reference
from nngrade.autograder.results import build_results
from nngrade.autograder.suite_session import TrustedStudent, run_suites, suite_paths
from nngrade.autograder.sets import SETS, find_set

GRADED_SETS = tuple(s for s in SETS if s.file("test_hidden.py").is_file())
# MNIST training tests need data and minutes; its suite is exercised in tests/test_mnist_grading.py
FAST_SETS = tuple(s for s in GRADED_SETS if s.id != "08_mnist")


def grade_trusted(students: dict[str, dict], sets, lang="en", salt="course-salt"):
    """Grade named students made of trusted modules; returns {student: [TestOutcome]}."""
    queue = [StudentJob(name, {}) for name in students]
    results = {}
    plugin = GradingPlugin(next_job=lambda: queue.pop(0) if queue else None,
                           open_student=lambda job: TrustedStudent(students[job.student_id]),
                           on_done=lambda job, outcomes, secs: results.__setitem__(job.student_id, outcomes),
                           salt=salt, lang=lang)
    run_suites(suite_paths(sets), plugin)
    return results


@pytest.fixture(scope="module")
def reference_outcomes():
    students = {"reference": {s.id: fresh_reference(s.id) for s in FAST_SETS}, "nobody": {}}
    return grade_trusted(students, FAST_SETS)


def test_reference_gets_full_marks(reference_outcomes):
    """Does the reference pass every public and hidden test of every set?"""
    outcomes = reference_outcomes["reference"]
    failed = [(o.name, o.summary) for o in outcomes if not o.passed]
    assert not failed
    assert outcomes, "no tests were collected"


def test_each_set_is_worth_100_points(reference_outcomes):
    per_set = {}
    for o in reference_outcomes["reference"]:
        per_set[o.set_id] = per_set.get(o.set_id, 0) + o.max_score
    for s in FAST_SETS:
        assert per_set.get(s.id) == pytest.approx(100.0), s.id


def test_missing_module_fails_every_test_with_not_submitted(reference_outcomes):
    outcomes = reference_outcomes["nobody"]
    assert outcomes and all(not o.passed for o in outcomes)
    assert all("not submitted" in o.summary for o in outcomes)
    assert all(o.tags == () for o in outcomes)


def test_seed_examples_carry_no_points_and_random_inputs_do(reference_outcomes):
    outcomes = reference_outcomes["reference"]
    public = [o for o in outcomes if o.visibility == "visible"]
    hidden = [o for o in outcomes if o.visibility != "visible"]
    assert all(o.max_score == 0 for o in public)
    assert sum(o.max_score for o in hidden) == pytest.approx(100.0 * len(FAST_SETS))


@pytest.mark.parametrize("exercise_set", FAST_SETS, ids=lambda s: s.id)
def test_every_mistake_model_is_named_by_the_suite(exercise_set):
    """Graded as a student, does each mistake model lose points and get its own id named?"""
    models = models_for(exercise_set.id)
    if not models:
        pytest.skip(f"no mistake models for {exercise_set.id}")
    students = {m.label: {exercise_set.id: m.module()} for m in models}
    results = grade_trusted(students, (exercise_set,))
    unnamed = []
    for model in models:
        outcomes = results[model.label]
        tags = {t for o in outcomes for t in o.tags}
        if model.id not in tags:
            unnamed.append((model.label, sorted(tags),
                            [o.name for o in outcomes if not o.passed][:4]))
    assert not unnamed


def test_names_are_unique_stable_and_shaped(reference_outcomes):
    names = [o.name for o in reference_outcomes["reference"]]
    assert len(names) == len(set(names))
    for name in names:
        set_id, function, case = name.split("/")
        assert function in find_set(set_id).functions, name
        assert re.fullmatch(r"[\w.\-]+", case), name


def test_results_json_follows_gradescope_schema():
    outcomes = grade_trusted({"nobody": {}}, FAST_SETS[:1], lang="ko")["nobody"]
    doc = build_results("s1", outcomes, FAST_SETS[:1], lang="ko")
    json.dumps(doc)
    assert doc["score"] == 0
    for t in doc["tests"]:
        assert set(t) >= {"name", "score", "max_score", "status", "output", "tags", "visibility",
                          "extra_data"}
        assert t["status"] in ("passed", "failed")
        assert t["visibility"] in ("visible", "after_published", "hidden", "after_due_date")
        assert set(t["extra_data"]) >= {"set", "function"}
        assert "제출되지" in t["output"]        # Korean message when --lang ko


def test_tags_hold_catalogue_ids_only():
    """Are all ids the models use documented in the catalogue with both languages?"""
    for s in SETS:
        for m in models_for(s.id):
            entry = catalogue.entries().get(m.id)
            assert entry is not None, f"{m.id}: no hints.toml describes it"
            assert all(entry.get(k) for k in catalogue.TEXT_KEYS), m.id


def test_per_student_seed_depends_on_salt_student_and_set():
    a = student_seed("salt", "s1", "04_backprop")
    assert a == student_seed("salt", "s1", "04_backprop")
    assert len({a, student_seed("salt", "s2", "04_backprop"), student_seed("other", "s1", "04_backprop"),
                student_seed("salt", "s1", "05_gradient_descent")}) == 4


def test_two_students_get_different_inputs():
    """Does hard-coding one student's expected values fail for another student?"""
    s = FAST_SETS[0]
    ref = fresh_reference(s.id)
    seen = {}
    from nngrade.autograder.probe import LocalBackend, StudentProbe
    for student in ("s1", "s2"):
        probe = StudentProbe(s.id, LocalBackend(ref), student_id=student, salt="x", test_name="t")
        seen[student] = probe.rng.normal(size=5)
    assert not (seen["s1"] == seen["s2"]).all()


def readme_points(s) -> dict[str, float]:
    """The points table of a set's README (English part): | `function` ... | points ..."""
    text = s.file("README.md").read_text(encoding="utf-8")
    english = text[text.index("## English"):] if "## English" in text else text
    rows = re.findall(r"(?m)^\|\s*`([A-Za-z_][\w.]*)`[^|\n]*\|\s*(\d+)\b", english)
    return {name: float(points) for name, points in rows if name in s.functions}


def test_suite_points_match_each_sets_published_table(reference_outcomes):
    """Do the hidden tests give each function exactly the points its README table promises?"""
    by_function = {}
    for o in reference_outcomes["reference"]:
        key = (o.set_id, o.function)
        by_function[key] = by_function.get(key, 0) + o.max_score
    for s in FAST_SETS:
        table = readme_points(s)
        assert set(table) == set(s.functions), f"{s.id}: the README's points table lists {table}"
        got = {f: p for (sid, f), p in by_function.items() if sid == s.id and p}
        assert got == {f: p for f, p in table.items() if p}, s.id


def test_ci_runs_the_readme_test_command():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8").splitlines()
    block = readme[readme.index("```sh") + 1: readme.index("```sh") + 3]
    command = block[1].split(" #")[0].strip()      # without its "# not run by the tests" note
    assert command in (root / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_student_mistakes_drop_an_id_the_separating_inputs_rule_out():
    """When a seed example cannot tell two mistakes apart, do the other tests decide?"""
    from nngrade.autograder.results import student_mistakes
    assert student_mistakes([["mse-mean", "mse-missing-half"], ["mse-missing-half"], []]) == ["mse-missing-half"]
    assert student_mistakes([["delta-sign", "gradient-ascent"], ["delta-sign"]]) == ["delta-sign"]
    assert student_mistakes([["a", "b"]]) == ["a", "b"]          # nothing separates them: both
    assert student_mistakes([["a"], ["b"], ["a", "b"]]) == ["a", "b"]
    assert student_mistakes([[], []]) == []
