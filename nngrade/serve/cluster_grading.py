"""`nngrade serve --cluster ADDRESS`: the service's submissions graded on Dask workers.

The workers keep their job slots as in a class run on the cluster (cluster/worker.py: the run's
plugin starts one slot per worker after comparing its kit, course files and sandbox with this
machine's); the service sends each pending submission as a task and stores the document that
comes back. One thread owns the Dask client and the tasks in flight:

- a task lost with its worker is sent again (once a usable worker is there, also one that
  joined later); a submission that kills two slots gets a result saying so, as on local slots;
- new suites (the class page's regrade) start a new run on the workers: their slots start
  afresh, and what was in flight is sent again to them;
- a scheduler that goes away (or restarts) is connected to again until it answers, then the
  run starts anew there and everything still pending is sent; meanwhile /healthz says 503,
  uploads are stored and wait.
"""
from __future__ import annotations

import logging
import queue
import secrets
import threading
import time

from nngrade.serve.grading import Grader

log = logging.getLogger("nngrade.serve")

STATUS_SECONDS = 3.0          # how often workers' slot states are looked at
RECONNECT_SECONDS = 5.0       # between tries to reach a scheduler that went away


class ClusterGrader(Grader):
    def __init__(self, course, store, target, **kwargs):
        super().__init__(course, store, 0, **kwargs)
        self.target = target
        self.client = None
        self.plugin = None
        self.run_id = ""
        self.workers = None
        self.futures: dict = {}                # future -> submission id (the dispatch thread's)
        self.run_generation = 0                # the suites' generation the workers' run has
        self.thread: threading.Thread | None = None

    # healthz: one usable worker is enough; each ready worker is a job slot
    def ready_count(self) -> int:
        workers, client = self.workers, self.client
        if workers is None or client is None or client.status != "running":
            return 0
        return len(workers.ready)

    def healthy(self) -> bool:
        return self.ready_count() > 0 and not self.stopping

    # ---- starting ------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect, start the run's slots on the workers and wait for one (a scheduler that
        cannot be reached, or no usable worker in [cluster] wait_seconds: one line, no start)."""
        from nngrade.cluster.dispatch import _quiet_dask
        _quiet_dask()
        self.settings = self._run_settings()
        self._connect()
        self.workers.wait_for_one(self.target.wait_seconds)
        self.jobs = len(self.workers.ready)
        for sid in self.store.pending():      # what a killed server had not graded
            self.enqueue(sid)
        self.thread = threading.Thread(target=self._dispatch, name="cluster-dispatch", daemon=True)
        self.thread.start()

    def _connect(self) -> None:
        from nngrade.cluster.dispatch import connect
        self.client = connect(self.target, "nngrade-serve")
        self._new_run()

    def _new_run(self) -> None:
        """The run's plugin on every worker (a new run id: slots start afresh with the suites as
        they are now); the previous run's slots end."""
        from nngrade.cluster.dispatch import _Workers, slot_plugin
        old = self.plugin.name if self.plugin is not None else None
        self.run_generation = self.generation
        self.plugin = slot_plugin(self.settings, self.course)
        self.run_id = self.plugin.run_id
        self.client.register_plugin(self.plugin, name=self.plugin.name)
        if old is not None:
            try:
                self.client.unregister_worker_plugin(old)
            except Exception:
                pass                          # a new scheduler never had it
        self.workers = _Workers(self.client, self.plugin.name, self.target.address)

    def reload(self) -> None:
        """New suites: read here; the dispatch thread starts the new run on the workers before
        it sends another submission."""
        from nngrade.autograder.sets import reread_course_sets
        if self.course.path is not None:
            reread_course_sets()
        self.settings = self._run_settings()
        self.generation += 1

    # ---- the dispatch thread -------------------------------------------------------------------

    def _dispatch(self) -> None:
        last_status = 0.0
        while not self.stopping:
            if self.client.status != "running":
                self._reach_scheduler()
                continue
            if self.generation != self.run_generation:
                in_flight = self._drop_in_flight()
                self._new_run()
                for sid in in_flight:         # no try counted: the run, not the submission, changed
                    self.enqueue(sid)
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
            self._collect()
            if time.monotonic() - last_status > STATUS_SECONDS:
                last_status = time.monotonic()
                self._look_at_workers()

    def _submit(self, sid: int) -> None:
        from nngrade.cluster.worker import grade_student, resource_name
        row = self.store.submission_by_id(sid)
        if row is None or row["state"] != "pending":
            return                          # deleted, or graded already
        # a fresh key each time: a key Dask lost must not be handed back as it was
        future = self.client.submit(grade_student, self.plugin.name, self.job_text(row),
                                    key=f"nngrade-serve-{self.run_id}-{sid}-{secrets.token_hex(3)}",
                                    resources={resource_name(self.run_id): 1}, pure=False)
        self.futures[future] = sid

    def _collect(self) -> None:
        from nngrade.cluster.dispatch import _outcome
        for future in [f for f in self.futures if f.done()]:
            sid = self.futures.pop(future)
            try:
                self._finished(sid, _outcome(future))
            except Exception:
                log.exception("storing submission %s", sid)

    def _finished(self, sid: int, outcome: dict) -> None:
        row = self.store.submission_by_id(sid)
        if row is None or row["state"] != "pending":
            return
        if outcome.get("status") in ("lost", "gone"):
            self._later(sid)                  # no fault of the student's: sent again
            return
        if outcome.get("student") != row["student"]:
            outcome = {"status": "slot-died"}  # an answer for someone else is no answer
        self.settle(sid, row, outcome)

    def _look_at_workers(self) -> None:
        try:
            self.workers.refresh()
            self.jobs = len(self.workers.ready)
            for sid in self.workers.stranded(self.futures):
                self._submit(sid)
        except Exception:
            pass                              # the client reconnects on its own, or is closed

    def _drop_in_flight(self) -> list[int]:
        """Cancel what the workers have of ours; the submissions it was grading."""
        sids = list(self.futures.values())
        if self.futures:
            try:
                self.client.cancel(list(self.futures), force=True)
            except Exception:
                pass                          # a scheduler that went away has none of it
        self.futures = {}
        return sids

    def _reach_scheduler(self) -> None:
        """The scheduler went away: a new client once it answers (the one Dask gave up on is
        closed), a new run there, and everything not graded sent again."""
        from nngrade.cluster.dispatch import GONE_SECONDS
        since = time.monotonic()
        while not self.stopping and self.client.status in ("connecting", "newly-created") \
                and time.monotonic() - since < GONE_SECONDS:
            time.sleep(0.2)                   # Dask's own reconnection, for a moment
        log.warning("the Dask scheduler at %s went away: connecting again", self.target.address)
        old = self.client
        try:
            old.close(timeout=2)
        except Exception:
            pass
        self._drop_in_flight()                # all sent again below, from the store
        while not self.stopping:
            try:
                self._connect()
                break
            except Exception as exc:
                if self.client is not old:    # connected, but the run could not start there
                    try:
                        self.client.close(timeout=2)
                    except Exception:
                        pass
                    self.client = old
                log.warning("the Dask scheduler does not answer yet: %s", exc)
                time.sleep(RECONNECT_SECONDS)
        if self.stopping:
            return
        log.warning("connected to the Dask scheduler at %s again", self.target.address)
        for sid in self.store.pending():
            self.enqueue(sid)

    def _later(self, sid: int, seconds: float = 2.0) -> None:
        timer = threading.Timer(seconds, self.enqueue, args=(sid,))
        timer.daemon = True
        timer.start()

    def stop(self) -> None:
        self.stopping = True
        if self.thread is not None:
            self.thread.join(timeout=5)
        if self.client is not None:
            from nngrade.cluster.dispatch import _close
            _close(self.client, list(self.futures), self.plugin.name if self.plugin else "",
                   cancel=True, stopped=True)
