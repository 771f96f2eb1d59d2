"""Grading a class on a Dask cluster (``nngrade grade ... --cluster ADDRESS``) and starting
workers through Slurm (``nngrade cluster slurm``).

The coordinator (``dispatch.py``) is the instructor's `nngrade grade` process: it reads the
class, decides everything a local run decides (salt, sets, the one sandbox level), then sends
each student to a worker as JSON text and writes OUT itself from the JSON text it gets back. On
each worker a plugin (``worker.py``) keeps one job slot in a process of its own
(``python -m nngrade.cluster.slot``), which grades exactly as a local job slot does. Before a
worker gets any student, its kit, course files, MNIST data and sandbox are compared with the
coordinator's (``facts.py``). ``security.py`` decides which addresses need TLS.

Needs the ``cluster`` extra (``distributed``, ``dask-jobqueue``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

WAIT_SECONDS = 60.0     # how long a run waits for a usable worker before it gives up


@dataclass(frozen=True)
class ClusterTarget:
    """Where and how `nngrade grade --cluster` connects (command line over the [cluster] table)."""
    address: str
    tls_ca_file: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    insecure: bool = False
    wait_seconds: float = WAIT_SECONDS


class ClusterError(ValueError):
    """A cluster problem the user can act on (an address, a certificate, no usable worker);
    the message is the one line printed."""


def require_distributed() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError("grading on a cluster needs the cluster extra: "
                           "pip install 'nngrade[cluster]'") from None
