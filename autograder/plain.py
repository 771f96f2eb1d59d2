"""`nngrade check` without the sandbox: the student's own code on their own machine, in a plain
child process (`plain_child.py`, the sandbox child's request loop) with a time limit per call.

Used where the sandbox cannot run (Windows, macOS) or cannot start (a Linux without bubblewrap,
seccomp ...), and with NNGRADE_SANDBOX=plain. `PlainPool` and `PlainSession` answer as
`SandboxPool` and `Session` do (the same requests, `Reply` fields and statuses, the same
transport and probes), so `backends.SandboxStudent` and the tests run on them unchanged. What
this level does not give: no isolation, no memory or CPU limit, no hiding of files; the grader
is the student's own machine, whose code it is.

Portable on purpose: subprocess with sys.executable, a loopback socket, no fork, no signals, no
Linux-only module. Nothing here imports the sandbox package (its launcher needs Linux).
"""
from __future__ import annotations

import itertools
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nngrade.autograder import transport
from nngrade.autograder.replies import ErrorInfo, Reply
from nngrade.autograder.messages import Said

LEVEL = "plain"
HERE = Path(__file__).resolve().parent
CHILD_SCRIPT = HERE / "plain_child.py"
START_TIMEOUT = 60.0           # Python and numpy starting on a slow laptop
DEFAULT_TIMEOUT = 10.0         # as the sandbox's Limits: per call, per session, per answer bytes
DEFAULT_BUDGET = 120.0
DEFAULT_REPLY_MB = 64
STATUSES = ("ok", "exception", "timeout", "crashed", "bad-value", "import-error", "missing",
            "budget")
TRACE_CALLS = 200
_session_ids = itertools.count(1)


class PlainUnavailable(RuntimeError):
    """The plain child process did not start (Python or numpy broken)."""


def sandbox_probes():
    """The probes module as the public tests import it (`nngrade.autograder.sandbox.probes`).
    Where the sandbox package cannot be imported (its launcher needs fcntl and pwd: Windows), a
    package holding the sandbox folder without running its __init__ stands in, so probes.py,
    which needs only numpy, still imports under its own name."""
    name = "nngrade.autograder.sandbox"
    if name not in sys.modules:
        try:
            import nngrade.autograder.sandbox  # noqa: F401
        except ImportError:
            stand_in = types.ModuleType(name, "the sandbox folder, for probes.py alone")
            stand_in.__path__ = [str(HERE / "sandbox")]
            sys.modules[name] = stand_in
    from nngrade.autograder.sandbox import probes
    return probes


