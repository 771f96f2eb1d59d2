"""The same class graded twice gives the same results: results.json byte for byte apart from the
declared timing fields (autograder/results.py: TIMING_FIELDS), the same feedback pages and the
same class files, whatever the number of job slots; and a third run finds nothing to regrade.

The class: `nngrade demo`'s built-in class (correct work, catalogue mistakes, a syntax error) and
students who hand in one broken or hostile module each (benchmarks/bench_load.py's kinds, the
infinite loop aside: it only costs time).
"""
from __future__ import annotations

import importlib.util
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

from nngrade.autograder.results import TIMING_FIELDS, without_timing
from nngrade.config import init_course
from nngrade.autograder.sets import parse_sets
from nngrade.demo import DEMO_SPEC, build_class

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

REPO = Path(__file__).resolve().parent.parent


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_load", REPO / "benchmarks" / "bench_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def _extra_students(subs: Path) -> None:
    for kind in bench.BROKEN:
        source = bench._broken(kind, "09_perceptron")
        folder = subs / f"broken-{kind}"
        folder.mkdir()
        if source is None:
            (folder / "notes.txt").write_text("nothing this week\n", encoding="utf-8")
        else:
            (folder / "perceptron.py").write_text(source, encoding="utf-8")
    for kind, (set_id, code) in bench.HOSTILE.items():
        if kind == "infinite-loop":
            continue
        folder = subs / f"hostile-{kind}"
        folder.mkdir()
        (folder / f"{bench.MODULES[set_id]}.py").write_text(bench.reference(set_id) + code, encoding="utf-8")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """`nngrade grade` with two job slots, then with one, then again into the first OUT; all with
    one frozen copy of the kit (files edited meanwhile must not change the grader)."""
    base = tmp_path_factory.mktemp("determinism")
    subs = base / "submissions"
    build_class(subs)
    _extra_students(subs)
    sets = [s.id for s in parse_sets(tomllib.loads(DEMO_SPEC.read_text(encoding="utf-8"))["sets"])]
    course = init_course(base / "course", name="determinism", lang="en")
    env = bench.freeze_kit(base / "kit")
    outs, runs = [base / "out-jobs2", base / "out-jobs1"], []
    for out, jobs in zip(outs, (2, 1)):
        runs.append(bench.run_grade(bench.grade_command(subs, out, course, jobs, sets), env=env))
    again = bench.run_grade(bench.grade_command(subs, outs[0], course, 2, sets), env=env)
    return {"subs": subs, "outs": outs, "runs": runs, "again": again}


def _students(out: Path) -> list[str]:
    return sorted(p.parent.name for p in out.glob("*/results.json"))


def test_both_runs_graded_everyone(two_runs):
    ids = sorted(p.name for p in two_runs["subs"].iterdir())
    for out, run in zip(two_runs["outs"], two_runs["runs"]):
        assert run.returncode == 0, run.stderr[-2000:]
        assert _students(out) == ids


def test_results_are_byte_identical_apart_from_timing(two_runs):
    a, b = two_runs["outs"]
    differ = {}
    for sid in _students(a):
        da = json.loads((a / sid / "results.json").read_text("utf-8"))
        db = json.loads((b / sid / "results.json").read_text("utf-8"))
        assert any(k in da for k in TIMING_FIELDS)          # the timing fields exist ...
        fields = sorted(set(_paths(without_timing(da))) ^ set(_paths(without_timing(db))))
        if fields:
            differ[sid] = sorted({re.sub(r"=.*", "", f) for f in fields})
        elif bench.comparable_bytes(a / sid / "results.json") != bench.comparable_bytes(b / sid / "results.json"):
            differ[sid] = ["byte order or layout"]
    assert differ == {}


def _paths(value, path=""):
    """Every leaf as 'path=value' (so a symmetric difference names what changed)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, f"{path}[{i}]")
    else:
        yield f"{path}={json.dumps(value, sort_keys=True)}"


@pytest.mark.parametrize("page", ["feedback.md", "feedback.html"])
def test_feedback_pages_are_identical(two_runs, page):
    a, b = two_runs["outs"]
    assert [s for s in _students(a) if (a / s / page).read_bytes() != (b / s / page).read_bytes()] == []


@pytest.mark.parametrize("name", ["grades.csv", "moodle.csv", "summary.html"])
def test_class_files_are_identical(two_runs, name):
    a, b = two_runs["outs"]
    assert (a / name).read_bytes() == (b / name).read_bytes()


def test_a_third_run_finds_nothing_to_regrade(two_runs):
    again = two_runs["again"]
    assert again.returncode == 0, again.stderr[-2000:]
    n = len(_students(two_runs["outs"][0]))
    assert again.stdout.startswith(f"graded 0, unchanged {n}, failed 0"), again.stdout
