"""A cluster worker's job slot: ``python -m nngrade.cluster.slot``, one process per worker.

A Dask worker is a threaded process, so its job slot is a fresh process of its own, started by
the worker's plugin (worker.py) and spoken to in JSON lines over a pipe: the plugin writes the
run's configuration, then one job at a time; the slot answers with its facts, its sandbox, and
each student's results document. The slot grades with the local run's own loop
(grade.run_slot): same sandbox level, limits, suites and document; only the writing of OUT is
left to the coordinator. Nothing here is unpickled: every message is JSON.
"""
from __future__ import annotations

import base64
import json
import os
import signal
import sys
import traceback
from dataclasses import replace
from pathlib import Path

PROTOCOL = 1


def job_to_json(job, extra: dict) -> str:
    """A student's job as plain data (sources base64) for the pipe and the Dask task."""
    return json.dumps({"job": {"student_id": job.student_id,
                               "modules": {k: base64.b64encode(v).decode("ascii")
                                           for k, v in job.modules.items()},
                               "file_names": job.file_names, "cells": job.cells,
                               "sets": list(job.sets) if job.sets is not None else None,
                               "lang": job.lang},
                       "extra": extra})


def job_from_json(data: dict):
    from nngrade.autograder.plugin import StudentJob
    job = data["job"]
    return StudentJob(job["student_id"],
                      {k: base64.b64decode(v) for k, v in job["modules"].items()},
                      dict(job["file_names"]), cells=dict(job["cells"]),
                      sets=tuple(job["sets"]) if job.get("sets") is not None else None,
                      lang=job.get("lang")), \
        dict(data["extra"])


def _end_with_parent() -> None:
    """The slot ends when the worker that started it dies (SIGKILL included): SIGTERM to itself,
    whose handler (stopping.in_slot) kills the sandbox. A thread watching the parent pid, since
    PR_SET_PDEATHSIG would fire when the worker's *thread* that started the slot ends."""
    import threading
    import time
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main() -> int:
    # the pipe is ours alone: pytest, numpy or a sandbox message printing to stdout must not
    # break a line of the protocol
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    _end_with_parent()

    def send(message: dict) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    config = json.loads(requests.readline() or "{}")
    if config.get("protocol") != PROTOCOL:
        from nngrade.cluster import said_json
        from nngrade.speech import cli
        send({"failed": said_json(cli("cluster-protocol", got=repr(config.get("protocol")),
                                      speaks=PROTOCOL))})
        return 2

    from nngrade import stopping
    from nngrade.autograder.sets import add_sets_dir, find_set
    from nngrade.cluster.facts import local_facts
    from nngrade.config import COURSE_SETS_DIR
    from nngrade.grade import RunSettings, job_sets, run_slot, student_document

    course_dir = Path(config["course_dir"]) if config.get("course_dir") else None
    if course_dir is not None and (course_dir / COURSE_SETS_DIR).is_dir():
        add_sets_dir(course_dir / COURSE_SETS_DIR)       # the course's own sets, as load_course
    raw = dict(config["settings"])
    raw["probe_options"] = dict(raw["probe_options"], mnist_dir=config.get("mnist_dir"))
    send({"facts": local_facts(raw["sets"], course_dir, config.get("mnist_dir"),
                               bool(raw["probe_options"].get("mnist_sample")))})
    if requests.readline().strip() != '"go"':        # the plugin refused this worker
        return 0
    settings = RunSettings(**{**raw, "sets": tuple(raw["sets"]), "out": "", "submissions": "",
                              "hide": tuple(config.get("hide") or ())})
    sets = tuple(find_set(s) for s in settings.sets)
    held: dict = {}
    stopping.in_slot(lambda: held.get("pool"))

    def next_task():
        line = requests.readline()
        if not line.strip():
            return None                  # the plugin closed the pipe: the run is over
        return job_from_json(json.loads(line))

    def finished(job, outcomes, seconds, extra):
        try:
            document = student_document(job, outcomes, seconds, extra,
                                        replace(settings, lang=job.lang or settings.lang),
                                        job_sets(job, sets))
            send({"status": "done", "student": job.student_id, "document": document})
        except Exception:
            send({"status": "error", "student": job.student_id,
                  "traceback": traceback.format_exc()})

    why = run_slot(int(config.get("slot", 0)), settings, next_task, finished,
                   lambda description: send({"sandbox": description}), held)
    if why is not None:
        from nngrade.cluster import said_json
        send({"failed": said_json(why)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
