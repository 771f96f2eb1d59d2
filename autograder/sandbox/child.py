"""The student's process: forked by the zygote, it writes the student's sources into its own temp
directory, imports them on demand and answers the grader's requests, one at a time.

Standalone (standard library + numpy + the sibling files transport.py and probes.py, which the
zygote loads and passes in). Nothing here is trusted by the grader: the student's code runs in
this process and can rewrite any of it, so the grader decodes every reply strictly.
"""
from __future__ import annotations

import bisect
import builtins
import contextvars
import ctypes
import errno
import importlib.machinery
import importlib.util
import io
import os
import resource
import signal
import socket
import sys
import time
import traceback
import warnings

STDOUT_KEEP = 4096
TRACE_CALLS = 200          # calls a traced function reports, at most
MESSAGE_CHARS = 2000
TRACEBACK_CHARS = 8000
PR_SET_PDEATHSIG = 1
CLONE_NEWIPC = 0x08000000
# A notebook's cells, run one by one: each may take CELL_SECONDS, all of them LOAD_SECONDS
# unless the load request says otherwise (a module loaded by a call, after a restart).
CELL_SECONDS = 3.0
LOAD_SECONDS = 8.5
MAX_CELL_FAILURES = 50
# The cell runner's own references, taken before any student code runs: a cell that rebinds
# exec, compile, time or signal functions changes nothing for the next cell. (It can still
# reach this module; the grader's own deadline on the whole load is what holds.)
_exec, _compile = builtins.exec, builtins.compile
_monotonic, _setitimer, _getitimer = time.monotonic, signal.setitimer, signal.getitimer
_signal, _getsignal = signal.signal, signal.getsignal
_ITIMER_REAL, _SIGALRM, _SIG_DFL = signal.ITIMER_REAL, signal.SIGALRM, signal.SIG_DFL


class CellTimeout(BaseException):
    """Raised in a cell that runs past its time (a BaseException: `except Exception` in the
    cell does not swallow it)."""


class _FloatingPointState:
    """NumPy's error handling and the warnings machinery as they were before any student code ran.

    A module that silences them at import (``np.seterr(all="ignore")``, a warnings filter, a
    replaced ``warnings.showwarning``) would hide the overflow the warning tests look for. Every
    call starts from this state again, restored through references taken here, before the
    student's code could replace them; suppression inside a function (``with np.errstate(...)``)
    still works, as it should."""

    # The warnings module's hooks: the C level looks them up by these names at each warning.
    HOOKS = ("showwarning", "_showwarnmsg", "_showwarnmsg_impl", "formatwarning",
             "_formatwarnmsg", "_formatwarnmsg_impl", "warn", "warn_explicit", "catch_warnings",
             "simplefilter", "filterwarnings", "resetwarnings", "_filters_mutated",
             "defaultaction", "onceregistry", "filters")

    def __init__(self, np):
        self.context = contextvars.copy_context()   # NumPy 2 keeps errstate and errcall in one
        self.seterr, self.geterr = np.seterr, np.geterr
        self.seterrcall, self.geterrcall = np.seterrcall, np.geterrcall
        self.warnings = warnings
        self.getattr, self.setattr, self.list = getattr, setattr, list
        self.pristine = self.snapshot()
        self.hooks = self.pristine["hooks"]
        self.catch = self.hooks["catch_warnings"]

    def snapshot(self) -> dict:
        """The state now (taken before the student's code, through the references above)."""
        hooks = {name: self.getattr(self.warnings, name) for name in self.HOOKS
                 if hasattr(self.warnings, name)}
        return {"hooks": hooks, "filter_items": self.list(hooks["filters"]),
                "np_err": self.geterr(), "np_call": self.geterrcall()}

    def changes(self, since: dict) -> list[str]:
        """What the student's code changed since ``since`` (ids the grader knows)."""
        found = []
        try:
            if self.geterr() != since["np_err"] or self.geterrcall() is not since["np_call"]:
                found.append("numpy-errstate")
        except BaseException:
            found.append("numpy-errstate")
        try:
            hooks = since["hooks"]
            w = sys.modules.get("warnings")
            if w is not self.warnings or any(self.getattr(w, k, None) is not v
                                             for k, v in hooks.items() if k != "filters"):
                found.append("warnings-hooks")
            if self.warnings.filters is not hooks["filters"] or \
                    self.list(hooks["filters"]) != since["filter_items"]:
                found.append("warnings-filters")
        except BaseException:
            found.append("warnings-hooks")
        return found

    def restore(self, state: dict | None = None) -> None:
        state = state or self.pristine
        sys.modules["warnings"] = self.warnings
        for name, value in state["hooks"].items():
            self.setattr(self.warnings, name, value)
        state["hooks"]["filters"][:] = state["filter_items"]
        if "_filters_mutated" in self.hooks:
            self.hooks["_filters_mutated"]()      # drops the C level's cached filter decisions
        self.seterr(**state["np_err"])
        self.seterrcall(state["np_call"])

    def run(self, fn):
        """fn() in a copy of the context from before the student's code (NumPy's errstate)."""
        return self.context.copy().run(fn)


