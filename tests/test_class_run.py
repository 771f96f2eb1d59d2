"""A class graded by `nngrade grade --jobs 2`, killed with SIGKILL half-way, resumed: it must end
exactly as an uninterrupted run of the same class (timing fields aside), with one results.json per
student and no temporary file left.

The class is the load benchmark's synthetic class (benchmarks/bench_load.py), scaled down: correct
work, one catalogue mistake, broken work, on sets 01-07, 09 and 10. Both runs grade with a frozen
copy of the kit, so that nothing edited meanwhile changes the grader between them.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from nngrade.config import init_course

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

REPO = Path(__file__).resolve().parent.parent
STUDENTS = int(os.environ.get("NNGRADE_CLASS_RUN_STUDENTS", "40"))
# Cheaper than a real class: the trainers of sets 06 and 07 are handed in less often.
HAND_IN = {"06_numerical_gradient": 0.25, "07_xor": 0.15}


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_load", REPO / "benchmarks" / "bench_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def runs():
    work = Path(tempfile.mkdtemp(prefix="nngrade-class-run-"))
    try:
        students = bench.plan_class(STUDENTS, seed=5, hostile=False, hand_in=HAND_IN)
        subs = work / "submissions"
        bench.write_class(students, subs)
        course = init_course(work / "course", name="class run", lang="en")
        env = bench.freeze_kit(work / "kit")
        out_a, out_b = work / "out-uninterrupted", work / "out-killed"
        first = bench.run_grade(bench.grade_command(subs, out_a, course), env=env)
        half = STUDENTS // 2
        killed = bench.run_grade(bench.grade_command(subs, out_b, course), env=env,
                                 kill_when=lambda: bench.results_count(out_b) >= half)
        at_kill = {p.parent.name for p in out_b.glob("*/results.json")}
        # A kill while a result is being written leaves its temporary file (write, fsync, rename):
        stale = out_b / sorted(at_kill)[0] / ".results.json.k1ll3d.tmp"
        stale.write_text('{"score": ', encoding="utf-8")
        resumed = bench.run_grade(bench.grade_command(subs, out_b, course), env=env)
        yield {"students": students, "subs": subs, "a": out_a, "b": out_b, "first": first,
               "killed": killed, "resumed": resumed, "at_kill": at_kill,
               "diff": bench.compare_outs(out_a, out_b), "strays": bench.stray_files(out_b)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_class_mixes_correct_mistaken_and_broken_work(runs):
    kinds = {s.kind for s in runs["students"]}
    assert kinds == {"correct", "mistake", "broken"}


def test_uninterrupted_run_grades_everyone(runs):
    first = runs["first"]
    assert first.returncode == 0, first.stderr[-2000:]
    assert bench.results_count(runs["a"]) == STUDENTS


def test_the_kill_came_half_way_and_left_no_process(runs):
    killed = runs["killed"]
    assert killed.killed
    assert 0 < len(runs["at_kill"]) < STUDENTS
    assert killed.left_alive == []


def test_resume_grades_only_the_rest_and_every_student_once(runs):
    resumed = runs["resumed"]
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    line = resumed.stdout.splitlines()[0]
    assert line.startswith(f"graded {STUDENTS - len(runs['at_kill'])}, unchanged {len(runs['at_kill'])},"), line
    ids = sorted(p.name for p in runs["subs"].iterdir())
    docs = [json.loads(p.read_text("utf-8")) for p in runs["b"].glob("*/results.json")]
    assert sorted(d["extra_data"]["student"] for d in docs) == ids


def test_no_temporary_file_is_left(runs):
    assert runs["strays"] == []


def test_resumed_results_equal_the_uninterrupted_run(runs):
    """results.json byte for byte apart from the timing fields, and feedback.md, per student."""
    assert runs["diff"] == {}
    for name in ("grades.csv", "moodle.csv"):
        assert (runs["a"] / name).read_bytes() == (runs["b"] / name).read_bytes()
