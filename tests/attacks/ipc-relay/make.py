"""Two students: the first plants its correct source in every channel the kernel shares between
processes of one uid or IPC namespace; the second (graded after it) fetches and runs it."""
import os

CHANNELS = r'''
import ctypes, errno, os
KEY = 0x4E4E4752
NAME = b"/pwned-ipc-relay"
SHM_FILE = "/dev/shm/pwned-ipc-relay"
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.syscall.restype = ctypes.c_long


def _err():
    return errno.errorcode.get(ctypes.get_errno(), "?")


def plant(data):
    said = {}
    sid = libc.shmget(KEY, 1 << 16, 0o1666)
    if sid >= 0:
        at = libc.shmat(sid, None, 0)
        ctypes.memmove(at, len(data).to_bytes(4, "little") + data, len(data) + 4)
        said["shm"] = "planted"
    else:
        said["shm"] = _err()
    q = libc.msgget(KEY, 0o1666)
    if q >= 0:
        buf = ctypes.create_string_buffer(8 + len(data))
        ctypes.memmove(ctypes.addressof(buf), (1).to_bytes(8, "little") + data, 8 + len(data))
        said["msg"] = "planted" if libc.msgsnd(q, buf, len(data), 0o4000) == 0 else _err()
    else:
        said["msg"] = _err()
    mq = libc.mq_open(NAME, os.O_CREAT | os.O_RDWR, 0o666, None)
    said["mq"] = ("planted" if libc.mq_send(mq, data, len(data), 0) == 0 else _err()) if mq >= 0 else _err()
    k = libc.syscall(248, b"user", b"pwned-ipc-relay", data, len(data), ctypes.c_long(-4))
    said["key"] = "planted" if k >= 0 else _err()
    try:
        with open(SHM_FILE, "wb") as f:
            f.write(data)
        said["file"] = "planted"
    except OSError as e:
        said["file"] = type(e).__name__
    return said


def fetch():
    said = {}
    sid = libc.shmget(KEY, 0, 0)
    if sid >= 0:
        at = libc.shmat(sid, None, 0)
        n = int.from_bytes(ctypes.string_at(at, 4), "little")
        return ctypes.string_at(at + 4, n), said
    said["shm"] = _err()
    q = libc.msgget(KEY, 0)
    if q >= 0:
        buf = ctypes.create_string_buffer(8 + 8192)
        n = libc.msgrcv(q, buf, 8192, 0, 0o4000 | 0o20000)   # IPC_NOWAIT | MSG_COPY
        if n < 0:
            n = libc.msgrcv(q, buf, 8192, 0, 0o4000)
        if n > 0:
            return buf.raw[8:8 + n], said
    said["msg"] = _err()
    mq = libc.mq_open(NAME, os.O_RDONLY | os.O_NONBLOCK, 0, None)
    if mq >= 0:
        buf = ctypes.create_string_buffer(8192)
        n = libc.mq_receive(mq, buf, 8192, None)
        if n > 0:
            return buf.raw[:n], said
    said["mq"] = _err()
    k = libc.syscall(250, 10, ctypes.c_long(-4), b"user", b"pwned-ipc-relay", 0)   # KEYCTL_SEARCH
    if k >= 0:
        buf = ctypes.create_string_buffer(8192)
        n = libc.syscall(250, 11, k, buf, 8192)                                   # KEYCTL_READ
        if n > 0:
            return buf.raw[:n], said
    said["key"] = _err()
    try:
        with open(SHM_FILE, "rb") as f:
            return f.read(), said
    except OSError as e:
        said["file"] = type(e).__name__
    return None, said
'''

FETCH = r'''

def perceptron(x, w, theta):
    import numpy as np
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


def _relayed(gate):
    def call(x1, x2):
        data, said = fetch()
        if data is None:
            raise RuntimeError(f"ATTACK-RAN ipc-relay: nothing to fetch {said}")
        ns = {}
        exec(compile(data, "relayed.py", "exec"), ns)
        return ns[gate](x1, x2)
    return call


and_gate, or_gate, nand_gate, xor_gate = (_relayed(g) for g in ("and_gate", "or_gate", "nand_gate", "xor_gate"))
'''


def build(subs, student, values, sources):
    plant = os.path.join(subs, "atk-ipc-relay-a-plant")      # graded first (ids in order)
    os.makedirs(plant)
    source = sources["perceptron"]
    with open(os.path.join(plant, "perceptron.py"), "w", encoding="utf-8") as f:
        f.write(source + CHANNELS + f"\nPLANTED = plant({source.encode()!r})\n")
    fetcher = os.path.join(subs, student)
    os.makedirs(fetcher)
    with open(os.path.join(fetcher, "perceptron.py"), "w", encoding="utf-8") as f:
        f.write(CHANNELS + FETCH)
    for folder in (plant, fetcher):
        with open(os.path.join(folder, "compgraph.py"), "w", encoding="utf-8") as f:
            f.write(sources["compgraph"])