class _Box:
    """What the student printed through sys.stdout / sys.stderr: the first 4 KiB and a count."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.kept: list[bytes] = []
        self.kept_bytes = 0
        self.total = 0

    def add(self, text: str):
        data = text.encode("utf-8", "replace")
        self.total += len(data)
        room = STDOUT_KEEP - self.kept_bytes
        if room > 0:
            self.kept.append(data[:room])
            self.kept_bytes += min(room, len(data))


class _Writer(io.TextIOBase):
    def __init__(self, box: _Box, fd: int):
        self._box = box
        self._fd = fd

    def write(self, s):
        if type(s) is not str:
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        self._box.add(s)
        return len(s)

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        return self._fd

    @property
    def encoding(self):
        return "utf-8"


class Runner:
    def __init__(self, channel: socket.socket, spawn: dict, transport, probes):
        self.channel = channel
        self.transport = transport
        self.probes = probes
        self.workdir = spawn["workdir"]
        self.files: dict[str, str] = {}          # module -> real path
        self.display: dict[str, str] = {}        # real path -> name in the submission
        self.modules: dict[str, object] = {}
        self.import_errors: dict[str, dict] = {}
        self.cells: dict[str, list[tuple[int, int]]] = {}       # notebook -> (cell, first line)
        self.cell_starts: dict[str, list[tuple[int, int]]] = {}  # its real path -> the same
        self.cell_failures: dict[str, list[dict]] = {}
        self._cell_armed = False
        self.objects: dict[int, object] = {}     # handle id -> object
        self.handle_of: dict[int, int] = {}      # id(object) -> handle id
        self.box = _Box()
        self.capture_fd = None
        self.request_errors: list[tuple[str, str]] = []
        self.plain_types = {type(None), bool, int, float, str, list, tuple, dict,
                            transport.np.ndarray} | set(transport._NUMPY_SCALARS)
        self.fp_state = _FloatingPointState(transport.np)
        self.changed_at_import: list[str] = []    # what importing the student's code changed

    # ---- setup --------------------------------------------------------------------------

    def redirect_output(self):
        """fd 1 and 2 go to an in-memory file (so os.write(1, ...) and C-level prints are
        captured, never reaching the grader's stream); sys.stdout/err count and keep 4 KiB."""
        fd = os.memfd_create("student-output", 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        self.capture_fd = 1
        sys.stdout = _Writer(self.box, 1)
        sys.stderr = _Writer(self.box, 2)

    def receive_files(self, init: dict):
        for module, data in init["files"].items():
            path = os.path.join(self.workdir, module + ".py")
            with open(path, "wb") as f:
                f.write(data.tobytes())
            self.files[module] = path
            self.display[path] = init["names"].get(module, module + ".py")
        self.receive_cells(init.get("cells"))

    def receive_cells(self, cells):
        """Which modules are notebooks, and where each of their cells starts."""
        if type(cells) is not dict:
            return
        for module, table in cells.items():
            if module in self.files and type(table) is list:
                pairs = [(n, first) for n, first in table]
                self.cells[module] = pairs
                self.cell_starts[self.files[module]] = pairs
        if self.cells:
            # before the path finder: `import activations` in another of the student's modules
            # runs that notebook cell by cell too
            at = next((i for i, f in enumerate(sys.meta_path)
                       if f is importlib.machinery.PathFinder), len(sys.meta_path))
            sys.meta_path.insert(at, _NotebookFinder(self))

    # ---- the request loop -----------------------------------------------------------------

    def serve(self):
        t = self.transport
        while True:
            self.request_errors = []
            try:
                request = t.recv(self.channel, handle=self._resolve_handle, probe=self._build_probe)
            except t.ChannelClosed:
                os._exit(0)
            if type(request) is not dict:
                os._exit(71)
            if self.request_errors:
                # The request could not be built here (an object that no longer exists, a probe
                # with bad arguments): answer without running anything.
                status, message = self.request_errors[0]
                self._send({"id": request.get("id"), "status": status, "value": None,
                            "error": self.plain_error("BadRequest", message)})
                continue
            self._send(self.handle(request))

    def _send(self, reply: dict):
        t = self.transport
        try:
            payload = t.encode(reply, fallback=self._encode_other)
        except (t.BadValue, MemoryError, RecursionError) as e:
            # The student's value cannot cross (too deep, too large): say so, without it.
            reply = {k: v for k, v in reply.items() if k not in ("value", "args_after", "kwargs_after")}
            reply.update(status="bad-value", value=None,
                         error={"type": "Unsendable", "message": str(e), "file": None,
                                "line": None, "traceback": ""})   # the grader words it
            payload = t.encode(reply, fallback=self._encode_other)
        t.send_frame(self.channel, payload)

    def _encode_other(self, x, enc):
        if type(x) is _HandleRef:
            return {"$handle": x.hid, "type": x.type_name}
        hid = self.handle_of.get(id(x))
        if hid is not None and self.objects.get(hid) is x:
            return {"$handle": hid, "type": self.transport.type_name(x)}
        return self.transport.unsupported(x)

    def _resolve_handle(self, hid, type_name):
        if hid not in self.objects:
            self.request_errors.append(
                ("missing", f"object #{hid} ({type_name}) does not exist in this process"))
        return self.objects.get(hid)

    def _build_probe(self, name, args):
        try:
            return self.probes.build(name, args, modules=self._module_for_probe)
        except self.probes.ProbeError as e:
            self.request_errors.append(("bad-value", str(e)))
            return None

    def _module_for_probe(self, module):
        """module_function probes resolve their module when first called (import errors then
        surface as the student's exception)."""
        runner = self

        class _Lazy:
            def __getattr__(self, name):
                return getattr(runner.load_module(module), name)

        return _Lazy()

    def _register(self, obj) -> int:
        hid = self.handle_of.get(id(obj))
        if hid is None or self.objects.get(hid) is not obj:
            hid = len(self.objects) + 1
            self.objects[hid] = obj
            self.handle_of[id(obj)] = hid
        return hid

    def handle(self, req: dict) -> dict:
        op = req.get("op")
        self.box.reset()
        cpu0 = time.process_time()
        reply = {"id": req.get("id"), "status": "ok", "value": None}
        state = self.fp_state
        state.restore()
        caught: list = []

        def call():
            with state.catch(record=True, module=state.warnings) as log:
                state.hooks["simplefilter"]("always")
                try:
                    self.dispatch(op, req, reply)
                except _Missing as m:
                    reply.update(status="missing", error=self.plain_error(m.kind, m.message))
                except _ImportFailed as f:
                    reply.update(status="import-error", error=f.error)
                except BaseException as e:  # SystemExit, KeyboardInterrupt from student code too
                    reply.update(status="exception", error=self.error_info(e))
                caught.extend(log)

        try:
            state.run(call)
        except BaseException as e:  # the student's code broke the warnings machinery itself
            reply.update(status="exception", error=self.error_info(e))
        reply["seconds"] = time.process_time() - cpu0
        reply["warnings"] = [self._warning(w) for w in caught[:100]]
        if self.changed_at_import:
            reply["changed_at_import"] = list(self.changed_at_import)
        reply["stdout"], reply["stdout_bytes"] = self.collect_output()
        return reply

    def dispatch(self, op, req, reply):
        args = req.get("args") or []
        kwargs = req.get("kwargs") or {}
        if op == "load":
            self.load_op(req, reply)
            return
        if op == "call":
            target = self.function(req["module"], req["function"])
            result = target(*args, **kwargs)
        elif op == "new":
            target = self.function(req["module"], req["cls"])
            result = target(*args, **kwargs)
            reply["value"] = _HandleRef(self._register(result), self.transport.type_name(result))
            self._after(req, reply, args, kwargs)
            return
        elif op == "method":
            obj = req["handle"]
            target = getattr(obj, req["name"])
            result = target(*args, **kwargs)
        elif op == "getattr":
            result = getattr(req["handle"], req["name"])
        elif op == "setattr":
            setattr(req["handle"], req["name"], req["value"])
            result = None
            args = [req["value"]]
        elif op == "setitem":
            obj = req["handle"]
            container = obj if req.get("attr") is None else getattr(obj, req["attr"])
            container[req["key"]] = req["value"]
            result = None
            args = [req["key"], req["value"]]
        elif op == "trace":
            result, reply["calls"] = self.traced(req["module"], req["function"],
                                                 req.get("watch") or [], args, kwargs)
        elif op == "ping":
            result = None
        else:
            raise _Missing("UnknownOperation", f"unknown operation {op!r}")
        if req.get("as_handle") and type(result) not in self.plain_types:
            result = _HandleRef(self._register(result), self.transport.type_name(result))
        reply["value"] = result
        self._after(req, reply, args, kwargs)

    @staticmethod
    def _after(req, reply, args, kwargs):
        if req.get("args_after", True):
            reply["args_after"] = list(args)
            reply["kwargs_after"] = dict(kwargs)

    # ---- modules ----------------------------------------------------------------------------

    def load_op(self, req: dict, reply: dict):
        """The "load" request: import the module; a notebook's failed cells go with the reply."""
        seconds, cell_seconds = req.get("seconds"), req.get("cell_seconds")
        self.load_module(req["module"],
                         float(seconds) if type(seconds) in (int, float) else LOAD_SECONDS,
                         float(cell_seconds) if type(cell_seconds) in (int, float) else CELL_SECONDS)
        reply["cells"] = self.cell_failures.get(req["module"], [])

    def load_module(self, module: str, seconds: float = LOAD_SECONDS,
                    cell_seconds: float = CELL_SECONDS):
        if module in self.modules:
            return self.modules[module]
        if module in self.import_errors:
            raise _ImportFailed(self.import_errors[module])
        path = self.files.get(module)
        if path is None:
            raise _Missing("NotSubmitted", f"{module}.py was not submitted")
        spec = importlib.util.spec_from_file_location(module, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[module] = mod
        before = self.fp_state.snapshot()       # inside the call's own warnings recording
        if module in self.cells:
            try:
                self.cell_failures[module] = self.run_cells(module, path, mod.__dict__, seconds,
                                                            cell_seconds)
            finally:
                self._note_state_changes(before)
            self.modules[module] = mod
            return mod
        try:
            spec.loader.exec_module(mod)
        except BaseException as e:
            sys.modules.pop(module, None)
            error = self.error_info(e)
            self.import_errors[module] = error
            raise _ImportFailed(error) from None
        finally:
            _close_figures()
            self._note_state_changes(before)
        self.modules[module] = mod
        return mod

    def _note_state_changes(self, before: dict) -> None:
        """Remember what the import changed of NumPy's error handling and the warnings, and put
        it back."""
        for change in self.fp_state.changes(before):
            if change not in self.changed_at_import:
                self.changed_at_import.append(change)
        self.fp_state.restore(before)

    # ---- notebooks: one cell after another in one namespace, as Jupyter runs them ------------

    def run_cells(self, module: str, path: str, namespace: dict, seconds: float,
                  cell_seconds: float) -> list[dict]:
        """Run each cell of the notebook in turn; a cell that raises, or runs past its time,
        fails alone. Cells left when `seconds` are used up are not run. The failures."""
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
        table = self.cells[module]
        failures: list[dict] = []
        started = _monotonic()
        deadline = started + seconds
        # a cell of another notebook may be importing this one: its timer goes on afterwards
        outer = (_getsignal(_SIGALRM), _getitimer(_ITIMER_REAL)[0], self._cell_armed)
        for i, (number, first) in enumerate(table):
            end = table[i + 1][1] - 2 if i + 1 < len(table) else len(lines)
            # blank lines in front keep the line numbers those of the whole module
            chunk = b"\n" * (first - 1) + b"\n".join(lines[first - 1:end])
            left = deadline - _monotonic()
            if left <= 0:
                failure = {"cell": number, "status": "skipped", "error": None, "seconds": seconds}
            else:
                # the last cells may have less than their own time: what is left of all cells'
                limit = (cell_seconds, cell_seconds) if left > cell_seconds else (left, seconds)
                try:
                    failure = self.run_cell(number, chunk, path, namespace, limit)
                except BaseException as e:     # the alarm struck as the cell ended
                    failure = self._cell_failure(number, e, limit)
            if failure is not None and len(failures) < MAX_CELL_FAILURES:
                failures.append(failure)
        handler, left, armed = outer
        _signal(_SIGALRM, handler if handler is not None else _SIG_DFL)
        self._cell_armed = armed
        if left > 0:
            _setitimer(_ITIMER_REAL, max(0.001, left - (_monotonic() - started)))
        return failures

    def run_cell(self, number: int, chunk: bytes, path: str, namespace: dict,
                 limit: tuple[float, float]) -> dict | None:
        """Run one cell for at most limit[0] seconds; its failure, or None."""
        outcome = None
        try:
            code = _compile(chunk, path, "exec", dont_inherit=True)
            _signal(_SIGALRM, self._alarm)
            self._cell_armed = True
            _setitimer(_ITIMER_REAL, limit[0])
            _exec(code, namespace)
        except BaseException as e:
            outcome = e
        finally:
            self._cell_armed = False
            _setitimer(_ITIMER_REAL, 0)
            _close_figures()
        return None if outcome is None else self._cell_failure(number, outcome, limit)

    def _alarm(self, signum, frame):
        if self._cell_armed:
            self._cell_armed = False
            raise CellTimeout()

    def _cell_failure(self, number: int, exc: BaseException, limit: tuple[float, float]) -> dict:
        """limit: (seconds the cell had, the cell's own time or, when what was left of all
        cells' time was shorter, all cells' time)."""
        error = self.error_info(exc)
        if type(exc) is CellTimeout:
            own = limit[0] == limit[1]
            error.update(type="Timeout", message=f"ran longer than {limit[1]:g} s" if own else
                         f"ran until the {limit[1]:g} s for all cells were used up")
            return {"cell": number, "status": "timeout", "error": error, "seconds": limit[1]}
        return {"cell": number, "status": "exception", "error": error, "seconds": None}

    def position(self, path: str, line):
        """(name in the submission, cell number or None, line) of a line of a written file:
        in a notebook, the line counts from the cell's first line."""
        shown = self.display[path]
        starts = self.cell_starts.get(path)
        if not starts or type(line) is not int:
            return shown, None, line
        i = bisect.bisect_right([first for _, first in starts], line) - 1
        if i < 0:
            return shown, None, line
        number, first = starts[i]
        return shown, number, line - first + 1

    def function(self, module: str, name: str):
        mod = self.load_module(module)
        shown = self.display.get(self.files[module], module + ".py")
        try:
            target = getattr(mod, name)
        except AttributeError:
            raise _Missing("MissingName", f"{shown} has no {name!r}") from None
        if not callable(target):
            raise _Missing("NotCallable", f"{shown}: {name!r} is a {self.transport.type_name(target)}, "
                                          "not a function or class")
        return target

    def traced(self, module: str, name: str, watch: list, args, kwargs):
        """Call ``name`` with the module's functions named in ``watch`` recording their calls
        (every module-level name bound to one of them, aliases too), then put them back."""
        mod = self.load_module(module)
        target = self.function(module, name)
        namespace = mod.__dict__
        watched = {}
        for w in watch:
            fn = namespace.get(w) if type(w) is str else None
            if callable(fn):
                watched[id(fn)] = (w, fn)
        calls: list = []

        def recorder(label, fn):
            def recorded(*a, **k):
                result = fn(*a, **k)
                if len(calls) < TRACE_CALLS:
                    calls.append([label, list(a), dict(k), result])
                return result
            return recorded

        swapped = {key: value for key, value in namespace.items() if id(value) in watched
                   and watched[id(value)][1] is value}
        for key, value in swapped.items():
            namespace[key] = recorder(watched[id(value)][0], value)
        try:
            return target(*args, **kwargs), calls
        finally:
            namespace.update(swapped)

    # ---- errors, warnings, output -------------------------------------------------------------

    @staticmethod
    def plain_error(kind, message):
        return {"type": kind, "message": message, "file": None, "line": None, "traceback": ""}

    def _safe_str(self, obj) -> str:
        try:
            text = str(obj)
            if type(text) is not str:
                text = "<message is not text>"
        except BaseException:
            text = "<message cannot be shown>"
        return text[:MESSAGE_CHARS]

    def error_info(self, exc: BaseException) -> dict:
        name = self.transport.type_name(exc)
        file = line = cell = None
        frames, cells = [], []
        try:
            for fs in traceback.extract_tb(exc.__traceback__):
                if fs.filename in self.display:
                    fs.filename, where, fs.lineno = self.position(fs.filename, fs.lineno)
                    frames.append(fs)
                    cells.append(where)
        except BaseException:
            frames, cells = [], []
        if frames:
            file, line, cell = frames[-1].filename, frames[-1].lineno, cells[-1]
        if isinstance(exc, SyntaxError) and type(exc.filename) is str:
            if exc.filename in self.display:
                file, cell, line = self.position(exc.filename, exc.lineno)
            message = self._safe_str(exc.msg)
        else:
            message = self._safe_str(exc)
        text = ""
        if frames:
            text = "Traceback (most recent call last):\n" + "".join(
                _in_cell(traceback.format_list([fs])[0], fs, where)
                for fs, where in zip(frames, cells))
        if isinstance(exc, SyntaxError) and file is not None:
            text += f'  File "{file}", {_cell_words(cell)}line {line}\n'
            if type(exc.text) is str:
                text += "    " + exc.text.strip()[:200] + "\n"
        text += f"{name}: {message}"
        return {"type": name, "message": message, "file": file,
                "cell": cell if type(cell) is int else None,
                "line": line if type(line) is int else None, "traceback": text[-TRACEBACK_CHARS:]}

    def _warning(self, w) -> list:
        try:
            category = self.transport.class_name(w.category)
        except BaseException:
            category = "Warning"
        return [category, self._safe_str(w.message)[:500]]

    def collect_output(self):
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except BaseException:
                pass
        box = self.box
        text = b"".join(box.kept)
        total = box.total
        try:
            size = os.fstat(self.capture_fd).st_size
            if size:
                text += os.pread(self.capture_fd, max(0, STDOUT_KEEP - len(text)), 0)
                total += size
                os.ftruncate(self.capture_fd, 0)
                os.lseek(self.capture_fd, 0, os.SEEK_SET)
        except OSError:
            pass
        box.reset()
        return text[:STDOUT_KEEP].decode("utf-8", "replace"), total


def _cell_words(cell) -> str:
    return f"cell {cell}, " if type(cell) is int else ""


def _in_cell(formatted: str, fs, cell) -> str:
    """A formatted frame whose position names the notebook cell: File "x.ipynb", cell 3, line 2."""
    if type(cell) is not int:
        return formatted
    head = f'  File "{fs.filename}", line {fs.lineno}'
    return formatted.replace(head, f'  File "{fs.filename}", cell {cell}, line {fs.lineno}', 1)


def _close_figures():
    """Figures a module or cell left open are closed, as Jupyter's inline backend does once a
    cell has run (a student's loop of plots would otherwise hold them all)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        try:
            pyplot.close("all")
        except BaseException:
            pass


class _NotebookFinder:
    """Imports of a notebook module by the student's other modules go through the cell runner,
    where the path finder would have found the same file (the standard library still wins)."""

    def __init__(self, runner):
        self.runner = runner

    def find_spec(self, name, path=None, target=None):
        runner = self.runner
        if path is not None or name not in runner.cells:
            return None
        found = importlib.machinery.PathFinder.find_spec(name)
        if found is None or found.origin != runner.files[name]:
            return None
        return importlib.util.spec_from_loader(name, self, origin=found.origin)

    def create_module(self, spec):
        return self.runner.load_module(spec.name)

    def exec_module(self, module):
        pass                      # its cells ran in create_module


class _Missing(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind, self.message = kind, message


class _ImportFailed(Exception):
    def __init__(self, error):
        super().__init__(error.get("message"))
        self.error = error


class _HandleRef:
    """Marks a result to be sent as a handle."""

    def __init__(self, hid, type_name):
        self.hid, self.type_name = hid, type_name


# ---- seccomp: no sockets, no signals to other processes, no ptrace, nothing shared -----------

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
_ARCH = {   # audit arch, then syscall numbers: socket, kill, tkill, tgkill, rt_sigqueueinfo,
            # rt_tgsigqueueinfo, pidfd_send_signal, ptrace, process_vm_readv, process_vm_writev
    "x86_64": (0xC000003E, 41, 62, 200, 234, 129, 297, 424, 101, 310, 311),
    "aarch64": (0xC00000B7, 198, 129, 130, 131, 138, 240, 424, 117, 270, 271),
}
# Refused outright (EPERM). System V IPC, POSIX message queues and kernel keyrings outlive the
# student and are shared with the next one of the same uid or IPC namespace; unshare/setns make
# namespaces the sandbox did not plan for; chmod/chown/utime and inotify/fanotify act on or watch
# files Landlock lets a process stat but not open (the grader's, other students').
_REFUSED = {
    "x86_64": {
        "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65,
        "semctl": 66, "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71,
        "mq_open": 240, "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243,
        "mq_notify": 244, "mq_getsetattr": 245, "add_key": 248, "request_key": 249,
        "keyctl": 250, "unshare": 272, "setns": 308, "chmod": 90, "fchmod": 91,
        "fchmodat": 268, "fchmodat2": 452, "chown": 92, "fchown": 93, "lchown": 94,
        "fchownat": 260, "utime": 132, "utimes": 235, "futimesat": 261, "utimensat": 280,
        "inotify_init": 253, "inotify_add_watch": 254, "inotify_init1": 294,
        "fanotify_init": 300, "fanotify_mark": 301,
    },
    "aarch64": {
        "shmget": 194, "shmat": 196, "shmctl": 195, "shmdt": 197, "semget": 190, "semop": 193,
        "semctl": 191, "semtimedop": 192, "msgget": 186, "msgsnd": 189, "msgrcv": 188,
        "msgctl": 187, "mq_open": 180, "mq_unlink": 181, "mq_timedsend": 182,
        "mq_timedreceive": 183, "mq_notify": 184, "mq_getsetattr": 185, "add_key": 217,
        "request_key": 218, "keyctl": 219, "unshare": 97, "setns": 268, "fchmod": 52,
        "fchmodat": 53, "fchmodat2": 452, "fchown": 55, "fchownat": 54, "utimensat": 88,
        "inotify_init1": 26, "inotify_add_watch": 27, "fanotify_init": 262, "fanotify_mark": 263,
    },
}
# Checked on their arguments: clone, clone3, fcntl, ioctl.
_ARG_CHECKED = {"x86_64": (56, 435, 72, 16), "aarch64": (220, 435, 25, 29)}
CLONE_NEW_ANY = (0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
                 | 0x20000000 | 0x40000000)   # CLONE_NEWTIME NS CGROUP UTS IPC USER PID NET
# fcntl commands that make the kernel signal a process chosen by the caller (SIGIO and the
# F_SETSIG signal bypass kill()'s filter): F_SETOWN, F_SETSIG, F_SETOWN_EX; F_SETFL only with
# O_ASYNC (os.set_blocking uses F_SETFL too).
F_SETFL, F_SETOWN, F_SETSIG, F_SETOWN_EX, O_ASYNC = 4, 8, 10, 15, 0o20000
FIOASYNC, FIOSETOWN, SIOCSPGRP = 0x5452, 0x8901, 0x8902


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


# io_uring_setup, io_uring_enter, io_uring_register (the same numbers on both): io_uring can open
# sockets without the socket() system call the filter refuses.
_IO_URING = (425, 426, 427)


def _assemble(prog: list) -> list[tuple[int, int, int, int]]:
    """Classic BPF from (op, k, jump-if-true label, jump-if-false label) items and label strings."""
    codes = {"ld": 0x20, "jeq": 0x15, "jge": 0x35, "jset": 0x45, "ret": 0x06}
    labels, pos = {}, 0
    for item in prog:
        if isinstance(item, str):
            labels[item] = pos
        else:
            pos += 1
    out = []
    for item in prog:
        if isinstance(item, str):
            continue
        here = len(out)
        op, k = item[0], item[1]
        if op in ("ld", "ret"):
            out.append((codes[op], 0, 0, k))
            continue
        jt = 0 if item[2] is None else labels[item[2]] - here - 1
        jf = 0 if item[3] is None else labels[item[3]] - here - 1
        out.append((codes[op], jt, jf, k))
    return out


def seccomp_program(machine: str, own_pid: int) -> list[tuple[int, int, int, int]]:
    """Refuse socket(), io_uring, ptrace, process_vm_*, the calls of _REFUSED, new namespaces
    through clone, signal-owner fcntl/ioctl; signals only to own_pid; clone3 fails with ENOSYS
    (glibc and OpenBLAS then fall back to clone, whose flags this filter can read)."""
    arch, sock, *signalling, ptrace, vm_read, vm_write = _ARCH[machine]
    pid_checked = signalling[:5]
    denied = [signalling[5], ptrace, vm_read, vm_write, sock, *_IO_URING,
              *sorted(_REFUSED[machine].values())]
    clone, clone3, fcntl, ioctl = _ARG_CHECKED[machine]
    allow, deny = 0x7FFF0000, 0x00050000 | errno.EPERM
    nosys = 0x00050000 | errno.ENOSYS
    arg0, arg1, arg2 = 16, 24, 32          # low 32 bits of the arguments (little-endian)
    prog = [("ld", 4), ("jeq", arch, None, "deny"), ("ld", 0), ("jge", 0x40000000, "deny", None)]
    prog += [("jeq", nr, "pid", None) for nr in pid_checked]
    prog += [("jeq", nr, "deny", None) for nr in denied]
    prog += [("jeq", clone3, "nosys", None), ("jeq", clone, "clone", None),
             ("jeq", fcntl, "fcntl", None), ("jeq", ioctl, "ioctl", None)]
    prog += [("ret", allow),
             "pid", ("ld", arg0), ("jeq", own_pid & 0xFFFFFFFF, "allow", "deny"),
             "clone", ("ld", arg0), ("jset", CLONE_NEW_ANY, "deny", "allow"),
             "fcntl", ("ld", arg1), ("jeq", F_SETOWN, "deny", None), ("jeq", F_SETSIG, "deny", None),
             ("jeq", F_SETOWN_EX, "deny", None), ("jeq", F_SETFL, None, "allow"),
             ("ld", arg2), ("jset", O_ASYNC, "deny", "allow"),
             "ioctl", ("ld", arg1), ("jeq", FIOASYNC, "deny", None), ("jeq", FIOSETOWN, "deny", None),
             ("jeq", SIOCSPGRP, "deny", "allow"),
             "allow", ("ret", allow), "deny", ("ret", deny), "nosys", ("ret", nosys)]
    return _assemble(prog)


def install_seccomp(own_pid: int) -> str | None:
    """Install the filter on this process (inherited by everything it forks); None when active,
    else why not."""
    machine = os.uname().machine
    if machine not in _ARCH:
        return f"no seccomp table for {machine}"
    prog = seccomp_program(machine, own_pid)
    filters = (_SockFilter * len(prog))(*[_SockFilter(*i) for i in prog])
    fprog = _SockFprog(len(prog), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"PR_SET_NO_NEW_PRIVS failed: {os.strerror(ctypes.get_errno())}"
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        return f"seccomp filter refused: {os.strerror(ctypes.get_errno())}"
    return None


# ---- Landlock: read the runtime, write the own directory, nothing else ---------------------------

SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION, LANDLOCK_RULE_PATH_BENEATH = 1, 1
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1, 2, 4, 8
FS_TRUNCATE, FS_IOCTL_DEV = 1 << 14, 1 << 15
_FS_ALL = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)


def make_landlock_ruleset(read_rules: list, writable: str,
                          abi_max: int | None = None) -> tuple[int | None, str]:
    """A Landlock ruleset (fd) allowing to read the paths of `read_rules` ([path,
    listing_only]) and to read and write below `writable`; built once by the zygote, applied
    by each child. (None, why) when Landlock cannot be used. `abi_max` caps the ABI used, as an
    older kernel would (NNGRADE_LANDLOCK_ABI, for tests of the layers below Landlock)."""
    libc = ctypes.CDLL(None, use_errno=True)
    abi = landlock_abi()
    if abi < 1:
        return None, f"Landlock is not available: {os.strerror(ctypes.get_errno())}"
    if abi_max is not None and abi > abi_max:
        if abi_max < 1:
            return None, f"Landlock is not used (capped to ABI {abi_max} by NNGRADE_LANDLOCK_ABI)"
        abi = abi_max
    fs_all = _FS_ALL.get(abi, (1 << 16) - 1)
    file_rights = (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE
                   | (FS_TRUNCATE if abi >= 3 else 0) | (FS_IOCTL_DEV if abi >= 5 else 0))
    attr = _RulesetAttr(fs_all, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)  # TCP; signals, unix
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return None, f"Landlock ruleset refused: {os.strerror(ctypes.get_errno())}"

    def allow(path, access):
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return
        try:
            if not os.path.isdir(path):
                access &= file_rights
            rule = _PathBeneath(access & fs_all, fd)
            if libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                            ctypes.byref(rule), 0) != 0:
                raise OSError(ctypes.get_errno(), f"Landlock rule for {path} refused")
        finally:
            os.close(fd)

    try:
        for path, listing_only in read_rules:
            allow(path, FS_READ_DIR if listing_only else FS_READ_FILE | FS_READ_DIR | FS_EXECUTE)
        allow(writable, fs_all)
        allow("/dev/null", FS_READ_FILE | FS_WRITE_FILE)
    except OSError as e:
        os.close(ruleset)
        return None, str(e)
    return ruleset, f"active (ABI {abi})"


def restrict_landlock(ruleset: int) -> str | None:
    """Apply the ruleset to this process and all it forks; None when done, else why not."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"PR_SET_NO_NEW_PRIVS failed: {os.strerror(ctypes.get_errno())}"
    if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
        return f"Landlock refused: {os.strerror(ctypes.get_errno())}"
    return None


def _set_limits(limits: dict):
    mb = 1024 * 1024
    for name, soft, hard in (
        ("RLIMIT_AS", limits["address_space_mb"] * mb, None),
        ("RLIMIT_CPU", limits["cpu_seconds"], limits["cpu_seconds"] + 1),
        ("RLIMIT_FSIZE", limits["file_size_mb"] * mb, None),
        ("RLIMIT_NPROC", limits["nproc"], None),
        ("RLIMIT_NOFILE", limits["nofile"], None),
        ("RLIMIT_CORE", 0, None),
    ):
        resource.setrlimit(getattr(resource, name), (soft, soft if hard is None else hard))


def run(channel_fd: int, control_fd: int, spawn: dict, transport, probes):
    """Entry point in the forked child; never returns."""
    try:
        os.setsid()
        os.close(control_fd)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # over-long writes fail with EFBIG instead
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                    signal.SIGUSR2, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if os.geteuid() == 0:
            # Still root (unshare level, or rlimit as root): a System V IPC namespace of this
            # student's own, gone with them (seccomp refuses the calls as well).
            libc.unshare(CLONE_NEWIPC)
        if spawn.get("uid") is not None:
            os.setgroups([])
            os.setresgid(spawn["gid"], spawn["gid"], spawn["gid"])
            os.setresuid(spawn["uid"], spawn["uid"], spawn["uid"])
        os.chdir(spawn["workdir"])
        ruleset = spawn.get("landlock_fd")
        keep = sorted(fd for fd in (channel_fd, ruleset) if fd is not None)
        low = 3
        for fd in keep:
            os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, 65536)
        channel = socket.socket(fileno=channel_fd)
        runner = Runner(channel, spawn, transport, probes)
        runner.redirect_output()
        _set_limits(spawn["limits"])
        os.environ["TMPDIR"] = os.environ["HOME"] = spawn["workdir"]
        sys.dont_write_bytecode = True
        sys.path.append(spawn["workdir"])   # after the standard library and numpy: no shadowing
        init = transport.recv(channel)
        runner.receive_files(init)
        problem = install_seccomp(os.getpid())
        fs_problem = "not used"
        if ruleset is not None:
            fs_problem = restrict_landlock(ruleset)
            os.close(ruleset)
        transport.send(channel, {"id": "init", "status": "ok", "pid": os.getpid(),
                                 "seccomp": problem or "active", "landlock": fs_problem or "active"})
        runner.serve()
    except BaseException:
        pass
    os._exit(70)
