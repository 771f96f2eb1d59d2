"""The coordinator of `nngrade grade --cluster ADDRESS`: students out as JSON text, results
back as JSON text, OUT written here exactly as a local run writes it.

Everything a local run decides is decided here, once (grade.grade_class: intake, resume keys,
the sandbox level); the workers only grade. A result is parsed with ``json`` and written through
grade.write_student_outputs (pages first, results.json last, atomically); the first result for a
student wins and a later one is ignored, so a student whose worker died and whose task Dask ran
again elsewhere is written once. A worker's slot that dies is retried as a local slot is
(grade.MAX_ATTEMPTS); a task whose workers keep dying (Dask's KilledWorker) gets a result saying
so. Losing the scheduler stops the run with one line; what was written stays, and a rerun
resumes.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import secrets
import sys
import time
from pathlib import Path

from nngrade.autograder.messages import Said
from nngrade.cluster import ClusterError, require_distributed, said_from_json
from nngrade.errors import printable
from nngrade.speech import cli, spoken, tell
from nngrade.terminal import shown

CONNECT_SECONDS = 10.0        # Dask retries a refused connection until then
POLL_SECONDS = 0.25
STATUS_SECONDS = 3.0          # how often workers' slot states are looked at (new workers too)
GONE_SECONDS = 10.0           # the scheduler unreachable this long: the run stops
# RunSettings fields that are the coordinator's own paths: a worker has its own
LOCAL_FIELDS = ("out", "submissions", "hide")


def worker_config(settings, course, expected: dict) -> str:
    from nngrade.cluster.slot import PROTOCOL
    fields = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)
              if f.name not in LOCAL_FIELDS}
    course_dir = str(Path(course.path).resolve().parent) if course.path else None
    return json.dumps({"protocol": PROTOCOL, "settings": fields, "course_dir": course_dir,
                       "mnist_dir": settings.probe_options.get("mnist_dir"),
                       "expected": expected})


class _Workers:
    """What the coordinator knows of the workers: usable ones, refused ones (said once)."""

    def __init__(self, client, plugin_name: str, address: str):
        self.client, self.plugin_name, self.address = client, plugin_name, address
        self.ready: dict[str, dict] = {}
        self.refused: dict[str, Said] = {}
        self.last = 0.0
        self.unplaced: set[str] = set()      # task keys no worker held at the last look

    def refresh(self) -> None:
        from nngrade.cluster.worker import worker_status
        self.last = time.monotonic()
        states = self.client.run(worker_status, self.plugin_name, on_error="return")
        present = set(states)
        for worker, text in states.items():
            if not isinstance(text, str):
                continue                     # a worker that went away while asked
            state = json.loads(text)
            if state.get("state") == "ready":
                self.ready[worker] = state
            elif state.get("state") == "refused" and worker not in self.refused:
                self.refused[worker] = said_from_json(state.get("why"))
                self.ready.pop(worker, None)
                print(tell("cluster-worker-refused", worker=printable(worker),
                           why=printable(spoken(self.refused[worker]))), file=sys.stderr)
        for gone in set(self.ready) - present:
            del self.ready[gone]

    def stranded(self, futures: dict) -> list:
        """What to send again, taken out of ``futures`` {future: what it grades} and cancelled:
        tasks waiting with no worker to run them while a usable worker is there. Dask places a
        waiting task on a worker that joins, but not on one that gets the run's resource after
        joining (as a slot does once it is up), so a task whose every worker died stays
        unplaced; one seen so at two looks in a row is stranded."""
        if not self.ready:
            self.unplaced = set()
            return []
        placed = {key for keys in self.client.processing().values() for key in keys}
        waiting = {f.key for f in futures if not f.done() and f.key not in placed}
        again = [f for f in futures if f.key in waiting & self.unplaced]
        self.unplaced = waiting - self.unplaced
        if again:
            self.client.cancel(again, force=True)
        return [futures.pop(future) for future in again]

    def wait_for_one(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            self.refresh()
            if self.ready:
                return
            if time.monotonic() > deadline:
                if self.refused:
                    raise ClusterError(cli("cluster-none-usable", address=printable(self.address),
                                           count=len(self.refused)))
                raise ClusterError(cli("cluster-none-joined", address=printable(self.address),
                                       seconds=seconds))
            time.sleep(1.0)


def connect(target, name: str):
    """A Dask client of ``target`` (a ClusterTarget); ClusterError in one line when the
    scheduler cannot be reached or the address is unsafe."""
    from distributed import Client
    from nngrade.cluster.security import security_for
    security = security_for(target)          # refuses an unsafe address before connecting
    try:
        return Client(target.address, security=security, timeout=CONNECT_SECONDS,
                      set_as_default=False, name=name)
    except Exception as exc:                  # OSError, TimeoutError, ssl errors ...
        raise ClusterError(cli("cluster-cannot-connect", address=printable(target.address),
                               why=printable(_first_line(exc)))) from None


def slot_plugin(settings, course):
    """A new run's SlotPlugin: its id, and the facts of this machine each worker's slot is
    compared with (kit, course files, MNIST data, sandbox)."""
    from nngrade.cluster.facts import local_facts
    from nngrade.cluster.worker import SlotPlugin
    course_dir = Path(course.path).resolve().parent if course.path else None
    expected = local_facts(settings.sets, course_dir, settings.probe_options.get("mnist_dir"),
                           bool(settings.probe_options.get("mnist_sample")))
    return SlotPlugin(secrets.token_hex(6), worker_config(settings, course, expected))


def run_on_cluster(todo, settings, options, run, console, course) -> None:
    """Grade ``todo`` [(StudentJob, extra)] on the cluster; fills ``run`` as _run_slots does."""
    require_distributed()
    from nngrade.autograder.sets import find_set
    from nngrade.cluster.slot import job_to_json
    from nngrade.cluster.worker import grade_student, resource_name
    from nngrade.grade import (MAX_ATTEMPTS, _crash_results, progress_bar, safe_dir_name,
                               write_student_outputs)

    target = options.cluster
    # Dask logs a lost connection, reconnects and retries at length; the run says it in one line
    _quiet_dask()
    plugin = slot_plugin(settings, course)
    client = connect(target, "nngrade")
    run_id = plugin.run_id
    resource = resource_name(run_id)
    sets = tuple(find_set(s) for s in settings.sets)
    jobs_by_id = {job.student_id: (job, extra) for job, extra in todo}
    attempts = {sid: 0 for sid in jobs_by_id}
    finished: set[str] = set()
    futures: dict = {}                        # future -> student id
    stopped = False

    serial = itertools.count()

    def submit(sid):
        attempts[sid] += 1
        job, extra = jobs_by_id[sid]
        # a fresh key each time: a key Dask lost must not be handed back as it was
        future = client.submit(grade_student, plugin.name, job_to_json(job, extra),
                               key=f"nngrade-{run_id}-{next(serial)}", resources={resource: 1},
                               pure=False)
        futures[future] = sid

    try:
        try:
            client.register_plugin(plugin, name=plugin.name)
        except Exception as exc:
            if client.status != "running":
                raise _gone(target.address, exc, 0, len(todo)) from None
            # a worker that cannot even load the plugin has no kit (or a broken one)
            raise ClusterError(cli("cluster-plugin-failed", address=printable(target.address),
                                   error=f"{type(exc).__name__}: "
                                         f"{printable(str(exc).splitlines()[0] if str(exc) else '')}")
                               ) from None
        workers = _Workers(client, plugin.name, target.address)
        try:
            workers.wait_for_one(target.wait_seconds)
        except ClusterError:
            raise
        except Exception as exc:
            raise _gone(target.address, exc, 0, len(todo)) from None
        first = next(iter(workers.ready.values()))
        run.sandbox = first.get("sandbox") or {}
        for job, _extra in todo:
            submit(job.student_id)
        unusable_since = lost_since = None
        with progress_bar(options, console, len(todo)) as (bar, task_id):
            def finish(sid, ok):
                finished.add(sid)
                (run.graded if ok else run.failed).append(sid)
                bar.advance(task_id)

            while len(finished) < len(todo):
                time.sleep(POLL_SECONDS)
                for future in [f for f in futures if f.done()]:
                    sid = futures.pop(future)
                    if sid in finished:
                        continue            # a second answer for a student already written
                    outcome = _outcome(future)
                    if outcome["status"] in ("done", "error") and outcome.get("student") != sid:
                        outcome = {"status": "slot-died",
                                   "why": Said("cluster-other-student")}
                    if outcome["status"] == "done":
                        document = outcome.get("document")
                        if not isinstance(document, dict):
                            raise ClusterError(cli("cluster-no-document", student=shown(sid)))
                        write_student_outputs(document, Path(settings.out) / safe_dir_name(sid),
                                              settings.lang, pages=settings.pages)
                        finish(sid, True)
                    elif outcome["status"] == "error":
                        print(tell("cluster-result-not-built", student=shown(sid),
                                   traceback=shown(outcome.get("traceback", ""))),
                              file=sys.stderr)
                        finish(sid, False)
                    elif outcome["status"] == "gone":
                        raise _gone(target.address, outcome.get("why"), len(finished), len(todo))
                    elif outcome["status"] == "lost":
                        attempts[sid] -= 1      # no fault of the student's: not an attempt
                        submit(sid)
                    elif attempts[sid] < MAX_ATTEMPTS and outcome["status"] == "slot-died":
                        submit(sid)         # as a local slot that died: once more
                    else:
                        why = said_from_json(outcome["why"]) if outcome.get("why") \
                            else Said("cluster-stopped-grader")
                        _crash_results(jobs_by_id[sid][0], why.to(settings.lang), settings, sets)
                        finish(sid, False)
                if time.monotonic() - workers.last > STATUS_SECONDS:
                    try:
                        workers.refresh()
                        for sid in workers.stranded(futures):
                            attempts[sid] -= 1  # no fault of the student's: not an attempt
                            submit(sid)
                    except Exception:
                        workers.last = time.monotonic()    # reconnecting: decided below
                    # students wait while no usable worker is left; not for ever
                    if workers.ready or client.status != "running":
                        unusable_since = None
                    elif unusable_since is None:
                        unusable_since = time.monotonic()
                    elif time.monotonic() - unusable_since > target.wait_seconds:
                        raise ClusterError(cli(
                            "cluster-none-left", address=printable(target.address),
                            seconds=target.wait_seconds, finished=len(finished), total=len(todo)))
                # the client reconnects on its own for a while; a scheduler away longer is gone
                if client.status == "running":
                    lost_since = None
                elif lost_since is None:
                    lost_since = time.monotonic()
                elif time.monotonic() - lost_since > GONE_SECONDS:
                    raise _gone(target.address, cli("cluster-stopped-answering"), len(finished),
                                len(todo))
    except KeyboardInterrupt:
        stopped = True
        raise
    finally:
        _close(client, list(futures), plugin.name, cancel=True, stopped=stopped)


def _quiet_dask() -> None:
    import distributed  # noqa: F401  (its logging configuration sets each logger's own level)
    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name.startswith("distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _outcome(future) -> dict:
    """A finished task as {"status": ...}: the slot's JSON answer, or what became of the task."""
    from distributed.scheduler import KilledWorker
    status = future.status
    if status == "finished":
        try:
            text = future.result(timeout=CONNECT_SECONDS)
        except Exception as exc:
            return {"status": "gone", "why": exc}
        try:
            message = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            message = None
        if not isinstance(message, dict) or "status" not in message:
            return {"status": "slot-died", "why": Said("cluster-malformed")}
        return message
    if status == "error":
        exc = future.exception()
        if isinstance(exc, KilledWorker):
            return {"status": "killed", "why": Said("cluster-killed")}
        return {"status": "slot-died", "why": Said("cluster-task-failed",
                                                   error=f"{type(exc).__name__}: {exc}")}
    if status == "lost":
        # done, but its answer was held by a worker that died before it was fetched
        return {"status": "lost"}
    # cancelled: the scheduler forgot the task (it went away)
    return {"status": "gone", "why": cli("cluster-task-was", status=str(status))}