class PlainPool:
    """Stands for `SandboxPool` in `nngrade check`: one plain session at a time."""

    level = LEVEL

    def __init__(self, reason: str = ""):
        self.reason = reason
        self._session: PlainSession | None = None
        sandbox_probes()          # the public tests import it: make sure they can

    def session(self, files: dict, file_names: dict | None = None, limits=None,
                cells: dict | None = None) -> "PlainSession":
        # `cells` (a notebook's cell table) is the sandbox's: here a notebook runs as one module,
        # so a failing demo cell fails its module, as a plain `python` run of it would.
        del cells
        if self._session is not None and not self._session.closed:
            raise RuntimeError("this pool already has an open session: close it first")
        self._session = PlainSession(files, file_names or {}, limits)
        return self._session

    def describe(self) -> dict:
        return {"level": LEVEL, "slot": 0, "user": "you",
                "python": f"{sys.version.split()[0]} ({sys.executable})",
                "layers": [{"name": "timeout", "active": True,
                            "detail": "wall-clock time limit per call and per check run; no "
                                      "isolation, no memory limit"}],
                "unavailable": {}, "notes": [self.reason] if self.reason else []}

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PlainSession:
    """One student's files in a plain child process, restarted after a timeout or crash."""

    def __init__(self, files: dict, file_names: dict, limits=None):
        self.files = {m: src.encode("utf-8") if isinstance(src, str) else bytes(src)
                      for m, src in files.items()}
        self.file_names = {m: str(file_names.get(m, f"{m}.py")) for m in self.files}
        self.timeout = float(getattr(limits, "timeout", DEFAULT_TIMEOUT))
        self.budget = float(getattr(limits, "budget", DEFAULT_BUDGET))
        self.reply_mb = int(getattr(limits, "reply_mb", DEFAULT_REPLY_MB))
        self.closed = False
        self.spent = 0.0
        self.received = 0
        self.reply_allowance: int | None = None
        self.restarts = 0
        self._token = next(_session_ids)
        self._generation = 0
        self._ids = itertools.count(1)
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._workdir: str | None = None
        self._errlog = None

    # ---- the requests, as Session's -----------------------------------------------------------

    def load(self, module, timeout=None, cell_seconds=None):
        del cell_seconds        # the sandbox's cell-by-cell notebooks; one module here
        return self._request({"op": "load", "module": module}, timeout)

    def call(self, module, function, args=(), kwargs=None, timeout=None, *, args_after=True,
             as_handle=False):
        return self._request({"op": "call", "module": module, "function": function,
                              "args": list(args), "kwargs": dict(kwargs or {}),
                              "args_after": args_after, "as_handle": as_handle}, timeout)

    def trace(self, module, function, watch, args=(), kwargs=None, timeout=None):
        return self._request({"op": "trace", "module": module, "function": function,
                              "watch": list(watch), "args": list(args), "kwargs": dict(kwargs or {}),
                              "args_after": False}, timeout)

    def new(self, module, cls, args=(), kwargs=None, timeout=None):
        return self._request({"op": "new", "module": module, "cls": cls, "args": list(args),
                              "kwargs": dict(kwargs or {}), "args_after": True}, timeout)

    def method(self, handle, name, args=(), kwargs=None, timeout=None, *, args_after=True,
               as_handle=False):
        return self._request({"op": "method", "handle": handle, "name": name, "args": list(args),
                              "kwargs": dict(kwargs or {}), "args_after": args_after,
                              "as_handle": as_handle}, timeout)

    def getattr(self, handle, name, timeout=None, *, as_handle=False):
        return self._request({"op": "getattr", "handle": handle, "name": name,
                              "as_handle": as_handle, "args_after": False}, timeout)

    def setattr(self, handle, name, value, timeout=None):
        return self._request({"op": "setattr", "handle": handle, "name": name, "value": value},
                             timeout)

    def setitem(self, handle, attr, key, value, timeout=None):
        return self._request({"op": "setitem", "handle": handle, "attr": attr, "key": key,
                              "value": value}, timeout)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._end_child()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- the child process ------------------------------------------------------------------

    def _start_child(self) -> None:
        try:
            self._sock = self._connect_child()
            init = {"files": {m: _bytes_array(src) for m, src in self.files.items()},
                    "names": self.file_names}
            transport.send(self._sock, init, deadline=time.monotonic() + START_TIMEOUT)
            ack = transport.recv(self._sock, deadline=time.monotonic() + START_TIMEOUT)
            if type(ack) is not dict or ack.get("status") != "ok":
                raise PlainUnavailable("the student's process did not start")
        except (transport.TransportError, TimeoutError, OSError) as e:
            error = PlainUnavailable(self._startup_error() or str(e))
            self._kill_child()
            raise error from None
        except BaseException:
            self._kill_child()
            raise

    def _connect_child(self) -> socket.socket:
        """Start the child and take its connection: the one that knows this start's token."""
        token = secrets.token_hex(16)
        self._workdir = tempfile.mkdtemp(prefix="nngrade-check-")
        self._errlog = tempfile.TemporaryFile()
        give_up = time.monotonic() + START_TIMEOUT
        with socket.create_server(("127.0.0.1", 0)) as listener:
            listener.settimeout(0.2)
            self._proc = subprocess.Popen(
                [sys.executable, *_interpreter_flags(), str(CHILD_SCRIPT),
                 str(listener.getsockname()[1]), self._workdir],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._errlog,
                cwd=self._workdir)
            try:
                self._proc.stdin.write(token.encode() + b"\n")
                self._proc.stdin.close()
            except OSError:
                pass                        # it exited already: said below
            while True:
                try:
                    sock, _ = listener.accept()
                except socket.timeout:
                    if self._proc.poll() is not None or time.monotonic() > give_up:
                        raise PlainUnavailable(self._startup_error()) from None
                    continue
                try:
                    hello = transport.recv(sock, deadline=time.monotonic() + 5, max_bytes=1 << 16)
                except (transport.TransportError, TimeoutError, OSError):
                    hello = None
                if type(hello) is dict and hello.get("token") == token:
                    # frames go out as a length, then the payload: without this, Nagle's
                    # algorithm holds each request back for the peer's delayed ACK (~40 ms)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    return sock
                sock.close()

    def _startup_error(self) -> str:
        code = self._proc.poll() if self._proc else None
        err = ""
        if self._errlog is not None and not self._errlog.closed:
            self._errlog.seek(0)
            lines = self._errlog.read().decode("utf-8", "replace").strip().splitlines()
            err = lines[-1][:300] if lines else ""
        return (f"the Python process for your code did not start ({sys.executable}"
                + (f", exit code {code}" if code is not None else "") + ")" + (f": {err}" if err else ""))

    def _end_child(self) -> int | None:
        """Stop the child; its exit code (None when it had to be killed)."""
        code = None
        if self._sock is not None:
            self._sock.close()
        if self._proc is not None:
            try:
                code = self._proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._errlog is not None:
            self._errlog.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._sock = self._proc = self._workdir = self._errlog = None
        self._generation += 1
        return code

    def _kill_child(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        self._end_child()

    # ---- one request --------------------------------------------------------------------------

    def _encode_ref(self, x, enc):
        if type(x) is transport.Handle:
            if x.owner != (self._token, self._generation):
                raise _Stale(x)
            return {"$handle": x.id, "type": x.type}
        if type(x).__module__.endswith("sandbox.probes") and hasattr(x, "wire"):
            name, args = x.wire()
            return {"$probe": name, "args": enc(args)}
        raise transport.BadValue(f"cannot send a {type(x).__name__} to the student's process")

    def _make_handle(self, hid: int, type_name: str) -> transport.Handle:
        return transport.Handle(hid, type_name, owner=(self._token, self._generation))

    def _request(self, req: dict, timeout) -> Reply:
        if self.closed:
            raise RuntimeError("this session is closed")
        t0 = time.monotonic()
        left = self.budget - self.spent
        if left <= 0:
            return Reply("budget", error=ErrorInfo(
                "Budget", Said("sbx-budget-used", seconds=self.budget)))
        limit = self.timeout if timeout is None else float(timeout)
        clipped = left < limit
        deadline = t0 + min(limit, left)
        req["id"] = next(self._ids)
        try:
            payload = transport.encode(req, fallback=self._encode_ref)
        except _Stale as e:
            return Reply("crashed", error=ErrorInfo(
                "LostObject", Said("sbx-lost-object", type=e.args[0].type)))
        try:
            return self._exchange(payload, req["id"], deadline, limit, clipped)
        finally:
            self.spent += time.monotonic() - t0

    def _exchange(self, payload, rid, deadline, limit, clipped) -> Reply:
        t0 = time.monotonic()
        try:
            if self._sock is None:
                self._start_child()
                # the call's time starts once Python and numpy are up
                deadline += time.monotonic() - t0
            transport.send_frame(self._sock, payload, deadline=deadline)
            raw = transport.recv_frame(self._sock, deadline, self._max_reply())
        except TimeoutError:
            self._kill_child()
            self.restarts += 1
            if clipped:
                return Reply("budget", wall=time.monotonic() - t0, error=ErrorInfo(
                    "Budget", Said("sbx-budget-stopped", seconds=self.budget)))
            return Reply("timeout", wall=time.monotonic() - t0, error=ErrorInfo(
                "Timeout", Said("sbx-timeout", seconds=limit)))
        except PlainUnavailable as e:
            return Reply("crashed", wall=time.monotonic() - t0, error=ErrorInfo("NotStarted", str(e)))
        except (transport.ChannelClosed, ConnectionError):
            code = self._end_child()
            self.restarts += 1
            how = Said("sbx-how-signal", signal=-code) if code is not None and code < 0 else \
                Said("sbx-how-exited", code=code)
            return Reply("crashed", wall=time.monotonic() - t0, error=ErrorInfo(
                "Exited", Said("sbx-ended", how=how)))
        except transport.TooLarge as e:
            self._kill_child()
            self.restarts += 1
            return Reply("bad-value", wall=time.monotonic() - t0, error=ErrorInfo(
                "TooLarge", Said("sbx-too-large", size=e.size, limit=e.limit)))
        except transport.BadValue as e:
            self._kill_child()
            self.restarts += 1
            return Reply("bad-value", wall=time.monotonic() - t0, error=ErrorInfo(
                "BadValue", Said("sbx-bad-value", error=str(e))))
        nbytes = len(raw)
        self.received += nbytes
        if self.reply_allowance is not None:
            self.reply_allowance -= nbytes
        try:
            reply = _reply(transport.decode(raw, handle=self._make_handle), rid)
        except transport.BadValue as e:
            reply = Reply("bad-value", error=ErrorInfo("BadValue", str(e)))
        reply.wall, reply.nbytes = time.monotonic() - t0, nbytes
        return reply

    def _max_reply(self) -> int:
        limits = [transport.MAX_MESSAGE_BYTES, max(0, (self.reply_mb << 20) - self.received)]
        if self.reply_allowance is not None:
            limits.append(max(0, self.reply_allowance))
        return min(limits)


class _Stale(Exception):
    pass


def _interpreter_flags() -> list[str]:
    """This interpreter's site and environment flags: the child finds numpy as we did."""
    f = sys.flags
    if f.isolated:
        return ["-I"]
    return [flag for flag, on in (("-S", f.no_site), ("-s", f.no_user_site),
                                  ("-E", f.ignore_environment)) if on]


def _bytes_array(data: bytes):
    import numpy as np
    return np.frombuffer(data, dtype=np.uint8)


def _unsupported(value) -> str | None:
    """Type name of the first value that is not plain data, if any."""
    if type(value) is transport.Unsupported:
        return value.type_name
    if type(value) in (list, tuple):
        return next((t for t in map(_unsupported, value) if t), None)
    if type(value) is dict:
        return next((t for t in map(_unsupported, value.values()) if t), None)
    return None


def _reply(raw, rid) -> Reply:
    """A Reply from the child's answer; a malformed one is a bad value, never a crash here."""
    def bad(why):
        return Reply("bad-value", error=ErrorInfo("Malformed", Said("sbx-malformed", why=why)))
    if type(raw) is not dict or raw.get("id") != rid:
        return bad(Said("sbx-why-not-this-request"))
    status = raw.get("status")
    if status not in STATUSES or status == "budget":
        return bad(Said("sbx-why-status", status=repr(status)))
    error = None
    e = raw.get("error")
    if type(e) is dict:
        line = e.get("line")
        error = ErrorInfo(str(e.get("type") or "Error")[:200], str(e.get("message") or "")[:2000],
                          str(e["file"])[:300] if e.get("file") else None,
                          line if type(line) is int else None, str(e.get("traceback") or "")[:8000])
        if status == "bad-value" and error.type == "Unsendable":
            # the child names what could not be encoded; the sentence is the grader's
            error.type, error.message = "BadValue", Said("sbx-cannot-send-back", error=error.message)
    elif status in ("exception", "import-error", "missing"):
        return bad(Said("sbx-why-no-error", status=status))
    warns = raw.get("warnings") or []
    calls = raw.get("calls")
    seconds = raw.get("seconds", 0.0)
    reply = Reply(status, value=raw.get("value"), error=error,
                  args_after=raw.get("args_after") if type(raw.get("args_after")) is list else None,
                  kwargs_after=raw.get("kwargs_after") if type(raw.get("kwargs_after")) is dict else None,
                  warnings=[[str(c)[:200], str(m)[:500]] for c, m in warns[:100]]
                  if type(warns) is list and all(type(w) is list and len(w) == 2 for w in warns) else [],
                  stdout=str(raw.get("stdout") or "")[:4096],
                  stdout_bytes=raw.get("stdout_bytes") if type(raw.get("stdout_bytes")) is int else 0,
                  seconds=float(seconds) if type(seconds) in (int, float) and math.isfinite(seconds) else 0.0,
                  changed_at_import=tuple(c for c in raw.get("changed_at_import") or () if type(c) is str),
                  calls=calls[:TRACE_CALLS] if type(calls) is list else None)
    if status == "ok":
        found = _unsupported([reply.value, reply.calls])
        if found:
            reply.status = "bad-value"
            reply.error = ErrorInfo("NotPlainData", Said("sbx-not-plain-data", type=found))
    return reply
