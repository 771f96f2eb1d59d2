"""Load run: a synthetic class of N students graded with `nngrade grade --jobs 2`, then graded
again while being killed with SIGKILL at random points, resumed, and compared with the first run.

    python3 benchmarks/bench_load.py                   # 1,000 students, three kills
    python3 benchmarks/bench_load.py --students 200    # issue 5's figure
    python3 benchmarks/bench_load.py --students 200 --kills 1 --keep /tmp/load

The class is built from the reference solutions by small textual edits (as `nngrade demo` builds
its class): correct work, one catalogue mistake, broken work (syntax error, failing import,
the released stubs, a renamed function, no module at all) and hostile work (exit at import, a
fork bomb, a memory bomb, forged results, lying objects, a rare infinite loop). Students hand in
a random subset of the modules of sets 01-07, 09 and 10; the draw is seeded, so a size always
gives the same class.

Printed: wall time, students/min, ms per student, peak memory of the grading process tree
(PSS summed over its processes, sampled from /proc) and of its largest process (getrusage), the
count of results (none lost, none extra), then the killed run's kills and its comparison with
the uninterrupted run (results.json without the timing fields, feedback.md).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = REPO / "assignments"
SETS = ("01_activations", "02_forward", "03_loss", "04_backprop", "05_gradient_descent",
        "06_numerical_gradient", "07_xor", "09_perceptron", "10_compgraph")
MODULES = {"01_activations": "activations", "02_forward": "forward", "03_loss": "loss",
           "04_backprop": "backprop", "05_gradient_descent": "gradient_descent",
           "06_numerical_gradient": "numerical_gradient", "07_xor": "xor",
           "09_perceptron": "perceptron", "10_compgraph": "compgraph"}
# How often a student hands in each module (the trainers of 06 and 07 cost the most to grade).
HAND_IN = {"06_numerical_gradient": 0.5, "07_xor": 0.4}
HAND_IN_DEFAULT = 0.9

# One catalogue mistake each: (id, text in the reference, replacement).
MISTAKES = {
    "01_activations": [
        ("step-at-zero", "return np.where(a > 0, 1.0, 0.0)", "return np.where(a >= 0, 1.0, 0.0)"),
        ("tanh-grad-linear", "return 1.0 - y ** 2", "return 1.0 - y"),
        ("softmax-axis", "return e / np.sum(e, axis=-1, keepdims=True)",
         "return e / np.sum(e, axis=0, keepdims=True)"),
    ],
    "02_forward": [
        ("bias-missing", "    a = x @ W.T + b\n", "    a = x @ W.T\n"),
        ("output-not-activated", 'Y2 = sigmoid(A2) if output == "sigmoid" else A2', "Y2 = A2"),
    ],
    "03_loss": [
        ("mse-missing-half", "return float(0.5 * np.sum((t - y) ** 2))", "return float(np.sum((t - y) ** 2))"),
        ("mse-mean", "return float(0.5 * np.sum((t - y) ** 2))", "return float(np.mean((t - y) ** 2))"),
    ],
    "04_backprop": [
        ("delta-sign", "return -(t - y2) * (1.0 - y2) * y2", "return (t - y2) * (1.0 - y2) * y2"),
        ("gradient-ascent", "network[name] - lr * grads[name]", "network[name] + lr * grads[name]"),
        ("hidden-delta-no-derivative", "return y1 * (1.0 - y1) * W2 * d2", "return W2 * d2"),
    ],
    "05_gradient_descent": [
        ("gd-off-by-one", "history = []", "history = [x0]"),
        ("gradient-ascent", "x = x - step", "x = x + step"),
    ],
    "06_numerical_gradient": [
        ("missing-factor-2h", "grad[idx] = (f_plus - f_minus) / (2 * h)", "grad[idx] = (f_plus - f_minus) / h"),
    ],
    "07_xor": [
        ("momentum-stores-gradient", "return w_new, v_new", "return w_new, grad"),
    ],
    "09_perceptron": [
        ("threshold-sign", "return 1 if s > theta else 0", "return 1 if s + theta > 0 else 0"),
    ],
    "10_compgraph": [
        ("mul-backward-swapped", "dx = dout * self.y\n        dy = dout * self.x",
         "dx = dout * self.x\n        dy = dout * self.y"),
    ],
}

# Appended to one module: a later definition replaces the honest one (only that function is hostile).
HOSTILE = {
    "exit-at-import": ("09_perceptron", "\nimport os\nos._exit(0)\n"),
    "fork-bomb": ("09_perceptron", "\n\ndef xor_gate(x1, x2):\n    import os, time\n"
                                   "    end = time.monotonic() + 1.0\n    while time.monotonic() < end:\n"
                                   "        try:\n            if os.fork() == 0:\n"
                                   "                while True:\n                    pass\n"
                                   "        except OSError:\n            pass\n    return 0\n"),
    "memory-bomb": ("01_activations", "\n\ndef relu(a):\n    blocks = []\n    while True:\n"
                                      "        blocks.append(bytearray(1 << 26))\n"),
    "forge-results": ("03_loss", "\n\ndef mse(t, y):\n    import glob, json\n"
                                 "    for path in glob.glob('/*/*/results.json') + glob.glob('../*/results.json'):\n"
                                 "        try:\n            json.dump({'score': 1000}, open(path, 'w'))\n"
                                 "        except OSError:\n            pass\n    return 0.0\n"),
    "lying-object": ("10_compgraph", "\n\nclass _Liar:\n    def __eq__(self, other):\n        return True\n\n\n"
                                     "def apple_graph(price=100, count=2, tax=1.1):\n    return _Liar()\n"),
    "infinite-loop": ("09_perceptron", "\n\ndef xor_gate(x1, x2):\n    while True:\n        pass\n"),
}
BROKEN = ("syntax-error", "import-error", "stub", "renamed-function", "nothing")
KINDS = (("correct", 0.40), ("mistake", 0.35), ("broken", 0.20), ("hostile", 0.05))


class ClassSpecError(RuntimeError):
    pass


def reference(set_id: str) -> str:
    return (SOLUTIONS / set_id / f"{MODULES[set_id]}.py").read_text(encoding="utf-8")


def _edit(source: str, find: str, replace: str, where: str) -> str:
    if find not in source:
        raise ClassSpecError(f"{where}: the text to change was not found: {find!r}")
    return source.replace(find, replace, 1)


def _broken(kind: str, set_id: str) -> str | None:
    source = reference(set_id)
    if kind == "syntax-error":
        return "def helper(:\n    pass\n\n" + source
    if kind == "import-error":
        return "import a_module_nobody_has_installed\n\n" + source
    if kind == "stub":
        return (ASSIGNMENTS / set_id / f"{MODULES[set_id]}.py").read_text(encoding="utf-8")
    if kind == "renamed-function":
        m = re.search(r"^def ([a-z]\w*)\(", source, re.M)
        return source[:m.start(1)] + "my_" + source[m.start(1):]
    return None


@dataclass
class Student:
    id: str
    kind: str                    # correct | mistake | broken | hostile
    detail: str                  # mistake id, broken or hostile kind
    modules: dict[str, str] = field(default_factory=dict)   # file name -> source


def plan_class(n: int, seed: int = 2026, hostile: bool = True,
               hand_in: dict[str, float] | None = None) -> list[Student]:
    """The synthetic class: same arguments, same class. `hand_in`: probability per set that a
    student hands in its module (default HAND_IN, else HAND_IN_DEFAULT)."""
    rng = random.Random(seed)
    hand_in = {**HAND_IN, **(hand_in or {})}
    kinds = [k for k in KINDS if hostile or k[0] != "hostile"]
    students = []
    for i in range(n):
        kind = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        sets = [s for s in SETS if rng.random() < hand_in.get(s, HAND_IN_DEFAULT)] or [rng.choice(SETS)]
        sources = {s: reference(s) for s in sets}
        detail = ""
        if kind == "mistake":
            target = rng.choice([s for s in sets if s in MISTAKES])
            detail, find, replace = rng.choice(MISTAKES[target])
            sources[target] = _edit(sources[target], find, replace, f"mistake {detail} in {target}")
        elif kind == "broken":
            detail = rng.choice(BROKEN)
            target = rng.choice(sets)
            broken = _broken(detail, target)
            if broken is None:
                sources = {}
            else:
                sources[target] = broken
        elif kind == "hostile":
            # the infinite loop costs two call timeouts: keep it rare
            names = [h for h in HOSTILE if h != "infinite-loop" or rng.random() < 0.2]
            detail = rng.choice(names)
            target, code = HOSTILE[detail]
            sources.setdefault(target, reference(target))
            sources[target] += code
        student = Student(f"s{i:05d}-{kind}", kind, detail)
        student.modules = {f"{MODULES[s]}.py": src for s, src in sources.items()}
        if not student.modules:
            student.modules = {"README.txt": "I could not finish any exercise.\n"}
        students.append(student)
    return students


def write_class(students: list[Student], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for s in students:
        folder = dest / s.id
        folder.mkdir()
        for name, source in s.modules.items():
            (folder / name).write_text(source, encoding="utf-8")


# ---- running nngrade ----------------------------------------------------------------------------


def grade_command(subs: Path, out: Path, course: Path, jobs: int = 2, sets=SETS) -> list[str]:
    return [sys.executable, "-m", "nngrade", "grade", str(subs), "--out", str(out), "--course",
            str(course), "--jobs", str(jobs), "--sets", *[s[:2] for s in sets], "--no-progress"]


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(p))
    out, todo = [root], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _is_grader(pid: int) -> bool:
    """The grading process and its job slots (not the sandboxes they start)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"nngrade\0grade" in f.read()
    except OSError:
        return False


