"""The per-slot zygote: a long-lived sandboxed process that imports numpy (and matplotlib, for
students' plots) once and forks a fresh child per student.

Run as a script inside the sandbox (``python -s -S -P zygote.py '<config json>'``); standalone
(standard library + numpy + its sibling files, loaded by path under private names so no student
file can shadow them). It talks to the grading process over a SOCK_SEQPACKET control socket:

    {"op": "spawn", "limits": {...}} + one fd (the student's channel)  ->  {"pid": n}
    {"op": "reap", "pid": n, "wait": s}  ->  {"exit": code | null, "signal": n | null, "killed": k}
    {"op": "ping"}                       ->  {"ok": true}

and, unasked, {"event": "exited", "pid": n, "exit": ..., "signal": ...} when the student's child
dies: a process the student forked may keep the channel open, so its end is no proof of death.

After each student ("reap") every process but the zygote is killed, looping until none is left
(fork bombs), and the temp space is wiped.
"""
from __future__ import annotations

import ctypes
import gc
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 1024, 2048, 1 << 21, 1 << 24
_MOUNT_FLAGS = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME,
                "strictatime": MS_STRICTATIME}

CONFIG = json.loads(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
libc = ctypes.CDLL(None, use_errno=True)


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_nngrade_{name}", os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sys.path.extend(CONFIG["site"])        # numpy's directory (the standard library is already there)
sys.dont_write_bytecode = True
import numpy  # noqa: E402  (imported once here; every child inherits it)
import numpy.linalg  # noqa: E402,F401
import numpy.random  # noqa: E402,F401

numpy.random.default_rng(0).standard_normal((4, 4)) @ numpy.ones(4)   # touch BLAS and the RNG

transport = _load("transport")
probes = _load("probes")
child = _load("child")


def _prctl(option: int, value: int) -> None:
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


# ---------------------------------------------------------------------------------------------
# filesystem isolation for the `unshare` level (we are root and pid 1 in fresh namespaces)


def _mount(source, target, fstype, flags, data=None):
    if libc.mount(source, target.encode(), fstype, flags, data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _mount_points():
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            path = fields[4].encode().decode("unicode_escape")   # \040 style escapes
            flags = 0
            for opt in fields[5].split(","):
                flags |= _MOUNT_FLAGS.get(opt, 0)
            points.append((path, flags))
    return points


def _hide(hide: list[str]) -> list[str]:
    """Each folder under an empty read-only tmpfs, each file under /dev/null; the failures."""
    problems = []
    for path in hide:
        try:
            if os.path.isdir(path):
                _mount(b"tmpfs", path, b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                       b"size=4k,mode=0")
            elif os.path.exists(path):
                _mount(b"/dev/null", path, None, MS_BIND)
        except OSError as e:
            problems.append(str(e))
    return problems


def isolate_filesystem(hide: list[str], tmp_mb: int) -> list[str]:
    """Everything read-only, the kit's secrets under empty tmpfs, fresh size-capped /tmp."""
    problems = []
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    for path, flags in _mount_points():
        try:
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
        except OSError as e:
            problems.append(str(e))
    problems += _hide(hide)
    for path, size in (("/tmp", tmp_mb), ("/dev/shm", 1), ("/var/tmp", 1)):
        if os.path.isdir(path):
            try:
                _mount(b"tmpfs", path, b"tmpfs", MS_NOSUID | MS_NODEV,
                       f"size={size}m,mode=1777".encode())
            except OSError as e:
                problems.append(str(e))
    return problems


CLONE_NEWNS = 0x00020000


def hide_in_own_mounts(hide: list[str]) -> list[str]:
    """rlimit level as root: a mount namespace of our own where the hidden folders are empty
    read-only tmpfs (files: /dev/null); the rest of the machine stays as it is."""
    if libc.unshare(CLONE_NEWNS) != 0:
        return [f"no mount namespace: {os.strerror(ctypes.get_errno())}"]
    problems = []
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
    except OSError as e:
        return [str(e)]
    problems += _hide(hide)
    return problems


# ---------------------------------------------------------------------------------------------
# killing every process of the student


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _scan() -> list[tuple[int, str, int, str]]:
    """(pid, state, ppid, real uid) of every visible process, one read of its status each."""
    out = []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/status") as f:
                text = f.read()
        except OSError:
            continue
        fields = {}
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key in ("State", "PPid", "Uid"):
                fields[key] = value.split()
        try:
            out.append((pid, fields["State"][0], int(fields["PPid"][0]), fields["Uid"][0]))
        except (KeyError, IndexError, ValueError):
            continue
    return out


def _reap(statuses: dict) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        statuses[pid] = status


def _descendants() -> list[int]:
    """Live descendants of this process (the students', we being their subreaper)."""
    children: dict[int, list[tuple[int, str]]] = {}
    for p, st, ppid, _ in _scan():
        children.setdefault(ppid, []).append((p, st))
    out, todo = [], [os.getpid()]
    while todo:
        for c, st in children.get(todo.pop(), []):
            if st != "Z":
                out.append(c)
            todo.append(c)
    return out


def _signal_all() -> int:
    """SIGKILL every process of the student; how many were hit (roughly)."""
    mode = CONFIG["kill"]
    if mode == "pidns":          # we are init of a pid namespace: kill(-1) spares only us
        try:
            os.kill(-1, signal.SIGKILL)
            return 1
        except ProcessLookupError:
            return 0
    if mode == "uid":            # a helper under the students' uid: kill(-1) hits exactly theirs
        helper = os.fork()
        if helper == 0:
            code = 1
            try:
                os.setgroups([])
                os.setresgid(CONFIG["student_gid"], CONFIG["student_gid"], CONFIG["student_gid"])
                os.setresuid(CONFIG["student_uid"], CONFIG["student_uid"], CONFIG["student_uid"])
                os.kill(-1, signal.SIGKILL)
                code = 0
            except ProcessLookupError:
                code = 1
            finally:
                os._exit(code)
        _, status = os.waitpid(helper, 0)
        return 1 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 0
    victims = _descendants()     # "tree": same uid as ours, so by pid
    for p in victims:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(victims)


def kill_everything(statuses: dict) -> int:
    """Kill every process of the student, round after round (fork bombs), until none is left.

    Every student process descends from us (we are the pid namespace's init or their
    subreaper), so once there is no child left to reap, nothing of theirs survives."""
    killed = 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        killed += _signal_all()
        settle = min(deadline, time.monotonic() + 0.05)
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return killed
            if pid:
                statuses[pid] = status
                continue
            if time.monotonic() > settle:
                break
            time.sleep(0.0002)
    return killed


def wipe_uid_entries(uid: int) -> None:
    """The host's shared temp folders (rlimit level, as root): remove what the student's uid
    left there (POSIX shared memory, semaphores, files), where Landlock did not stop it."""
    for root in ("/dev/shm", "/tmp", "/var/tmp"):
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            entry = os.path.join(root, name)
            try:
                st = os.lstat(entry)
            except OSError:
                continue
            if st.st_uid != uid:
                continue
            _remove(entry)


def _remove(entry: str) -> None:
    """A folder with everything in it, or one file or link; what cannot go is left."""
    if os.path.isdir(entry) and not os.path.islink(entry):
        shutil.rmtree(entry, ignore_errors=True)
    else:
        try:
            os.unlink(entry)
        except OSError:
            pass


def wipe(path: str | None) -> None:
    """Remove the student's temp space (fixing permissions a student may have taken away)."""
    if CONFIG["kill"] == "uid":
        wipe_uid_entries(CONFIG["student_uid"])
    roots = [path] if CONFIG["kill"] != "pidns" else ["/tmp", "/dev/shm"]
    for root in roots:
        if not root or not os.path.isdir(root):
            continue
        for dirpath, dirnames, _ in os.walk(root):
            for d in dirnames:
                try:
                    os.chmod(os.path.join(dirpath, d), 0o700)
                except OSError:
                    pass
        entries = [root] if root == path else [os.path.join(root, e) for e in os.listdir(root)]
        for entry in entries:
            _remove(entry)


# ---------------------------------------------------------------------------------------------


def _count_processes_of(uid: int) -> int:
    if CONFIG["kill"] == "pidns":     # our namespace holds only us (and students, now gone)
        return len(_pids())
    if CONFIG["kill"] == "uid":       # emptied at the start and after every student
        return 0
    uid = str(uid)
    return sum(1 for _, st, _, u in _scan() if u == uid and st != "Z")


def spawn(ctl: socket.socket, channel_fd: int, msg: dict, counter: int) -> dict:
    limits = dict(msg["limits"])
    uid = CONFIG.get("student_uid")
    name = f"student-{os.getpid()}-{counter}"
    workdir = os.path.join("/tmp" if CONFIG["kill"] == "pidns" else CONFIG["tmp_base"], name)
    os.mkdir(workdir, 0o700)
    if uid is not None:
        os.chown(workdir, uid, CONFIG["student_gid"])
    # RLIMIT_NPROC counts every process of the uid: leave room for those already there
    # (this zygote and its namespace's init when they share the uid) plus the child itself.
    limits["nproc"] = limits["nproc"] + 1 + _count_processes_of(os.getuid() if uid is None else uid)
    limits["address_space_mb"] = limits["address_space_mb"] + PLOTTING["extra_mb"]
    info = {"workdir": workdir, "limits": limits, "uid": uid, "gid": CONFIG.get("student_gid"),
            "landlock_fd": LANDLOCK["fd"]}
    pid = os.fork()
    if pid == 0:
        child.run(channel_fd, ctl.fileno(), info, transport, probes)
        os._exit(70)  # pragma: no cover - run() never returns
    os.close(channel_fd)
    return {"pid": pid, "workdir": workdir}


def _describe_status(status) -> dict:
    out = {"exit": None, "signal": None}
    if status is not None:
        if os.WIFSIGNALED(status):
            out["signal"] = os.WTERMSIG(status)
        elif os.WIFEXITED(status):
            out["exit"] = os.WEXITSTATUS(status)
    return out


def landlock_read_rules() -> list:
    """What a student's process may read: the standard library (but no site-packages inside
    it), numpy and matplotlib's packages, the shared libraries. [path, listing_only] pairs,
    computed once (after the plotting warm-up, whose libraries are then mapped)."""
    rules = []
    site = set(CONFIG["site"])
    shown = CONFIG.get("site_entries") or ["numpy", "numpy.libs"]
    hidden = ("site-packages", "dist-packages")
    for entry in sys.path:
        if not os.path.isdir(entry):
            continue
        if entry in site:
            rules.append([entry, True])
            rules += [[os.path.join(entry, n), False] for n in shown
                      if os.path.exists(os.path.join(entry, n))]
        elif any(os.path.isdir(os.path.join(entry, h)) for h in hidden):
            rules.append([entry, True])
            rules += [[os.path.join(entry, n), False] for n in sorted(os.listdir(entry))
                      if n not in hidden]
        else:
            rules.append([entry, False])
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if ".so" in line and line.split()[-1].startswith("/")}
    rules += [[lib, False] for lib in sorted(libs) if os.path.exists(lib)]
    rules += [[d, False] for d in CONFIG.get("lib_dirs", []) if os.path.isdir(d)]
    return rules


LANDLOCK = {"fd": None, "state": "not built"}
PLOTTING = {"state": "not loaded", "extra_mb": 0}


def _vm_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1])
    return 0


