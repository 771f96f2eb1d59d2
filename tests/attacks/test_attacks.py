"""The attack corpus, graded through the real class path: intake → job slots → results → reports.

Every folder beside this file is one attack (README.md lists them): a student submission, or a
``make.py`` that builds one (symbolic links, non-UTF-8 names, zips), and an ``attack.toml``
saying which functions of set 09 the attack targets and what must hold. The whole corpus and
three honest students are graded in ONE ``grade_class`` run with two job slots, into a temporary
OUT, with a temporary course, on sets 09 (where the attacks live, in perceptron.py) and 10 (honest
compgraph.py: the attacker's other work, which must be graded as usual).

Attack sources name real paths through placeholders (``@@OUT@@``, ``@@SOLUTIONS@@`` ...) that are
filled in before grading: the attacker is assumed to know where everything lives.

Checks per attack: it earns nothing it did not earn (its targeted tests fail, its honest ones
pass), it really ran (its own marker shows in its results), no harm was done (no file written or
changed outside the child's temp space, no process left, no connection reached a listener, no
secret, salt, reference or hidden-suite text in its outputs), and the grader never faltered
(a result for everyone, no test a grader error). Honest students must get full marks.
"""
from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import os
import re
import resource
import secrets
import shutil
import socket
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nngrade import paths
from nngrade.config import init_course, load_course
from nngrade.grade import GradeOptions, grade_class
from nngrade.autograder.sets import parse_sets

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

HERE = Path(__file__).resolve().parent
SETS = ("09_perceptron", "10_compgraph")
ATTACKED_SET = "09_perceptron"
SECRET_ENV = "NNGRADE_CANARY_SECRET"
HONEST = ("aa-honest", "zz-honest-a", "zz-honest-b")
OTHER_STUDENT = "zz-honest-a"           # the "other student" whose folder holds a secret
LOCK_DIR = Path(os.environ.get("NNGRADE_SANDBOX_LOCK_DIR", "/run/nngrade-sandbox"))
SEARCHED_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/root", "/")   # top level only: pwned-* files


@dataclass
class Attack:
    name: str
    folder: Path
    spec: dict

    @property
    def student(self) -> str:
        return self.spec.get("student", f"atk-{self.name}")

    @property
    def attacked(self) -> list[str]:
        return list(self.spec.get("attacked", []))

    @property
    def honest_sets(self) -> list[str]:
        return list(self.spec.get("honest_sets", ["10_compgraph"]))


def load_attacks() -> list[Attack]:
    out = []
    for folder in sorted(HERE.iterdir()):
        spec_file = folder / "attack.toml"
        if folder.is_dir() and spec_file.is_file():
            out.append(Attack(folder.name, folder, tomllib.loads(spec_file.read_text("utf-8"))))
    return out


ATTACKS = load_attacks()
CLASS_ATTACKS = [a for a in ATTACKS if not a.spec.get("own_run") and not a.spec.get("suite")]


def reference_source(set_id: str, module: str) -> str:
    return (paths.SOLUTIONS_DIR / set_id / f"{module}.py").read_text(encoding="utf-8")


def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def build_attack(attack: Attack, subs: Path, values: dict[str, str]) -> None:
    """Write the attack's submission into SUBMISSIONS (placeholders filled)."""
    make = attack.folder / "make.py"
    if make.is_file():
        spec = importlib.util.spec_from_file_location(f"attack_make_{attack.name.replace('-', '_')}", make)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.build(subs, attack.student, dict(values), {
            "perceptron": reference_source("09_perceptron", "perceptron"),
            "compgraph": reference_source("10_compgraph", "compgraph")})
        return
    entry = subs / attack.student
    entry.mkdir(parents=True)
    for path in sorted(attack.folder.rglob("*")):
        if path.is_file() and path.name not in ("attack.toml", "make.py") and "__pycache__" not in path.parts:
            target = entry / path.relative_to(attack.folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(fill(path.read_text("utf-8"), values), encoding="utf-8")
    for module in attack.spec.get("add_reference", ["compgraph"]):
        set_id = {"compgraph": "10_compgraph", "perceptron": "09_perceptron"}[module]
        (entry / f"{module}.py").write_text(reference_source(set_id, module), encoding="utf-8")


# ---- what the run leaves behind -------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under root: kind, size, mode and content digest (links by their target)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if os.path.islink(p):
                out[p] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[p] = ("dir", st.st_mode)
            elif not os.path.isfile(p):
                out[p] = ("special", st.st_mode)          # sockets, FIFOs: never opened
            else:
                with open(p, "rb") as f:
                    out[p] = ("file", st.st_mode, st.st_size, hashlib.sha256(f.read()).hexdigest())
    return out


def pwned_files(roots) -> list[str]:
    """Files an attack managed to create: every attack names what it writes pwned-<attack>."""
    found = []
    for root in roots:
        root = str(root)
        if root in SEARCHED_DIRS:
            try:
                names = os.listdir(root)
            except OSError:
                continue
            found += [os.path.join(root, n) for n in names if "pwned" in n]
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            found += [os.path.join(dirpath, n) for n in dirnames + filenames if "pwned" in n]
    return sorted(found)


def process_names() -> dict[int, str]:
    out = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                out[int(p)] = Path(f"/proc/{p}/comm").read_text().strip()
            except OSError:
                pass
    return out


def _status(pid: int, key: str):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return line.split()[1:]
    except OSError:
        return None
    return None


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid in process_names():
        ppid = _status(pid, "PPid")
        if ppid:
            children.setdefault(int(ppid[0]), []).append(pid)
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if (_status(c, "State") or ["Z"])[0] != "Z":
                out.append(c)
            todo.append(c)
    return out


def leftover_uid_processes(uids) -> list[tuple[int, int, str]]:
    """Live processes of sandbox uids that no sandbox holds any more (their lock is free)."""
    import fcntl
    left = []
    for uid in uids:
        lock = LOCK_DIR / f"uid-{uid}.lock"
        if not lock.exists():
            continue
        fd = os.open(lock, os.O_RDWR)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue            # another grading run leased it meanwhile
            for pid, comm in process_names().items():
                status = _status(pid, "Uid")
                if status and int(status[0]) == uid and (_status(pid, "State") or ["Z"])[0] != "Z":
                    left.append((pid, uid, comm))
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    return left


class GraderMemory:
    """Samples the PSS of this process and its job slots (forks of it: the same command line),
    not the sandboxes they start, every 50 ms while a run goes on."""

    def __init__(self):
        self.me = os.getpid()
        self.cmdline = Path(f"/proc/{self.me}/cmdline").read_bytes()
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _grader_pids(self) -> list[int]:
        pids = [self.me]
        for pid in descendants(self.me):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes() == self.cmdline:
                    pids.append(pid)
            except OSError:
                pass
        return pids

    def _run(self):
        while not self._stop.is_set():
            pss = _load_bench()._pss_kib
            self.peak_kib = max(self.peak_kib, sum(pss(p) for p in self._grader_pids()))
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)


