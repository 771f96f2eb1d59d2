"""Grading through a real Dask cluster: a `dask scheduler` and `dask worker --nthreads 1`
processes on 127.0.0.1 (random ports), `nngrade grade --cluster` as a user runs it.

- every results.json, page and class file equals a local run's (timing fields aside), even
  with one worker SIGKILLed mid-run (its student is graded again elsewhere, none lost, each
  counted and written once), and a rerun through the cluster regrades nobody;
- the only worker SIGKILLed mid-run and another started: the run waits, and the new worker
  grades the rest (the dead worker's student included);
- the scheduler killed mid-run: one line, exit 2; a fresh scheduler's rerun grades only the rest;
- Ctrl-C: the run stops as a local one does and the scheduler is left with no task of it;
- workers with another kit version, other course files or without the run's sandbox level are
  refused by name; none left: an error;
- TLS: a throwaway CA, one student over tls://.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cluster_util import DaskCluster, make_tls, results_count, wait_for
from conftest import REPO, tool_env
from nngrade.config import init_course
from nngrade.demo import build_class

pytestmark = pytest.mark.slow

SETS = ("01", "02", "03", "04", "05", "09", "10")


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_load", REPO / "benchmarks" / "bench_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def grade_cmd(subs: Path, out: Path, course: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "nngrade", "grade", str(subs), "--out", str(out), "--course",
            str(course), "--sets", *SETS, "--no-progress", *extra]


def start(cmd: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=cwd, env=tool_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """The demo class and a few synthetic students, graded once locally (two job slots)."""
    base = tmp_path_factory.mktemp("cluster-class")
    subs = base / "subs"
    build_class(subs)
    bench.write_class(bench.plan_class(8, seed=7, hostile=False), subs)
    course = init_course(base / "course", name="cluster", lang="en").parent
    local = base / "out-local"
    done = subprocess.run(grade_cmd(subs, local, course, "--jobs", "2"), cwd=base,
                          env=tool_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return {"base": base, "subs": subs, "course": course, "local": local,
            "n": len(list(subs.iterdir()))}


@pytest.fixture
def cluster(tmp_path):
    made = []

    def make(**kw) -> DaskCluster:
        made.append(DaskCluster(tmp_path / f"cluster{len(made)}", **kw))
        return made[-1]

    yield make
    for c in made:
        c.stop()


def assert_same_as_local(klass, out: Path) -> None:
    assert bench.compare_outs(klass["local"], out) == {}
    for sid in (p.parent.name for p in klass["local"].glob("*/results.json")):
        a, b = klass["local"] / sid, out / sid
        assert bench.comparable_bytes(a / "results.json") == bench.comparable_bytes(b / "results.json"), sid
        for page in ("feedback.html", "feedback.md"):
            assert (a / page).read_bytes() == (b / page).read_bytes(), (sid, page)
    for name in ("grades.csv", "moodle.csv", "summary.html"):
        assert (klass["local"] / name).read_bytes() == (out / name).read_bytes(), name


def graded_with_a_worker_killed(klass, c, out: Path, after: int, then=lambda: None,
                                seconds: float = 120) -> str:
    """A class run through ``c`` whose first worker is SIGKILLed once ``after`` students are
    written (every worker is busy from the start, one student each, so the kill lands in the
    middle of a student), ``then`` called; it must end within ``seconds`` with everyone graded,
    as a local run grades them. Its stderr."""
    proc = start(grade_cmd(klass["subs"], out, klass["course"], "--cluster", c.address),
                 klass["base"])
    wait_for(lambda: results_count(out) >= after or proc.poll() is not None, 120,
             f"{after} results")
    assert proc.poll() is None, proc.communicate()
    c.kill(c.workers[0])
    then()
    code, stdout, stderr = finish(proc, timeout=seconds)
    assert code == 0, stderr
    assert stdout.startswith(f"graded {klass['n']}, unchanged 0, failed 0"), stdout
    assert_same_as_local(klass, out)
    return stderr


def test_same_results_as_local_with_a_worker_killed_mid_run(klass, cluster, tmp_path):
    c = cluster(workers=2)
    c.wait_for_workers(2)
    out = tmp_path / "out"
    stderr = graded_with_a_worker_killed(klass, c, out, after=3)
    assert "Traceback" not in stderr
    assert not list(out.glob("**/.*.tmp"))
    # the killed worker's job slot ended with it
    wait_for(lambda: not _slots_alive(), 10, "the job slots to end")
    # a rerun through the cluster finds everyone up to date
    code, stdout, stderr = finish(start(grade_cmd(klass["subs"], out, klass["course"],
                                                  "--cluster", c.address), klass["base"]))
    assert code == 0 and stdout.startswith(f"graded 0, unchanged {klass['n']}, failed 0"), stdout + stderr


def test_a_worker_that_joins_after_the_only_one_died_grades_the_rest(klass, cluster, tmp_path):
    c = cluster(workers=1)
    c.wait_for_workers(1)

    def another_worker():
        time.sleep(1.0)                      # the only worker is gone before the next joins
        c.add_worker()

    graded_with_a_worker_killed(klass, c, tmp_path / "out", after=2, then=another_worker,
                                seconds=180)


def _slots_alive() -> list[int]:
    """Job slots (python -m nngrade.cluster.slot) of any worker still running."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"nngrade.cluster.slot" in cmd and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
            found.append(int(pid))
    return found