def _first_line(exc) -> str:
    """An exception's (a library's) first line, or its type's name."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _gone(address: str, why, finished: int, total: int) -> ClusterError:
    if isinstance(why, Said):
        said = why                             # the coordinator's own words
    else:
        line = _first_line(why)
        if isinstance(why, (OSError, TimeoutError)) or "closing" in line.lower() \
                or "closed" in line.lower():
            said = cli("cluster-stopped-answering")   # Dask's words name its connection pool
        else:
            said = Said.plain(printable(line))     # a library's message, as it is
    return ClusterError(cli("cluster-lost", address=printable(address), why=said,
                            finished=finished, total=total))


def _close(client, futures, plugin_name: str, cancel: bool, stopped: bool) -> None:
    """Cancel what is left, end the run's job slots on every worker, disconnect; quickly, and
    quietly when the scheduler is already gone."""
    if client.status == "running":
        try:
            if cancel and futures:
                client.cancel(futures, force=True)
            # teardown ends each worker's slot (a student mid-way: its sandbox is killed)
            client.unregister_worker_plugin(plugin_name)
        except Exception:
            pass
    try:
        client.close(timeout=5)
    except Exception:
        pass


def cluster_target(args, course):
    """The ClusterTarget of `nngrade grade --cluster`: flags over the course's [cluster] table
    (its paths relative to the course folder); an unsafe address is refused here, before any
    student is read."""
    from nngrade.cluster import ClusterTarget
    from nngrade.cluster.security import security_for
    require_distributed()
    base = Path(course.path).resolve().parent if course.path else Path.cwd()

    def path(flag, key):
        if flag is not None:
            return Path(flag)                  # as typed: relative to where the command runs
        value = getattr(course, key)
        return None if value is None else base / Path(value).expanduser()

    target = ClusterTarget(address=args.cluster, insecure=args.insecure,
                           tls_ca_file=path(args.tls_ca_file, "cluster_tls_ca_file"),
                           tls_cert=path(args.tls_cert, "cluster_tls_cert"),
                           tls_key=path(args.tls_key, "cluster_tls_key"),
                           wait_seconds=course.cluster_wait_seconds)
    if security_for(target) is None and target.insecure:
        from nngrade.cluster.security import is_loopback, split_address
        if not is_loopback(split_address(target.address)[1]):
            print(tell("cluster-insecure", address=printable(target.address)), file=sys.stderr)
    return target
