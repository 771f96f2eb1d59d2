"""How a slot's zygote is started at each sandbox level: which Python it runs and the command line.

Levels, best first:
    bwrap    bubblewrap: new user/pid/net/ipc/uts namespaces, a filesystem holding only the Python
             standard library, numpy, matplotlib and the runner files, a size-capped /tmp
    unshare  (root) `unshare -n -m -p`: new network, mount and pid namespaces; the kit's folders
             hidden under empty tmpfs, everything else read-only; students under their own uid
    rlimit   resource limits only (and, as root, the uid drop)

Every level adds, in each student process, a seccomp filter (no socket(), no ptrace, signals to
itself only) and Landlock rules (read the runtime, write the own temp space) where the kernel
has them.

As root, student code always runs under one unprivileged uid per job slot (60000 + slot, or the
next one no other grading run holds: see lease_uid): the kernel ignores RLIMIT_NPROC for uid 0,
even inside a user namespace (measured: 50 forks under a limit of 10 with `bwrap --uid 60000`
started by root), so bwrap itself is started under that uid.
That uid cannot enter /root, where this machine's Python lives (0700), so as root the sandbox runs
a world-readable interpreter: the system's python3.X of the same version as the grader's (numpy's
compiled modules need the same ABI) with this grader's own numpy hard-linked (or copied) into a
world-readable cache directory. No download, and the same numpy version on both sides.
"""
from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import write_atomic
from ..messages import Said

LEVELS = ("bwrap", "unshare", "rlimit")
UID_BASE = int(os.environ.get("NNGRADE_SANDBOX_UID_BASE", "60000"))
RUNNER_FILES = {                       # name inside the runner dir -> source in the kit
    "transport.py": Path(__file__).resolve().parent.parent / "transport.py",
    "probes.py": Path(__file__).resolve().parent / "probes.py",
    "child.py": Path(__file__).resolve().parent / "child.py",
    "zygote.py": Path(__file__).resolve().parent / "zygote.py",
}
INSIDE_SITE = "/nngrade/site"          # where numpy appears inside bwrap
INSIDE_RUNNER = "/nngrade/runner"
SANDBOX_ENV = {
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1",
    # The environment is ours alone (cleared), so Python may read it: a fixed hash seed keeps a
    # student's set/dict iteration order, and so the results, the same from run to run.
    "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
    "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp",
}
# -s -S: no user or system site-packages (numpy's directory is added by the zygote); -P: the
# script's directory is not put on sys.path. With the cleared environment this is `python -I`
# except that PYTHONHASHSEED is honoured.
PYTHON_FLAGS = ("-s", "-S", "-P")


def landlock_abi_cap() -> int | None:
    """NNGRADE_LANDLOCK_ABI=n: use Landlock as a kernel of ABI n would (0: none). For tests of
    what holds on older kernels; unset on real runs."""
    value = os.environ.get("NNGRADE_LANDLOCK_ABI")
    if value is None or value == "":
        return None
    try:
        return max(0, int(value))
    except ValueError:
        raise ValueError(f"NNGRADE_LANDLOCK_ABI={value!r} is not a number") from None


class SandboxUnavailable(RuntimeError):
    """A sandbox level cannot run on this machine (the message says why)."""


@dataclass
class Interpreter:
    executable: str            # the real binary
    stdlib: str                # standard library directory (lib-dynload inside or beside it)
    dynload: str
    site: str                  # directory holding numpy/ (and numpy.libs/)
    libraries: list[str]       # shared libraries the binary needs outside the system lib dirs
    multiarch: str
    version: str
    note: str                  # how it was chosen, for describe()
    world_readable: bool = False
    # what the sandbox shows of `site`: numpy, and matplotlib with what it imports
    site_entries: list[str] = field(default_factory=lambda: ["numpy", "numpy.libs"])


def is_root() -> bool:
    return os.geteuid() == 0


LOCK_DIR = os.environ.get("NNGRADE_SANDBOX_LOCK_DIR", "/run/nngrade-sandbox")
UID_COUNT = 1000


