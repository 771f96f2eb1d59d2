"""What set 08's per-student pixel order and params read-back cost per student.

    python benchmarks/bench_permute.py [--repeats 20] [--no-sandbox] [--mnist-dir DIR] [--orders N]

Prints, in milliseconds (median and p90 of the repeats) and MiB:

- drawing one student's order of the 784 pixels;
- reordering 10,000 x 784 float64 images (np.take along the columns, and X[:, order]) and the
  offline split's 8,000 training and 2,000 held-out digits (what the suite does per student);
- scoring the params fit left: the reference MLP(784, 128, 10) given them, predict on 2,000 and
  on 10,000 held-out digits (one BLAS thread, as the suite runs it);
- through a real sandbox session (unless --no-sandbox), reading model.params back after fit
  (about 0.8 MB) against the call it replaces, the student's predict(X_held_out) on 2,000 and on
  10,000 digits, with the bytes each sends and receives;
- with --orders N, the reference's held-out accuracy after the graded run (set.toml's [accuracy]
  settings, one BLAS thread) on the split and on the shipped sample, in the plain pixel order
  and over N random orders (seconds per run, on the split, about 2-4).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SET = "08_mnist"


def timed(fn, repeats: int) -> tuple[float, float]:
    """(median, p90) wall milliseconds of fn() over `repeats` runs, after one warm-up."""
    fn()
    values = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        values.append((time.perf_counter() - t0) * 1000)
    values.sort()
    return statistics.median(values), values[int(0.9 * (len(values) - 1))]


def row(what: str, figures: tuple[float, float], extra: str = "") -> str:
    return f"| {what} | {figures[0]:.2f} | {figures[1]:.2f} | {extra} |"


def suite_module():
    import importlib.util
    from nngrade.autograder.sets import find_set
    spec = importlib.util.spec_from_file_location("bench_suite_08", find_set(SET).file("test_hidden.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def sandbox_rows(split, order, repeats: int) -> list[str]:
    from nngrade.autograder.backends import limits_for
    from nngrade.autograder.sandbox import SandboxPool
    from nngrade.autograder.sets import find_set
    source = find_set(SET).file("mnist.py").read_bytes()
    rows = []
    pool = SandboxPool(slot=9)
    try:
        rows.append(f"| sandbox level: {pool.level} | | | |")
        with pool.session({"mnist": source}, {"mnist": "mnist.py"}, limits=limits_for((SET,))) as s:
            made = s.new("mnist", "MLP", [], {"sizes": (784, 128, 10)})
            assert made.ok, made
            handle = made.value
            big = np.take(np.concatenate([split.X_train, split.X_test]), order, axis=1)[:10_000]
            held = np.take(split.X_test, order, axis=1)

            def sizes(reply) -> str:
                return f"{reply.nbytes / 2**20:.2f} MiB back"

            last = {}

            def read_params():
                last["r"] = s.getattr(handle, "params")
                assert last["r"].ok, last["r"]
            figures = timed(read_params, repeats)
            rows.append(row("sandbox: read model.params back (added)", figures, sizes(last["r"])))
            for X, label in ((held, "2,000"), (big, "10,000")):
                def predict():
                    last["r"] = s.method(handle, "predict", [X], {})
                    assert last["r"].ok, last["r"]
                figures = timed(predict, max(3, repeats // 4))
                rows.append(row(f"sandbox: student's predict(X_held_out), {label} digits (removed)",
                                figures, f"{X.nbytes / 2**20:.1f} MiB sent, {sizes(last['r'])} "
                                         "(its arguments come back for the mutation check)"))
    finally:
        pool.close()
    return rows


def spread(suite, ref, split, n: int) -> str:
    """min / median / max of the reference's held-out accuracy over n pixel orders."""
    from threadpoolctl import threadpool_limits
    scale = suite.SCALE

    def accuracy(order) -> float:
        model = ref.MLP(**scale.model)
        model.fit(split.X_train[:, order], split.y_train, scale.epochs, scale.batch_size, scale.lr,
                  seed=scale.fit_seed)
        return 100.0 * float(np.mean(model.predict(split.X_test[:, order]) == split.y_test))

    with threadpool_limits(limits=1):
        plain = accuracy(np.arange(784))
        values = [accuracy(np.random.default_rng([2026, i]).permutation(784)) for i in range(n)]
    return (f"| {len(split.y_train):,} / {len(split.y_test):,} | {plain:.2f} % | {min(values):.2f} % "
            f"| {statistics.median(values):.2f} % | {max(values):.2f} % |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--no-sandbox", action="store_true")
    parser.add_argument("--mnist-dir", default=None, help="else NNGRADE_MNIST_DIR or the cache")
    parser.add_argument("--orders", type=int, default=0,
                        help="also train the reference on this many pixel orders")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits
    from nngrade import mnist_data
    from nngrade.autograder.reference import fresh_reference

    suite = suite_module()
    try:
        split = mnist_data.load_mnist_split(args.mnist_dir, download=False, log=lambda _: None)
    except mnist_data.MnistDataError as exc:
        print(f"MNIST not found: {exc}", file=sys.stderr)
        return 2
    student = type("Student", (), {"seed": 2026})()
    order = suite.pixel_order(student, 784)
    ten_k = np.random.default_rng(0).uniform(size=(10_000, 784))
    ref = fresh_reference(SET)
    model = ref.MLP(**suite.SCALE.model)
    params = {k: v.copy() for k, v in model.params.items()}

    out = ["| step | median ms | p90 ms | note |", "|---|---:|---:|---|"]
    r = args.repeats
    with threadpool_limits(limits=1):
        out.append(row("draw one student's pixel order", timed(lambda: suite.pixel_order(student, 784), r)))
        out.append(row("reorder 10,000 x 784 float64: np.take(X, order, axis=1)",
                       timed(lambda: np.take(ten_k, order, axis=1), r),
                       f"{ten_k.nbytes / 2**20:.1f} MiB new array"))
        out.append(row("reorder 10,000 x 784 float64: X[:, order]", timed(lambda: ten_k[:, order], r)))
        out.append(row(f"reorder the split's {len(split.y_train):,} training digits (np.take)",
                       timed(lambda: np.take(split.X_train, order, axis=1), r),
                       f"{split.X_train.nbytes / 2**20:.1f} MiB"))
        out.append(row(f"reorder the split's {len(split.y_test):,} held-out digits (np.take)",
                       timed(lambda: np.take(split.X_test, order, axis=1), r),
                       f"{split.X_test.nbytes / 2**20:.1f} MiB"))
        out.append(row("check params (params_problem)", timed(lambda: suite.params_problem(params), r)))
        held = np.take(split.X_test, order, axis=1)
        out.append(row(f"score params: reference predict on {len(split.y_test):,} held-out digits",
                       timed(lambda: suite.held_out_correct(ref, params, held, split.y_test), r)))
        y10 = np.zeros(10_000, dtype=np.int64)
        out.append(row("score params: reference predict on 10,000 held-out digits",
                       timed(lambda: suite.held_out_correct(ref, params, ten_k, y10), r)))
    if not args.no_sandbox:
        out.extend(sandbox_rows(split, order, r))
    import os
    print(f"NumPy {np.__version__}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"data: {split.note}")
    print("\n".join(out))
    if args.orders:
        print(f"\nThe reference's held-out accuracy, plain order and over {args.orders} pixel orders:")
        print("| training / held-out | plain | min | median | max |\n|---|---:|---:|---:|---:|")
        print(spread(suite, ref, split, args.orders))
        print(spread(suite, ref, mnist_data.load_sample(), args.orders))
    return 0


if __name__ == "__main__":
    sys.exit(main())
