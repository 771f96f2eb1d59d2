"""One class graded on one local job slot, on two, and on two Dask workers (a real `dask
scheduler` and two `dask worker --nthreads 1` processes on 127.0.0.1), with per-student costs,
and what they project for a 500-student course with MNIST on N workers.

    python benchmarks/bench_cluster.py [--students 40] [--write]

Each run is `nngrade grade` as a subprocess into a fresh OUT (the workers are started before
the cluster run, as a user has them running). Per-student grading cost is the mean of the
students' `execution_time` (seconds in a job slot); the rest of the wall time is the run's own
overhead (starting slots, collecting the suites, dispatch, the class pages). The coordinator's
CPU seconds per student are what the instructor's machine spends per student in the cluster
run (receiving, writing pages and results.json). Every cluster results.json is compared with the
one-slot run's (timing fields aside). `--write` puts the figures into benchmarks/RESULTS.md
between its bench_cluster markers.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import bench_load  # noqa: E402
from cluster_util import DaskCluster  # noqa: E402

MNIST_BUDGET = 120.0          # CPU seconds of set 08's training per student (set.toml's default)
COURSE_STUDENTS = 500
WORKERS = (1, 2, 8, 16, 32, 64, 128, 256)
BEGIN, END = "<!-- bench_cluster:begin -->", "<!-- bench_cluster:end -->"


def run(cmd: list[str], cwd: Path) -> dict:
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"bench_cluster: {' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return {"wall": wall, "cpu": cpu, "stdout": done.stdout}


def per_student(out: Path) -> list[float]:
    return [json.loads(p.read_text())["execution_time"] for p in sorted(out.glob("*/results.json"))]


def projection(grade_s: float, overhead_s: float, coordinator_s: float) -> list[tuple]:
    """(N, worker seconds per student, hours) for COURSE_STUDENTS students with set 08's
    training budget on N single-slot workers; bounded below by the coordinator's own time."""
    rows = []
    each = grade_s + MNIST_BUDGET
    for n in WORKERS:
        rounds = math.ceil(COURSE_STUDENTS / n)
        workers_bound = rounds * each
        coordinator_bound = COURSE_STUDENTS * coordinator_s
        rows.append((n, each, (max(workers_bound, coordinator_bound) + overhead_s) / 3600,
                     "coordinator" if coordinator_bound > workers_bound else "workers"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--write", action="store_true", help="write the figures into RESULTS.md")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="nngrade-bench-cluster-"))
    cluster = None
    try:
        subs = work / "subs"
        bench_load.write_class(bench_load.plan_class(args.students, args.seed, hostile=False), subs)
        from nngrade.config import init_course
        course = init_course(work / "course", name="bench cluster", lang="en")
        load_start = os.getloadavg()[0]
        runs = {}
        for label, extra in (("1 local slot", ["--jobs", "1"]), ("2 local slots", ["--jobs", "2"])):
            out = work / re.sub(r"\W+", "-", label)
            runs[label] = dict(run(bench_load.grade_command(subs, out, course, int(extra[1])), work),
                               out=out, slots=int(extra[1]))
            print(f"{label}: {runs[label]['wall']:.1f} s", flush=True)
        cluster = DaskCluster(work / "dask", workers=2)
        cluster.wait_for_workers(2)
        out = work / "2-dask-workers"
        cmd = bench_load.grade_command(subs, out, course, 2)
        cmd = [c for c in cmd if c not in ("--jobs", "2")] + ["--cluster", cluster.address]
        runs["2 Dask workers"] = dict(run(cmd, work), out=out, slots=2)
        print(f"2 Dask workers: {runs['2 Dask workers']['wall']:.1f} s", flush=True)
        load_end = os.getloadavg()[0]

        base = runs["1 local slot"]["out"]
        diffs = bench_load.compare_outs(base, out)
        rows = []
        for label, r in runs.items():
            times = per_student(r["out"])
            grade_s = sum(times) / len(times)
            overhead = r["wall"] - sum(times) / r["slots"]
            rows.append((label, r["wall"], len(times) / r["wall"] * 60, r["wall"] / len(times),
                         grade_s, overhead, r["cpu"] / len(times), len(times)))
        cluster_row = rows[-1]
        local_grade = rows[0][4]
        proj = projection(cluster_row[4], cluster_row[5], cluster_row[6])

        lines = [f"Machine: {bench_load.machine()}, {load_end:.2f} at the end (the machine is "
                 "shared with other work). The Dask workers were started before their run "
                 "(their own start is not in its wall time; their job slots' start is).",
                 f"Class: {args.students} synthetic students (benchmarks/bench_load.py, seed "
                 f"{args.seed}, no hostile ones), sets {' '.join(s[:2] for s in bench_load.SETS)}.",
                 "",
                 "| run | wall time | students/min | wall s per student | grading s per student (in a slot) | run overhead | coordinator CPU s per student | results |",
                 "|---|---:|---:|---:|---:|---:|---:|---|"]
        for label, wall, per_min, per, grade_s, overhead, cpu, n in rows:
            lines.append(f"| {label} | {wall:.1f} s | {per_min:.0f} | {per:.2f} | {grade_s:.3f} | "
                         f"{overhead:.1f} s | {cpu:.3f} | {n} of {args.students} |")
        lines += ["",
                  f"Cluster results.json against the one-slot run's (timing fields aside): "
                  f"{bench_load.describe_diffs(diffs)}. A student costs {cluster_row[4]:.3f} s in "
                  f"a worker's slot against {local_grade:.3f} s in a local one; the coordinator "
                  f"CPU column of the local runs includes their job slots (children of the "
                  f"command), the cluster's is the instructor's machine alone.",
                  "",
                  f"Projection: {COURSE_STUDENTS} students, each costing the measured "
                  f"{cluster_row[4]:.2f} s of sets 01-07, 09, 10 plus set 08's full training "
                  f"budget of {MNIST_BUDGET:.0f} CPU s (the upper bound: the trainer is stopped "
                  "there; one core per worker), on N single-slot workers, plus the measured run "
                  f"overhead ({cluster_row[5]:.0f} s). The coordinator needs "
                  f"{cluster_row[6]:.3f} CPU s per student (its start included), "
                  f"{COURSE_STUDENTS * cluster_row[6]:.0f} s for the course, done while the "
                  "workers grade; it would bound the run only beyond about "
                  f"{(cluster_row[4] + MNIST_BUDGET) / cluster_row[6]:.0f} workers.",
                  "",
                  "| workers | s per student | rounds | wall time | bound by |",
                  "|---:|---:|---:|---:|---|"]
        for n, each, hours, bound in proj:
            lines.append(f"| {n} | {each:.0f} | {math.ceil(COURSE_STUDENTS / n)} | "
                         f"{hours:.2f} h ({hours * 60:.0f} min) | {bound} |")
        text = "\n".join(lines)
        print(text)
        if args.write:
            results = HERE / "RESULTS.md"
            section = (f"{BEGIN}\n## Grading on a Dask cluster (benchmarks/bench_cluster.py)\n\n"
                       f"Measured {time.strftime('%Y-%m-%d')} with `python benchmarks/bench_cluster.py "
                       f"--students {args.students} --write`.\n\n{text}\n{END}")
            current = results.read_text(encoding="utf-8")
            if BEGIN in current:
                current = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: section,
                                 current, flags=re.S)
            else:
                current = current.rstrip("\n") + "\n\n" + section + "\n"
            results.write_text(current, encoding="utf-8")
        return 0 if not diffs else 1
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
