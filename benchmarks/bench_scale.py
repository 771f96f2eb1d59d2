"""Cold start and throughput of grading, side by side in one run; prints a table, optionally
writes RESULTS.md.

    python benchmarks/bench_scale.py                  # every figure, nbgrader in a fresh venv
    python benchmarks/bench_scale.py --write          # also replace this section of RESULTS.md
    python benchmarks/bench_scale.py --nbgrader-python .venv/bin/python   # reuse an nbgrader

Cold start (one student whose set 01 is correct; each command a fresh process, median of
--repeat runs; the kit's per-version caches built beforehand, see warm_kit_caches):
  floor        `python -c "import numpy"`: a fresh Python that imports numpy
  check        `nngrade check 01` in the student's folder: the public tests, in the sandbox
  grade        `nngrade grade` of a class of one on set 01 into a fresh OUT: sandbox, every
               test, the student's pages and the class files (summary, grades.csv, moodle.csv)
  gradescope   /autograder/run_autograder of an exported set-01 autograder (unpacked and set
               up as Gradescope's image build does): results.json only
Throughput (the same nbgrader course, exported by `nngrade export nbgrader --sets 01`; every
student hands in the solved notebook):
  nbgrader     `nbgrader autograde 01_activations` (nbgrader 0.9.6, installed in a temporary
               venv with the kit: its hidden test cells import nngrade.export.notebook_checks)
  nngrade      `nngrade grade COURSE/submitted --format nbgrader --sets 01 --jobs 1`
  marginal     nngrade's (time for 3N students - time for N) / 2N, --jobs 1: what one more
               student costs once the run has started
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from results_md import RESULTS, replace_section  # noqa: E402

SET = "01_activations"
NBGRADER = "nbgrader==0.9.6"


def kit_python() -> Path:
    return Path(sys.executable)


def nngrade_cmd(*args: str) -> list[str]:
    return [str(kit_python()), "-m", "nngrade", *args]


def timed(cmd: list[str], cwd: Path | None = None, env: dict | None = None,
          before=None) -> float:
    """Wall seconds of one run of cmd (a fresh process); it must succeed."""
    if before is not None:
        before()
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - started
    if done.returncode not in (0,):
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n"
                         f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return seconds


def median_of(repeat: int, *args, **kwargs) -> tuple[float, list[float]]:
    runs = [timed(*args, **kwargs) for _ in range(repeat)]
    return statistics.median(runs), runs


def reference_module() -> bytes:
    from nngrade.autograder.sets import find_set
    s = find_set("01")
    return (Path(s.folder) / f"{s.module}.py").read_bytes()


def make_course(work: Path, sets: list[str]) -> Path:
    from dataclasses import replace

    from nngrade.config import init_course, load_course, render_config
    path = init_course(work / "course")
    path.write_text(render_config(replace(load_course(path), sets=tuple(sets))), encoding="utf-8")
    return path


# ---- cold start ---------------------------------------------------------------------------------


def warm_kit_caches() -> None:
    """The public-example fingerprints of set 01's mistakes, built once per grader version (the
    first run after a change of the kit builds them, seconds; an instructor's later runs, the
    students' bundle and Gradescope's setup.sh already have them): not counted here."""
    from nngrade.autograder.fingerprints import cached_fingerprints
    from nngrade.grade import grader_digest
    cached_fingerprints(["01"], grader_digest())


def cold_start(work: Path, repeat: int) -> dict[str, tuple[float, list[float]]]:
    from nngrade.autograder.sets import find_set
    from nngrade.export.gradescope import export_gradescope, unpack_like_gradescope

    module = find_set("01").module
    student = work / "student"
    student.mkdir()
    (student / f"{module}.py").write_bytes(reference_module())
    klass = work / "class" / "s1"
    klass.mkdir(parents=True)
    (klass / f"{module}.py").write_bytes(reference_module())
    course = make_course(work, ["01"])
    figures = {}
    figures["floor"] = median_of(repeat, [str(kit_python()), "-c", "import numpy"])
    figures["check"] = median_of(repeat, nngrade_cmd("check", "01"), cwd=student)
    figures["grade"] = median_of(repeat, nngrade_cmd(
        "grade", str(work / "class"), "--out", str(work / "out"), "--course", str(course),
        "--sets", "01", "--jobs", "1", "--no-progress"),
        before=lambda: shutil.rmtree(work / "out", ignore_errors=True))
    from nngrade.autograder.sets import parse_sets
    zip_path = export_gradescope(work / "autograder.zip", parse_sets(["01"]), course=course)
    root = unpack_like_gradescope(zip_path, work / "autograder")
    (root / "submission").mkdir()
    (root / "submission" / f"{module}.py").write_bytes(reference_module())
    env = {k: v for k, v in os.environ.items() if not k.startswith("NNGRADE_")}
    env["NNGRADE_AUTOGRADER_ROOT"] = str(root)
    figures["gradescope"] = median_of(repeat, [str(root / "run_autograder")], cwd=root, env=env)
    return figures


# ---- throughput against nbgrader ----------------------------------------------------------------


def nbgrader_python(work: Path, given: str | None, keep: str | None = None) -> Path:
    """A Python with nbgrader and the kit: the given one, or a venv made here (in `keep`,
    reused when it is already there)."""
    if given:
        return Path(given)
    env_dir = Path(keep) if keep else work / "nbgrader-venv"
    python = env_dir / "bin" / "python"
    if keep and python.exists():
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(REPO)],
                       check=True, timeout=1800)        # this version of the kit
        return python
    venv.EnvBuilder(with_pip=True).create(env_dir)
    subprocess.run([str(python), "-m", "pip", "install", "-q", NBGRADER, "ipykernel", str(REPO)],
                   check=True, timeout=1800)
    return python


def submitted_course(work: Path, students: int) -> Path:
    """An exported set-01 nbgrader course with `students` solved notebooks in submitted/."""
    import nbformat

    from nngrade.autograder.sets import find_set
    from nngrade.export.nbgrader import export_nbgrader
    course = export_nbgrader(work / f"nbcourse-{students}", (find_set("01"),))
    source = nbformat.read(course / "source" / SET / f"{SET}.ipynb", as_version=4)
    for i in range(students):
        folder = course / "submitted" / f"s{i:03d}" / SET
        folder.mkdir(parents=True)
        nbformat.write(source, folder / f"{SET}.ipynb")
    return course


def throughput(work: Path, students: int, nb_python: Path) -> dict:
    course = submitted_course(work, students)
    env = {**os.environ, "PATH": f"{nb_python.parent}:{os.environ.get('PATH', '')}"}
    subprocess.run([str(nb_python), "-m", "nbgrader", "generate_assignment", SET, "--force"],
                   cwd=course, env=env, check=True, capture_output=True, timeout=600)
    nb_seconds = timed([str(nb_python), "-m", "nbgrader", "autograde", SET, "--force"],
                       cwd=course, env=env)
    big = submitted_course(work, 3 * students)
    runs = {}
    for n, folder, jobs in ((students, course, 1), (3 * students, big, 1), (students, course, 0)):
        out = work / f"out-{n}-{jobs}"
        runs[n, jobs] = timed(nngrade_cmd(
            "grade", str(folder / "submitted"), "--format", "nbgrader", "--out", str(out),
            "--course", str(folder), "--sets", "01", "--jobs", str(jobs), "--no-progress"))
    return {"students": students, "nbgrader": nb_seconds, "nngrade": runs[students, 1],
            "nngrade_3n": runs[3 * students, 1], "nngrade_all_cores": runs[students, 0],
            "marginal": (runs[3 * students, 1] - runs[students, 1]) / (2 * students)}


# ---- report -----------------------------------------------------------------------------------


def machine() -> str:
    import numpy
    cores = os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"Machine: {platform.system()} {platform.release()}, {cores} cores; Python "
            f"{platform.python_version()}, NumPy {numpy.__version__}. Load average at the start: {load}.")


def table(cold: dict, through: dict | None, repeat: int, level: str) -> str:
    floor = cold["floor"][0]
    goals = {"check": 0.5, "grade": 1.5, "gradescope": 0.8}
    what = {
        "floor": '`python -c "import numpy"` (a fresh Python process)',
        "check": "`nngrade check 01` (public tests, sandbox)",
        "grade": "`nngrade grade`, one student, set 01: sandbox, all tests, pages, class files",
        "gradescope": "Gradescope `run_autograder`, one student, set 01: results.json only",
    }
    lines = [f"Cold start: median of {repeat} fresh processes each (all runs in seconds); sandbox "
             f"level {level}.", "",
             "| run | median | × the floor | goal | every run |", "|---|---:|---:|---:|---|"]
    for name in ("floor", "check", "grade", "gradescope"):
        median, runs = cold[name]
        goal = f"≤ {goals[name]:g} s" if name in goals else "—"
        lines.append(f"| {what[name]} | {median:.3f} s | {median / floor:.1f} | {goal} | "
                     f"{', '.join(f'{r:.2f}' for r in runs)} |")
    if through is None:
        return "\n".join(lines)
    n = through["students"]
    ratio = through["nbgrader"] / through["nngrade"]
    lines += ["", f"Throughput: {n} students, each the solved set-01 notebook, one run each.", "",
              "| run | wall | per student |", "|---|---:|---:|",
              f"| nbgrader 0.9.6 `autograde` | {through['nbgrader']:.2f} s | "
              f"{through['nbgrader'] / n * 1000:.0f} ms |",
              f"| `nngrade grade --format nbgrader --jobs 1` | {through['nngrade']:.2f} s | "
              f"{through['nngrade'] / n * 1000:.0f} ms |",
              f"| the same, {3 * n} students | {through['nngrade_3n']:.2f} s | "
              f"{through['nngrade_3n'] / (3 * n) * 1000:.0f} ms |",
              f"| `nngrade grade --format nbgrader` (a job slot per core: {os.cpu_count()}) | "
              f"{through['nngrade_all_cores']:.2f} s | "
              f"{through['nngrade_all_cores'] / n * 1000:.0f} ms |",
              "", f"nngrade is {ratio:.1f}× faster than nbgrader as a whole run of {n} with one job "
              f"slot, {through['nbgrader'] / through['nngrade_all_cores']:.1f}× with a slot per "
              f"core (nbgrader's autograde uses one) (goal ≥ 15×); "
              f"one more student costs nngrade {through['marginal'] * 1000:.0f} ms "
              f"(goal ≤ 40 ms), nbgrader about {through['nbgrader'] / n * 1000:.0f} ms."]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--nbgrader-python", default=None,
                    help="a Python that has nbgrader and the kit (default: a fresh venv)")
    ap.add_argument("--nbgrader-venv", default=None,
                    help="make the nbgrader venv here and keep it for the next run")
    ap.add_argument("--skip-nbgrader", action="store_true", help="cold start only")
    ap.add_argument("--write", action="store_true", help=f"write the tables into {RESULTS.name}")
    args = ap.parse_args(argv)
    from nngrade.autograder.sandbox import SandboxPool
    pool = SandboxPool(slot=9, preload_plotting=False)
    level = pool.level
    pool.close()
    header = machine()
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-scale-") as tmp:
        work = Path(tmp)
        nb_python = None if args.skip_nbgrader else nbgrader_python(work, args.nbgrader_python,
                                                                    args.nbgrader_venv)
        warm_kit_caches()
        (work / "cold").mkdir()
        cold = cold_start(work / "cold", args.repeat)
        through = None if nb_python is None else throughput(work, args.students, nb_python)
    body = header + "\n\n" + table(cold, through, args.repeat, level)
    print(body)
    if args.write:
        replace_section("bench_scale", "Cold start and throughput (benchmarks/bench_scale.py)", body)
        print(f"\nwritten to {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