def try_lock_uid(uid: int) -> int | None:
    """The lock fd of `uid` if nobody holds it, else None."""
    os.makedirs(LOCK_DIR, mode=0o700, exist_ok=True)
    fd = os.open(os.path.join(LOCK_DIR, f"uid-{uid}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        os.close(fd)
        return None


def is_sandbox_uid(uid: int) -> bool:
    return UID_BASE <= uid < UID_BASE + UID_COUNT


def lease_uid(slot: int) -> tuple[int, int]:
    """(uid, lock fd): the first free uid from UID_BASE + slot on, held with flock for as long
    as the fd stays open. Two grading runs on one machine (or two pools given the same slot)
    therefore never share a uid, so killing "every process of the uid" after a student cannot
    touch another run's students."""
    for k in range(UID_COUNT):
        uid = UID_BASE + (slot + k) % UID_COUNT
        try:
            pwd.getpwuid(uid)
            continue                      # a real account: never borrow it
        except KeyError:
            pass
        fd = try_lock_uid(uid)
        if fd is not None:
            return uid, fd
    raise SandboxUnavailable(Said("cli:sbx-uids-in-use", count=UID_COUNT, base=UID_BASE))


def world_readable(path: str) -> bool:
    """Can an unrelated uid reach and read path (every parent traversable by others)?"""
    p = Path(path).resolve()
    try:
        for parent in list(p.parents)[::-1]:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
        mode = os.stat(p).st_mode
    except OSError:
        return False
    need = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
    return mode & need == need


def _binary_facts(kind: str, binary: str, produce):
    """What `produce()` says of a binary (its ldd output, a Python's paths), kept per binary
    version in the runtime folder when this process owns it (root): running ldd and a probe
    Python cost about 0.1 s of every sandbox start, and their answers change only with the
    binary. Anything unexpected in the kept file and it is asked again."""
    try:
        st = os.stat(binary)
    except OSError:
        return produce()
    key = hashlib.sha256(f"{kind}|{os.path.realpath(binary)}|{st.st_ino}|{st.st_size}|"
                         f"{st.st_mtime_ns}".encode()).hexdigest()[:20]
    folder = _runtime_root() / "facts"
    path = folder / f"{key}.json"
    try:
        if path.is_file() and os.stat(folder).st_uid == os.geteuid():
            facts = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(facts, dict) and facts.get("kind") == kind:
                return facts["value"]
    except (OSError, ValueError, KeyError):
        pass
    value = produce()
    if value is not None and is_root():
        try:
            write_atomic(path, json.dumps({"kind": kind, "value": value}))
        except OSError:
            pass
    return value


def _ldd_extra(executable: str, system_dirs: list[str]) -> list[str]:
    """Shared libraries of the binary that live outside the system library dirs (a libpython)."""
    def ldd():
        try:
            return subprocess.run(["ldd", executable], capture_output=True, text=True,
                                  timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return None
    out = _binary_facts("ldd", executable, ldd)
    if out is None:
        return []
    libs = []
    for line in out.splitlines():
        parts = line.split("=>")
        if len(parts) == 2 and parts[1].strip().startswith("/"):
            lib = os.path.realpath(parts[1].split("(")[0].strip())
            if not any(lib.startswith(d + "/") for d in system_dirs):
                libs.append(lib)
    return libs


def system_lib_dirs(multiarch: str) -> list[str]:
    """Real paths of the system's shared-library directories."""
    cands = ["/lib64", "/usr/lib64"]
    if multiarch:
        cands = [f"/usr/lib/{multiarch}", f"/lib/{multiarch}"] + cands
    out = []
    for c in cands:
        if os.path.isdir(c):
            r = os.path.realpath(c)
            if r not in out:
                out.append(r)
    return out


# Students may plot (CURRICULUM.md): matplotlib and the distributions it requires are shown to
# the sandbox read-only beside numpy, when they are installed in numpy's folder.
PLOTTING = "matplotlib"
_SKIPPED_TOPS = ("..", "__pycache__", "bin")


@functools.lru_cache(maxsize=None)
def site_entries(site: str) -> tuple[str, ...]:
    """The entries of `site` (folders, single-file modules) the sandbox shows: numpy's, then
    matplotlib's and those of every distribution it requires, found in their metadata."""
    entries = ["numpy", "numpy.libs"] + _distribution_entries(PLOTTING, site)
    return tuple(e for e in dict.fromkeys(entries) if os.path.exists(os.path.join(site, e)))


def _distribution_entries(name: str, site: str) -> list[str]:
    """Top-level entries of a distribution and of what it requires, read from their RECORD and
    Requires-Dist lines directly: importlib.metadata's file objects and packaging's requirement
    parser took about 0.3 s here, paid at every sandbox start. A requirement under a marker
    other than an extra is followed; one for another platform is simply not installed."""
    import importlib.metadata as metadata
    out, seen, todo = [], set(), [name]
    real_site = os.path.realpath(site)
    while todo:
        try:
            dist = metadata.distribution(todo.pop())
        except metadata.PackageNotFoundError:
            continue
        key = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        if os.path.realpath(str(dist.locate_file(""))) != real_site:
            continue          # installed elsewhere: not shown
        for line in (dist.read_text("RECORD") or "").splitlines():
            top = line.split(",", 1)[0].split("/", 1)[0]
            if top and top not in _SKIPPED_TOPS and not top.endswith(
                    (".dist-info", ".egg-info", ".pth", ".data")) and top not in out:
                out.append(top)
        for text in dist.requires or []:
            requirement, _, marker = text.partition(";")
            if "extra" in marker:
                continue
            found = _REQUIREMENT_NAME.match(requirement.strip())
            if found:
                todo.append(found.group(0))
    return out


_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _this_interpreter(note: str) -> Interpreter:
    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    exe = os.path.realpath(sys.executable)
    if not os.access(exe, os.X_OK):
        # a venv link into a folder this uid cannot enter: the same-version base Python
        exe = next((p for p in _base_pythons() if os.access(p, os.X_OK)), exe)
    stdlib = sysconfig.get_paths()["stdlib"]
    return Interpreter(
        executable=exe, stdlib=stdlib,
        dynload=sysconfig.get_config_var("DESTSHARED") or os.path.join(stdlib, "lib-dynload"),
        site=os.path.dirname(numpy_dir), libraries=_ldd_extra(exe, system_lib_dirs(multiarch)),
        multiarch=multiarch, version=sys.version.split()[0], note=note,
        site_entries=list(site_entries(os.path.dirname(numpy_dir))))


def _runtime_root() -> Path:
    return Path(os.environ.get("NNGRADE_RUNTIME_DIR", "/var/cache/nngrade"))


def _base_pythons() -> list[str]:
    v = f"{sys.version_info.major}.{sys.version_info.minor}"
    return [f"/usr/bin/python{v}", f"/usr/local/bin/python{v}", f"/opt/python{v}/bin/python{v}"]


def _copy_tree(src: str, dst: str) -> None:
    """Hard-link (or, across file systems or for files others cannot read, copy) a tree."""
    def link_or_copy(s, d):
        try:
            if os.stat(s).st_mode & stat.S_IROTH:
                os.link(s, d)
                return d
        except OSError:
            pass
        shutil.copy2(s, d)
        os.chmod(d, os.stat(d).st_mode | stat.S_IROTH)
        return d
    shutil.copytree(src, dst, copy_function=link_or_copy, symlinks=True)
    for dirpath, _, _ in os.walk(dst):
        os.chmod(dirpath, 0o755)


def world_readable_interpreter() -> Interpreter:
    """A Python an unprivileged uid can run, with this grader's numpy (see the module docstring)."""
    here = _this_interpreter("the grader's own Python (readable by every uid)")
    if world_readable(here.executable) and world_readable(here.stdlib) and world_readable(here.site) \
            and all(world_readable(lib) for lib in here.libraries) \
            and all(world_readable(os.path.join(here.site, e)) for e in here.site_entries):
        here.world_readable = True
        return here
    base = next((p for p in _base_pythons() if os.path.exists(p) and world_readable(p)), None)
    if base is None:
        raise SandboxUnavailable(Said(
            "cli:sbx-python-unreadable", python=here.executable,
            version=f"{sys.version_info.major}.{sys.version_info.minor}"))

    def ask_base():
        probe = subprocess.run(
            [base, "-I", "-S", "-c", "import sys, sysconfig, json; print(json.dumps({"
             "'stdlib': sysconfig.get_paths()['stdlib'], 'dynload': sysconfig.get_config_var('DESTSHARED'),"
             "'multiarch': sysconfig.get_config_var('MULTIARCH') or '', 'version': sys.version.split()[0],"
             "'exe': sys.executable}))"], capture_output=True, text=True, timeout=30)
        if probe.returncode != 0:
            raise SandboxUnavailable(Said("cli:sbx-python-fails", python=base,
                                          error=probe.stderr.strip()[:300]))
        return json.loads(probe.stdout)
    info = _binary_facts("python-paths", base, ask_base)
    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))
    site = os.path.dirname(numpy_dir)
    entries = site_entries(site)
    stamp = "|".join(f"{e}:{os.stat(os.path.join(site, e)).st_mtime_ns}" for e in entries)
    key = hashlib.sha256(f"{base}|{info['version']}|{numpy_dir}|{np.__version__}|"
                         f"{stamp}".encode()).hexdigest()[:12]
    root = _runtime_root()
    target = root / f"python{info['version']}-numpy{np.__version__}-{key}"
    if not (target / "site" / "numpy").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o755)
        staging = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
        try:
            os.makedirs(staging / "site")
            for entry in entries:
                src = os.path.join(site, entry)
                if os.path.isdir(src):
                    _copy_tree(src, str(staging / "site" / entry))
                else:
                    shutil.copy2(src, staging / "site" / entry)
                    os.chmod(staging / "site" / entry, 0o644)
            os.chmod(staging, 0o755)
            os.chmod(staging / "site", 0o755)
            try:
                os.rename(staging, target)
            except OSError:      # built meanwhile by another slot
                pass
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    exe = os.path.realpath(info["exe"])
    return Interpreter(
        executable=exe, stdlib=info["stdlib"],
        dynload=info["dynload"] or os.path.join(info["stdlib"], "lib-dynload"),
        site=str(target / "site"), libraries=_ldd_extra(exe, system_lib_dirs(info["multiarch"])),
        multiarch=info["multiarch"], version=info["version"], world_readable=True,
        note=f"{base} (world-readable) with the grader's numpy {np.__version__} linked into {target}",
        site_entries=[e for e in entries if os.path.exists(target / "site" / e)])


