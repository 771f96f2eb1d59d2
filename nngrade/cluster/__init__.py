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

from nngrade.autograder.messages import Said
from nngrade.speech import cli

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
        raise ClusterError(cli("cluster-needs-extra")) from None


def said_json(said) -> dict:
    """A sentence for the JSON between a worker and the coordinator: its structure (said again
    in the coordinator's language) and its English, for a kit whose catalogue lacks the key."""
    said = said if isinstance(said, Said) else Said.plain(str(said))
    return {**said.as_json(), "en": str(said)}


def said_from_json(data) -> Said:
    """The sentence of :func:`said_json` (a plain string is said as it is)."""
    if isinstance(data, Said):
        return data
    if isinstance(data, dict):
        try:
            return Said.from_json(data)
        except ValueError:
            return Said.plain(str(data.get("en") or data.get("text") or ""))
    return Said.plain("" if data is None else str(data))
