"""MNIST benchmarks of set 08's reference trainer; prints a table, optionally writes RESULTS.md.

    python benchmarks/bench_mnist.py                 # everything, about 5 minutes on 2 cores
    python benchmarks/bench_mnist.py --quick         # 3 epochs each, a smoke run
    python benchmarks/bench_mnist.py --write         # also replace the MNIST section of RESULTS.md
    python benchmarks/bench_mnist.py --threads 1     # (b) and (d) on one thread (a busy machine)

(a) the reference NumPy trainer against PyTorch on the CPU: the same 784-512-10 ReLU/softmax
    network, the same initial weights, the same shuffled batches, epochs and dtype, timed in one
    run, alternating the two; seconds per epoch (median), held-out accuracy, time ratio.
    PyTorch is optional: `pip install torch==2.13.0` (the CPU build; an unpinned torch pulls a
    CUDA build of several GB). Without it, those rows say so.
(b) seed 001's Keras configuration (sigmoid output, MSE, SGD at Keras's default 0.01, batch 128,
    20 epochs) re-run in NumPy on the same split and on Fashion-MNIST, to show why it is slow.
(d) the reference configuration on Fashion-MNIST's full 60,000 training images.

Data: MNIST through nngrade.mnist_data (--mnist-dir / NNGRADE_MNIST_DIR / cache); offline, only
MNIST's test set exists and the split is 8,000 training / 2,000 held-out (the table says which).
Fashion-MNIST from Debian's dataset-fashion-mnist.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from nngrade import mnist_data
from results_md import RESULTS, replace_section
from nngrade.autograder.reference import fresh_reference

try:
    import torch
except ImportError:            # optional: the (a) rows say so
    torch = None

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:            # optional: BLAS details and the 1-thread rows
    threadpool_info = threadpool_limits = None


# The reference configuration: what the kit's MLP reaches >= 95 % with on the offline split.
REFERENCE = dict(model=dict(sizes=(784, 512, 10), hidden="relu", output="softmax", loss="cross_entropy"),
                 fit=dict(batch_size=128, lr=0.1, momentum=0.9))
# Seed 001's Keras lab: Dense(512, sigmoid), Dense(10, sigmoid), loss 'mean_squared_error',
# optimizer 'sgd' (the SGD(lr=0.1) it builds is never used), batch 128, 20 epochs.
KERAS = dict(model=dict(sizes=(784, 512, 10), hidden="sigmoid", output="sigmoid", loss="mse"),
             fit=dict(batch_size=128, lr=0.01))
# Keras's MSE is mean_k (t - y)^2, whose gradient is 2/10 of that of the kit's 1/2 sum_k (t - y)^2:
# lr 0.002 here takes exactly Keras's steps at its lr 0.01.
KERAS_EQUIVALENT_LR = 0.01 * 2 / 10


# ---- the machine ----------------------------------------------------------------------------

def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = "unknown (pip install threadpoolctl to see it)"
    if threadpool_info is not None:
        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"
                 and "numpy" in (i.get("filepath") or "") + (i.get("prefix") or "")] or \
                [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            i = infos[0]
            blas = (f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                    f"{i.get('num_threads')} threads)")
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "blas": blas,
            "torch": (f"{torch.__version__} ({torch.get_num_threads()} threads)" if torch else "not installed"),
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}


# ---- the two trainers -----------------------------------------------------------------------

def accuracy(predicted, y) -> float:
    return float(np.mean(np.asarray(predicted) == y))


def train_numpy(m, split, config, epochs, dtype, seed=0):
    net = m.MLP(seed=seed, **config["model"])
    history = net.fit(split.X_train, split.y_train, epochs=epochs, seed=seed, dtype=dtype, **config["fit"])
    return [h["seconds"] for h in history], accuracy(net.predict(split.X_test), split.y_test), history


def train_torch(m, split, config, epochs, dtype, seed=0):
    """The same network, start and batches as train_numpy, in PyTorch's idiom (nn, autograd, optim)."""
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    init = m.MLP(seed=seed, **config["model"]).params
    sizes = config["model"]["sizes"]
    layers = []
    for l in range(1, len(sizes)):
        linear = torch.nn.Linear(sizes[l - 1], sizes[l]).to(tdtype)
        with torch.no_grad():                       # the kit's W is (in, out); nn.Linear's is (out, in)
            linear.weight.copy_(torch.from_numpy(init[f"W{l}"].T.copy()))
            linear.bias.copy_(torch.from_numpy(init[f"b{l}"]))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])       # logits; cross_entropy applies the softmax
    X = torch.from_numpy(split.X_train.astype(dtype))
    y = torch.from_numpy(split.y_train)
    fit = config["fit"]
    opt = torch.optim.SGD(model.parameters(), lr=fit["lr"], momentum=fit.get("momentum", 0.0))
    rng = np.random.default_rng(seed)                # the same shuffles as MLP.fit
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.from_numpy(rng.permutation(len(X)))
        for i in range(0, len(X), fit["batch_size"]):
            batch = order[i:i + fit["batch_size"]]
            loss = torch.nn.functional.cross_entropy(model(X[batch]), y[batch])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        predicted = model(torch.from_numpy(split.X_test.astype(dtype))).argmax(dim=1).numpy()
    return seconds, accuracy(predicted, split.y_test)