def make_runner_dir() -> str:
    """A fresh world-readable directory with copies of the standalone files the sandbox runs."""
    d = tempfile.mkdtemp(prefix="nngrade-runner-")
    for name, src in RUNNER_FILES.items():
        shutil.copyfile(src, os.path.join(d, name))
        os.chmod(os.path.join(d, name), 0o644)
    os.chmod(d, 0o755)
    return d


def _top_level_symlinks() -> list[tuple[str, str]]:
    out = []
    for name in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        p = "/" + name
        if os.path.islink(p):
            out.append((os.readlink(p), p))
    return out


def bwrap_command(interp: Interpreter, runner: str, uid: int, gid: int, tmp_mb: int,
                  config: dict) -> list[str]:
    cmd = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
           "--die-with-parent", "--new-session", "--as-pid-1", "--clearenv",
           "--uid", str(uid), "--gid", str(gid), "--hostname", "sandbox",
           "--proc", "/proc", "--dev", "/dev",
           "--perms", "1777", "--size", str(tmp_mb << 20), "--tmpfs", "/tmp",
           "--perms", "1777", "--size", str(1 << 20), "--tmpfs", "/dev/shm"]
    for target, link in _top_level_symlinks():
        cmd += ["--symlink", target, link]
    bound = []

    def bind(src, dst=None):
        src = os.path.realpath(src)
        dst = dst or src
        if dst not in bound:
            bound.append(dst)
            cmd.extend(["--ro-bind", src, dst])

    for d in system_lib_dirs(interp.multiarch):
        bind(d)
    for lib in interp.libraries:
        bind(lib)
    bind(interp.executable)
    bind(interp.stdlib)
    if not os.path.realpath(interp.dynload).startswith(os.path.realpath(interp.stdlib) + "/"):
        bind(interp.dynload)
    # A pyenv/venv-style prefix keeps site-packages inside the standard library directory: hide
    # it (an installed kit there would contain the reference solutions).
    for sub in ("site-packages", "dist-packages"):
        p = os.path.join(os.path.realpath(interp.stdlib), sub)
        if os.path.isdir(p):
            cmd += ["--perms", "0755", "--size", "4096", "--tmpfs", p, "--remount-ro", p]
    for entry in interp.site_entries:
        src = os.path.join(interp.site, entry)
        if os.path.exists(src):
            bind(src, f"{INSIDE_SITE}/{entry}")
    bind(runner, INSIDE_RUNNER)
    # The directories bwrap creates for the binds live on its root tmpfs and belong to the
    # sandbox uid: read-only, or a student could leave e.g. /nngrade/site/utils.py for the next.
    cmd += ["--remount-ro", "/", "--remount-ro", "/dev"]
    for k, v in SANDBOX_ENV.items():
        cmd += ["--setenv", k, v]
    cmd += ["--chdir", "/tmp", "--", interp.executable, *PYTHON_FLAGS,
            f"{INSIDE_RUNNER}/zygote.py", json.dumps(config)]
    return cmd


def unshare_command(interp: Interpreter, runner: str, config: dict) -> list[str]:
    return ["unshare", "--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc",
            "--", interp.executable, *PYTHON_FLAGS, os.path.join(runner, "zygote.py"),
            json.dumps(config)]


def rlimit_command(interp: Interpreter, runner: str, config: dict) -> list[str]:
    return [interp.executable, *PYTHON_FLAGS, os.path.join(runner, "zygote.py"), json.dumps(config)]


@functools.lru_cache(maxsize=1)
def bwrap_version() -> str:
    try:
        return subprocess.run(["bwrap", "--version"], capture_output=True, text=True,
                              timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "bwrap"
