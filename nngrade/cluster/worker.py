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
import select
import subprocess
import sys
import threading
import time

from distributed.diagnostics.plugin import WorkerPlugin

from nngrade.cluster import said_from_json, said_json
from nngrade.speech import cli

SETUP_SECONDS = 180.0          # sandbox start (three tries) and the suites' collection, with room
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
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "nngrade.cluster.slot"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=None, text=True, encoding="utf-8", env=env)
            self.proc.stdin.write(json.dumps(config) + "\n")
            self.proc.stdin.flush()
            deadline = time.monotonic() + SETUP_SECONDS
            facts = self._read(deadline)
            if "facts" not in facts:
                return self._refuse(said_from_json(facts["failed"]) if facts.get("failed")
                                    else cli("cluster-slot-not-started"))
            from nngrade.cluster.facts import difference, sandbox_difference
            why = difference(expected, facts["facts"])
            if why:
                return self._refuse(why)
            self.proc.stdin.write('"go"\n')
            self.proc.stdin.flush()
            started = self._read(deadline)
            if "sandbox" not in started:
                return self._refuse(cli("cluster-slot-no-sandbox",
                                        why=said_from_json(started["failed"])
                                        if started.get("failed") else cli("cluster-no-answer")))
            why = sandbox_difference(config["settings"]["run_level"], started["sandbox"])
            if why:
                return self._refuse(why)
            return {"state": "ready", "sandbox": started["sandbox"], "facts": facts["facts"]}
        except (OSError, ValueError) as exc:
            return self._refuse(cli("cluster-slot-not-started-because", error=str(exc)))

    def _read(self, deadline: float) -> dict:
        """The slot's next message (JSON line), or {"failed": why}."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return {"failed": said_json(cli("cluster-slot-silent", seconds=SETUP_SECONDS))}
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    return {"failed": said_json(cli("cluster-slot-exited",
                                                    code=self.proc.wait()))}
                message = json.loads(line)
                return message if isinstance(message, dict) else {
                    "failed": said_json(cli("cluster-slot-malformed"))}

    def _refuse(self, why) -> dict:
        """The refused state; ``why`` (a Said) goes to the coordinator as JSON (said_json)."""
        self._stop()
        return {"state": "refused", "why": said_json(why)}

    def _stop(self) -> None:
        proc, self.proc = getattr(self, "proc", None), None
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.stdin.close()                    # a slot between students ends by itself
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.terminate()                      # mid-student: the slot kills its sandbox
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def grade(self, job_text: str) -> str:
        """One student through the slot; the slot's answer as JSON text."""
        with self.lock:
            if self.closed:
                return json.dumps({"status": "slot-died",
                                   "why": said_json(cli("cluster-slot-ended"))})
            if self.proc is None or self.proc.poll() is not None:
                # the slot died with an earlier student: a fresh one, checked again
                self.state = self._start()
                if self.state["state"] != "ready":
                    self.worker.loop.add_callback(self.worker.set_resources,
                                                  **{resource_name(self.run_id): 0})
                    return json.dumps({"status": "slot-died", "why": self.state.get("why")})
            student = json.loads(job_text)["job"]["student_id"]
            try:
                self.proc.stdin.write(job_text.replace("\n", " ") + "\n")
                self.proc.stdin.flush()
                while True:
                    line = self.proc.stdout.readline()
                    if not line:
                        break
                    message = json.loads(line)
                    if isinstance(message, dict) and message.get("student") == student:
                        return line.strip()
            except (OSError, ValueError):
                pass
            code = self.proc.wait() if self.proc is not None else None
            return json.dumps({"status": "slot-died",
                               "why": said_json(cli("cluster-slot-exited", code=str(code)))})


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
