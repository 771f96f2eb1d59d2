"""Sandbox cost per student, per level, against starting a fresh Python with numpy.

    python benchmarks/bench_sandbox.py [--students 40] [--levels bwrap,unshare,rlimit]

Prints: zygote start (once per job slot), per-student overhead (session open + one small call
+ close, i.e. fork a child, send the sources, import the module, call, kill everything, wipe
/tmp), the baseline `python -c "import numpy"`, and the address space the child needs for one
784x512 forward pass over 8,000 MNIST-sized rows (what Limits.address_space_mb must allow).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from nngrade.autograder.sandbox import LEVELS, Limits, SandboxPool, SandboxUnavailable
from nngrade.autograder.sandbox.pool import _descendants

ONE_FUNCTION = b"""
import numpy as np

def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))
"""

MNIST_FORWARD = b"""
import numpy as np

def forward(x, w1, w2):
    h = np.maximum(0.0, x @ w1)
    return h @ w2
"""


def ms(values):
    values = sorted(values)
    return statistics.median(values) * 1000, values[int(0.9 * (len(values) - 1))] * 1000


def per_student(pool: SandboxPool, n: int) -> list[float]:
    a = np.linspace(-3, 3, 7)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        with pool.session({"activations": ONE_FUNCTION}, {"activations": "activations.py"}) as s:
            r = s.call("activations", "sigmoid", [a])
        times.append(time.perf_counter() - t0)
        assert r.status == "ok", r
    return times


def smallest_limit(pool: SandboxPool, source: bytes, function: str, args) -> int | None:
    """Smallest address-space limit (MiB, to 8 MiB) under which the call runs: the student's
    process cannot read /proc, so the limit itself is the probe."""
    def runs(mb):
        limits = Limits(address_space_mb=mb, timeout=60)
        with pool.session({"m": source}, limits=limits) as s:
            return s.call("m", function, args, args_after=False).status == "ok"

    lo, hi = 32, 2048
    if not runs(hi):
        return None
    while hi - lo > 8:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if runs(mid) else (mid, hi)
    return hi


def zygote_vm_mib(pool: SandboxPool) -> float | None:
    """Address space of the zygote (numpy imported, one BLAS thread), read from the host: every
    child starts with it, so RLIMIT_AS must leave room above it."""
    sizes = []
    for pid in [pool._zygote.proc.pid, *_descendants(pool._zygote.proc.pid)]:
        try:
            with open(f"/proc/{pid}/status") as f:
                sizes += [int(line.split()[1]) / 1024 for line in f if line.startswith("VmSize:")]
        except OSError:
            pass
    return max(sizes) if sizes else None


def memory_needs(pool: SandboxPool) -> tuple[float | None, int | None]:
    rng = np.random.default_rng(0)
    x = rng.random((8000, 784))
    w1 = rng.standard_normal((784, 512)) * 0.05
    w2 = rng.standard_normal((512, 10)) * 0.05
    return zygote_vm_mib(pool), smallest_limit(pool, MNIST_FORWARD, "forward", [x, w1, w2])


def baseline(n: int = 7) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], check=True,
                       env={"OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
                            "PYTHONPATH": os.path.dirname(os.path.dirname(np.__file__))})
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--levels", default=",".join(LEVELS))
    args = ap.parse_args(argv)
    rows = []
    memory = None
    for level in args.levels.split(","):
        t0 = time.perf_counter()
        try:
            pool = SandboxPool(slot=0, level=level)
        except SandboxUnavailable as e:
            rows.append((level, None, None, None, str(e)))
            continue
        start = (time.perf_counter() - t0) * 1000
        try:
            per_student(pool, 3)                      # warm up
            med, p90 = ms(per_student(pool, args.students))
            if memory is None:
                memory = (level, *memory_needs(pool))
        finally:
            pool.close()
        rows.append((level, start, med, p90, ""))
    base = baseline()
    print(f"{'level':<9} {'zygote start':>13} {'per student (median)':>21} {'p90':>8}")
    for level, start, med, p90, why in rows:
        if start is None:
            print(f"{level:<9} unavailable: {why}")
        else:
            print(f"{level:<9} {start:>10.0f} ms {med:>18.1f} ms {p90:>5.1f} ms")
    print(f"{'baseline':<9} fresh `python -c \"import numpy\"`: {base:.0f} ms per student")
    if memory:
        level, base, mnist = memory
        print(f"address space ({level}): numpy imported, before any student data {base:.0f} MiB; "
              f"smallest limit for one MNIST-sized forward (8000x784 @ 784x512 @ 512x10, "
              f"inputs sent over the channel) {mnist} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
