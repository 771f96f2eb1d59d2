"""The grading process's side of the sandbox: one zygote per job slot, one session per student.

    pool = SandboxPool(slot=0)                   # best level available, or NNGRADE_SANDBOX=...
    with pool.session({"backprop": source}, {"backprop": "hw/backprop.py"}) as s:
        reply = s.call("backprop", "gradients", [x, t], timeout=10)

A session forks a fresh child from the slot's zygote (which imported numpy once), sends it the
student's sources over a socketpair made for this student alone, and answers every request with a
`Reply`. A timeout or crash fails only that request; the next one starts a fresh child with the
same files. `close()` kills every process of the student and wipes their temp space.
"""
from __future__ import annotations

import itertools
import json
import math
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import transport
from ..messages import Said
from ..replies import IMPORT_CHANGES, CellFailure, ErrorInfo, Reply
from . import launch, probes
from .launch import LEVELS, SandboxUnavailable

TRACE_CALLS = 200     # inner calls a traced call may report (child.py records no more)

STATUSES = ("ok", "exception", "timeout", "crashed", "bad-value", "import-error", "missing",
            "budget")
# the grader's sentence (messages.py) for a student's process ended by each signal
_SIGNAL_WORDS = {
    signal.SIGKILL: "sbx-sigkill",
    signal.SIGSEGV: "sbx-sigsegv",
    signal.SIGABRT: "sbx-sigabrt",
    signal.SIGBUS: "sbx-sigbus",
    signal.SIGFPE: "sbx-sigfpe",
    signal.SIGXFSZ: "sbx-sigxfsz",
}
_session_ids = itertools.count(1)


@dataclass
class Limits:
    """Resource limits of one student's process (per child; a restarted child starts afresh).

    address_space_mb: numpy + OpenBLAS (one thread) take about 110 MiB of address space in the
    child before any student data; one 784x512 forward pass over 8,000 MNIST rows, inputs sent
    over the channel, runs under 228 MiB (benchmarks/bench_sandbox.py). Training needs more.
    """
    address_space_mb: int = 512
    cpu_seconds: int = 30          # RLIMIT_CPU soft limit; hard = soft + 1 (SIGXCPU first)
    timeout: float = 10.0          # wall-clock seconds per call, unless the call says otherwise
    budget: float = 120.0          # wall-clock seconds for the whole session
    file_size_mb: int = 16
    nproc: int = 32                # processes the student may have at once
    nofile: int = 64
    tmp_mb: int = 64               # size of the private /tmp (a tmpfs at every level, as root)
    # Bytes the student's process may send back over the whole session (frames refused unread
    # past it): bounds the grader's memory whatever the student writes to its channel.
    reply_mb: int = 64

    def wire(self) -> dict:
        return {"address_space_mb": int(self.address_space_mb), "cpu_seconds": int(self.cpu_seconds),
                "file_size_mb": int(self.file_size_mb), "nproc": int(self.nproc),
                "nofile": int(self.nofile)}


CELL_STATUSES = ("exception", "timeout", "skipped")
# Seconds of a load's deadline kept back from the cells: the child's start and its answer.
LOAD_MARGIN = 1.5



Handle = transport.Handle


class _Stale(Exception):
    pass


def contains_unsupported(value) -> str | None:
    """Type name of the first non-plain value the student returned, if any."""
    if type(value) is transport.Unsupported:
        return value.type_name
    if type(value) in (list, tuple):
        for v in value:
            found = contains_unsupported(v)
            if found:
                return found
    if type(value) is dict:
        for v in value.values():
            found = contains_unsupported(v)
            if found:
                return found
    return None


class _Zygote:
    """One running zygote process and its control socket."""

    def __init__(self, proc: subprocess.Popen, ctl: socket.socket, ready: dict, errlog):
        self.proc, self.ctl, self.ready, self.errlog = proc, ctl, ready, errlog
        self.events: list[dict] = []       # "exited" notices that arrived unasked

    def read(self, timeout: float) -> dict:
        try:
            self.ctl.settimeout(timeout)
            data = self.ctl.recv(1 << 16)
        except (OSError, socket.timeout) as e:
            raise _ZygoteGone(Said("sbx-zygote-silent", error=str(e))) from None
        if not data:
            raise _ZygoteGone(Said("sbx-zygote-exited"))
        try:
            reply = json.loads(data)
        except ValueError:
            reply = None
        if type(reply) is not dict:
            raise _ZygoteGone(Said("sbx-zygote-malformed"))
        return reply

    def request(self, msg: dict, fds=(), timeout: float = 30.0) -> dict:
        try:
            if fds:
                socket.send_fds(self.ctl, [json.dumps(msg).encode()], list(fds))
            else:
                self.ctl.send(json.dumps(msg).encode())
        except OSError as e:
            raise _ZygoteGone(Said("sbx-zygote-silent", error=str(e))) from None
        while True:
            reply = self.read(timeout)
            if "event" not in reply:
                return reply
            self.events.append(reply)

    def stop(self) -> None:
        try:
            self.ctl.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.errlog.close()


class _ZygoteGone(Exception):
    pass


class _ChildExited(Exception):
    pass


