"""`--cluster` and `nngrade cluster slurm` without a running cluster: which addresses are
refused (one line, before anything is read or connected), the [cluster] table, the facts a
worker is compared on, the job JSON, and the Slurm job script as dask-jobqueue renders it.
The real scheduler and workers: tests/test_cluster_real.py."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cluster_util import make_tls
from conftest import REPO, tool_env
from nngrade.cluster import ClusterError, ClusterTarget
from nngrade.cluster.facts import difference, mnist_checksum, sandbox_difference
from nngrade.cluster.security import is_loopback, security_for, split_address
from nngrade.config import ConfigError, load_course

SOLUTIONS = REPO / "solutions"


def nngrade(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nngrade", *args], cwd=cwd, env=tool_env(),
                          capture_output=True, text=True, timeout=120)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def work(tmp_path) -> Path:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "nngrade.toml").write_text(
        'name = "c"\nsalt = "0123456789abcdef"\nsets = ["01_activations"]\n', encoding="utf-8")
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "activations.py").write_bytes(
        (SOLUTIONS / "01_activations" / "activations.py").read_bytes())
    return tmp_path


def grade(work: Path, *args: str):
    return nngrade(work, "grade", "subs", "--out", "out", "--course", "c", "--no-progress", *args)


# ---- addresses ------------------------------------------------------------------------------


@pytest.fixture
def no_connection(monkeypatch):
    """In this process, with any attempt to reach a scheduler a failure: a refused address
    must be refused before a connection is tried (and a broken refusal must not send a packet
    to another machine)."""
    import distributed

    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was tried: {args}")
    monkeypatch.setattr(distributed, "Client", refuse)


def grade_here(work: Path, monkeypatch, capsys, *args: str) -> str:
    """`nngrade grade` in this process; its one line of error."""
    from nngrade.cli import main
    monkeypatch.chdir(work)
    code = main(["grade", "subs", "--out", "out", "--course", "c", "--no-progress", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err.strip()


def test_plain_tcp_to_another_machine_is_refused(work, no_connection, monkeypatch, capsys):
    # 192.0.2.1 is TEST-NET-1: refused before any connection is tried
    line = grade_here(work, monkeypatch, capsys, "--cluster", "tcp://192.0.2.1:8786")
    assert line.startswith("nngrade grade: --cluster tcp://192.0.2.1:8786: plain tcp:// to "
                           "another machine is refused"), line
    assert "--insecure" in line and "tls://" in line
    assert not (work / "out").exists()


def test_an_address_without_scheme_is_tcp_and_refused_too(work, no_connection, monkeypatch, capsys):
    line = grade_here(work, monkeypatch, capsys, "--cluster", "192.0.2.1:8786")
    assert "plain tcp:// to another machine is refused" in line


def test_tls_without_certificates_names_the_settings(work, no_connection, monkeypatch, capsys):
    line = grade_here(work, monkeypatch, capsys, "--cluster", "tls://192.0.2.1:8786")
    assert "tls:// needs tls_ca_file, tls_cert, tls_key" in line and "[cluster]" in line


def test_other_schemes_are_refused(work):
    line = one_line_error(grade(work, "--cluster", "ws://127.0.0.1:8786"))
    assert "the scheme must be tls://" in line


def test_a_malformed_address(work):
    line = one_line_error(grade(work, "--cluster", "tcp://127.0.0.1"))
    assert "expected SCHEME://HOST:PORT" in line


@pytest.mark.slow      # Dask retries the connection for dispatch.CONNECT_SECONDS
def test_no_scheduler_there_is_one_line(work):
    # loopback, nobody listening (port 9 is discard): a clear line, no traceback
    done = grade(work, "--cluster", "tcp://127.0.0.1:9")
    line = one_line_error(done)
    assert line.startswith("nngrade grade: --cluster tcp://127.0.0.1:9: cannot connect to the "
                           "scheduler"), line


def test_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("127.1.2.3") and is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("192.0.2.1") and not is_loopback("10.0.0.1")
    assert split_address("[::1]:8786") == ("tcp", "::1", 8786)
    assert split_address("tls://sched.example.edu:8786") == ("tls", "sched.example.edu", 8786)


def test_insecure_allows_plain_tcp():
    assert security_for(ClusterTarget("tcp://192.0.2.1:8786", insecure=True)) is None
    assert security_for(ClusterTarget("tcp://127.0.0.1:8786")) is None


def test_a_key_others_can_read_is_refused(tmp_path):
    for name in ("ca.pem", "me.pem", "me.key"):
        (tmp_path / name).write_text("x")
    (tmp_path / "me.key").chmod(0o644)
    target = ClusterTarget("tls://127.0.0.1:8786", tls_ca_file=tmp_path / "ca.pem",
                           tls_cert=tmp_path / "me.pem", tls_key=tmp_path / "me.key")
    with pytest.raises(ClusterError, match=r"me.key: TLS key is readable by others \(mode 644\)"):
        security_for(target)
    (tmp_path / "me.key").chmod(0o600)
    (tmp_path / "ca.pem").unlink()
    with pytest.raises(ClusterError, match=r"ca.pem: TLS CA file: no such file"):
        security_for(target)


def test_course_tls_files_are_relative_to_the_course(work):
    with open(work / "c" / "nngrade.toml", "a", encoding="utf-8") as f:
        f.write('\n[cluster]\ntls_ca_file = "tls/ca.pem"\ntls_cert = "tls/me.pem"\n'
                'tls_key = "tls/me.key"\n')
    line = one_line_error(grade(work, "--cluster", "tls://127.0.0.1:8786"))
    assert f"{work / 'c' / 'tls' / 'ca.pem'}: TLS CA file: no such file" in line, line


# ---- the [cluster] table -----------------------------------------------------------------


CLUSTER_TABLE = '''
[cluster]
tls_ca_file = "tls/ca.pem"
tls_cert = "tls/node.pem"
tls_key = "tls/node.key"
cores = 4
memory = "16GB"
walltime = "02:00:00"
partition = "teaching"
job_extra_directives = ["--account=nn101", "--qos=short"]
job_script_prologue = ["module load python/3.11"]
python = "/opt/nngrade/bin/python"
local_directory = "/scratch/nngrade"
scheduler_port = 8786
wait_seconds = 30
'''


def course_file(tmp_path: Path, table: str) -> Path:
    path = tmp_path / "nngrade.toml"
    path.write_text('salt = "0123456789abcdef"\nsets = ["01_activations"]\n' + table,
                    encoding="utf-8")
    return path


def test_cluster_table_loads(tmp_path):
    course = load_course(course_file(tmp_path, CLUSTER_TABLE))
    assert (course.cluster_cores, course.cluster_memory, course.cluster_walltime) == (4, "16GB", "02:00:00")
    assert course.cluster_job_extra_directives == ("--account=nn101", "--qos=short")
    assert course.cluster_wait_seconds == 30.0 and course.cluster_partition == "teaching"


@pytest.mark.parametrize("line, message", [
    ("corse = 2", "unknown key 'corse' in [cluster] (did you mean 'cores'?)"),
    ('cores = "4"', "[cluster] cores must be an integer, not a string"),
    ("cores = 0", "[cluster] cores must be positive, not 0"),
    ('walltime = "2h"', "[cluster] walltime must be Slurm's time"),
    ('memory = "16"', "[cluster] memory must be an amount such as"),
    ("job_extra_directives = [1]", "[cluster] job_extra_directives must be a list of strings"),
    ("scheduler_port = 70000", "[cluster] scheduler_port must be a port number"),
])
def test_cluster_table_errors_name_the_file_and_key(tmp_path, line, message):
    path = course_file(tmp_path, f"\n[cluster]\n{line}\n")
    with pytest.raises(ConfigError) as info:
        load_course(path)
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value)


# ---- what a worker is compared on -------------------------------------------------------------


FACTS = {"version": "0.1.0", "course": "aaaa", "grader": "bbbb", "mnist": None,
         "python": "Python 3.11.7, NumPy 2.1.0"}


@pytest.mark.parametrize("key, words", [
    ("version", "kit version 9.9, the coordinator's is 0.1.0"),
    ("course", "the course's own sets differ"),
    ("grader", "the kit's grader files differ"),
    ("mnist", "the MNIST data differs"),
    ("python", "Python 3.11.7, NumPy 2.1.0 (results would differ)"),
])
def test_each_difference_is_named(key, words):
    found = dict(FACTS, **{key: "9.9" if key == "version" else "other"})
    assert words in difference(FACTS, found)
    assert difference(FACTS, dict(FACTS)) is None


def test_sandbox_level_must_be_the_runs():
    assert "started the unshare sandbox, the run's level is bwrap" in sandbox_difference(
        {"level": "bwrap", "notes": []}, {"level": "unshare", "layers": []})
    shared = {"level": "rlimit", "layers": [{"name": "uid", "active": False}]}
    assert "own uid" in sandbox_difference({"level": "rlimit", "notes": []}, shared)
    assert sandbox_difference({"level": "bwrap"}, {"level": "bwrap", "layers": []}) is None


def test_mnist_checksum_follows_the_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, byte in ((a, b"\x01"), (b, b"\x02")):
        folder.mkdir()
        for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
            (folder / name).write_bytes(b"\x00\x00\x08\x03" + byte * 16)
    assert mnist_checksum(str(a), False) == mnist_checksum(str(a), False)
    assert mnist_checksum(str(a), False) != mnist_checksum(str(b), False)
    assert mnist_checksum(str(tmp_path / "none"), False) == "no MNIST files"
    assert mnist_checksum(None, True) != mnist_checksum(str(a), False)


def test_job_json_round_trips_bytes_and_odd_names():
    from nngrade.autograder.plugin import StudentJob
    from nngrade.cluster.slot import job_from_json, job_to_json
    job = StudentJob("kim\udcff 김", {"loss": b"\x00\xff import numpy\n"}, {"loss": "hw/loss.py"},
                     cells={"loss": [[1, 2]]})
    text = job_to_json(job, {"late": True, "notes": ["a\nb"]})
    assert "\n" not in text
    back, extra = job_from_json(json.loads(text))
    assert (back.student_id, back.modules, back.file_names, back.cells) == \
           (job.student_id, job.modules, job.file_names, job.cells)
    assert extra == {"late": True, "notes": ["a\nb"]}


# ---- Slurm: the job script ------------------------------------------------------------------


def test_slurm_job_script(tmp_path):
    course_dir = tmp_path / "course"
    course_dir.mkdir()
    make_tls(course_dir / "tls")
    course_file(course_dir, CLUSTER_TABLE.replace("scheduler_port = 8786", "scheduler_port = 0\n"
                                                  'interface = "lo"'))
    done = nngrade(tmp_path, "cluster", "slurm", "--course", "course", "--print-script")
    assert done.returncode == 0, done.stderr
    script = done.stdout
    for directive in ("#SBATCH -J nngrade-worker", "#SBATCH -p teaching", "#SBATCH -n 1",
                      "#SBATCH --cpus-per-task=4", "#SBATCH --mem=15G", "#SBATCH -t 02:00:00",
                      "#SBATCH --account=nn101", "#SBATCH --qos=short"):
        assert directive in script, (directive, script)
    assert "module load python/3.11" in script
    assert f"export NNGRADE_COURSE={course_dir.resolve()}" in script
    command = next(line for line in script.splitlines() if "dask_worker" in line)
    assert command.startswith("/opt/nngrade/bin/python -m distributed.cli.dask_worker tls://127.0.0.1:")
    for option in (f"--tls-ca-file {course_dir.resolve() / 'tls' / 'ca.pem'}",
                   f"--tls-cert {course_dir.resolve() / 'tls' / 'node.pem'}",
                   f"--tls-key {course_dir.resolve() / 'tls' / 'node.key'}",
                   "--nthreads 1", "--nworkers 4", "--local-directory /scratch/nngrade",
                   "--protocol tls://"):
        assert option in command, (option, command)


def test_slurm_without_tls_is_refused_unless_insecure(tmp_path):
    course_file(tmp_path, "\n[cluster]\nscheduler_port = 0\ninterface = \"lo\"\n")
    done = nngrade(tmp_path, "cluster", "slurm", "--course", ".", "--print-script")
    line = one_line_error(done)
    assert "[cluster] needs tls_ca_file, tls_cert, tls_key" in line
    done = nngrade(tmp_path, "cluster", "slurm", "--course", ".", "--print-script", "--insecure")
    assert done.returncode == 0 and "tcp://127.0.0.1:" in done.stdout, done.stderr


def test_the_documented_cluster_table_loads(tmp_path):
    from test_docs_commands import doc_toml
    course = load_course(course_file(tmp_path, "\n" + doc_toml("cluster")))
    assert course.cluster_tls_key == "tls/node.key" and course.cluster_cores == 8
    assert course.cluster_job_extra_directives == ("--account=nn101",)


def test_only_a_set_that_trains_makes_the_mnist_files_matter():
    from nngrade.autograder.sets import SETS
    from nngrade.cluster.facts import trains_on_mnist
    trains = [s.id for s in SETS if trains_on_mnist([s.id])]
    assert len(trains) == 1 and trains[0].startswith("08")