def compare_with_torch(m, split, epochs, dtype, repeats):
    """Alternate NumPy and PyTorch runs; the median epoch time of each over all its runs."""
    np_times, torch_times, np_acc, torch_acc = [], [], None, None
    for _ in range(repeats):
        s, np_acc, _ = train_numpy(m, split, REFERENCE, epochs, dtype)
        np_times += s
        if torch is not None:
            s, torch_acc = train_torch(m, split, REFERENCE, epochs, dtype)
            torch_times += s
    row = {"dtype": np.dtype(dtype).name, "np_s": statistics.median(np_times), "np_acc": np_acc}
    if torch is not None:
        row.update(torch_s=statistics.median(torch_times), torch_acc=torch_acc)
    return row


# ---- the report -----------------------------------------------------------------------------

def pct(x):
    return f"{100 * x:.2f} %"


def run(args) -> str:
    m = fresh_reference("08_mnist")
    info = machine()
    lines = []
    out = lines.append
    epochs = 3 if args.quick else args.epochs
    repeats = 1 if args.quick else args.repeats

    split = mnist_data.load_mnist_split(args.mnist_dir, log=lambda msg: print(msg, file=sys.stderr))
    fashion = None
    try:
        fashion = mnist_data.load_mnist_split(dataset="fashion", download=False, dtype=np.float32)
    except mnist_data.MnistDataError as exc:
        print(f"Fashion-MNIST skipped: {exc}", file=sys.stderr)

    out(f"Machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy {info['numpy']} "
        f"with {info['blas']}; PyTorch {info['torch']}. Load average at the start: {info['load']}.")
    out("")
    out(f"Data: {split.note}")
    if fashion is not None:
        out(f"Fashion: {fashion.note}")
    out("")

    # (a)
    net = REFERENCE["model"]
    fitcfg = REFERENCE["fit"]
    out(f"### (a) Reference NumPy trainer vs PyTorch (CPU), same run")
    out("")
    out(f"{'-'.join(map(str, net['sizes']))} {net['hidden']}/{net['output']}, {net['loss']}, SGD lr "
        f"{fitcfg['lr']} momentum {fitcfg['momentum']}, batch {fitcfg['batch_size']}, {epochs} epochs, "
        f"identical initial weights and batch order; {repeats} alternating run(s) each, median "
        f"seconds per epoch; held-out accuracy after the last epoch.")
    out("")
    out("| dtype | threads (BLAS and PyTorch) | NumPy s/epoch | NumPy held-out | PyTorch s/epoch | PyTorch held-out | NumPy / PyTorch time |")
    out("|---|---|---|---|---|---|---|")
    thread_counts = [None] + ([1] if threadpool_limits is not None and (os.cpu_count() or 1) > 1 else [])
    for threads in thread_counts:
        for dtype in (np.float32, np.float64):
            if threads is None:
                row = compare_with_torch(m, split, epochs, dtype, repeats)
                label = str(info["cores"])
            else:
                previous = torch.get_num_threads() if torch else None
                if torch:
                    torch.set_num_threads(threads)
                with threadpool_limits(limits=threads, user_api="blas"):
                    row = compare_with_torch(m, split, epochs, dtype, repeats)
                if torch:
                    torch.set_num_threads(previous)
                label = str(threads)
            if "torch_s" in row:
                out(f"| {row['dtype']} | {label} | {row['np_s']:.3f} | {pct(row['np_acc'])} | "
                    f"{row['torch_s']:.3f} | {pct(row['torch_acc'])} | {row['np_s'] / row['torch_s']:.2f} |")
            else:
                out(f"| {row['dtype']} | {label} | {row['np_s']:.3f} | {pct(row['np_acc'])} | "
                    f"PyTorch not installed (pip install torch==2.13.0) | | |")
            print(lines[-1], file=sys.stderr)
    out("")

    limits = contextlib.nullcontext()
    if args.threads:
        if threadpool_limits is None:
            raise SystemExit("--threads needs threadpoolctl (pip install threadpoolctl)")
        limits = threadpool_limits(limits=args.threads, user_api="blas")
        if torch is not None:
            torch.set_num_threads(args.threads)
    with limits:
        lines += more_sections(m, args, split, fashion, epochs)
    out(f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}. With other work "
        "on the machine (a load above its cores) every figure is slower and the multi-threaded rows "
        "suffer most: OpenBLAS's and PyTorch's threads wait for each other on a busy CPU, so the "
        "one-thread rows are then the fairer comparison.")
    return "\n".join(lines)


