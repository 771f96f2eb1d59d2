"""The worker side: a Dask worker plugin that keeps one job slot, and the task that uses it.

The coordinator registers a :class:`SlotPlugin` for its run. On every worker (those connected
now and those that join later) the plugin starts ``python -m nngrade.cluster.slot`` with the
run's configuration, compares the slot's facts (kit, course files, MNIST data, Python and NumPy)
and its sandbox level with the coordinator's, and only then gives the worker the run's resource
(one unit): tasks need it, so a refused worker never gets a student and a slot never grades two
at once. :func:`grade_student` is the task: it hands the student's job (JSON text) to the slot
and returns the slot's answer as JSON text, never as an object built from a student's process.
"""
from __future__ import annotations

import asyncio
import json
import os
import threading

from distributed.diagnostics.plugin import WorkerPlugin

from nngrade.cluster import said_json
from nngrade.slot_process import SlotProcess
from nngrade.speech import cli

COURSE_ENV = "NNGRADE_COURSE"            # the course folder on this worker, when it is elsewhere
MNIST_ENV = "NNGRADE_MNIST_DIR"


def resource_name(run_id: str) -> str:
    return f"nngrade-{run_id}"


class SlotPlugin(WorkerPlugin):
    """One job slot per worker for one run (``name`` is the run's, so two runs never mix)."""

    def __init__(self, run_id: str, config_text: str):
        self.run_id = run_id
        self.name = f"nngrade-slot-{run_id}"
        self.config_text = config_text          # JSON: settings, expected facts, paths

    # ---- the worker's side; nothing below runs on the coordinator ----------------------------

    async def setup(self, worker):
        self.worker = worker
        self.lock = threading.Lock()
        self.proc = None
        self.closed = False
        self.state = {"state": "starting"}
        # starting the slot takes seconds: off the event loop, so heartbeats go on
        state = await asyncio.get_running_loop().run_in_executor(None, self._start)
        self.state = state
        if state["state"] == "ready":
            await worker.set_resources(**{resource_name(self.run_id): 1})

    def teardown(self, worker):
        # the run is over (or stopped): no restart, and the run's resource goes with the slot
        self.closed = True
        self._stop()
        worker.loop.add_callback(worker.set_resources, **{resource_name(self.run_id): 0})

    def _start(self) -> dict:
        config = json.loads(self.config_text)
        expected = config.pop("expected")
        config["course_dir"] = os.environ.get(COURSE_ENV) or config.get("course_dir")
        config["mnist_dir"] = os.environ.get(MNIST_ENV) or config.get("mnist_dir")
        # what student code must not see on this machine: the course and Dask's scratch space
        config["hide"] = [p for p in (config["course_dir"], getattr(self.worker, "local_directory", None))
                          if p and os.path.isdir(p)]
        self.proc = SlotProcess(config, expected)
        return self.proc.start()

    def _stop(self) -> None:
        proc = getattr(self, "proc", None)
        if proc is not None:
            proc.stop()

    def grade(self, job_text: str) -> str:
        """One student through the slot; the slot's answer as JSON text."""
        with self.lock:
            if self.closed:
                return json.dumps({"status": "slot-died",
                                   "why": said_json(cli("cluster-slot-ended"))})
            if self.proc is None or not self.proc.alive():
                # the slot died with an earlier student: a fresh one, checked again
                self.state = self._start()
                if self.state["state"] != "ready":
                    self.worker.loop.add_callback(self.worker.set_resources,
                                                  **{resource_name(self.run_id): 0})
                    return json.dumps({"status": "slot-died", "why": self.state.get("why")})
            return self.proc.grade(job_text)


def grade_student(plugin_name: str, job_text: str) -> str:
    """The Dask task: one student, graded by this worker's slot of the run."""
    from distributed import get_worker
    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)
    if plugin is None or getattr(plugin, "state", {}).get("state") != "ready":
        return json.dumps({"status": "slot-died", "why": said_json(cli("cluster-no-slot"))})
    return plugin.grade(job_text)


def worker_status(plugin_name: str, dask_worker=None) -> str:
    """For client.run: this worker's slot state as JSON text."""
    plugin = dask_worker.plugins.get(plugin_name) if dask_worker is not None else None
    if plugin is None:
        return json.dumps({"state": "starting"})
    state = getattr(plugin, "state", {"state": "starting"})
    return json.dumps({k: v for k, v in state.items() if k in ("state", "why", "sandbox")})
