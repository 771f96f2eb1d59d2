"""What plotting costs per student in the sandbox: a student that imports matplotlib.pyplot and
draws a plot against one that does not.

    python benchmarks/bench_plotting.py [--students 20] [--level bwrap]

Three sandboxes, one after the other:
    warm   as the grader runs: the zygote imports matplotlib (Agg) once, every child inherits it
    cold   matplotlib shown to the sandbox but not imported by the zygote: each student imports it
           (and builds matplotlib's font list in its own temp space)
    none   matplotlib not in the sandbox at all (the kit before plotting was allowed)
Per student: wall time of session open + import + one call + close, and the student's process
after the call, read from the host: resident memory (RSS), its proportional share (PSS: pages
shared with the zygote count in part) and address space (what RLIMIT_AS is held against).
Also each zygote's start time and memory.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from unittest import mock

from nngrade.autograder.sandbox import SandboxPool, launch

PLAIN = b"""
import numpy as np

def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))
"""

PLOTTING = b"""
import numpy as np
import matplotlib.pyplot as plt

def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))

def draw():
    a = np.linspace(-6, 6, 200)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(a, sigmoid(a), label="sigmoid")
    ax.set_xlabel("a")
    ax.set_ylabel("y")
    ax.set_title("sigmoid")
    ax.legend()
    fig.canvas.draw()
    plt.show()
    return 1.0
"""


def _memory(pid: int) -> dict:
    """kB figures of a process: VmRSS, VmHWM, VmSize from status, Pss from smaps_rollup."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":")[0]
                if key in ("VmRSS", "VmHWM", "VmSize"):
                    out[key] = int(line.split()[1])
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    out["Pss"] = int(line.split()[1])
    except OSError:
        pass
    return out


def one_student(pool: SandboxPool, source: bytes, plots: bool) -> tuple[float, dict]:
    """Seconds of session open + import + call + close (not counting the memory reading)."""
    t0 = time.perf_counter()
    with pool.session({"activations": source}, {"activations": "activations.py"}) as s:
        r = s.call("activations", "draw" if plots else "sigmoid", [] if plots else [0.5])
        assert r.status == "ok", r.error
        t1 = time.perf_counter()
        pids = pool.student_processes()
        memory = _memory(pids[0]) if pids else {}
        t2 = time.perf_counter()
    return time.perf_counter() - t0 - (t2 - t1), memory


def zygote_memory(pool: SandboxPool) -> dict:
    from nngrade.autograder.sandbox.pool import _descendants
    top = pool._zygote.proc.pid
    best = {}
    for pid in [top, *_descendants(top)]:
        m = _memory(pid)
        if m.get("VmSize", 0) > best.get("VmSize", 0):
            best = m
    return best


def measure(mode: str, level: str, students: int) -> dict:
    patches = []
    if mode == "none":
        patches.append(mock.patch.object(launch, "site_entries",
                                         lambda site: ("numpy", "numpy.libs")))
    for p in patches:
        p.start()
    try:
        t0 = time.perf_counter()
        pool = SandboxPool(slot=11, level=level, preload_plotting=mode != "cold")
        start = time.perf_counter() - t0
        try:
            row = {"mode": mode, "start_ms": start * 1000, "zygote": zygote_memory(pool),
                   "plotting": pool.describe()["plotting"], "students": {}}
            kinds = [("plain", PLAIN, False)] + ([] if mode == "none" else
                                                  [("plots", PLOTTING, True)])
            for kind, source, plots in kinds:
                one_student(pool, source, plots)                 # warm the caches once
                runs = [one_student(pool, source, plots) for _ in range(students)]
                times = sorted(t for t, _ in runs)
                row["students"][kind] = {
                    "median_ms": statistics.median(times) * 1000,
                    "p90_ms": times[int(0.9 * (len(times) - 1))] * 1000,
                    **{k: statistics.median(m.get(k, 0) for _, m in runs) / 1024
                       for k in ("VmRSS", "Pss", "VmSize", "VmHWM")}}
        finally:
            pool.close()
    finally:
        for p in patches:
            p.stop()
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--level", default="bwrap")
    args = ap.parse_args(argv)
    rows = [measure(mode, args.level, args.students) for mode in ("warm", "cold", "none")]
    print(f"level {args.level}, {args.students} students per row (median, p90 of the wall time; "
          "memory of the student's process after its call, median, MiB)")
    print(f"{'sandbox':<6} {'student':<8} {'per student':>12} {'p90':>9} {'RSS':>7} {'PSS':>7} "
          f"{'peak RSS':>9} {'addr space':>11}")
    for row in rows:
        for kind, st in row["students"].items():
            print(f"{row['mode']:<6} {kind:<8} {st['median_ms']:>9.1f} ms {st['p90_ms']:>6.1f} ms "
                  f"{st['VmRSS']:>7.1f} {st['Pss']:>7.1f} {st['VmHWM']:>9.1f} {st['VmSize']:>11.1f}")
    print()
    for row in rows:
        z = row["zygote"]
        print(f"{row['mode']:<6} zygote start {row['start_ms']:>6.0f} ms; zygote RSS "
              f"{z.get('VmRSS', 0) / 1024:.1f} MiB, PSS {z.get('Pss', 0) / 1024:.1f} MiB, address "
              f"space {z.get('VmSize', 0) / 1024:.1f} MiB; plotting: {row['plotting']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
