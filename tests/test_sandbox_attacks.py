"""Hostile submissions against the sandbox, on every level this machine offers.

Each test runs an attack, then checks that no harm was done: no process of the student left,
no file written outside the student's temp space (a canary folder, the repository, the output
folder, the machine's /tmp), no secret in anything that came back, and the next call still works.
Where a level does not claim a protection (describe() says so), the test is skipped with that
reason rather than weakened.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from nngrade import paths
from nngrade.autograder.sandbox import LEVELS, Limits, SandboxPool, SandboxUnavailable
from nngrade.autograder.transport import Unsupported

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

SECRET = "nngrade-secret-" + secrets.token_hex(8)
ROOT = os.geteuid() == 0


@pytest.fixture(scope="module", params=LEVELS)
def pool(request):
    try:
        p = SandboxPool(slot=0, level=request.param)
    except SandboxUnavailable as e:
        pytest.skip(f"sandbox level {request.param!r} is not available here: {e}")
    yield p
    p.close()


def isolated(pool) -> bool:
    return pool.level in ("bwrap", "unshare")


def needs(pool, what: str):
    """Skip where the level does not claim this protection (and says so in describe())."""
    layers = {x["name"]: x for x in pool.describe()["layers"]}
    if what == "filesystem" and not layers["filesystem"]["active"]:
        pytest.skip(f"{pool.level}: {layers['filesystem']['detail']}")
    if what == "network" and not layers["network"]["active"]:
        pytest.skip(f"{pool.level}: {layers['network']['detail']}")
    if what == "other-uid" and not (isolated(pool) or ROOT or layers["landlock"]["active"]):
        pytest.skip(f"{pool.level} as a normal user: {layers['uid']['detail']}")
    if what == "disk-cap" and not isolated(pool):
        pytest.skip(f"{pool.level}: no size cap on the working directory beyond the per-file "
                    "limit (describe() says so)")


REPO_TARGETS = [paths.AUTOGRADER_DIR / "pwned.py", paths.SOLUTIONS_DIR / "pwned.py"]


class Scene:
    """Places the attacker must not reach, and everything the attacker sent back."""

    def __init__(self, pool):
        self.pool = pool
        self.canary = Path(tempfile.mkdtemp(prefix="nngrade-canary-"))   # root-only, 0700
        (self.canary / "secret.txt").write_text(SECRET)
        self.out = Path(tempfile.mkdtemp(prefix="nngrade-out-"))
        self.host_tmp = f"/tmp/nngrade-attack-{secrets.token_hex(6)}"
        self.texts: list[str] = []
        self.zygote_starts = pool.zygote_starts

    def call(self, session, function, *args, **kw):
        reply = session.call("attack", function, list(args), **kw)
        self.texts.append(repr(reply))
        return reply

    def session(self, limits=None):
        return self.pool.session({"attack": ATTACK}, {"attack": "hw/attack.py"}, limits=limits)

    def assert_no_harm(self, host_tmp_may_exist=False):
        deadline = time.monotonic() + 3
        while self.pool.student_processes() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.pool.student_processes() == [], "a process of the student survived"
        assert sorted(os.listdir(self.canary)) == ["secret.txt"]
        assert (self.canary / "secret.txt").read_text() == SECRET
        assert os.listdir(self.out) == []
        if not host_tmp_may_exist:
            assert not os.path.exists(self.host_tmp)
        assert not any(p.exists() for p in REPO_TARGETS)   # the repository is shared: no snapshot
        loot = "\n".join(self.texts)
        assert SECRET not in loot and "BEGIN SOLUTION" not in loot


@pytest.fixture
def scene(pool):
    s = Scene(pool)
    yield s
    for d in (s.canary, s.out):
        for f in d.iterdir():
            f.unlink()
        d.rmdir()
    if os.path.exists(s.host_tmp):
        os.unlink(s.host_tmp)


ATTACK = textwrap.dedent('''
    import builtins, gc, io, json, os, signal, socket, struct, sys, time
    import numpy as np

    def ok():
        return "fine"

    def fork_bomb():
        while True:
            try:
                os.fork()
            except OSError:
                pass

    def sleeper():
        pid = os.fork()
        if pid == 0:
            os.setsid()
            if os.fork() == 0:
                for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                    signal.signal(s, signal.SIG_IGN)
                os.closerange(0, 4096)
                time.sleep(600)
            os._exit(0)
        os.waitpid(pid, 0)
        return "spawned"

    def memory_bomb():
        hog = []
        while True:
            hog.append(np.ones(2**22))        # 32 MiB, every page touched

    def spin():
        while True:
            pass

    def connect(port, abstract):
        out = []
        for target in (("127.0.0.1", port), ("1.1.1.1", 53)):
            try:
                socket.create_connection(target, timeout=1).close()
                out.append("connected")
            except OSError as e:
                out.append(type(e).__name__)
        try:
            u = socket.socket(socket.AF_UNIX)
            u.connect(abstract)
            out.append("connected")
        except OSError as e:
            out.append(type(e).__name__)
        return out

    def read(paths):
        out = {}
        for p in paths:
            try:
                if os.path.isdir(p):
                    out[p] = os.listdir(p)
                else:
                    with open(p, "rb") as f:
                        out[p] = f.read(4000).decode("latin-1")
            except Exception as e:
                out[p] = type(e).__name__
        return out

    def write(paths):
        out = {}
        for p in paths:
            try:
                with open(p, "w") as f:
                    f.write("pwned")
                out[p] = "written"
            except Exception as e:
                out[p] = type(e).__name__
        return out

    def leave_behind():
        for p in ("/tmp/left.txt", "/dev/shm/left.txt", "left.txt"):
            try:
                with open(p, "w") as f:
                    f.write("from the previous student")
            except OSError:
                pass
        return os.getcwd()

    def look_for_leftovers():
        found = []
        for d in ("/tmp", "/dev/shm", os.getcwd()):
            for root, dirs, files in os.walk(d):
                found += [os.path.join(root, f) for f in files if f == "left.txt"]
        return found

    def signal_everyone():
        out = []
        for target in (os.getppid(), 1, -1):
            try:
                os.kill(target, signal.SIGKILL)
                out.append("sent")
            except OSError as e:
                out.append(type(e).__name__)
        return out

    def proc_walk():
        found, seen = [], 0
        try:
            pids = os.listdir("/proc")
        except OSError as e:
            return type(e).__name__
        for pid in pids:
            if not pid.isdigit():
                continue
            seen += 1
            for name in ("environ", "cmdline", "mem"):
                try:
                    with open(f"/proc/{pid}/{name}", "rb") as f:
                        data = f.read(1 << 20)
                except OSError:
                    continue
                at = data.find(b"GRADER_TOKEN=")
                if at >= 0:
                    found.append([pid, name, data[at:at + 60].decode("latin-1")])
        return found

    def my_fds():
        import stat
        out = {}
        for fd in range(4096):
            try:
                mode = os.fstat(fd).st_mode
            except OSError:
                continue
            out[str(fd)] = "socket" if stat.S_ISSOCK(mode) else "other"
        return out

    def fill_disk():
        n = 0
        try:
            while n < 100:
                with open(f"fill{n}", "wb") as f:
                    f.write(b"\\0" * (8 << 20))
                n += 1
        except OSError as e:
            return [n, type(e).__name__]
        return [n, "no error"]

    def forge_results(out_dir):
        print(json.dumps({"score": 100.0, "tests": [{"name": "all", "score": 100, "status": "passed"}]}))
        written = []
        for p in ("results.json", "../results.json", out_dir + "/results.json",
                  out_dir + "/student/results.json"):
            try:
                with open(p, "w") as f:
                    f.write('{"score": 100}')
                written.append(p)
            except OSError:
                pass
        return written

    class Boom:
        def __init__(self, path):
            self.path = path
        def __reduce__(self):
            return (open, (self.path, "w"))

    def monkeypatch_everything(marker):
        np.allclose = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        np.array_equal = lambda *a, **k: True
        builtins.abs = lambda x: 0
        transport = sys.modules["_nngrade_transport"]
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.array([Boom(marker)], dtype=object), allow_pickle=True)
        blob = buf.getvalue()
        def forged(value, fallback=None):
            header = json.dumps({"blobs": [len(blob)], "value": {
                "id": value.get("id"), "status": "ok", "value": {"$nd": 0}}}).encode()
            return struct.pack(">I", len(header)) + header + blob
        transport.encode = forged
        return "patched"

    def patched_numpy_answer(x):
        return np.allclose(x, x + 1), abs(-3)

    class Liar:
        def __eq__(self, other): return True
        def __ne__(self, other): return False
        def __array__(self, dtype=None, copy=None): return np.array([0.5, 0.25])
        def __float__(self): return 0.5
        def __len__(self): return 2
        def __iter__(self): return iter([0.5, 0.25])
        def __getitem__(self, i): return 0.5

    class LyingArray(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), dtype=bool)

    class TrueInt(int):
        def __eq__(self, other): return True
        __hash__ = int.__hash__

    def liar():
        return Liar()

    def lying_array():
        return np.array([9.0, 9.0]).view(LyingArray)

    def true_int():
        return TrueInt(3)

    def nested_liar():
        return {"W1": np.ones(2), "b1": [1.0, Liar()]}

    def deep():
        v = []
        for _ in range(10_000):
            v = [v]
        return v

    def cyclic():
        a = []
        a.append(a)
        return a

    def wide():
        return list(range(2_000_000))

    def huge_array():
        return np.zeros((300 << 20) // 8)
''').encode()


# ---- processes ------------------------------------------------------------------------------


def test_fork_bomb_is_contained_and_fully_killed(pool, scene):
    with scene.session(Limits(timeout=1.5)) as s:
        r = scene.call(s, "fork_bomb")
        assert r.status == "timeout"
        assert scene.call(s, "ok").value == "fine"
    scene.assert_no_harm()


def test_a_double_forked_setsid_sleeper_does_not_survive_close(pool, scene):
    with scene.session() as s:
        assert scene.call(s, "sleeper").value == "spawned"
        assert len(pool.student_processes()) >= 2          # the child and the sleeper
    scene.assert_no_harm()


def test_infinite_loop_times_out_and_the_next_call_works(pool, scene):
    with scene.session() as s:
        assert scene.call(s, "spin", timeout=0.5).status == "timeout"
        assert scene.call(s, "ok").value == "fine"
    scene.assert_no_harm()


def test_memory_bomb_fails_the_call_only(pool, scene):
    with scene.session(Limits(address_space_mb=320, timeout=20)) as s:
        r = scene.call(s, "memory_bomb")
        assert r.status in ("exception", "crashed"), r
        if r.status == "exception":
            assert r.error.type == "MemoryError"
        assert scene.call(s, "ok").value == "fine"
    scene.assert_no_harm()


def test_signalling_the_parent_and_everyone_does_not_stop_grading(pool, scene):
    layers = {x["name"]: x for x in pool.describe()["layers"]}
    if not (isolated(pool) or ROOT or layers["seccomp"]["active"]):
        pytest.skip("rlimit level as a normal user without seccomp: kill(-1) would reach the "
                    "grading user's own processes (describe() says so)")
    with scene.session() as s:
        r = scene.call(s, "signal_everyone")
        assert r.status in ("ok", "crashed")
        assert scene.call(s, "ok").value == "fine"
    assert pool.zygote_starts == scene.zygote_starts      # the zygote itself was untouched
    scene.assert_no_harm()


KILLED_GRADER = """
import sys, time
from nngrade.autograder.sandbox import SandboxPool
code = open(sys.argv[2], "rb").read()
pool = SandboxPool(slot=0, level=sys.argv[1])
session = pool.session({"attack": code})
assert session.call("attack", "sleeper").value == "spawned"
print(pool._uid, pool._zygote.proc.pid, flush=True)
time.sleep(60)
"""


def test_a_grading_process_killed_mid_session_leaves_no_student_process(pool, tmp_path):
    """The grader is SIGKILLed (a crash, an impatient instructor): bwrap/unshare take the whole
    namespace down with it; at the rlimit level the next pool on the uid kills what is left."""
    if not ROOT and pool.level == "rlimit":
        pytest.skip("rlimit as a normal user: orphans of a killed grader are not traceable")
    (tmp_path / "attack.py").write_bytes(ATTACK)
    (tmp_path / "grader.py").write_text(KILLED_GRADER)
    proc = subprocess.Popen([os.sys.executable, str(tmp_path / "grader.py"), pool.level,
                             str(tmp_path / "attack.py")], stdout=subprocess.PIPE, text=True)
    _, top = proc.stdout.readline().split()
    before = _tree(int(top))
    assert len(before) >= 2, before            # the zygote's tree holds the child and the sleeper
    proc.kill()
    proc.wait()
    if pool.level == "rlimit":                  # the next pool started sweeps unleased uids
        time.sleep(0.2)                          # (its zygote dies of its parent-death signal)
        SandboxPool(slot=0, level="rlimit").close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(before):
        time.sleep(0.05)
    assert _alive(before) == [], "a process of the killed grader's student survived"


def _tree(root: int) -> list[int]:
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(p))
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _alive(pids) -> list[int]:
    out = []
    for p in pids:
        try:
            state = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(p)
    return out


# ---- files ----------------------------------------------------------------------------------


def kit_files():
    solution = sorted(paths.SOLUTIONS_DIR.glob("*/*.py"))[0]
    return [str(solution), str(paths.SOLUTIONS_DIR), str(paths.AUTOGRADER_DIR / "transport.py"),
            str(paths.AUTOGRADER_DIR)]


def test_the_kit_solutions_and_suites_are_not_readable(pool, scene):
    needs(pool, "filesystem")
    with scene.session() as s:
        r = scene.call(s, "read", kit_files())
    assert r.status == "ok"
    for path, got in r.value.items():
        assert got in ("FileNotFoundError", "PermissionError") or got == [], (path, got)
    scene.assert_no_harm()


def test_private_files_of_the_grader_are_not_readable(pool, scene):
    needs(pool, "other-uid")
    with scene.session() as s:
        r = scene.call(s, "read", [str(scene.canary / "secret.txt"), str(scene.canary)])
    assert r.status == "ok"
    assert set(r.value.values()) <= {"FileNotFoundError", "PermissionError"}
    scene.assert_no_harm()


def test_writing_outside_the_temp_space_fails(pool, scene):
    needs(pool, "other-uid")
    targets = [str(scene.canary / "new.txt"), *map(str, REPO_TARGETS),
               str(scene.out / "results.json"), "/etc/pwned", "/usr/lib/pwned", "/pwned",
               "/dev/pwned", "/nngrade/site/utils.py"]
    with scene.session() as s:
        r = scene.call(s, "write", targets)
        inside = scene.call(s, "write", [scene.host_tmp])    # a private /tmp, if any
    assert r.status == "ok"
    assert "written" not in r.value.values(), r.value
    scene.assert_no_harm()
    assert inside.value[scene.host_tmp] in ("written", "PermissionError")   # never on the host


def test_nothing_a_student_leaves_behind_reaches_the_next_student(pool, scene):
    with scene.session() as s:
        workdir = scene.call(s, "leave_behind").value
    with scene.session() as s:
        found = scene.call(s, "look_for_leftovers").value
    layers = {x["name"]: x for x in pool.describe()["layers"]}
    if isolated(pool) or layers["landlock"]["active"]:
        assert found == []
    else:   # a shared machine /tmp: only the private working directory is wiped
        assert not any(f.startswith(workdir) for f in found)
        for f in ("/tmp/left.txt", "/dev/shm/left.txt"):
            if os.path.exists(f) and os.stat(f).st_uid != os.geteuid():
                os.unlink(f)
    if not isolated(pool):
        assert not os.path.exists(workdir)       # the private working directory was removed
    scene.assert_no_harm()


def test_filling_the_disk_stops_at_the_cap(pool, scene):
    needs(pool, "disk-cap")
    with scene.session(Limits(timeout=20)) as s:
        r = scene.call(s, "fill_disk")
    assert r.status == "ok" and r.value[1] == "OSError", r.value    # ENOSPC or EFBIG
    assert r.value[0] * 8 <= pool.tmp_mb
    scene.assert_no_harm()


def test_forged_results_stay_in_the_student_output(pool, scene, capfd):
    needs(pool, "other-uid")
    with scene.session() as s:
        r = scene.call(s, "forge_results", str(scene.out))
    assert r.status == "ok"
    assert not any(p.startswith(str(scene.out)) for p in r.value)
    assert '"score": 100.0' in r.stdout            # kept as what the student printed, nothing more
    out, err = capfd.readouterr()
    assert "score" not in out + err
    scene.assert_no_harm()


# ---- network and /proc --------------------------------------------------------------------------


def test_no_network_reaches_the_host(pool, scene):
    needs(pool, "network")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    name = "\0nngrade-test-" + secrets.token_hex(4)
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(name)
    unix.listen()
    unix.settimeout(0.2)
    try:
        with scene.session(Limits(timeout=10)) as s:
            r = scene.call(s, "connect", server.getsockname()[1], name)
        assert r.status == "ok" and "connected" not in r.value, r.value
        for sock in (server, unix):
            with pytest.raises(socket.timeout):
                sock.accept()
    finally:
        server.close()
        unix.close()
    scene.assert_no_harm()


def test_walking_proc_finds_no_secret_of_other_processes(pool, scene):
    needs(pool, "other-uid")
    victim = subprocess.Popen(["sleep", "30"], env={"GRADER_TOKEN": SECRET, "PATH": "/usr/bin:/bin"})
    try:
        with scene.session(Limits(timeout=10)) as s:
            r = scene.call(s, "proc_walk")
        assert r.status == "ok" and r.value in ([], "PermissionError"), r.value
    finally:
        victim.kill()
        victim.wait()
    scene.assert_no_harm()


def test_the_student_holds_no_descriptor_but_its_own_channel(pool, scene):
    with scene.session() as s:
        r = scene.call(s, "my_fds")
    fds = r.value
    sockets = [k for k, v in fds.items() if v == "socket"]
    assert len(sockets) == 1, fds                 # the student's own channel, nothing else
    assert set(fds) - set(sockets) <= {"0", "1", "2"}, fds
    scene.assert_no_harm()


# ---- forged values --------------------------------------------------------------------------


def test_monkeypatching_numpy_builtins_and_the_transport_cannot_forge_a_verdict(pool, scene, tmp_path):
    marker = "/tmp/nngrade-unpickled-" + secrets.token_hex(4)
    with scene.session() as s:
        # the patched encoder already forges this very answer: a pickled object array
        forged = scene.call(s, "monkeypatch_everything", marker)
        assert forged.status == "bad-value" and "dtype" in forged.error.message
        assert forged.value is None
        assert scene.call(s, "ok").value == "fine"          # a fresh child, unpatched
        honest = scene.call(s, "patched_numpy_answer", np.ones(2))
        assert honest.value == (False, 3)
    assert not os.path.exists(marker)
    assert not np.allclose(1.0, 2.0) and abs(-3) == 3      # the grader's numpy and builtins
    scene.assert_no_harm()


@pytest.mark.parametrize("function", ["liar", "lying_array", "true_int", "nested_liar"])
def test_lying_objects_are_bad_values_never_equal_to_the_expected(pool, scene, function):
    with scene.session() as s:
        r = scene.call(s, function)
    assert r.status == "bad-value" and r.error.type == "NotPlainData"
    expected = {"liar": [0.5, 0.25], "lying_array": np.array([9.0, 9.0]), "true_int": 3,
                "nested_liar": {"W1": np.ones(2), "b1": [1.0, 0.5]}}[function]
    found = r.value if type(r.value) is Unsupported else r.value["b1"][1]
    assert type(found) is Unsupported and not (found == expected)
    scene.assert_no_harm()


@pytest.mark.parametrize("function", ["deep", "cyclic", "wide", "huge_array"])
def test_huge_or_deeply_nested_values_are_refused_and_the_session_goes_on(pool, scene, function):
    with scene.session(Limits(timeout=20)) as s:
        r = scene.call(s, function)
        assert r.status == "bad-value" and "cannot be sent back" in r.error.message, r
        assert scene.call(s, "ok").value == "fine"
    scene.assert_no_harm()
