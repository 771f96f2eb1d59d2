"""`nngrade cluster slurm` on a real single-node Slurm: munged, slurmctld and slurmd started
here as root (Debian's slurm-wlm; private sockets, ports, spool and state in a temporary
folder, all ended by pid afterwards). The command submits a job through sbatch whose Dask
workers connect back over TLS; two students are graded through `--cluster`; Ctrl-C cancels
the job. The rendered job script alone: tests/test_cluster.py."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cluster_util import make_tls, wait_for
from conftest import REPO, tool_env
from nngrade.config import init_course

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def slurm(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("the Slurm test starts slurmctld and slurmd and needs root (CI runs as root)")
    for tool in ("munged", "slurmctld", "slurmd", "sbatch"):
        assert shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists(), \
            f"{tool} missing: apt-get install slurm-wlm (.ci/run does)"
    root = tmp_path / "slurm"
    for sub in ("ctld", "d", "log", "munge"):
        (root / sub).mkdir(parents=True)
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    sock = root / "munge" / "sock"
    procs = []
    subprocess.run(["/usr/sbin/munged", "--force", f"--key-file={key}", f"--socket={sock}",
                    f"--pid-file={root / 'munge' / 'pid'}", f"--log-file={root / 'munge' / 'log'}",
                    f"--seed-file={root / 'munge' / 'seed'}"], check=True)
    host = socket.gethostname().split(".")[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20 // 2
    conf = root / "slurm.conf"
    conf.write_text(f"""ClusterName=nngradetest
SlurmctldHost={host}
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={sock}
StateSaveLocation={root / 'ctld'}
SlurmdSpoolDir={root / 'd'}
SlurmctldPidFile={root / 'ctld.pid'}
SlurmdPidFile={root / 'd.pid'}
SlurmctldLogFile={root / 'log' / 'slurmctld.log'}
SlurmdLogFile={root / 'log' / 'slurmd.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName={host} CPUs={os.cpu_count()} RealMemory={memory} State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
""")
    env = dict(tool_env(), SLURM_CONF=str(conf))
    try:
        for daemon in ("slurmctld", "slurmd"):
            procs.append(subprocess.Popen([f"/usr/sbin/{daemon}", "-D", "-f", str(conf)], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
        started = time.monotonic()

        def idle():
            done = subprocess.run(["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True)
            return done.stdout.strip() == "idle"
        wait_for(idle, 60, "a single-node Slurm")
        print(f"single-node Slurm up in {time.monotonic() - started:.1f} s")
        yield env
    finally:
        subprocess.run(["scancel", "--user", "root"], env=env, capture_output=True)
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        pid = root / "munge" / "pid"
        if pid.exists():
            os.kill(int(pid.read_text()), signal.SIGTERM)


def test_workers_started_through_slurm_grade_a_class(tmp_path, slurm):
    course = init_course(tmp_path / "course", name="slurm", lang="en").parent
    make_tls(course / "tls")
    port = free_port()
    with open(course / "nngrade.toml", "a", encoding="utf-8") as f:
        f.write(f'''
[cluster]
tls_ca_file = "tls/ca.pem"
tls_cert = "tls/node.pem"
tls_key = "tls/node.key"
cores = 2
memory = "2GB"
walltime = "00:10:00"
partition = "debug"
job_extra_directives = ["--output={tmp_path}/slurm-%j.out"]
interface = "lo"
scheduler_port = {port}
''')
    holder = subprocess.Popen([sys.executable, "-m", "nngrade", "cluster", "slurm", "--course",
                               str(course), "--workers", "1"], env=slurm, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        first = holder.stdout.readline()
        assert first.startswith("scheduler: tls://127.0.0.1:"), first + holder.stderr.read()
        address = first.split()[1]
        subs = tmp_path / "subs"
        for sid in ("kim", "lee"):
            (subs / sid).mkdir(parents=True)
            shutil.copy(REPO / "solutions" / "03_loss" / "loss.py", subs / sid)
        done = subprocess.run([sys.executable, "-m", "nngrade", "grade", str(subs), "--out",
                               str(tmp_path / "out"), "--course", str(course), "--sets", "03",
                               "--no-progress", "--cluster", address], env=slurm, cwd=tmp_path,
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr + "".join(
            p.read_text() for p in tmp_path.glob("slurm-*.out"))
        assert done.stdout.startswith("graded 2, unchanged 0, failed 0"), done.stdout
        jobs = subprocess.run(["squeue", "-h", "-o", "%j %T"], env=slurm, capture_output=True,
                              text=True).stdout
        assert "nngrade-worker RUNNING" in jobs, jobs
    finally:
        holder.send_signal(signal.SIGINT)
        holder.communicate(timeout=60)
    # Ctrl-C cancelled the job
    wait_for(lambda: not subprocess.run(["squeue", "-h"], env=slurm, capture_output=True,
                                        text=True).stdout.strip(), 30, "the job to be cancelled")