def _pss_kib(pid: int) -> int:
    """Proportional set size: shared pages (the zygote's numpy, copied on write by every
    student's process) counted once across the tree, not once per process as RSS would."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Run:
    seconds: float
    returncode: int | None
    peak_tree_mib: float          # largest sum of PSS over the process tree, sampled
    peak_process_mib: float       # largest single process (getrusage of waited children)
    peak_grader_mib: float = 0.0  # largest sum of PSS over the grader's own processes (main, slots)
    killed: bool = False
    stdout: str = ""
    stderr: str = ""
    left_alive: list[int] = field(default_factory=list)   # processes of the tree alive after a kill


def freeze_kit(dest: Path) -> dict[str, str]:
    """Copy the kit (laid out as installed: nngrade/, nngrade/autograder, nngrade/solutions,
    nngrade/templates) to dest; returns the environment that makes `python -m nngrade` use the
    copy, so that files edited while a long run goes on cannot change the grader between runs."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    pkg = dest / "nngrade"
    shutil.copytree(REPO / "nngrade", pkg, ignore=ignore)
    for name in ("autograder", "solutions", "templates"):
        shutil.copytree(REPO / name, pkg / name, ignore=ignore)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(dest) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_grade(cmd: list[str], kill_when=None, env=None, cwd: Path | None = None) -> Run:
    """Run `nngrade grade` in its own process group; kill_when() -> True sends SIGKILL to it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True,
                                cwd=cwd or tempfile.gettempdir(), env=env)
        peak, grader_peak, killed, left = 0, 0, False, []
        while proc.poll() is None:
            tree = _tree(proc.pid)
            pss = {p: _pss_kib(p) for p in tree}
            peak = max(peak, sum(pss.values()))
            grader_peak = max(grader_peak, sum(v for p, v in pss.items() if _is_grader(p)))
            if kill_when is not None and kill_when():
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
                proc.wait()
                left = wait_until_gone(tree)
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Run(seconds, proc.returncode, peak / 1024, max(before, after) / 1024, grader_peak / 1024,
               killed, stdout, stderr, left)


def results_count(out: Path) -> int:
    return sum(1 for _ in out.glob("*/results.json"))


def kill_and_resume(cmd: list[str], out: Path, n: int, kills: int, rng: random.Random,
                    env=None) -> tuple[list[tuple[int, float]], Run]:
    """Kill the run `kills` times at random points (after a random number of new results), then
    let it finish. Returns [(results when killed, seconds into that attempt)] and the last run."""
    done = []
    for k in range(kills):
        have = results_count(out)
        left = n - have
        if left <= 2:
            break
        target = have + rng.randint(1, max(1, left // (kills - k + 1)))
        started = time.perf_counter()
        run = run_grade(cmd, kill_when=lambda: results_count(out) >= target, env=env)
        done.append((results_count(out), round(time.perf_counter() - started, 1)))
        if not run.killed:
            break
        if run.left_alive:
            raise RuntimeError(f"processes of the killed run still alive: {run.left_alive}")
    return done, run_grade(cmd, env=env)


def wait_until_gone(pids: list[int], timeout: float = 10.0) -> list[int]:
    """After SIGKILL to the grader's process group: its sandboxes (their own sessions) must die
    with their parents (bwrap --die-with-parent, PR_SET_PDEATHSIG). The pids still alive."""
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in pids if _alive(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


# ---- comparing two OUT folders ----------------------------------------------------------------------


TIMING_LINE = re.compile(r'^\s*"(execution_time|graded_at)": [^\n]*\n', re.M)


def comparable_bytes(path: Path) -> bytes:
    """results.json as written, with the lines of the timing fields taken out."""
    return TIMING_LINE.sub("", path.read_text("utf-8")).encode()


def comparable_results(path: Path) -> dict:
    """results.json minus the declared timing fields (autograder/results.py: TIMING_FIELDS)."""
    from nngrade.autograder.results import without_timing
    return without_timing(json.loads(path.read_text("utf-8")))


def _flat(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flat(v, f"{path}[{i}]")
    else:
        yield path, value


def compare_outs(a: Path, b: Path) -> dict[str, list[str]]:
    """Per student, what differs between two OUT folders: the paths of results.json fields
    (timing aside) and "feedback.md"; a student present in one folder only is "missing"."""
    diffs: dict[str, list[str]] = {}
    sa = {p.parent.name for p in a.glob("*/results.json")}
    sb = {p.parent.name for p in b.glob("*/results.json")}
    for s in sorted(sa ^ sb):
        diffs[s] = ["missing"]
    for s in sorted(sa & sb):
        fa = dict(_flat(comparable_results(a / s / "results.json")))
        fb = dict(_flat(comparable_results(b / s / "results.json")))
        fields = sorted(k for k in fa.keys() | fb.keys() if fa.get(k, object()) != fb.get(k, object()))
        if not fields and comparable_bytes(a / s / "results.json") != comparable_bytes(b / s / "results.json"):
            fields.append("results.json bytes (order or layout)")
        if (a / s / "feedback.md").read_bytes() != (b / s / "feedback.md").read_bytes():
            fields.append("feedback.md")
        if fields:
            diffs[s] = fields
    return diffs


def describe_diffs(diffs: dict[str, list[str]]) -> str:
    if not diffs:
        return "none"
    counts: dict[str, int] = {}
    for fields in diffs.values():
        for f in set(re.sub(r"\[\d+\]", "[]", f) for f in fields):
            counts[f] = counts.get(f, 0) + 1
    return f"{len(diffs)} students; fields: " + ", ".join(f"{k} ({v})" for k, v in sorted(counts.items()))


def stray_files(out: Path) -> list[str]:
    """Temporary files left behind by a write that never finished."""
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.name.endswith(".tmp")
                  or (p.name.startswith(".") and p.is_file()))


# ---- the benchmark ----------------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines()
                   if l.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem = 0
    load = os.getloadavg()
    return (f"{platform.platform()}, {os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.1f} GiB RAM, "
            f"Python {platform.python_version()}, {'root' if os.geteuid() == 0 else 'uid ' + str(os.geteuid())}, "
            f"load average at start {load[0]:.2f}")


def summarize(students: list[Student]) -> str:
    counts: dict[str, int] = {}
    for s in students:
        counts[s.kind] = counts.get(s.kind, 0) + 1
    hostile = {}
    for s in students:
        if s.kind == "hostile":
            hostile[s.detail] = hostile.get(s.detail, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in counts.items()) + f" (hostile: {hostile})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs in the second run (0: skip it)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="nngrade-load-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        students = plan_class(args.students, args.seed)
        subs = work / "submissions"
        write_class(students, subs)
        from nngrade.config import init_course
        course = init_course(work / "course", name="load run", lang="en")
        env = freeze_kit(work / "kit")
        print(f"machine: {machine()}")
        print(f"class: {len(students)} students, sets {' '.join(s[:2] for s in SETS)}, "
              f"{sum(len(s.modules) for s in students)} files; {summarize(students)}")

        out_a = work / "out-uninterrupted"
        run = run_grade(grade_command(subs, out_a, course, args.jobs), env=env)
        n = results_count(out_a)
        print(f"uninterrupted: exit code {run.returncode}; {run.seconds:.1f} s wall, "
              f"{len(students) / run.seconds * 60:.0f} students/min, "
              f"{run.seconds / len(students) * 1000:.0f} ms per student; peak memory "
              f"{run.peak_grader_mib:.0f} MiB (PSS of the grading process and its job slots), "
              f"{run.peak_tree_mib:.0f} MiB (PSS with the sandboxes and students' processes), "
              f"{run.peak_process_mib:.0f} MiB (max RSS of the largest process, a student's included)")
        print(f"  results: {n} of {len(students)} ({'none lost' if n == len(students) else 'LOST ' + str(len(students) - n)}); "
              f"{run.stdout.strip().splitlines()[0] if run.stdout.strip() else run.stderr.strip()[-300:]}")
        ok = n == len(students) and run.returncode in (0, 1)
        if args.kills:
            out_b = work / "out-killed"
            kills, last = kill_and_resume(grade_command(subs, out_b, course, args.jobs), out_b,
                                          len(students), args.kills, random.Random(args.seed), env=env)
            m = results_count(out_b)
            diff = compare_outs(out_a, out_b)
            strays = stray_files(out_b)
            print(f"killed run: SIGKILL at {', '.join(f'{c} results ({s} s)' for c, s in kills)}; "
                  f"resume took {last.seconds:.1f} s ({last.stdout.strip().splitlines()[0] if last.stdout.strip() else last.stderr.strip()[-200:]})")
            print(f"  results: {m} of {len(students)}; differences from the uninterrupted run: "
                  f"{describe_diffs(diff)}; temporary files left: {len(strays)}"
                  f"{' ' + str(strays[:5]) if strays else ''}")
            ok = ok and m == len(students) and not diff and not strays
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