def more_sections(m, args, split, fashion, epochs) -> list[str]:
    """(b) and (d)."""
    lines = []
    out = lines.append
    threads = f"{args.threads} BLAS thread(s)" if args.threads else f"{os.cpu_count()} BLAS threads"

    # (b)
    keras_epochs = 3 if args.quick else 20
    out(f"### (b) Seed 001's Keras configuration, re-run in NumPy")
    out("")
    out(f"784-512-10 sigmoid/sigmoid, MSE, plain SGD, batch 128, {keras_epochs} epochs, Glorot-uniform "
        f"start and zero biases (Keras's defaults); float32, {threads}. Keras's 'mse' is mean_k (t − y)², whose gradient is "
        "2/10 of the kit's ½·Σ_k (t − y)²: lr 0.002 here takes exactly Keras's steps at its default 0.01.")
    out("")
    out("| data | configuration | held-out accuracy | training loss, last epoch | s/epoch |")
    out("|---|---|---|---|---|")
    runs = [("MNIST " + ("60k/10k" if split.standard else "8k/2k offline"), split)]
    if fashion is not None:
        runs.append(("Fashion-MNIST 60k/10k", fashion))
    for name, data in runs:
        for label, cfg in (("lr 0.01 on the kit's mse ½·Σ(t − y)²", KERAS),
                           ("Keras's exact steps: lr 0.002 (= Keras SGD 0.01 on its mse)",
                            dict(KERAS, fit=dict(KERAS["fit"], lr=KERAS_EQUIVALENT_LR))),
                           ("the reference configuration (ReLU, softmax + cross-entropy, momentum 0.9)",
                            REFERENCE)):
            s, acc, history = train_numpy(m, data, cfg, keras_epochs, np.float32)
            out(f"| {name} | {label} | {pct(acc)} | {history[-1]['loss']:.4f} | {statistics.median(s):.3f} |")
            print(lines[-1], file=sys.stderr)
    out("| MNIST 60k/10k | seed 001's printed Keras run | 86.28 % | 0.0328 (Keras's mse) | — |")
    out("")

    # (d)
    out("### (d) Fashion-MNIST, full 60,000 training images")
    out("")
    if fashion is None:
        out("Skipped: Fashion-MNIST not installed (apt install dataset-fashion-mnist).")
    else:
        out(f"The reference configuration of (a), float32, {epochs} epochs, {threads}, on Fashion-MNIST's "
            "standard split (10,000 test images held out).")
        out("")
        out("| trainer | s/epoch | held-out accuracy |")
        out("|---|---|---|")
        s, acc, _ = train_numpy(m, fashion, REFERENCE, epochs, np.float32)
        out(f"| NumPy reference | {statistics.median(s):.3f} | {pct(acc)} |")
        if torch is not None:
            s, acc = train_torch(m, fashion, REFERENCE, epochs, np.float32)
            out(f"| PyTorch {torch.__version__} | {statistics.median(s):.3f} | {pct(acc)} |")
        else:
            out("| PyTorch | not installed | |")
    out("")
    return lines


def write_results(section: str) -> None:
    """Replace the MNIST section of RESULTS.md (between its markers), keeping every other section."""
    replace_section("bench_mnist", "MNIST trainer (benchmarks/bench_mnist.py)", section)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist-dir", help="directory of the MNIST idx files (else NNGRADE_MNIST_DIR, cache, download)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2, help="alternating runs per trainer in (a)")
    parser.add_argument("--quick", action="store_true", help="3 epochs, one run: a smoke test")
    parser.add_argument("--threads", type=int, help="BLAS and PyTorch threads for (b) and (d) "
                        "((a) always shows all cores and one thread)")
    parser.add_argument("--write", action="store_true", help=f"write the table into {RESULTS.name}")
    args = parser.parse_args(argv)
    section = run(args)
    print(section)
    if args.write:
        write_results(section)
        print(f"\nwritten to {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
