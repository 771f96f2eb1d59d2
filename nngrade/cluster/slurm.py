"""`nngrade cluster slurm`: Dask workers as Slurm jobs (dask-jobqueue's SLURMCluster).

This process holds the Dask scheduler; each Slurm job runs ``[cluster] cores`` single-threaded
Dask workers (one job slot, one student at a time each) with the kit's Python, connecting back
over TLS. `nngrade grade ... --cluster ADDRESS` (in another terminal) then grades on them; the
workers get everything else (salt, sets, suites' settings) from that run, so the job script
holds no secret but the paths of the workers' certificates. ``--print-script`` prints the job
script and submits nothing.
"""
from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

from nngrade.cluster import ClusterError, require_distributed
from nngrade.errors import printable
from nngrade.speech import cli, tell

IDLE_SECONDS = 3600 * 24 * 7      # the scheduler waits for Ctrl-C, not for ever


def _course_path(course, value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else Path(course.path).resolve().parent / path)


def slurm_security(course, insecure: bool = False):
    """Security for the scheduler held here (the instructor's certificate) and for the workers
    (their own, or the same), all signed by the course's CA; None only with ``insecure``."""
    files = {k: _course_path(course, getattr(course, f"cluster_{k}"))
             for k in ("tls_ca_file", "tls_cert", "tls_key", "worker_tls_cert", "worker_tls_key")}
    missing = [k for k in ("tls_ca_file", "tls_cert", "tls_key") if files[k] is None]
    if missing:
        if insecure:
            return None
        raise ClusterError(cli("cluster-slurm-needs-tls", path=printable(course.path),
                               missing=", ".join(missing)))
    from nngrade.cluster.security import _readable_file
    from distributed.security import Security
    _readable_file(Path(files["tls_ca_file"]), "[cluster] tls_ca_file")
    _readable_file(Path(files["tls_cert"]), "[cluster] tls_cert")
    _readable_file(Path(files["tls_key"]), "[cluster] tls_key", private=True)
    return Security(tls_ca_file=files["tls_ca_file"],
                    tls_scheduler_cert=files["tls_cert"], tls_scheduler_key=files["tls_key"],
                    tls_client_cert=files["tls_cert"], tls_client_key=files["tls_key"],
                    tls_worker_cert=files["worker_tls_cert"] or files["tls_cert"],
                    tls_worker_key=files["worker_tls_key"] or files["tls_key"],
                    require_encryption=True)


def slurm_cluster(course, security):
    """The SLURMCluster the course's [cluster] table describes (its scheduler starts here)."""
    require_distributed()
    from dask_jobqueue import SLURMCluster
    worker_course = course.cluster_worker_course or str(Path(course.path).resolve().parent)
    prologue = list(course.cluster_job_script_prologue)
    # the workers' job slots load the course's own sets from here (facts.py compares them)
    prologue.append(f"export NNGRADE_COURSE={shlex.quote(worker_course)}")
    scheduler_options = {"port": course.cluster_scheduler_port}
    if course.cluster_interface:
        scheduler_options["interface"] = course.cluster_interface
    kwargs = dict(
        cores=course.cluster_cores,
        processes=course.cluster_cores,      # one single-threaded worker (one job slot) per core
        memory=course.cluster_memory,
        walltime=course.cluster_walltime,
        queue=course.cluster_partition,
        job_extra_directives=list(course.cluster_job_extra_directives),
        job_script_prologue=prologue,
        python=course.cluster_python or sys.executable,
        local_directory=course.cluster_local_directory,
        scheduler_options=scheduler_options,
        job_name="nngrade-worker",
        security=security,
        protocol="tls://" if security is not None else "tcp://",
    )
    try:
        return SLURMCluster(**kwargs)
    except Exception as exc:       # a bad certificate, a port in use, an unknown interface ...
        cause = exc.__cause__ or exc
        raise ClusterError(cli("cluster-scheduler-not-started", path=printable(course.path),
                               why=printable(str(cause).splitlines()[0] if str(cause)
                                             else type(cause).__name__))) from None


def run_slurm(course, workers: int = 1, print_script: bool = False, insecure: bool = False,
              stop_after: float = IDLE_SECONDS) -> int:
    if workers < 1:
        raise ClusterError(cli("cluster-workers-at-least", workers=workers))
    security = slurm_security(course, insecure)
    cluster = slurm_cluster(course, security)
    try:
        if print_script:
            print(cluster.job_script())
            return 0
        import shutil
        if shutil.which("sbatch") is None:
            raise ClusterError(cli("cluster-no-sbatch"))
        cluster.scale(jobs=workers)
        print(tell("cluster-scheduler", address=cluster.scheduler_address), flush=True)
        command = (f"nngrade grade SUBMISSIONS --out OUT --course {shlex.quote(str(course.path))} "
                   f"--cluster {cluster.scheduler_address}")
        print(tell("cluster-submitted", workers=workers, cores=course.cluster_cores,
                   command=command), flush=True)
        print(tell("cluster-ctrl-c"), flush=True)
        deadline = time.monotonic() + stop_after
        while time.monotonic() < deadline:
            time.sleep(1.0)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.close()      # scancel's the jobs
