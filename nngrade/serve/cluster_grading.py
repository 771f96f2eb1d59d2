"""`nngrade serve --cluster ADDRESS`: the service's submissions graded on Dask workers.

The workers keep their job slots as in a class run on the cluster (cluster/worker.py: the run's
plugin starts one slot per worker after comparing its kit, course files and sandbox with this
machine's); the service sends each pending submission as a task and stores the document that
comes back. A task lost with its worker is sent again; a submission that kills two slots gets a
result saying so, as on local slots. Until one worker is usable the service answers /healthz
with 503.
"""
from __future__ import annotations

import json
import logging
import queue
import secrets
import threading
import time
from pathlib import Path

from nngrade.grade import MAX_ATTEMPTS
from nngrade.serve.grading import Grader

log = logging.getLogger("nngrade.serve")

STATUS_SECONDS = 3.0


class ClusterGrader(Grader):
    def __init__(self, course, store, target, **kwargs):
        super().__init__(course, store, 0, **kwargs)
        self.target = target
        self.client = None
        self.plugin = None
        self.workers = None
        self.futures: dict = {}                # future -> submission id
        self.thread: threading.Thread | None = None

    # healthz: one usable worker is enough; each ready worker is a job slot
    def ready_count(self) -> int:
        return len(self.workers.ready) if self.workers is not None else 0

    def healthy(self) -> bool:
        return self.ready_count() > 0 and not self.stopping

    def start(self) -> None:
        from distributed import Client
        from nngrade.cluster import ClusterError
        from nngrade.cluster.dispatch import CONNECT_SECONDS, _Workers, _first_line, _quiet_dask
        from nngrade.cluster.security import security_for
        from nngrade.errors import printable
        from nngrade.speech import cli
        _quiet_dask()
        security = security_for(self.target)
        self.settings = self._run_settings()
        try:
            self.client = Client(self.target.address, security=security, timeout=CONNECT_SECONDS,
                                 set_as_default=False, name="nngrade-serve")
        except Exception as exc:
            raise ClusterError(cli("cluster-cannot-connect", address=printable(self.target.address),
                                   why=printable(_first_line(exc)))) from None
        self._register()
        self.workers = _Workers(self.client, self.plugin.name, self.target.address)
        self.workers.wait_for_one(self.target.wait_seconds)
        self.jobs = len(self.workers.ready)
        for sid in self.store.pending():
            self.enqueue(sid)
        self.thread = threading.Thread(target=self._dispatch, name="cluster-dispatch", daemon=True)
        self.thread.start()

    def _register(self) -> None:
        from nngrade.cluster.dispatch import worker_config
        from nngrade.cluster.facts import local_facts
        from nngrade.cluster.worker import SlotPlugin
        course_dir = Path(self.course.path).resolve().parent if self.course.path else None
        expected = local_facts(self.settings.sets, course_dir, self.mnist_dir, False)
        self.run_id = secrets.token_hex(6)
        self.plugin = SlotPlugin(self.run_id, worker_config(self.settings, self.course, expected))
        self.client.register_plugin(self.plugin, name=self.plugin.name)

    def reload(self) -> None:
        """New suites: a new run on the workers (their slots start afresh with them)."""
        from nngrade.autograder.sets import reread_course_sets
        from nngrade.cluster.dispatch import _Workers
        reread_course_sets()
        self.settings = self._run_settings()
        old = self.plugin.name
        self._register()
        try:
            self.client.unregister_worker_plugin(old)
        except Exception:
            pass
        self.workers = _Workers(self.client, self.plugin.name, self.target.address)

    def _submit(self, sid: int) -> None:
        from nngrade.cluster.worker import grade_student, resource_name
        row = self.store.submission_by_id(sid)
        if row is None or row["state"] != "pending":
            return
        future = self.client.submit(grade_student, self.plugin.name, self.job_text(row),
                                    key=f"nngrade-serve-{self.run_id}-{sid}-{secrets.token_hex(3)}",
                                    resources={resource_name(self.run_id): 1}, pure=False)
        self.futures[future] = sid

    def _dispatch(self) -> None:
        from nngrade.cluster.dispatch import _outcome
        last_status = 0.0
        while not self.stopping:
            try:
                sid = self.queue.get(timeout=0.1)
            except queue.Empty:
                sid = None
            if sid is not None:
                with self.lock:
                    self.queued.discard(sid)
                try:
                    self._submit(sid)
                except Exception:
                    log.exception("sending submission %s to the cluster", sid)
                    self._later(sid)
            for future in [f for f in self.futures if f.done()]:
                sid = self.futures.pop(future)
                try:
                    self._finished(sid, _outcome(future))
                except Exception:
                    log.exception("storing submission %s", sid)
            if time.monotonic() - last_status > STATUS_SECONDS:
                last_status = time.monotonic()
                try:
                    self.workers.refresh()
                    self.jobs = len(self.workers.ready)
                    for future in self.workers.stranded(list(self.futures)):
                        sid = self.futures.pop(future)
                        self.client.cancel([future], force=True)
                        self._submit(sid)
                except Exception:
                    pass                      # the client reconnects on its own

    def _later(self, sid: int, seconds: float = 2.0) -> None:
        threading.Timer(seconds, self.enqueue, args=(sid,)).start()

    def _finished(self, sid: int, outcome: dict) -> None:
        row = self.store.submission_by_id(sid)
        if row is None or row["state"] != "pending":
            return
        if outcome.get("status") == "done" and isinstance(outcome.get("document"), dict) \
                and outcome.get("student") == row["student"]:
            self.store.record_result(sid, outcome["document"])
            self.on_graded(sid)
        elif outcome.get("status") in ("lost", "gone"):
            self._later(sid)                  # no fault of the student's: sent again
        elif self.store.count_try(sid) >= MAX_ATTEMPTS:
            self.store.record_result(sid, self.crash_document(row, outcome))
            self.on_graded(sid)
        else:
            self.enqueue(sid)

    def stop(self) -> None:
        self.stopping = True
        if self.client is not None:
            from nngrade.cluster.dispatch import _close
            _close(self.client, list(self.futures), self.plugin.name, cancel=True, stopped=True)