class Listener:
    """TCP, UDP and a Unix socket that record whatever reaches them."""

    def __init__(self, unix_path: Path):
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.unix_path = unix_path
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(str(unix_path))
        os.chmod(unix_path, 0o777)           # world-writable, as X11's and D-Bus's sockets are
        self.unix.listen(16)
        self.received: list[tuple[str, bytes]] = []
        self._stop = False
        self._threads = [threading.Thread(target=self._accept, args=(s, kind), daemon=True)
                         for s, kind in ((self.tcp, "tcp"), (self.unix, "unix"))]
        self._threads.append(threading.Thread(target=self._datagrams, daemon=True))
        for t in self._threads:
            t.start()

    def _accept(self, sock, kind):
        sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(1)
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            self.received.append((kind, data))
            conn.close()

    def _datagrams(self):
        self.udp.settimeout(0.2)
        while not self._stop:
            try:
                data, _ = self.udp.recvfrom(4096)
            except (socket.timeout, OSError):
                continue
            self.received.append(("udp", data))

    def close(self):
        self._stop = True
        for t in self._threads:
            t.join(timeout=2)
        for s in (self.tcp, self.udp, self.unix):
            s.close()


@dataclass
class ClassRun:
    base: Path
    subs: Path
    out: Path
    canary: Path
    secret: str
    salt: str
    values: dict
    run: object
    results: dict[str, dict] = field(default_factory=dict)      # student id -> results.json
    dirs: dict[str, Path] = field(default_factory=dict)         # student id -> OUT folder
    printed: str = ""
    received: list = field(default_factory=list)
    pwned: list[str] = field(default_factory=list)
    canary_changed: list[str] = field(default_factory=list)
    subs_changed: list[str] = field(default_factory=list)
    left_children: list[int] = field(default_factory=list)
    left_tagged: dict[int, str] = field(default_factory=dict)
    left_uid: list = field(default_factory=list)
    uids: set[int] = field(default_factory=set)
    maxrss_growth_mb: float = 0.0
    grader_pss_peak_mib: float = 0.0     # main + job slots (not the sandboxes), sampled
    loot: dict[str, str] = field(default_factory=dict)          # what must never show up

    def by_prefix(self, student: str) -> str:
        if student in self.results:
            return student
        matches = [s for s in self.results if s.startswith(student)]
        assert len(matches) == 1, f"no single result for {student!r}: {sorted(self.results)}"
        return matches[0]

    def texts(self, student: str) -> str:
        """Everything the student (and anyone reading their pages) is shown."""
        sid = self.by_prefix(student)
        folder = self.dirs[sid]
        parts = [json.dumps(self.results[sid], ensure_ascii=False)]
        for name in ("feedback.md", "feedback.html"):
            p = folder / name
            parts.append(p.read_text("utf-8") if p.is_file() else "")
        return "\n".join(parts)


def _distinctive_line(path: Path) -> str:
    """A line of a file long enough to be unmistakable if it leaks (not a test or case name)."""
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if len(line) > 40 and not line.startswith(("@pytest", "def ", "import", "from")):
            return line
    raise AssertionError(f"{path}: no distinctive line")


