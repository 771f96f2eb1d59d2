"""Parsing a student's text (notebook JSON, Python cells) in a forked child under rlimits.

A few MiB of student text can make a parser build GiBs of objects (an AST of a cell holding a
million-element literal, nbformat's copies of a notebook): that must never happen in the
grading process. The child gets an address-space and a CPU limit on top of what it inherited,
and a wall-clock deadline; whatever goes wrong there is a `Refused` for that one file.
"""
from __future__ import annotations

import json
import os
import resource
import select
import signal
import struct
import time

from nngrade.autograder.messages import Said

from .model import Refused

PARSE_MEMORY_MB = 256      # on top of the grading process's own address space
PARSE_CPU_SECONDS = 10
PARSE_WALL_SECONDS = 20


def _vm_size() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def run_bounded(fn, data: bytes, what) -> tuple[bytes, list[str], dict]:
    """fn(data) -> (bytes, [str], {plain JSON data}) run in a child process; Refused when it
    fails or overruns."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                          # the child: never returns
        code = 0
        try:
            os.close(r)
            room = PARSE_MEMORY_MB << 20
            resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + room,) * 2)
            resource.setrlimit(resource.RLIMIT_CPU, (PARSE_CPU_SECONDS, PARSE_CPU_SECONDS + 1))
            try:
                body, notes, extra = fn(data)
                head = json.dumps({"notes": notes, "extra": extra}).encode()
            except Refused as e:
                said = e.args[0] if e.args and isinstance(e.args[0], Said) else Said.plain(str(e))
                body, head = b"", json.dumps({"refused": said.as_json()}).encode()
            except MemoryError:
                said = Said("intake-too-large-to-read", what=what)
                body, head = b"", json.dumps({"refused": said.as_json()}).encode()
            with os.fdopen(w, "wb") as out:
                out.write(struct.pack(">II", len(head), len(body)) + head + body)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(w)
    chunks, deadline = [], time.monotonic() + PARSE_WALL_SECONDS
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                raise Refused(Said("intake-read-slow", what=what, seconds=PARSE_WALL_SECONDS))
            chunk = os.read(r, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    raw = b"".join(chunks)
    if len(raw) < 8:
        why = Said("intake-too-complex" if os.WIFSIGNALED(status) or status else "intake-unreadable-short")
        raise Refused(Said("intake-reader-stopped", what=what, why=why, mib=PARSE_MEMORY_MB,
                           seconds=PARSE_CPU_SECONDS))
    hlen, blen = struct.unpack(">II", raw[:8])
    head = json.loads(raw[8:8 + hlen])
    if "refused" in head:
        refused = head["refused"]
        raise Refused(Said.from_json(refused) if isinstance(refused, dict) else str(refused))
    extra = head.get("extra")
    return (raw[8 + hlen:8 + hlen + blen], [str(n) for n in head["notes"]],
            extra if isinstance(extra, dict) else {})