def warm_plotting(scratch_base: str) -> str:
    """Import matplotlib.pyplot with the Agg backend once, here: every student's process
    inherits it with its font list in memory, so plotting costs a student no start-up and
    writes nothing. matplotlib insists on a writable cache folder while it builds the font
    list: a scratch one in the temp space, removed at once. plt.show() closes the figures, as
    Jupyter's inline backend does once it has drawn them; nothing is shown anywhere."""
    if "matplotlib" not in (CONFIG.get("site_entries") or []):
        return "not available: matplotlib is not installed beside numpy"
    if not CONFIG.get("preload_plotting", True):
        return "matplotlib shown, not imported by the sandbox: each student imports it"
    before_fds, before_vm = set(os.listdir("/proc/self/fd")), _vm_kb()
    scratch = tempfile.mkdtemp(prefix="mplconfig-", dir=scratch_base)
    os.environ["MPLCONFIGDIR"], os.environ["MPLBACKEND"] = scratch, "agg"
    try:
        import matplotlib
        matplotlib.use("agg")
        import matplotlib.pyplot as pyplot

        def show(*args, **kwargs):
            pyplot.close("all")

        pyplot.show = show
    except Exception as e:
        return f"not available: {type(e).__name__}: {e}"[:300]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    # Students' processes keep the address space they had before matplotlib came in.
    PLOTTING["extra_mb"] = max(0, -(-(_vm_kb() - before_vm) // 1024))
    left_open = set(os.listdir("/proc/self/fd")) - before_fds
    state = f"matplotlib {matplotlib.__version__} (Agg), imported once by the sandbox"
    return state + (f"; it left {len(left_open)} file(s) open" if left_open else "")


def probe_filters() -> dict:
    """Apply the students' seccomp filter and Landlock rules in a throwaway child:
    {"seccomp": "active" | why not, "landlock": ...}."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        answer = {"seccomp": child.install_seccomp(os.getpid()) or "active",
                  "landlock": LANDLOCK["state"]}
        if LANDLOCK["fd"] is not None:
            answer["landlock"] = child.restrict_landlock(LANDLOCK["fd"]) or LANDLOCK["state"]
        os.write(w, json.dumps(answer).encode()[:2000])
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    try:
        return json.loads(data)
    except ValueError:
        return {"seccomp": "the probe process died", "landlock": "the probe process died"}


def main() -> None:
    ctl = socket.socket(fileno=CONFIG["control_fd"])
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                signal.SIGUSR2, signal.SIGALRM):
        signal.signal(sig, signal.SIG_IGN)  # students' processes inherit defaults back (child.py)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)      # double-forked, setsid'd processes come back to us
    _prctl(PR_SET_DUMPABLE, 0)             # same-uid students cannot ptrace us or read our memory
    if CONFIG["kill"] != "pidns":
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != CONFIG["parent_pid"]:
            os._exit(1)
    problems = []
    if CONFIG.get("isolate_filesystem"):
        problems = isolate_filesystem(CONFIG["hide"], CONFIG["tmp_mb"])
    elif CONFIG.get("hide_by_mount"):
        problems = hide_in_own_mounts(CONFIG["hide"])
    if CONFIG["kill"] == "pidns":
        wipe(None)
    temp_base = "/tmp" if CONFIG["kill"] == "pidns" else CONFIG["tmp_base"]
    PLOTTING["state"] = warm_plotting(temp_base)
    # What is imported now is every child's too: out of the collector's sight, so that no
    # collection in a child writes to those pages and copies them (gc.freeze's purpose).
    gc.collect()
    gc.freeze()
    # Built after the mounts (rules hold inodes): the runtime is readable, the temp base (where
    # the one current student's directory lives, wiped after each) writable.
    LANDLOCK["fd"], LANDLOCK["state"] = child.make_landlock_ruleset(
        landlock_read_rules(), temp_base, CONFIG.get("landlock_abi_max"))
    try:
        interfaces = [name for _, name in socket.if_nameindex()]
    except OSError:
        interfaces = []
    ctl.send(json.dumps({
        "ready": True, "pid": os.getpid(), "uid": os.getuid(), "problems": problems,
        **probe_filters(),
        "python": sys.version.split()[0], "numpy": numpy.__version__, "interfaces": interfaces,
        "plotting": PLOTTING["state"],
    }).encode())
    statuses: dict[int, int] = {}
    current = None
    counter = 0
    watch = None                            # pidfd of the current child
    while True:
        ready, _, _ = select.select([ctl] + ([watch] if watch is not None else []), [], [])
        if watch is not None and watch in ready:
            os.close(watch)
            watch = None
            _reap(statuses)
            if current and current["pid"] in statuses:
                ctl.send(json.dumps({"event": "exited", "pid": current["pid"],
                                     **_describe_status(statuses[current["pid"]])}).encode())
            continue
        try:
            data, fds, _, _ = socket.recv_fds(ctl, 1 << 16, 4)
        except OSError:
            break
        if not data:
            break
        msg = json.loads(data)
        op = msg.get("op")
        if op == "spawn" and len(fds) == 1:
            counter += 1
            try:
                current = spawn(ctl, fds[0], msg, counter)
                watch = os.pidfd_open(current["pid"])
                reply = {"pid": current["pid"]}
            except OSError as e:
                os.close(fds[0])
                reply = {"error": str(e)}
        elif op == "reap":
            for fd in fds:
                os.close(fd)
            if watch is not None:
                os.close(watch)
                watch = None
            pid = msg.get("pid")
            deadline = time.monotonic() + float(msg.get("wait", 0))
            while pid and pid not in statuses and time.monotonic() < deadline:
                _reap(statuses)
                time.sleep(0.002)
            _reap(statuses)
            own_status = statuses.get(pid)
            killed = kill_everything(statuses)
            own_status = statuses.get(pid) if own_status is None else own_status
            wipe(current["workdir"] if current else None)
            current = None
            statuses.clear()
            reply = {"killed": killed, **_describe_status(own_status)}
        elif op == "ping":
            for fd in fds:
                os.close(fd)
            reply = {"ok": True}
        else:
            for fd in fds:
                os.close(fd)
            reply = {"error": f"unknown request {op!r}"}
        ctl.send(json.dumps(reply).encode())
    kill_everything({})
    wipe(current["workdir"] if current else None)
    os._exit(0)


if __name__ == "__main__":
    main()