def test_scheduler_lost_mid_run_then_a_rerun_resumes(klass, cluster, tmp_path):
    c = cluster(workers=2)
    c.wait_for_workers(2)
    out = tmp_path / "out"
    proc = start(grade_cmd(klass["subs"], out, klass["course"], "--cluster", c.address),
                 klass["base"])
    wait_for(lambda: results_count(out) >= 2 or proc.poll() is not None, 120, "2 results")
    c.kill(c.scheduler)
    code, stdout, stderr = finish(proc)
    written = results_count(out)
    assert code == 2, stdout + stderr
    assert stderr.splitlines() == [stderr.strip()], stderr          # one line
    assert stderr.startswith(f"nngrade grade: --cluster {c.address}: lost the scheduler"), stderr
    assert "run the same command again" in stderr
    assert 2 <= written < klass["n"]
    fresh = cluster(workers=2)
    fresh.wait_for_workers(1)
    code, stdout, stderr = finish(start(grade_cmd(klass["subs"], out, klass["course"],
                                                  "--cluster", fresh.address), klass["base"]))
    assert code == 0, stderr
    assert stdout.startswith(f"graded {klass['n'] - written}, unchanged {written}, failed 0"), stdout
    assert_same_as_local(klass, out)


def test_ctrl_c_cancels_the_remote_tasks(klass, cluster, tmp_path):
    c = cluster(workers=1)
    c.wait_for_workers(1)
    out = tmp_path / "out"
    proc = start(grade_cmd(klass["subs"], out, klass["course"], "--cluster", c.address),
                 klass["base"])
    wait_for(lambda: results_count(out) >= 1 or proc.poll() is not None, 120, "a result")
    os.kill(proc.pid, signal.SIGINT)
    code, stdout, stderr = finish(proc, timeout=30)
    assert code == 130, stdout + stderr
    assert "stopped:" in stderr and "run the same command again" in stderr, stderr
    assert "Traceback" not in stderr
    # nothing of the run is left on the cluster: no task, no job slot, the worker still there
    from distributed import Client
    with Client(c.address, timeout=10) as client:
        tasks = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        assert tasks == 0
        assert len(client.scheduler_info()["workers"]) == 1
    wait_for(lambda: not _slots_alive(), 15, "the job slot to end")


def test_workers_with_another_kit_or_course_are_refused(tmp_path, cluster):
    # a course with a set of its own, so that its files matter
    course = init_course(tmp_path / "course", name="own", lang="en").parent
    done = subprocess.run([sys.executable, "-m", "nngrade", "new-set", str(course), "11_maxout"],
                          env=tool_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with open(course / "nngrade.toml", "a", encoding="utf-8") as f:
        f.write("\n[cluster]\nwait_seconds = 4\n")
    other_course = tmp_path / "other-course"
    shutil.copytree(course, other_course)
    suite = next((other_course / "solutions").glob("*/test_hidden.py"))
    suite.write_text(suite.read_text() + "\n# changed on this worker\n")
    # a copy of the kit that says it is another version
    kit_env = bench.freeze_kit(tmp_path / "kit")
    init = tmp_path / "kit" / "nngrade" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9.9.9+'))
    subs = tmp_path / "subs"
    (subs / "kim").mkdir(parents=True)
    shutil.copy(REPO / "solutions" / "01_activations" / "activations.py", subs / "kim")
    # a worker where bubblewrap cannot be found cannot start the run's level
    no_bwrap = {"PATH": str(Path(sys.executable).parent)}
    c = cluster(workers=4, worker_env=[{"PYTHONPATH": kit_env["PYTHONPATH"]},
                                       {"NNGRADE_COURSE": str(other_course)}, {}, no_bwrap])
    c.wait_for_workers(4)
    cmd = [sys.executable, "-m", "nngrade", "grade", str(subs), "--out", str(tmp_path / "out"),
           "--course", str(course), "--sets", "01", "--no-progress", "--cluster", c.address]
    code, stdout, stderr = finish(start(cmd, tmp_path))
    assert code == 0, stderr
    assert stdout.startswith("graded 1, unchanged 0, failed 0"), stdout
    refused = sorted(line for line in stderr.splitlines() if "refused" in line)
    assert len(refused) == 3, stderr
    assert any("kit version 9.9.9+" in line and "the coordinator's is" in line for line in refused), refused
    assert any("the course's own sets differ" in line and "NNGRADE_COURSE" in line for line in refused), refused
    assert any("could not start the run's sandbox" in line and "bwrap" in line for line in refused), refused
    assert all(line.startswith("nngrade: worker tcp://127.0.0.1:") for line in refused), refused
    # without the good worker nobody is left: one clear error
    c.kill(c.workers[2])
    code, stdout, stderr = finish(start(cmd + ["--force"], tmp_path))
    assert code == 2, stdout + stderr
    last = stderr.splitlines()[-1]
    assert last == f"nngrade grade: --cluster {c.address}: no usable worker (3 refused, each named above)", stderr
    assert "Traceback" not in stderr


def test_one_student_over_tls(tmp_path, cluster):
    course = init_course(tmp_path / "course", name="tls", lang="en").parent
    tls = make_tls(course / "tls")
    with open(course / "nngrade.toml", "a", encoding="utf-8") as f:
        f.write('\n[cluster]\ntls_ca_file = "tls/ca.pem"\ntls_cert = "tls/node.pem"\n'
                'tls_key = "tls/node.key"\n')
    c = cluster(workers=1, tls=tls)
    assert c.address.startswith("tls://127.0.0.1:")
    c.wait_for_workers(1)
    subs = tmp_path / "subs"
    (subs / "kim").mkdir(parents=True)
    shutil.copy(REPO / "solutions" / "03_loss" / "loss.py", subs / "kim")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "nngrade", "grade", str(subs), "--out", str(out), "--course",
           str(course), "--sets", "03", "--no-progress", "--cluster", c.address]
    code, stdout, stderr = finish(start(cmd, tmp_path))
    assert code == 0, stderr
    document = json.loads((out / "kim" / "results.json").read_text())
    assert document["score"] == document["extra_data"]["sets"]["03_loss"]["max_score"] > 0