def grade_corpus(base: Path, attacks: list[Attack], honest: tuple[str, ...], sets=SETS,
                 jobs: int = 2, level: str | None = None, private_canary: bool = False) -> ClassRun:
    subs, out, canary = base / "submissions", base / "out", base / "canary"
    for d in (subs, out, canary):
        d.mkdir(parents=True)
        os.chmod(d, 0o755)
    course_path = init_course(base / "course", name="attack corpus", lang="en")
    course = load_course(course_path)
    secret = "NNGRADE-CANARY-" + secrets.token_hex(12)
    # The canary tree: files outside every submission that no student may read or change.
    (canary / "secret.txt").write_text(f"{secret}\n", encoding="utf-8")
    (canary / "answers").mkdir()
    (canary / "answers" / "perceptron.py").write_text(
        f"# {secret}\n" + reference_source("09_perceptron", "perceptron"), encoding="utf-8")
    listener = Listener(canary / "listener.sock")
    if private_canary:
        # Without Landlock nothing but file modes guards files outside the kit, OUT, the
        # submissions and the course: the instructor's other files are then theirs alone.
        os.chmod(canary, 0o700)
    values = {
        "OUT": str(out), "SUBMISSIONS": str(subs), "CANARY": str(canary),
        "SECRET_FILE": str(canary / "secret.txt"), "SECRET_ENV": SECRET_ENV,
        "OTHER_STUDENT": str(subs / OTHER_STUDENT), "SOLUTIONS": str(paths.SOLUTIONS_DIR),
        "AUTOGRADER": str(paths.AUTOGRADER_DIR), "REPO": str(paths.REPO_ROOT),
        "COURSE": str(course_path), "PORT": str(listener.port), "UNIX_SOCKET": str(listener.unix_path),
        "GRADER_PID": str(os.getpid()),
    }
    for sid in honest:
        folder = subs / sid
        folder.mkdir()
        (folder / "perceptron.py").write_text(reference_source("09_perceptron", "perceptron"), "utf-8")
        (folder / "compgraph.py").write_text(reference_source("10_compgraph", "compgraph"), "utf-8")
        if sid == OTHER_STUDENT:
            (folder / "notes.txt").write_text(f"my password is {secret}\n", encoding="utf-8")
            with open(folder / "perceptron.py", "a", encoding="utf-8") as f:
                f.write(f"\n# {secret}\n")
    for attack in attacks:
        values["NAME"] = attack.name
        build_attack(attack, subs, values)
    values.pop("NAME", None)

    canary_before, subs_before = snapshot(canary), snapshot(subs)
    names_before = set(process_names())
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Everything the grading processes print goes to a file we read back (a forged result must
    # never reach the grader's own output).
    capture = base / "printed.txt"
    saved = os.dup(1), os.dup(2)
    old_secret = os.environ.get(SECRET_ENV)
    os.environ[SECRET_ENV] = secret
    try:
        with open(capture, "wb") as f, GraderMemory() as memory:
            os.dup2(f.fileno(), 1)
            os.dup2(f.fileno(), 2)
            try:
                run = grade_class(subs, out, course, GradeOptions(
                    sets=tuple(parse_sets(list(sets))), jobs=jobs, lang="en", progress=False,
                    sandbox_level=level))
            finally:
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        os.close(saved[0])
        os.close(saved[1])
        if old_secret is None:
            os.environ.pop(SECRET_ENV, None)
        else:
            os.environ[SECRET_ENV] = old_secret
    time.sleep(0.5)               # whatever an attack left behind has had time to act
    listener.close()

    result = ClassRun(base, subs, out, canary, secret, course.salt, values, run)
    result.printed = capture.read_text("utf-8", "replace")
    result.received = list(listener.received)
    result.maxrss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    result.grader_pss_peak_mib = memory.peak_kib / 1024
    for path in sorted(out.glob("*/results.json")):
        doc = json.loads(path.read_text("utf-8"))
        sid = doc["extra_data"]["student"]
        result.results[sid] = doc
        result.dirs[sid] = path.parent
        for layer in doc["extra_data"].get("sandbox", {}).get("layers", []):
            m = re.search(r"runs as uid (\d+)", layer.get("detail", ""))
            if layer.get("name") == "uid" and m:
                result.uids.add(int(m.group(1)))
    canary_after, subs_after = snapshot(canary), snapshot(subs)
    result.canary_changed = sorted(k for k in canary_before.keys() | canary_after.keys()
                                   if canary_before.get(k) != canary_after.get(k))
    result.subs_changed = sorted(k for k in subs_before.keys() | subs_after.keys()
                                 if subs_before.get(k) != subs_after.get(k))
    result.pwned = pwned_files([base, *SEARCHED_DIRS, Path.cwd(), paths.REPO_ROOT])
    result.left_children = descendants(os.getpid())
    result.left_tagged = {pid: comm for pid, comm in process_names().items()
                          if comm.startswith("atk-") and pid not in names_before}
    result.left_uid = leftover_uid_processes(result.uids)
    result.loot = {
        "the canary secret": secret,
        "the course salt": course.salt,
        "the reference solution": _distinctive_line(paths.SOLUTIONS_DIR / "09_perceptron" / "perceptron.py"),
        "the hidden suite": _distinctive_line(paths.SOLUTIONS_DIR / "09_perceptron" / "test_hidden.py"),
    }
    return result


@pytest.fixture
def open_folder():
    """A folder everyone may read, as an instructor's course folder usually is (umask 022): the
    sandbox, not file permissions, must keep students out of it."""
    folder = Path(tempfile.mkdtemp(prefix="nngrade-attacks-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def corpus() -> ClassRun:
    folder = Path(tempfile.mkdtemp(prefix="nngrade-attacks-"))
    os.chmod(folder, 0o755)
    try:
        yield grade_corpus(folder, CLASS_ATTACKS, HONEST)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def set_tests(doc: dict, set_id: str) -> list[dict]:
    return [t for t in doc["tests"] if t["extra_data"]["set"] == set_id]


def _brief(tests) -> list[tuple]:
    return [(t["name"], t["status"], t["output"][:160]) for t in tests]


# ---- the run as a whole ------------------------------------------------------------------------


def test_every_student_got_a_result_and_the_grader_never_faltered(corpus):
    for sid in list(HONEST) + [a.student for a in CLASS_ATTACKS]:
        corpus.by_prefix(sid)
    assert len(corpus.results) == len(HONEST) + sum(1 + a.spec.get("extra_students", 0)
                                                    for a in CLASS_ATTACKS)
    assert corpus.run.failed == []
    grader_errors = [(sid, t["name"], t["extra_data"].get("grader_error", "")[-300:])
                     for sid, doc in corpus.results.items() for t in doc["tests"]
                     if t["extra_data"].get("status") in ("grader-error", "grader-crash")]
    assert grader_errors == []
    for name in ("grades.csv", "moodle.csv", "summary.html"):
        assert (corpus.out / name).is_file()


@pytest.mark.parametrize("sid", HONEST)
def test_honest_students_of_the_same_run_get_full_marks(corpus, sid):
    doc = corpus.results[sid]
    assert [t for t in doc["tests"] if t["status"] != "passed"] == []
    assert all(t["tags"] == [] for t in doc["tests"])
    assert doc["score"] == sum(t["max_score"] for t in doc["tests"]) == 200.0
    assert doc["extra_data"]["problems"] == []


def test_no_file_outside_the_sandbox_was_written_or_changed(corpus):
    assert corpus.pwned == []
    assert corpus.canary_changed == []
    assert corpus.subs_changed == []
    allowed_top = {"grades.csv", "moodle.csv", "summary.html"}
    allowed_student = {"results.json", "feedback.html", "feedback.md"}
    strays = []
    for entry in corpus.out.iterdir():
        if entry.is_dir():
            strays += [str(p) for p in entry.iterdir() if p.name not in allowed_student]
        elif entry.name not in allowed_top:
            strays.append(str(entry))
    assert strays == []


GRADER_PSS_BUDGET_MIB = 1024


def test_the_graders_memory_stays_bounded_whatever_students_send(corpus):
    """Main process + two job slots, under forged frames, huge returns and zip bombs."""
    assert 0 < corpus.grader_pss_peak_mib < GRADER_PSS_BUDGET_MIB, corpus.grader_pss_peak_mib


def test_no_process_is_left_alive(corpus):
    assert corpus.left_children == []
    assert corpus.left_tagged == {}
    assert corpus.left_uid == []


def test_nothing_reached_a_listener_outside_the_sandbox(corpus):
    assert corpus.received == []


def test_nothing_the_students_printed_reached_the_grader_output(corpus):
    assert "FAKE-RESULT" not in corpus.printed
    assert corpus.secret not in corpus.printed


def test_class_files_hold_no_loot(corpus):
    for name in ("grades.csv", "moodle.csv", "summary.html"):
        text = (corpus.out / name).read_text("utf-8")
        for what, loot in corpus.loot.items():
            assert loot not in text, f"{what} in {name}"


# ---- per attack ----------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", CLASS_ATTACKS, ids=[a.name for a in CLASS_ATTACKS])
def test_attack_ran(corpus, attack):
    """The attack really executed (else every other check would pass for nothing)."""
    sid = corpus.by_prefix(attack.student)
    doc = corpus.results[sid]
    shown = "\n".join([t["output"] for t in doc["tests"]] + doc["extra_data"]["problems"]
                      + doc["extra_data"]["notes"])
    for pattern in attack.spec.get("ran", []):
        assert re.search(pattern, shown), (pattern, _brief(doc["tests"])[:8], doc["extra_data"]["problems"])


def check_no_unearned_points(run: ClassRun, attack: Attack) -> None:
    doc = run.results[run.by_prefix(attack.student)]
    attacked = attack.attacked
    mine = set_tests(doc, ATTACKED_SET)
    targeted = [t for t in mine if "*" in attacked or t["extra_data"]["function"] in attacked]
    honest = [t for t in mine if t not in targeted]
    assert targeted or not attacked, "the attack targets no test"
    assert [t for t in targeted if t["status"] == "passed" or t["score"] > 0] == []
    if attack.spec.get("honest_functions_pass", True):
        assert [t for t in honest if t["status"] != "passed"] == [], _brief(honest)
    for set_id in attack.honest_sets:
        others = set_tests(doc, set_id)
        assert others and [t for t in others if t["status"] != "passed"] == [], _brief(others)
    earned = sum(t["score"] for t in doc["tests"])
    assert doc["score"] == earned
    assert earned <= sum(t["max_score"] for t in doc["tests"] if t not in targeted)


def check_no_leak(run: ClassRun, attack: Attack) -> None:
    shown = run.texts(attack.student)
    for what, loot in run.loot.items():
        assert loot not in shown, f"{what} shows in the attacker's results or feedback"
    # what the attack reports when one of its calls got through
    for pattern in attack.spec.get("never", []):
        found = re.findall(rf".{{0,60}}{pattern}.{{0,60}}", shown)
        assert not found, (pattern, found[:5])


def check_left_nothing(run: ClassRun, attack: Attack) -> None:
    assert [p for p in run.pwned if f"pwned-{attack.name}" in p] == []
    tag = f"atk-{attack.name}"[:15]
    assert [c for c in run.left_tagged.values() if c == tag] == []
    assert [r for r in run.received if attack.name.encode() in r[1]] == []


@pytest.mark.parametrize("attack", CLASS_ATTACKS, ids=[a.name for a in CLASS_ATTACKS])
def test_attack_earns_no_points_it_did_not_earn(corpus, attack):
    check_no_unearned_points(corpus, attack)


@pytest.mark.parametrize("attack", CLASS_ATTACKS, ids=[a.name for a in CLASS_ATTACKS])
def test_attack_leaks_nothing(corpus, attack):
    check_no_leak(corpus, attack)


@pytest.mark.parametrize("attack", CLASS_ATTACKS, ids=[a.name for a in CLASS_ATTACKS])
def test_attack_left_nothing_behind(corpus, attack):
    check_left_nothing(corpus, attack)


@pytest.mark.parametrize("attack", [a for a in CLASS_ATTACKS if a.spec.get("problem")],
                         ids=[a.name for a in CLASS_ATTACKS if a.spec.get("problem")])
def test_refused_input_is_named_in_the_students_report(corpus, attack):
    sid = corpus.by_prefix(attack.student)
    extra = corpus.results[sid]["extra_data"]
    said = "\n".join(extra["problems"] + extra["notes"])
    for pattern in attack.spec["problem"]:
        assert re.search(pattern, said), (pattern, extra["problems"], extra["notes"])


# ---- the weaker levels ---------------------------------------------------------------------------
# The corpus above runs at the best level this machine offers (bubblewrap here). The attacks on
# isolation itself are graded again at each lower level an instructor may end up with
# (NNGRADE_SANDBOX=unshare|rlimit, or no user namespaces): every layer a level claims must hold.

LEVEL_ATTACKS = ("open-socket", "io-uring-socket", "read-other-students", "read-solutions",
                 "read-hidden-suites", "proc-walk", "signal-parent", "outlive-child",
                 "forge-results-file", "fork-bomb", "fill-disk", "namespaces-and-signals",
                 "perm-tamper")
# rlimit-no-landlock: the lowest level as on a kernel without Landlock (NNGRADE_LANDLOCK_ABI=0)
LOWER_LEVELS = ("unshare", "rlimit", "rlimit-no-landlock")


def _level_available(level: str) -> str | None:
    from nngrade.autograder.sandbox import SandboxPool, SandboxUnavailable
    try:
        SandboxPool(slot=0, level=level).close()
    except SandboxUnavailable as e:
        return str(e)
    return None


@pytest.fixture(scope="module", params=LOWER_LEVELS)
def level_corpus(request) -> ClassRun:
    level, no_landlock = request.param.split("-")[0], request.param.endswith("no-landlock")
    why = _level_available(level)
    if why:
        pytest.skip(f"sandbox level {level} is not available here: {why}")
    folder = Path(tempfile.mkdtemp(prefix="nngrade-attacks-"))
    os.chmod(folder, 0o755)
    saved = os.environ.get("NNGRADE_LANDLOCK_ABI")
    if no_landlock:
        os.environ["NNGRADE_LANDLOCK_ABI"] = "0"
    try:
        attacks = [a for a in CLASS_ATTACKS if a.name in LEVEL_ATTACKS]
        run = grade_corpus(folder, attacks, ("aa-honest", OTHER_STUDENT), level=level,
                           private_canary=no_landlock)
        assert {r["extra_data"]["sandbox"]["level"] for r in run.results.values()} == {level}
        if no_landlock:            # the condition really holds
            for doc in run.results.values():
                layers = {l["name"]: l for l in doc["extra_data"]["sandbox"]["layers"]}
                assert not layers["landlock"]["active"], layers["landlock"]
        yield run
    finally:
        if saved is None:
            os.environ.pop("NNGRADE_LANDLOCK_ABI", None)
        else:
            os.environ["NNGRADE_LANDLOCK_ABI"] = saved
        shutil.rmtree(folder, ignore_errors=True)


def _other_readable_kit_copies() -> list[str]:
    """Copies of the solutions outside this kit that any uid may read (other checkouts on the
    machine): without Landlock nothing of this kit's can hide them."""
    import glob
    mine = os.path.realpath(paths.SOLUTIONS_DIR)
    found = glob.glob("/*/*/solutions/09_perceptron/perceptron.py") + \
        glob.glob("/*/*/*/solutions/09_perceptron/perceptron.py")
    return [p for p in found if not os.path.realpath(p).startswith(mine + "/")
            and os.stat(p).st_mode & 0o004]


@pytest.mark.parametrize("name", LEVEL_ATTACKS)
def test_at_the_lower_levels_the_attack_fails_and_does_no_harm(level_corpus, name, request):
    if name == "read-solutions" and "no-landlock" in request.node.callspec.id \
            and _other_readable_kit_copies():
        pytest.skip(f"world-readable copies of the solutions elsewhere: {_other_readable_kit_copies()[:2]}")
    attack = next(a for a in CLASS_ATTACKS if a.name == name)
    check_no_unearned_points(level_corpus, attack)
    check_no_leak(level_corpus, attack)
    check_left_nothing(level_corpus, attack)


def check_temp_space_is_capped(run: ClassRun) -> None:
    """What fill-disk managed to write into its own working folder stays under the temp cap."""
    from nngrade.autograder.sandbox import Limits
    doc = run.results[run.by_prefix("atk-fill-disk")]
    written = [int(m) for t in doc["tests"] for m in re.findall(r"'\.': \((\d+),", t["output"])]
    assert written, "fill-disk did not report what it wrote"
    cap = (Limits().tmp_mb + Limits().file_size_mb) << 20
    assert max(written) <= cap, f"{max(written) >> 20} MiB written into the temp space in 3 s"


def test_the_temp_space_is_capped(corpus):
    check_temp_space_is_capped(corpus)


def test_at_the_lower_levels_the_temp_space_is_capped(level_corpus):
    check_temp_space_is_capped(level_corpus)


def test_the_course_file_is_the_instructors_alone(level_corpus):
    course = Path(level_corpus.values["COURSE"])
    assert course.stat().st_mode & 0o077 == 0, oct(course.stat().st_mode)   # 0600: the salt


def test_at_the_lower_levels_the_run_is_clean(level_corpus):
    run = level_corpus
    assert run.run.failed == []
    for sid in ("aa-honest", OTHER_STUDENT):
        assert run.results[sid]["score"] == 200.0
    assert run.pwned == [] and run.canary_changed == [] and run.subs_changed == []
    assert run.received == []
    assert run.left_children == [] and run.left_tagged == {} and run.left_uid == []


# ---- attacks aimed at the reports --------------------------------------------------------------


def _outside_fences(markdown: str) -> list[str]:
    """Lines of a Markdown text that are not inside a fenced code block."""
    lines, fence = [], None
    for line in markdown.splitlines():
        m = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if fence is None and m:
            fence = m.group(1)
            continue
        if fence is not None:
            if re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
                fence = None
            continue
        lines.append(line)
    return lines


def test_html_and_markdown_injection_stays_text(corpus):
    attack = next(a for a in CLASS_ATTACKS if a.name == "html-injection")
    sid = corpus.by_prefix(attack.student)
    html = (corpus.dirs[sid] / "feedback.html").read_text("utf-8")
    summary = (corpus.out / "summary.html").read_text("utf-8")
    assert "INJECTED" in html                                # the text is shown ...
    for page in (html, summary):                             # ... but never as markup
        assert "<script>document.title" not in page
        assert "<img src=x onerror" not in page
    md = (corpus.dirs[sid] / "feedback.md").read_text("utf-8")
    assert "INJECTED" in md
    assert [line for line in _outside_fences(md) if "INJECTED" in line] == []


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _as_a_spreadsheet_reads_it(cell: str) -> str:
    """NFKC, and past the leading characters a spreadsheet skips (Zs, Cc, Cf)."""
    import unicodedata
    text = unicodedata.normalize("NFKC", cell)
    return text.lstrip("".join(c for c in set(text) if unicodedata.category(c) in ("Zs", "Cc", "Cf")))


def test_csv_cells_from_student_text_cannot_be_formulas(corpus):
    """A spreadsheet opening grades.csv or moodle.csv must not evaluate a student's name."""
    bad = []
    for name in ("grades.csv", "moodle.csv"):
        rows = list(csv.reader(io.StringIO((corpus.out / name).read_text("utf-8"), newline="")))
        for row in rows:
            for cell in row:
                if re.fullmatch(r"-?\d+(\.\d+)?", cell):
                    continue
                if cell.startswith(FORMULA_START) or _as_a_spreadsheet_reads_it(cell).startswith(FORMULA_START):
                    bad.append((name, cell))
    assert bad == []
    ids = "\n".join(corpus.results)
    assert "\u200b=HYPERLINK(3)" in ids and "\uff0bcmd(6)" in ids     # the attack's ids were graded


# ---- attacks that need a class of their own (they concern the class outputs) ---------------------


OWN_RUN = [a for a in ATTACKS if a.spec.get("own_run")]


@pytest.mark.parametrize("attack", OWN_RUN, ids=[a.name for a in OWN_RUN])
def test_student_ids_cannot_take_over_another_students_or_the_class_files(open_folder, attack):
    """Each student keeps a results.json of their own, and the class files are written."""
    run = grade_corpus(open_folder, [attack], ("aa-honest",), sets=("10_compgraph",), jobs=2)
    ids = {e.name for e in run.subs.iterdir()}
    assert set(run.results) == ids, (sorted(ids), sorted(run.results))
    for sid, doc in run.results.items():
        assert doc["extra_data"]["student"] == sid
    expected = attack.spec.get("scores", {})
    for sid, score in expected.items():
        assert run.results[sid]["score"] == score, sid
    for name in ("grades.csv", "moodle.csv", "summary.html"):
        assert (run.out / name).is_file(), f"{name} was not written"
    rows = list(csv.DictReader(io.StringIO((run.out / "grades.csv").read_text("utf-8-sig"))))
    assert len([r for r in rows if r.get("Student", "").strip() != "Points Possible"]) == len(ids)


def test_the_readme_lists_every_attack():
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", (HERE / "README.md").read_text("utf-8"), re.M))
    assert listed == {a.name for a in ATTACKS}
    assert len(ATTACKS) >= 20


# ---- what the kernel shares between processes: IPC, keyrings, /dev/shm ----------------------------

IPC_KEY = 0x4E4E4752


def _sysv_left() -> list[str]:
    """System V segments and queues of the ipc-relay attack still in the host's namespace."""
    left = []
    for kind in ("shm", "msg", "sem"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        left += [f"{kind} {line.split()[1]}" for line in lines if int(line.split()[0]) == IPC_KEY]
    return left


def _remove_relay_leftovers() -> None:
    import subprocess
    for kind, flag in (("shm", "-M"), ("msg", "-Q")):
        subprocess.run(["ipcrm", flag, str(IPC_KEY)], capture_output=True)
    for path in ("/dev/mqueue/pwned-ipc-relay", "/dev/shm/pwned-ipc-relay"):
        try:
            os.unlink(path)
        except OSError:
            pass


# (level, environment): the lowest level also as on a kernel without Landlock
RELAY_LEVELS = {"bwrap": {}, "unshare": {}, "rlimit": {}, "rlimit-no-landlock": {"NNGRADE_LANDLOCK_ABI": "0"}}


@pytest.mark.parametrize("name", RELAY_LEVELS)
def test_nothing_passes_from_one_student_to_the_next_through_the_kernel(open_folder, name, monkeypatch):
    level = name.split("-")[0]
    why = _level_available(level)
    if why:
        pytest.skip(f"sandbox level {level} is not available here: {why}")
    for key, value in RELAY_LEVELS[name].items():
        monkeypatch.setenv(key, value)
    attack = next(a for a in ATTACKS if a.name == "ipc-relay")
    _remove_relay_leftovers()
    try:
        # one job slot: the planting student and the fetching one share it, as in a real run
        run = grade_corpus(open_folder, [attack], ("aa-honest",), sets=(ATTACKED_SET,), jobs=1,
                           level=level)
        left = _sysv_left()
    finally:
        _remove_relay_leftovers()
    fetched = run.results[attack.student]
    for doc in run.results.values():
        layers = {l["name"]: l for l in doc["extra_data"]["sandbox"]["layers"]}
        if RELAY_LEVELS[name].get("NNGRADE_LANDLOCK_ABI") == "0":   # the condition really holds
            assert not layers["landlock"]["active"], layers["landlock"]
    targeted = [t for t in fetched["tests"] if t["extra_data"]["function"] in attack.attacked]
    assert targeted and [t["name"] for t in targeted if t["score"] > 0] == []
    assert any("ATTACK-RAN ipc-relay" in t["output"] for t in targeted), _brief(targeted)
    assert run.results["atk-ipc-relay-a-plant"]["score"] == run.results["aa-honest"]["score"] == 100.0
    assert left == []
    assert run.pwned == []
    assert run.left_children == [] and run.left_uid == []


# ---- what the grader prints ----------------------------------------------------------------------


def test_untrusted_text_reaches_the_terminal_escaped(open_folder, capsys):
    from nngrade import cli
    attack = next(a for a in ATTACKS if a.name == "terminal-escapes")
    subs, out = open_folder / "submissions", open_folder / "out"
    subs.mkdir()
    values = {"GRADER_PID": str(os.getpid())}
    build_attack(attack, subs, values)
    course = init_course(open_folder / "course", name="escapes", lang="en")
    printed = []
    # --only naming a student that is not there: the id comes back in the error message
    code = cli.main(["grade", str(subs), "--out", str(out), "--course", str(course), "--sets", "09",
                     "--only", attack.student + "\x1b[5mmissing", "--no-progress"])
    captured = capsys.readouterr()
    printed.append(captured.out + captured.err)
    assert code != 0
    # the student's own check: their exception message is printed
    code = cli.main(["check", "perceptron", "--path", str(subs / attack.student), "--lang", "en"])
    captured = capsys.readouterr()
    printed.append(captured.out + captured.err)
    text = "\n".join(printed)
    assert "PWNED" in text                       # the text is shown ...
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text   # ... never as controls
    assert "markup[/bold red]" in text         # shown as text, not taken as rich markup


# ---- one level per run -----------------------------------------------------------------------------


def _flaky_bwrap(monkeypatch, failing_slots, times):
    """Job slots (not the grading process) whose bwrap start fails `times` times, as under load."""
    from nngrade.autograder.sandbox import SandboxUnavailable, pool as pool_module
    real, main = pool_module.SandboxPool._start, os.getpid()
    failed = {"n": 0}

    def start(self, level):
        if level == "bwrap" and self.slot in failing_slots and os.getpid() != main \
                and failed["n"] < times:
            failed["n"] += 1
            raise SandboxUnavailable("bwrap: setting up uid map: Resource temporarily unavailable")
        return real(self, level)

    monkeypatch.setattr(pool_module.SandboxPool, "_start", start)


@pytest.mark.parametrize("times, failing", [(1, {1}), (99, {1})], ids=["once", "always"])
def test_a_slot_that_cannot_start_the_runs_level_never_grades_at_another(open_folder, monkeypatch,
                                                                        times, failing):
    if _level_available("bwrap"):
        pytest.skip("bubblewrap is not available here")
    _flaky_bwrap(monkeypatch, failing, times)
    attack = next(a for a in ATTACKS if a.name == "level-downgrade")
    honest = tuple(f"aa-honest-{i}" for i in range(5))
    run = grade_corpus(open_folder, [attack], honest, sets=(ATTACKED_SET,), jobs=2)
    assert run.run.failed == []
    assert len(run.results) == len(honest) + 1
    sandboxes = {json.dumps(d["extra_data"]["sandbox"], sort_keys=True) for d in run.results.values()}
    assert len(sandboxes) == 1                                   # byte-identical across slots
    assert {d["extra_data"]["sandbox"]["level"] for d in run.results.values()} == {"bwrap"}
    for sid in honest:
        assert run.results[sid]["score"] == 100.0


def test_when_no_slot_can_start_the_runs_level_the_run_stops_with_one_line(open_folder, monkeypatch):
    """The first slot's sandbox is the one the run's level is decided from: when the level the
    run asks for cannot start there, nothing is graded at another level."""
    if _level_available("bwrap"):
        pytest.skip("bubblewrap is not available here")
    _flaky_bwrap(monkeypatch, {0, 1}, 99)
    attack = next(a for a in ATTACKS if a.name == "level-downgrade")
    with pytest.raises(ValueError, match="sandbox level 'bwrap' is not available here") as info:
        grade_corpus(open_folder, [attack], ("aa-honest",), sets=(ATTACKED_SET,), jobs=2,
                     level="bwrap")
    assert "\n" not in str(info.value)
    assert list((open_folder / "out").glob("*/results.json")) == []


# ---- stopping a run --------------------------------------------------------------------------------


def _load_bench():
    import sys
    if "bench_load" in sys.modules:
        return sys.modules["bench_load"]
    spec = importlib.util.spec_from_file_location(
        "bench_load", HERE.parent.parent / "benchmarks" / "bench_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


STOP_STUDENTS = 12


@pytest.fixture(scope="module")
def stop_class():
    """A class of slow honest students, and its uninterrupted run."""
    import subprocess
    bench = _load_bench()
    base = Path(tempfile.mkdtemp(prefix="nngrade-stop-"))
    os.chmod(base, 0o755)
    slow = (HERE / "stop-the-run" / "perceptron.py").read_text("utf-8")
    subs = base / "submissions"
    for i in range(STOP_STUDENTS):
        folder = subs / f"s{i:02d}"
        folder.mkdir(parents=True)
        (folder / "perceptron.py").write_text(slow + reference_source("09_perceptron", "perceptron"),
                                              "utf-8")
    course = init_course(base / "course", name="stop", lang="en")
    command = lambda out: bench.grade_command(subs, out, course, sets=(ATTACKED_SET,))  # noqa: E731
    done = subprocess.run(command(base / "out-whole"), capture_output=True, text=True,
                          cwd=tempfile.gettempdir(), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    try:
        yield {"bench": bench, "base": base, "command": command}
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("how", ["sigint-main", "sigterm-main", "sigint-group"])
def test_a_stopped_run_ends_every_process_says_one_line_and_resumes(stop_class, how):
    import signal
    import subprocess
    bench, base = stop_class["bench"], stop_class["base"]
    out = base / f"out-{how}"
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(stop_class["command"](out), stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True, cwd=tempfile.gettempdir())
        deadline = time.monotonic() + 120
        while bench.results_count(out) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = bench._tree(proc.pid)
        assert proc.poll() is None and len(tree) > 3, "the run ended before it could be stopped"
        sig = signal.SIGTERM if how == "sigterm-main" else signal.SIGINT
        if how == "sigint-group":
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
        stopped = time.monotonic()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        left = bench.wait_until_gone(tree, timeout=max(0.1, 5 - (time.monotonic() - stopped)))
        if proc.poll() is None:
            proc.kill()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        err.seek(0)
        printed = [line for line in err.read().decode("utf-8", "replace").splitlines() if line.strip()]
    assert left == [], f"{len(left)} processes of the run alive 5 s after the stop"
    assert len(printed) == 1, printed[:40]
    assert re.search(r"\d+ of \d+ students finished", printed[0]) and "again" in printed[0], printed
    finished = bench.results_count(out)
    assert 0 < finished < STOP_STUDENTS
    rerun = subprocess.run(stop_class["command"](out), capture_output=True, text=True,
                           cwd=tempfile.gettempdir(), timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert rerun.stdout.startswith(f"graded {STOP_STUDENTS - finished}, unchanged {finished},")
    assert bench.compare_outs(base / "out-whole", out) == {}
    assert bench.stray_files(out) == []


# ---- grading as a normal user ----------------------------------------------------------------------

NOBODY = ("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups")


@pytest.fixture
def nobody_class(open_folder):
    """A class owned by uid 65534, graded by that uid (as an instructor without root)."""
    import subprocess
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to act as a normal user")
    subs, out = open_folder / "submissions", open_folder / "out"
    subs.mkdir()
    values = {"OUT": str(out), "SUBMISSIONS": str(subs), "GRADER_PID": str(os.getpid()),
              "COURSE": str(open_folder / "course" / "nngrade.toml")}
    attacks = [a for a in ATTACKS if a.name in ("namespaces-and-signals", "perm-tamper")]
    for attack in attacks:
        values["NAME"] = attack.name
        build_attack(attack, subs, values)
    honest = subs / "aa-honest"
    honest.mkdir()
    for set_id, module in (("09_perceptron", "perceptron"), ("10_compgraph", "compgraph")):
        (honest / f"{module}.py").write_text(reference_source(set_id, module), "utf-8")
    subprocess.run(["chown", "-R", "65534:65534", str(open_folder)], check=True)
    env = dict(os.environ, NNGRADE_SANDBOX="rlimit", HOME=str(open_folder))
    import sys
    init = subprocess.run([*NOBODY, sys.executable, "-m", "nngrade", "init", str(open_folder / "course"),
                           "--lang", "en"], env=env, capture_output=True, text=True,
                          cwd=str(open_folder))
    assert init.returncode == 0, init.stderr
    command = [*NOBODY, sys.executable, "-m", "nngrade", "grade", str(subs), "--out", str(out),
               "--course", str(open_folder / "course"), "--sets", "09", "10", "--jobs", "2",
               "--no-progress"]
    return {"command": command, "env": env, "out": out, "folder": open_folder, "attacks": attacks}


def test_grading_others_refuses_a_level_that_shares_the_graders_uid(nobody_class):
    import subprocess
    done = subprocess.run(nobody_class["command"], env=nobody_class["env"], capture_output=True,
                          text=True, cwd=str(nobody_class["folder"]), timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr[-3000:]
    assert "--allow-shared-uid" in lines[0] and "bubblewrap" in lines[0] and "root" in lines[0]
    assert not list(nobody_class["out"].glob("*/results.json"))


def test_with_the_opt_in_an_old_kernel_still_stops_signals_and_file_tampering(nobody_class):
    """As a normal user at rlimit, Landlock below ABI 6 (Linux < 6.12: no signal scoping):
    seccomp alone must stop F_SETOWN/F_SETSIG/O_ASYNC signals, chmod, utime and inotify."""
    import subprocess
    env = dict(nobody_class["env"], NNGRADE_LANDLOCK_ABI="5")
    course = nobody_class["folder"] / "course" / "nngrade.toml"
    before = course.stat()
    done = subprocess.run(nobody_class["command"] + ["--allow-shared-uid"], env=env,
                          capture_output=True, text=True, cwd=str(nobody_class["folder"]),
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    after = course.stat()
    assert (after.st_mode, after.st_mtime_ns) == (before.st_mode, before.st_mtime_ns)
    assert os.access(nobody_class["out"], os.W_OK)
    results = {json.loads(p.read_text("utf-8"))["extra_data"]["student"]: json.loads(p.read_text("utf-8"))
               for p in nobody_class["out"].glob("*/results.json")}
    assert len(results) == 3
    assert results["aa-honest"]["score"] == 200.0
    for doc in results.values():
        sandbox = doc["extra_data"]["sandbox"]
        assert sandbox["level"] == "rlimit" and "ABI 5" in json.dumps(sandbox)
        assert any("--allow-shared-uid" in note for note in sandbox["notes"])   # every report says so
    for attack in nobody_class["attacks"]:
        shown = json.dumps(results[attack.student], ensure_ascii=False)
        assert f"ATTACK-RAN {attack.name}" in shown
        assert "ESCAPED" not in shown and "WRONG" not in shown, re.findall(r".{60}(?:ESCAPED|WRONG).{40}", shown)[:5]
