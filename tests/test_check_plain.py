"""Does `nngrade check` work without the sandbox, as on Windows and macOS: the public tests in a
plain child process, with a time limit per call, saying so once and otherwise as on Linux?"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
import sys
from pathlib import Path

import pytest
from rich.console import Console

from conftest import REPO, tool_env
from nngrade import check
from nngrade.autograder import backends
from nngrade.autograder.plain import PlainPool

BACKPROP = REPO / "solutions" / "04_backprop" / "backprop.py"
DELTA_SIGN = ("return -(t - y2) * (1.0 - y2) * y2", "return (t - y2) * (1.0 - y2) * y2")
NOTE = "no sandbox"


def student_folder(tmp_path: Path, edit=None) -> Path:
    folder = tmp_path / "hw"
    folder.mkdir()
    source = BACKPROP.read_text(encoding="utf-8")
    if edit:
        assert edit[0] in source
        source = source.replace(*edit, 1)
    (folder / "backprop.py").write_text(source, encoding="utf-8")
    return folder


def run(folder: Path, plain: bool | None = True) -> tuple[int, str]:
    out = io.StringIO()
    code = check.run_check("backprop", folder, lang="en", plain=plain,
                           console=Console(file=out, width=200, highlight=False))
    return code, out.getvalue()


def test_the_reference_passes_and_the_output_says_once_there_is_no_sandbox(tmp_path):
    code, out = run(student_folder(tmp_path))
    assert code == 0, out
    assert out.count(NOTE) == 1 and out.lstrip().startswith(NOTE)
    assert "7/7 passed  (sandbox: plain)" in out


def test_a_wrong_answer_fails_and_names_the_mistake(tmp_path):
    code, out = run(student_folder(tmp_path, DELTA_SIGN))
    assert code == 1
    assert "✗ output_delta" in out and "[delta-sign]" in out
    assert "✓ sgd_step" in out          # the other functions are still checked


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("bwrap") is None,
                    reason="compares with the sandbox, which needs Linux and bubblewrap")
def test_plain_and_sandbox_say_the_same_apart_from_the_note(tmp_path):
    folder = student_folder(tmp_path, DELTA_SIGN)
    _, plain = run(folder, plain=True)
    _, boxed = run(folder, plain=False)
    assert NOTE not in boxed and "(sandbox: plain)" not in boxed
    lines = [line for line in plain.splitlines() if NOTE not in line]
    assert [line.split("  (sandbox:")[0] for line in lines] == \
        [line.split("  (sandbox:")[0] for line in boxed.splitlines()]


# Wrapped reference functions: one public case hangs, another ends the process; the rest pass.
HANGS_AND_EXITS = '''
import os

_output_delta, _sgd_step = output_delta, sgd_step


def output_delta(t, y2):
    if isinstance(t, np.ndarray) and t.tolist() == [1.0]:    # public-target-array only
        while True:
            pass
    return _output_delta(t, y2)


def sgd_step(network, grads, lr):
    if lr == 0.05:                         # the public sgd_step case, not train_step's
        os._exit(3)
    return _sgd_step(network, grads, lr)
'''


def test_a_call_that_hangs_is_stopped_and_the_next_ones_still_run(tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "DEFAULT_CALL_TIMEOUT", 1.0)
    folder = student_folder(tmp_path)
    source = (folder / "backprop.py").read_text(encoding="utf-8")
    (folder / "backprop.py").write_text(source + HANGS_AND_EXITS, encoding="utf-8")
    code, out = run(folder)
    assert code == 1
    assert "✗ output_delta (public-target-array)" in out
    assert out.count("did not finish within 1 s") == 1, out
    assert "✗ sgd_step" in out and "exited (code 3)" in out
    # a fresh process after each: the cases after them pass
    assert "✓ hidden_delta" in out and "✓ train_step" in out and "5/7 passed" in out, out


def test_the_platform_decides_when_nothing_is_asked(monkeypatch):
    monkeypatch.delenv("NNGRADE_SANDBOX", raising=False)
    monkeypatch.setattr(sys, "platform", "win32")
    pool = check.open_pool()
    assert isinstance(pool, PlainPool) and "needs Linux" in pool.describe()["notes"][0]
    monkeypatch.setenv("NNGRADE_SANDBOX", "bwrap")          # a level there is an error
    with pytest.raises(ValueError, match="the sandbox needs Linux"):
        check.open_pool()
    monkeypatch.setenv("NNGRADE_SANDBOX", "plain")
    monkeypatch.setattr(sys, "platform", "linux")
    assert isinstance(check.open_pool(), PlainPool)


def test_a_sandbox_that_cannot_start_falls_back_unless_a_level_was_asked(monkeypatch):
    from nngrade.autograder import sandbox

    def refuse(*args, **kwargs):
        raise sandbox.SandboxUnavailable("no level could start: bwrap: not installed")

    monkeypatch.setattr(sandbox, "SandboxPool", refuse)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("NNGRADE_SANDBOX", raising=False)
    pool = check.open_pool()
    assert isinstance(pool, PlainPool) and "cannot start" in pool.describe()["notes"][0]
    monkeypatch.setenv("NNGRADE_SANDBOX", "bwrap")
    with pytest.raises(sandbox.SandboxUnavailable):
        check.open_pool()
    monkeypatch.setenv("NNGRADE_SANDBOX", "plian")
    with pytest.raises(ValueError, match="NNGRADE_SANDBOX='plian': choose one of .*, plain"):
        check.open_pool()


# Stands for a system without Linux's modules: refuses to import them and takes away the os
# functions Windows lacks, in the checking process and in the child it starts.
NO_LINUX = '''
import os, sys

LINUX_ONLY = {"fcntl", "pwd", "grp", "resource", "termios", "posix_ipc"}


class _NotHere:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in LINUX_ONLY:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


for name in list(sys.modules):
    if name.partition(".")[0] in LINUX_ONLY:
        del sys.modules[name]
sys.meta_path.insert(0, _NotHere())
for name in ("fork", "forkpty", "memfd_create", "pread", "pwrite", "setsid", "killpg",
             "setresuid", "setresgid"):
    if hasattr(os, name):
        delattr(os, name)
'''


def test_the_plain_path_needs_no_module_only_linux_has(tmp_path):
    """`nngrade check` in processes where fcntl, pwd, resource, os.fork, os.memfd_create ... do
    not exist, as on Windows: the sandbox package cannot even be imported there."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_LINUX, encoding="utf-8")
    folder = student_folder(tmp_path, DELTA_SIGN)
    with open(folder / "backprop.py", "a", encoding="utf-8") as f:     # output the child keeps
        f.write('\nimport os\nos.write(1, b"written past sys.stdout\\n")\nprint("printed")\n')
    env = tool_env(NNGRADE_SANDBOX="plain", LANG="C.UTF-8", COLUMNS="200",
                   PYTHONPATH=os.pathsep.join([str(site), str(REPO)]))
    probe = subprocess.run([sys.executable, "-c", "import nngrade.autograder.sandbox"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0 and "fcntl" in probe.stderr    # the stand-in is real
    done = subprocess.run([sys.executable, "-m", "nngrade", "check", "backprop", "--path",
                           str(folder)], env=env, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert NOTE in done.stdout and "[delta-sign]" in done.stdout and "✓ sgd_step" in done.stdout
    assert "(sandbox: plain)" in done.stdout


MODULE = b'''
class Box:
    def __init__(self, v):
        self.v = v

    def get(self):
        return self.v


def double(x):
    print("doubling")
    return 2 * x


def spin():
    while True:
        pass
'''


def test_a_plain_session_answers_as_a_sandbox_session():
    """Values, objects by handle, output, a timeout that loses the objects, a fresh process."""
    import numpy as np

    with PlainPool().session({"m": MODULE}, {"m": "hw/m.py"}) as s:
        reply = s.call("m", "double", [np.arange(3)])
        assert reply.status == "ok" and reply.value.tolist() == [0, 2, 4]
        assert reply.stdout == "doubling\n" and reply.args_after[0].tolist() == [0, 1, 2]
        box = s.new("m", "Box", [5]).value
        assert s.method(box, "get").value == 5
        assert s.call("m", "nothing").status == "missing"
        started = time.perf_counter()
        for _ in range(100):
            s.call("m", "double", [1])
        # one small exchange is a few ms; Nagle's algorithm would make it 40 ms or more
        assert time.perf_counter() - started < 2.5
        assert s.call("m", "spin", timeout=0.5).status == "timeout"
        lost = s.method(box, "get")
        assert lost.status == "crashed" and lost.error.type == "LostObject"
        assert s.call("m", "double", [2]).value == 4
        assert s.restarts == 1


def test_a_call_that_hangs_or_exits_is_told_in_korean(tmp_path, monkeypatch):
    """The process's words (a timeout, an exit) are said in the student's language, not left in
    English inside a Korean sentence."""
    monkeypatch.setattr(backends, "DEFAULT_CALL_TIMEOUT", 1.0)
    folder = student_folder(tmp_path)
    source = (folder / "backprop.py").read_text(encoding="utf-8")
    (folder / "backprop.py").write_text(source + HANGS_AND_EXITS, encoding="utf-8")
    out = io.StringIO()
    code = check.run_check("backprop", folder, lang="ko", plain=True,
                           console=Console(file=out, width=200, highlight=False))
    out = out.getvalue()
    assert code == 1
    assert "1초(실제 경과 시간) 안에 끝나지 않았습니다" in out, out
    assert "학생 프로세스가 값을 돌려주지 않고 끝났습니다(종료 코드 3)" in out, out
    assert "did not finish" not in out and "instead of returning" not in out
    assert "5/7 통과" in out and "(샌드박스: plain)" in out


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "sandbox"])
def test_the_environment_changes_only_while_no_other_thread_runs(tmp_path, monkeypatch, plain):
    """pytest sets PYTEST_VERSION and PYTEST_CURRENT_TEST as it runs; a change of the
    environment while another thread is in C code reading it crashes in libc's getenv. The
    sandbox must not be starting in another thread then."""
    import threading
    if not plain and (not sys.platform.startswith("linux") or shutil.which("bwrap") is None):
        pytest.skip("the sandbox needs Linux and bubblewrap")
    changes = []
    real_putenv, real_unsetenv = os.putenv, os.unsetenv
    before = threading.active_count()

    def putenv(key, value):
        changes.append((key, threading.active_count()))
        real_putenv(key, value)

    def unsetenv(key):
        changes.append((key, threading.active_count()))
        real_unsetenv(key)
    monkeypatch.setattr(os, "putenv", putenv)
    monkeypatch.setattr(os, "unsetenv", unsetenv)
    code, out = run(student_folder(tmp_path), plain=plain)
    assert code == 0, out
    assert changes, "pytest changed nothing: this test would prove nothing"
    assert [c for c in changes if c[1] > before] == []
