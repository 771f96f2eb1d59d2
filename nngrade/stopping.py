"""Stopping a class run (Ctrl-C, SIGINT or SIGTERM to the grading process, or to its group).

The grading process turns SIGTERM into the same stop as SIGINT; on a stop it ends every job
slot (SIGTERM, then SIGKILL after a grace period), and each slot, on SIGTERM, kills its sandbox
(zygote, students, their uid's processes) and exits at once without a traceback. Slots ignore
SIGINT: a Ctrl-C to the terminal's process group is the grading process's to handle. OUT stays
consistent because every results.json is written atomically, last: a rerun resumes.
"""
from __future__ import annotations

import os
import signal
import time

STOP_GRACE_SECONDS = 3.0
_slots: list = []            # the job slot processes of the current run (grading process only)


class RunStopped(KeyboardInterrupt):
    """The run was stopped; str() is the one line to print."""

    def __init__(self, finished: int, total: int):
        from nngrade.speech import cli
        super().__init__(cli("run-stopped", finished=finished, total=total))
        self.finished, self.total = finished, total


def track(proc) -> None:
    """A job slot process the grading process must end on a stop."""
    _slots[:] = [p for p in _slots if p.is_alive()] + [proc]


def _raise_stop(signum, frame):
    raise KeyboardInterrupt


class stop_signals:
    """While a run goes on, SIGTERM stops it as SIGINT does (KeyboardInterrupt)."""

    def __enter__(self):
        _slots.clear()
        self._saved = signal.signal(signal.SIGTERM, _raise_stop)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGTERM, self._saved)


def end_slots() -> None:
    """End every job slot of the run (and, through them, their sandboxes)."""
    saved = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        live = [p for p in _slots if p.is_alive()]
        for p in live:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for p in live:
            p.join(timeout=max(0.0, deadline - time.monotonic()))
        for p in live:
            if p.is_alive():
                p.kill()
                p.join(timeout=2)
        _slots.clear()
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


def in_slot(get_pool) -> None:
    """Signals of a job slot: SIGINT ignored; SIGTERM kills the sandbox and exits now."""
    def stop(signum, frame):
        pool = get_pool()
        if pool is not None:
            try:
                pool.abandon()
            except Exception:
                pass
        os._exit(128 + signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