class SandboxPool:
    """The sandbox of one job slot. Create one pool per concurrent grading worker (slot 0, 1, ...);
    each runs one student session at a time."""

    def __init__(self, slot: int = 0, level: str | None = None, hide=(),
                 limits: Limits | None = None, known_unavailable: dict | None = None,
                 preload_plotting: bool = True):
        """`hide`: more folders students must not see (the output folder, the submissions);
        the kit's own folders are always hidden. `limits`: defaults for sessions; its tmp_mb
        sizes the private /tmp, which lives as long as the pool. `known_unavailable`: why the
        better levels could not start when the run chose its level (kept in describe()).
        `preload_plotting`: the zygote imports matplotlib once for every student (some 1 s
        more at its start); False where no student's plot is drawn (a level probe)."""
        if type(slot) is not int or not 0 <= slot < 1000:
            raise ValueError(f"slot must be an int from 0 to 999, not {slot!r}")
        self.slot = slot
        self.limits = limits or Limits()
        self.tmp_mb = int(self.limits.tmp_mb)
        self.root = launch.is_root()
        self._hide = self._hide_list(hide)
        self._unavailable: dict[str, str] = dict(known_unavailable or {})
        self._notes: list[str] = []
        self._zygote: _Zygote | None = None
        self._session: Session | None = None
        self._runner = launch.make_runner_dir()
        self._tmp_base: str | None = None
        self._tmp_mounted = False
        self._interp: launch.Interpreter | None = None
        self._uid: int | None = None
        self._uid_lock: int | None = None
        self.zygote_starts = 0
        self.start_seconds = 0.0
        self.preload_plotting = bool(preload_plotting)
        forced = level or os.environ.get("NNGRADE_SANDBOX") or None
        if forced is not None and forced not in LEVELS:
            raise ValueError(Said("cli:sandbox-level", level=repr(forced), levels=", ".join(LEVELS)))
        try:
            self.level = self._choose(forced)
        except BaseException:
            self.close()
            raise

    # ---- choosing and starting the level ----------------------------------------------------

    @staticmethod
    def _hide_list(extra) -> list[str]:
        from ... import paths  # nngrade.paths: the kit's own folders
        out = [str(paths.SOLUTIONS_DIR), str(paths.AUTOGRADER_DIR), str(paths.TEMPLATES_DIR),
               str(paths.PACKAGE_DIR)]
        root = paths.REPO_ROOT
        if (root / "pyproject.toml").exists() or (root / ".git").exists():
            out.append(str(root))
        out += [str(p) for p in extra]
        return sorted({os.path.realpath(p) for p in out}, key=len)

    def _choose(self, forced: str | None) -> str:
        order = [forced] if forced else list(LEVELS)
        for level in order:
            try:
                self._start(level)
                return level
            except SandboxUnavailable as e:
                self._unavailable[level] = _said(e)
        if forced:
            raise SandboxUnavailable(Said("cli:sbx-level-unavailable", level=repr(forced),
                                          why=self._unavailable[forced]))
        raise SandboxUnavailable(Said("cli:sbx-no-level", why=Said.joined(
            [Said.joined([Said.plain(f"{k}:"), _said(v)]) for k, v in self._unavailable.items()],
            "; ")))

    def _interpreter(self) -> launch.Interpreter:
        if self._interp is None:
            if self.root:
                self._interp = launch.world_readable_interpreter()
            else:
                self._interp = launch._this_interpreter("the grader's own Python")
        return self._interp

    def _start(self, level: str) -> None:
        t0 = time.monotonic()
        if level == "bwrap" and shutil.which("bwrap") is None:
            raise SandboxUnavailable(Said("cli:sbx-no-bwrap"))
        if level == "unshare":
            if not self.root:
                raise SandboxUnavailable(Said("cli:sbx-unshare-needs-root"))
            if shutil.which("unshare") is None:
                raise SandboxUnavailable(Said("cli:sbx-no-unshare"))
        try:
            interp = self._interpreter()
            drop = self.root
        except SandboxUnavailable as e:
            if level != "rlimit":
                raise
            interp, drop = launch._this_interpreter("the grader's own Python"), False
            self._notes.append(f"student code runs as root: {e}")
        if drop and self._uid is None:
            _sweep_orphaned_uids()
            self._uid, self._uid_lock = launch.lease_uid(self.slot)
        elif not drop:
            self._release_uid()
        ctl_parent, ctl_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = {"control_fd": ctl_child.fileno(), "parent_pid": os.getpid(),
                  "tmp_mb": self.tmp_mb, "hide": [],
                  "lib_dirs": launch.system_lib_dirs(interp.multiarch),
                  "landlock_abi_max": launch.landlock_abi_cap(),
                  "site_entries": list(interp.site_entries),
                  "preload_plotting": self.preload_plotting}
        popen: dict = {}
        if level == "bwrap":
            uid = self._uid if drop else os.getuid()
            gid = self._uid if drop else os.getgid()
            config.update(kill="pidns", site=[launch.INSIDE_SITE])
            cmd = launch.bwrap_command(interp, self._runner, uid, gid, self.tmp_mb, config)
            if drop:
                popen = {"user": uid, "group": gid, "extra_groups": []}
                self._kill_uid_processes()
        elif level == "unshare":
            if not drop:
                raise SandboxUnavailable(Said("cli:sbx-no-unprivileged-python"))
            config.update(kill="pidns", site=[interp.site], isolate_filesystem=True,
                          hide=self._hide, student_uid=self._uid, student_gid=self._uid)
            cmd = launch.unshare_command(interp, self._runner, config)
            self._kill_uid_processes()
        else:
            if self._tmp_base is None:
                _unmount_orphans()
                self._tmp_base = tempfile.mkdtemp(prefix=f"nngrade-slot{self.slot}-pid{os.getpid()}-")
                self._tmp_mounted = _mount_size_capped(self._tmp_base, self.tmp_mb)
                if not self._tmp_mounted:
                    self._notes.append("the temp space is on the host's disk without a size cap "
                                       "(only each file's size is limited): mounting a tmpfs "
                                       "needs root")
            os.chmod(self._tmp_base, 0o711 if drop else 0o700)
            config.update(kill="uid" if drop else "tree", site=[interp.site],
                          tmp_base=self._tmp_base)
            if drop:
                # As root the zygote hides the kit, OUT, the submissions and the course under
                # empty tmpfs in a mount namespace of its own: not only Landlock keeps them out.
                needed = [os.path.realpath(p) for p in (interp.site, interp.stdlib,
                                                        interp.executable, self._runner,
                                                        self._tmp_base)]
                hide = [h for h in self._hide
                        if not any(n == h or n.startswith(h.rstrip("/") + "/") for n in needed)]
                config.update(student_uid=self._uid, student_gid=self._uid, hide=hide,
                              hide_by_mount=True)
                self._kill_uid_processes()
            cmd = launch.rlimit_command(interp, self._runner, config)
        errlog = tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen(cmd, pass_fds=[ctl_child.fileno()], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=errlog,
                                    env=dict(launch.SANDBOX_ENV), start_new_session=True,
                                    cwd="/", **popen)
        except OSError as e:
            ctl_parent.close()
            raise SandboxUnavailable(Said("cli:sbx-cannot-start", command=cmd[0], error=str(e))) from None
        finally:
            ctl_child.close()
        ctl_parent.settimeout(30)
        try:
            data = ctl_parent.recv(1 << 16)
        except (OSError, socket.timeout):
            data = b""
        if not data:
            proc.kill()
            proc.wait()
            errlog.seek(0)
            err = errlog.read().decode("utf-8", "replace").strip().splitlines()
            errlog.close()
            ctl_parent.close()
            raise SandboxUnavailable(err[-1][:300] if err else Said(
                "cli:sbx-exited-early", command=cmd[0], code=proc.returncode))
        self._zygote = _Zygote(proc, ctl_parent, json.loads(data), errlog)
        if level == "rlimit" and not drop:
            # Students share our uid here: at least our memory and environment stay unreadable
            # to them through /proc (ptrace itself is refused by their seccomp filter).
            _set_dumpable(False)
            self._notes.append("the grading process made itself non-dumpable (students share "
                               "its uid at this level)")
        self._interp_used = interp
        self.zygote_starts += 1
        self.start_seconds = time.monotonic() - t0

    def _release_uid(self) -> None:
        if self._uid_lock is not None:
            os.close(self._uid_lock)
        self._uid, self._uid_lock = None, None

    def _ensure_zygote(self) -> _Zygote:
        if self._zygote is None or self._zygote.proc.poll() is not None:
            if self._zygote is not None:
                self._zygote.stop()
            self._zygote = None
            self._start(self.level)
        return self._zygote

    def _kill_uid_processes(self) -> None:
        """As root: no process of this slot's uid may survive from an earlier run."""
        if self._uid is not None:
            _kill_all_of_uid(self._uid)

    # ---- sessions -----------------------------------------------------------------------------

    def session(self, files: dict, file_names: dict | None = None, limits: Limits | None = None,
                cells: dict | None = None) -> "Session":
        """`cells`: for each notebook module, [[cell number, line of its first code line], ...]
        in its source (intake's table): such a module is run cell by cell."""
        if self._runner is None:
            raise RuntimeError("this sandbox pool is closed")
        if self._session is not None and not self._session.closed:
            raise RuntimeError("this sandbox pool already has an open session: close it first "
                               "(one pool per job slot, one student at a time)")
        self._session = Session(self, files, file_names or {}, limits or self.limits, cells)
        return self._session

    def _spawn(self, limits: Limits) -> tuple[socket.socket, int]:
        zygote = self._ensure_zygote()
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            reply = zygote.request({"op": "spawn", "limits": limits.wire()}, fds=[theirs.fileno()])
        except _ZygoteGone:
            mine.close()
            self._drop_zygote()
            raise
        finally:
            theirs.close()
        if type(reply.get("pid")) is not int:
            mine.close()
            raise _ZygoteGone(Said("sbx-child-not-started", error=str(reply.get("error"))))
        return mine, reply["pid"]

    def _reap(self, pid: int | None, wait: float = 0.0) -> dict:
        """Kill every process of the current student and wipe their temp space."""
        if self._zygote is None:
            return {"zygote": "gone"}
        try:
            reply = self._zygote.request({"op": "reap", "pid": pid, "wait": wait}, timeout=30)
            self._zygote.events.clear()
            return reply
        except _ZygoteGone:
            self._drop_zygote()
            return {"zygote": "gone"}

    def _drop_zygote(self) -> None:
        """The zygote died (a student signalled it): make sure nothing of it survives."""
        z, self._zygote = self._zygote, None
        if z is not None:
            try:
                os.killpg(z.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            z.stop()
        self._kill_uid_processes()
        if self._tmp_base:
            _wipe_dir_contents(self._tmp_base)

    # ---- facts ------------------------------------------------------------------------------

    def describe(self) -> dict:
        """Which layers protect the grader, in plain words (for results.json and reports)."""
        ready = self._zygote.ready if self._zygote else {}
        level = self.level
        uid = self._uid
        interp = getattr(self, "_interp_used", None)
        layers = []

        def layer(name, active, detail):
            layers.append({"name": name, "active": bool(active), "detail": detail})

        layer("rlimits", True, "per student process: address space, CPU seconds (SIGXCPU before "
              "the hard limit), file size, process count, open files, no core dumps; wall-clock "
              "timeout per call and per student")
        if uid is not None:
            layer("uid", True, f"student code runs as uid {uid}, leased for this job slot (slot "
                  f"{self.slot}) alone; every process of that uid is killed after each student")
        elif self.root:
            layer("uid", False, "student code runs as root: " + "; ".join(self._notes))
        else:
            layer("uid", level == "bwrap", f"student code runs as the grading user (uid "
                  f"{os.getuid()}), inside a user namespace" if level == "bwrap" else
                  f"student code runs as the grading user (uid {os.getuid()}): it can read and "
                  "write what that user can")
        ns = level in ("bwrap", "unshare")
        seccomp = ready.get("seccomp", "not probed")
        filtered = seccomp == "active"
        layer("seccomp", filtered, "system-call filter in every student process: socket(), "
              "io_uring, ptrace, process_vm_readv/writev, System V IPC, POSIX message queues, "
              "kernel keyrings, new namespaces (unshare, setns, clone flags), chmod/chown/utime, "
              "inotify/fanotify and signal-owner fcntl/ioctl are refused, signals may go to the "
              "student's own process only" if filtered else f"no system-call filter: {seccomp}")
        layer("pid-namespace", ns, "own process namespace: students see and signal only their own "
              "processes; the zygote is its init" if ns else "no process namespace: students "
              "can see the machine's processes" + (" (but the seccomp filter lets them signal "
                                                   "none)" if filtered else ""))
        landlock = ready.get("landlock", "not probed")
        fenced = landlock.startswith("active")
        layer("landlock", fenced, "file-access rules in every student process: it may read only "
              "the Python standard library, numpy, matplotlib and the shared libraries, and read "
              f"and write only its own temp space ({landlock})" if fenced else
              f"no Landlock file-access rules: {landlock}")
        ifaces = ready.get("interfaces", [])
        if ns:
            net = f"own network namespace (interfaces: {', '.join(ifaces) or 'none'}): no network"
        elif filtered:
            net = "no network namespace, but the seccomp filter refuses socket(): no network"
        else:
            net = "no network isolation: student code can open sockets"
        layer("network", ns or filtered, net)
        if level == "bwrap":
            fs = ("new root holding only the Python standard library, numpy, matplotlib and the "
                  f"runner files, read-only; private {self.tmp_mb} MiB /tmp; solutions, hidden suites, "
                  "other students and the output folder do not exist inside")
        elif level == "unshare":
            problems = ready.get("problems") or []
            fs = ("own mount namespace: every mount read-only, the kit's folders and given "
                  f"folders hidden under empty tmpfs ({len(self._hide)}), private "
                  f"{self.tmp_mb} MiB /tmp" + (f"; problems: {problems}" if problems else ""))
        elif uid is not None:
            problems = ready.get("problems") or []
            fs = ("the zygote's own mount namespace hides the kit's folders, OUT, the submissions "
                  "and the course folder under empty tmpfs; the student's uid owns none of the "
                  "grader's files" + (" and Landlock confines it to the Python runtime, numpy, "
                                      "matplotlib and its working directory" if fenced else "")
                  + (f"; problems: {problems}" if problems else ""))
        elif fenced:
            fs = ("no mount namespace, but Landlock confines student code to reading the Python "
                  "runtime, numpy and matplotlib and to its own working directory (no size cap on "
                  "that directory beyond the per-file limit)")
        else:
            fs = ("no filesystem isolation: student code can read every file its uid can read "
                  "and write where its uid may (a private working directory is used)")
        layer("filesystem", ns or fenced or uid is not None, fs)
        layer("bwrap", level == "bwrap", launch.bwrap_version() if level == "bwrap" else
              self._unavailable.get("bwrap", "not used"))
        return {
            "level": level, "slot": self.slot,
            "user": "root" if self.root else f"uid {os.getuid()}",
            "python": f"{ready.get('python', '?')} with numpy {ready.get('numpy', '?')}"
                      + (f" ({interp.note})" if interp else ""),
            "layers": layers,
            # what student code may plot with (never graded): matplotlib, or why not
            "plotting": ready.get("plotting", "not probed"),
            "unavailable": dict(self._unavailable),
            "notes": list(self._notes),
        }

    def student_processes(self) -> list[int]:
        """Host pids of live processes of the sandbox other than its own machinery (the zygote,
        its bwrap/unshare parent): empty between students."""
        if self._zygote is None:
            found, infra = set(), set()
        else:
            top = self._zygote.proc.pid
            found = set(_descendants(top))
            # the zygote is the init (namespace pid 1) of its pid namespace, or the top process
            infra = {top} | {p for p in found if len(_nspid(p)) > 1 and _nspid(p)[-1] == 1}
        if self._uid is not None:
            found |= set(_processes_of_uid(self._uid))
        return sorted(p for p in found - infra if _state(p) not in (None, "Z"))

    # ---- closing --------------------------------------------------------------------------

    def close(self) -> None:
        if self._session is not None and not self._session.closed:
            self._session.close()
        if self._zygote is not None:
            self._zygote.stop()
            self._zygote = None
        self._kill_uid_processes()
        self._release_uid()
        if self._tmp_base:
            if self._tmp_mounted:
                subprocess.run(["umount", "-l", self._tmp_base], capture_output=True)
                self._tmp_mounted = False
            shutil.rmtree(self._tmp_base, ignore_errors=True)
            self._tmp_base = None
        if self._runner:
            shutil.rmtree(self._runner, ignore_errors=True)
            self._runner = None

    def abandon(self) -> None:
        """Tear the sandbox down at once, without asking the zygote (the run is being stopped):
        every process under it and of its uid killed, temp space and runner removed."""
        z, self._zygote = self._zygote, None
        if z is not None:
            victims = _descendants(z.proc.pid) + [z.proc.pid]
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self._session = None
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Session:
    """One student's submission in the sandbox. Not thread-safe; one request at a time."""

    def __init__(self, pool: SandboxPool, files: dict, file_names: dict, limits: Limits,
                 cells: dict | None = None):
        self.pool = pool
        self.limits = limits
        self.files = self._check_files(files)
        self.cells = self._check_cells(cells or {}, self.files)
        self.file_names = {m: str(file_names.get(m, f"{m}.py"))[:300] for m in self.files}
        self.closed = False
        self.spent = 0.0
        self._token = next(_session_ids)
        self._generation = 0
        self._sock: socket.socket | None = None
        self._pid: int | None = None
        self._ids = itertools.count(1)
        self.restarts = 0
        self.received = 0                  # bytes of every answer so far (Limits.reply_mb)
        self.reply_allowance: int | None = None   # bytes the next answers may take (a scenario's)

    @staticmethod
    def _check_files(files: dict) -> dict:
        if type(files) is not dict:
            raise TypeError("files must be a dict {module name: source bytes}")
        total = 0
        out = {}
        for module, source in files.items():
            if type(module) is not str or not module.isidentifier() or len(module) > 100:
                raise ValueError(f"module name {module!r} is not a Python identifier "
                                 "(of at most 100 characters)")
            if isinstance(source, str):
                source = source.encode("utf-8")
            if not isinstance(source, (bytes, bytearray)):
                raise TypeError(f"source of {module} must be bytes, not {type(source).__name__}")
            total += len(source)
            out[module] = bytes(source)
        if total > 32 << 20:
            raise ValueError(f"submission sources total {total} bytes (more than 32 MiB)")
        return out

    @staticmethod
    def _check_cells(cells: dict, files: dict) -> dict:
        """Cell tables of the submitted modules: increasing first lines inside the source."""
        out = {}
        for module, table in cells.items():
            if module not in files:
                continue
            lines = files[module].count(b"\n") + 1
            pairs, last = [], 0
            for item in table:
                number, first = item if type(item) in (list, tuple) and len(item) == 2 else (0, 0)
                if type(number) is not int or type(first) is not int or number < 1 \
                        or not last < first <= lines:
                    raise ValueError(f"cell table of {module}: {item!r} is not a cell number "
                                     "and a first line after the previous one")
                pairs.append([number, first])
                last = first
            out[module] = pairs
        return out

    # ---- the public requests ---------------------------------------------------------------

    def load(self, module: str, timeout: float | None = None,
             cell_seconds: float | None = None) -> Reply:
        """Import the module. A notebook runs cell by cell, each for at most `cell_seconds`,
        all of them within `timeout` less a margin for the child's start and answer."""
        limit = self.limits.timeout if timeout is None else float(timeout)
        req = {"op": "load", "module": module, "seconds": max(0.5, limit - LOAD_MARGIN)}
        if cell_seconds is not None:
            req["cell_seconds"] = float(cell_seconds)
        return self._request(req, timeout)

    def call(self, module: str, function: str, args=(), kwargs=None, timeout: float | None = None,
             *, args_after: bool = True, as_handle: bool = False) -> Reply:
        return self._request({"op": "call", "module": module, "function": function,
                              "args": list(args), "kwargs": dict(kwargs or {}),
                              "args_after": args_after, "as_handle": as_handle}, timeout)

    def trace(self, module: str, function: str, watch, args=(), kwargs=None,
              timeout: float | None = None) -> Reply:
        """A call during which the module's functions in ``watch`` record theirs (reply.calls)."""
        return self._request({"op": "trace", "module": module, "function": function,
                              "watch": list(watch), "args": list(args), "kwargs": dict(kwargs or {}),
                              "args_after": False}, timeout)

    def new(self, module: str, cls: str, args=(), kwargs=None, timeout: float | None = None) -> Reply:
        return self._request({"op": "new", "module": module, "cls": cls, "args": list(args),
                              "kwargs": dict(kwargs or {}), "args_after": True}, timeout)

    def method(self, handle: Handle, name: str, args=(), kwargs=None,
               timeout: float | None = None, *, args_after: bool = True,
               as_handle: bool = False) -> Reply:
        return self._request({"op": "method", "handle": handle, "name": name, "args": list(args),
                              "kwargs": dict(kwargs or {}), "args_after": args_after,
                              "as_handle": as_handle}, timeout)

    def getattr(self, handle: Handle, name: str, timeout: float | None = None, *,
                as_handle: bool = False) -> Reply:
        return self._request({"op": "getattr", "handle": handle, "name": name,
                              "as_handle": as_handle, "args_after": False}, timeout)

    def setattr(self, handle: Handle, name: str, value, timeout: float | None = None) -> Reply:
        return self._request({"op": "setattr", "handle": handle, "name": name, "value": value},
                             timeout)

    def setitem(self, handle: Handle, attr: str | None, key, value,
                timeout: float | None = None) -> Reply:
        return self._request({"op": "setitem", "handle": handle, "attr": attr, "key": key,
                              "value": value}, timeout)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._end_child(wait=0.0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- machinery --------------------------------------------------------------------------

    def _end_child(self, wait: float) -> dict:
        info = {}
        if self._pid is not None:
            info = self.pool._reap(self._pid, wait)
        if self._sock is not None:
            self._sock.close()
        self._sock, self._pid = None, None
        self._generation += 1
        return info

    def _encode_ref(self, x, enc):
        if type(x) is Handle:
            if x.owner != (self._token, self._generation):
                raise _Stale(x)
            return {"$handle": x.id, "type": x.type}
        if isinstance(x, probes.Probe):
            name, args = x.wire()
            return {"$probe": name, "args": enc(args)}
        raise transport.BadValue(f"cannot send a {type(x).__name__} to the student's process")

    def _make_handle(self, hid: int, type_name: str) -> Handle:
        return Handle(hid, type_name, owner=(self._token, self._generation))

    def _start_child(self, deadline: float) -> None:
        sock, pid = self.pool._spawn(self.limits)
        self._sock, self._pid = sock, pid
        init = {"files": {m: np.frombuffer(src, dtype=np.uint8) for m, src in self.files.items()},
                "names": self.file_names, "cells": self.cells}
        transport.send(sock, init, deadline=deadline)
        ack = transport.recv(sock, deadline=deadline)
        if type(ack) is not dict or ack.get("status") != "ok":
            raise transport.BadValue("the student's process did not start")

    def _request(self, req: dict, timeout: float | None) -> Reply:
        if self.closed:
            raise RuntimeError("this session is closed")
        t0 = time.monotonic()
        left = self.limits.budget - self.spent
        if left <= 0:
            return Reply("budget", error=ErrorInfo(
                "Budget", Said("sbx-budget-used", seconds=self.limits.budget)))
        if self.received >= int(self.limits.reply_mb) << 20:
            return Reply("bad-value", error=ErrorInfo(
                "TooLarge", Said("sbx-data-used", mib=self.limits.reply_mb)))
        limit = self.limits.timeout if timeout is None else float(timeout)
        clipped = left < limit
        deadline = t0 + min(limit, left)
        req["id"] = next(self._ids)
        try:
            payload = transport.encode(req, fallback=self._encode_ref)
        except _Stale as e:
            h = e.args[0]
            return Reply("crashed", error=ErrorInfo("LostObject", Said("sbx-lost-object", type=h.type)))
        try:
            return self._exchange(payload, req, deadline, limit, clipped)
        finally:
            self.spent += time.monotonic() - t0

    def _exchange(self, payload, req, deadline, limit, clipped) -> Reply:
        t0 = time.monotonic()
        try:
            if self._sock is None:
                self._start_child(deadline)
            transport.send_frame(self._sock, payload, deadline=deadline)
            raw = self._wait_reply(deadline)
        except _ChildExited as e:
            info = self._end_child(wait=0.0)
            info.update({k: v for k, v in e.args[0].items() if k in ("exit", "signal")})
            self.restarts += 1
            return self._crash_reply(info, time.monotonic() - t0)
        except TimeoutError:
            self._end_child(wait=0.0)
            self.restarts += 1
            if clipped:
                return Reply("budget", wall=time.monotonic() - t0, error=ErrorInfo(
                    "Budget", Said("sbx-budget-stopped", seconds=self.limits.budget)))
            return Reply("timeout", wall=time.monotonic() - t0, error=ErrorInfo(
                "Timeout", Said("sbx-timeout", seconds=limit)))
        except transport.ChannelClosed:
            info = self._end_child(wait=0.25)
            self.restarts += 1
            return self._crash_reply(info, time.monotonic() - t0)
        except transport.TooLarge as e:
            self._end_child(wait=0.0)
            self.restarts += 1
            # refused unread: nothing of it counts against the budget
            return Reply("bad-value", wall=time.monotonic() - t0, error=ErrorInfo(
                "TooLarge", Said("sbx-too-large-because", size=e.size, limit=e.limit,
                                 why=self._limit_reason(e.limit))))
        except transport.BadValue as e:
            self._end_child(wait=0.0)
            self.restarts += 1
            return Reply("bad-value", wall=time.monotonic() - t0, error=ErrorInfo(
                "BadValue", Said("sbx-bad-value", error=str(e))))
        except _ZygoteGone as e:
            if self._sock is not None:
                self._sock.close()
            self._sock, self._pid = None, None
            self._generation += 1
            self.restarts += 1
            self.pool._drop_zygote()
            return Reply("crashed", wall=time.monotonic() - t0,
                         error=ErrorInfo("SandboxRestarted", e.args[0] if e.args else str(e)))
        raw, nbytes = raw
        self.received += nbytes
        if self.reply_allowance is not None:
            self.reply_allowance -= nbytes
        reply = self._validate(raw, req["id"])
        reply.wall = time.monotonic() - t0
        reply.nbytes = nbytes
        if reply.status == "bad-value" and reply.error and reply.error.type == "Malformed":
            self._end_child(wait=0.0)
            self.restarts += 1
        return reply

    def _wait_reply(self, deadline: float):
        """The child's answer; a notice from the zygote that the child died ends the wait too
        (a process the student forked may hold the channel open after the child is gone)."""
        zygote = self.pool._zygote
        for ev in zygote.events:
            if ev.get("pid") == self._pid:
                raise _ChildExited(ev)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer before the deadline")
            ready, _, _ = select.select([self._sock, zygote.ctl], [], [], left)
            if self._sock in ready:
                payload = transport.recv_frame(self._sock, deadline, self._max_reply())
                try:
                    return transport.decode(payload, handle=self._make_handle), len(payload)
                except transport.BadValue:
                    self.received += len(payload)     # read, then refused: it still counts
                    raise
            if zygote.ctl in ready:
                ev = zygote.read(timeout=5)
                if ev.get("event") == "exited" and ev.get("pid") == self._pid:
                    raise _ChildExited(ev)

    def _budget_left(self) -> int:
        return max(0, (int(self.limits.reply_mb) << 20) - self.received)

    def _max_reply(self) -> int:
        """The longest answer accepted now: the message cap, what is left of the session's
        byte budget, and of the current scenario's allowance."""
        limits = [transport.MAX_MESSAGE_BYTES, self._budget_left()]
        if self.reply_allowance is not None:
            limits.append(max(0, self.reply_allowance))
        return min(limits)

    def _limit_reason(self, limit: int) -> Said:
        if limit == self._budget_left():
            return Said("sbx-limit-left", mib=self.limits.reply_mb)
        if self.reply_allowance is not None and limit == max(0, self.reply_allowance):
            return Said("sbx-limit-reference")
        return Said("sbx-limit-message", mib=transport.MAX_MESSAGE_BYTES >> 20)

    def _crash_reply(self, info: dict, wall: float) -> Reply:
        if info.get("zygote") == "gone":
            return Reply("crashed", wall=wall, error=ErrorInfo(
                "SandboxRestarted", Said("sbx-zygote-killed")))
        sig, code = info.get("signal"), info.get("exit")
        if sig == signal.SIGXCPU:
            return Reply("timeout", wall=wall, error=ErrorInfo(
                "Timeout", Said("sbx-cpu", seconds=self.limits.cpu_seconds)))
        if sig is not None:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            words = Said(_SIGNAL_WORDS[sig]) if sig in _SIGNAL_WORDS \
                else Said("sbx-killed-by", signal=name)
            return Reply("crashed", wall=wall, error=ErrorInfo(
                "Crashed", Said("sbx-process", what=words)))
        if code is not None:
            return Reply("crashed", wall=wall, error=ErrorInfo(
                "Exited", Said("sbx-exited", code=code)))
        return Reply("crashed", wall=wall, error=ErrorInfo("Crashed", Said("sbx-channel-closed")))

    def _validate(self, raw, rid) -> Reply:
        """A Reply from the child's answer, checking every field's type (it is student-controlled)."""
        def bad(why):
            return Reply("bad-value", error=ErrorInfo("Malformed", Said("sbx-malformed", why=why)))
        if type(raw) is not dict:
            return bad(Said("sbx-why-not-dict"))
        if raw.get("id") != rid:
            return bad(Said("sbx-why-other-request"))
        status = raw.get("status")
        if status not in STATUSES or status == "budget":
            return bad(Said("sbx-why-status", status=repr(status)))
        error = None
        e = raw.get("error")
        if e is not None:
            error = _error_info(e)
            if error is None:
                return bad(Said("sbx-why-error-fields"))
            if status == "bad-value" and error.type == "Unsendable":
                # the child names what could not be encoded; the sentence is the grader's
                error.type, error.message = "BadValue", Said("sbx-cannot-send-back",
                                                             error=error.message)
        cells = _cell_failures(raw.get("cells", []))
        if cells is None:
            return bad(Said("sbx-why-cells"))
        warns = raw.get("warnings", [])
        if type(warns) is not list or not all(type(w) is list and len(w) == 2 and
                                              all(type(s) is str for s in w) for w in warns):
            return bad(Said("sbx-why-warnings"))
        stdout, nbytes = raw.get("stdout", ""), raw.get("stdout_bytes", 0)
        seconds = raw.get("seconds", 0.0)
        if type(stdout) is not str or type(nbytes) is not int or type(seconds) not in (int, float):
            return bad(Said("sbx-why-output"))
        args_after, kwargs_after = raw.get("args_after"), raw.get("kwargs_after")
        if (args_after is not None and type(args_after) is not list) or \
                (kwargs_after is not None and type(kwargs_after) is not dict):
            return bad(Said("sbx-why-args-after"))
        changed = raw.get("changed_at_import", [])
        if type(changed) is not list or not all(type(c) is str and c in IMPORT_CHANGES
                                                for c in changed):
            return bad(Said("sbx-why-changed-at-import"))
        calls = raw.get("calls")
        if calls is not None and (type(calls) is not list or len(calls) > TRACE_CALLS or not all(
                type(c) is list and len(c) == 4 and type(c[0]) is str and type(c[1]) is list
                and type(c[2]) is dict for c in calls)):
            return bad(Said("sbx-why-calls"))
        reply = Reply(status, value=raw.get("value"), error=error, args_after=args_after,
                      kwargs_after=kwargs_after, warnings=[[c[:200], m[:500]] for c, m in warns[:100]],
                      stdout=stdout[:4096], stdout_bytes=max(nbytes, len(stdout)),
                      seconds=float(seconds) if math.isfinite(seconds) else 0.0,
                      changed_at_import=tuple(dict.fromkeys(changed)),
                      calls=[[c[0][:100], c[1], c[2], c[3]] for c in calls] if calls else calls,
                      cells=cells)
        if status in ("exception", "import-error", "missing") and error is None:
            return bad(Said("sbx-why-no-error", status=status))
        if status == "ok":
            found = contains_unsupported([reply.value, reply.calls])
            if found:
                reply.status = "bad-value"
                reply.error = ErrorInfo("NotPlainData", Said("sbx-not-plain-data", type=found))
        return reply


def _said(e) -> Said:
    """The sentence of an exception (or a text) as a Said: a library's words stay as they are."""
    if isinstance(e, Said):
        return e
    if isinstance(e, BaseException) and e.args and isinstance(e.args[0], Said):
        return e.args[0]
    return Said.plain(str(e))


def _error_info(e) -> ErrorInfo | None:
    """An error as the student's process described it, each field checked; None if malformed."""
    if type(e) is not dict:
        return None

    def text(k, n):
        v = e.get(k)
        return v[:n] if type(v) is str else ("" if v is None else None)
    etype, msg, tb = text("type", 200), text("message", 2000), text("traceback", 8000)
    file, line, cell = e.get("file"), e.get("line"), e.get("cell")
    if None in (etype, msg, tb) or (file is not None and type(file) is not str) or \
            any(v is not None and type(v) is not int for v in (line, cell)):
        return None
    return ErrorInfo(etype or "Error", msg, file[:300] if file else None, line, tb,
                     cell if cell is None or cell > 0 else None)


def _cell_failures(raw) -> list[CellFailure] | None:
    """A load's failed cells, each field checked; None if malformed (at most 50 are sent)."""
    if type(raw) is not list or len(raw) > 50:
        return None
    out = []
    for item in raw:
        if type(item) is not dict or type(item.get("cell")) is not int or item["cell"] < 1 \
                or item.get("status") not in CELL_STATUSES:
            return None
        seconds = item.get("seconds")
        if seconds is not None and (type(seconds) not in (int, float) or not math.isfinite(seconds)):
            return None
        error = None
        if item.get("error") is not None:
            error = _error_info(item["error"])
            if error is None:
                return None
        out.append(CellFailure(item["cell"], item["status"], error,
                               None if seconds is None else float(seconds)))
    return out


def _kill_all_of_uid(uid: int) -> None:
    """kill(-1) from a helper running as `uid`: exactly that uid's processes, fork bombs too."""
    for _ in range(100):
        if not _processes_of_uid(uid):
            return
        pid = os.fork()
        if pid == 0:
            try:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.01)


def _sweep_orphaned_uids() -> None:
    """As root: processes left under a sandbox uid nobody has leased belong to a grading run
    that was killed; end them, whichever uid this pool gets."""
    uids = set()
    for p in _all_pids():
        u = _status(p).get("Uid")
        if u and launch.is_sandbox_uid(int(u[0])):
            uids.add(int(u[0]))
    for uid in sorted(uids):
        fd = launch.try_lock_uid(uid)
        if fd is not None:
            try:
                _kill_all_of_uid(uid)
            finally:
                os.close(fd)


def _set_dumpable(on: bool) -> None:
    import ctypes
    ctypes.CDLL(None).prctl(4, 1 if on else 0, 0, 0, 0)   # PR_SET_DUMPABLE


def _mount_size_capped(path: str, size_mb: int) -> bool:
    """A size-capped tmpfs on the rlimit level's temp folder, where root may mount one."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={int(size_mb)}m,mode=0700,nosuid,nodev",
                           "tmpfs", path], capture_output=True)
    return done.returncode == 0


def _unmount_orphans() -> None:
    """Temp mounts left by a grading process that was killed (its pid is in the folder name)."""
    if os.geteuid() != 0:
        return
    try:
        with open("/proc/mounts") as f:
            targets = [line.split()[1] for line in f if " tmpfs " in line]
    except OSError:
        return
    for target in targets:
        m = re.search(r"/nngrade-slot\d+-pid(\d+)-[^/]*$", target)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            subprocess.run(["umount", "-l", target], capture_output=True)
            shutil.rmtree(target, ignore_errors=True)


# ---- /proc helpers (host side) -----------------------------------------------------------------


def _status(pid: int) -> dict:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.split()
    except OSError:
        pass
    return out


def _state(pid: int):
    s = _status(pid).get("State")
    return s[0] if s else None


def _nspid(pid: int) -> list[int]:
    return [int(x) for x in _status(pid).get("NSpid", [])]


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _processes_of_uid(uid: int) -> list[int]:
    out = []
    for p in _all_pids():
        u = _status(p).get("Uid")
        if u and int(u[0]) == uid and _state(p) != "Z":
            out.append(p)
    return out


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for p in _all_pids():
        pp = _status(p).get("PPid")
        if pp:
            children.setdefault(int(pp[0]), []).append(p)
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _wipe_dir_contents(path: str) -> None:
    for entry in os.listdir(path):
        full = os.path.join(path, entry)
        for dirpath, dirnames, _ in os.walk(full):
            for d in dirnames:
                try:
                    os.chmod(os.path.join(dirpath, d), 0o700)
                except OSError:
                    pass
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            try:
                os.unlink(full)
            except OSError:
                pass


__all__ = ["SandboxPool", "Session", "Limits", "Reply", "ErrorInfo", "CellFailure", "Handle",
           "SandboxUnavailable", "STATUSES"]
