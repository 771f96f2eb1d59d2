"""A job slot in a process of its own (``python -m nngrade.cluster.slot``), spoken to in JSON lines.

Used where the process that hands out students must not be the one that grades them, or cannot
fork one: a Dask worker (cluster/worker.py) and the web service (serve/). The slot gets the run's
configuration, answers with its facts, is told to go, opens its sandbox, and then grades one job
at a time, answering each with the student's results document. Everything that crosses the pipe
is JSON; nothing from the slot is unpickled.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

from nngrade.speech import cli

SETUP_SECONDS = 180.0          # sandbox start (three tries) and the suites' collection, with room


def said_json(said) -> dict:
    from nngrade.cluster import said_json as as_json
    return as_json(said)


def said_from_json(data):
    from nngrade.cluster import said_from_json as from_json
    return from_json(data)


class SlotProcess:
    """One slot process: ``start()`` → {"state": "ready" | "refused", ...}; ``grade(job_text)``
    → the slot's answer as JSON text ({"status": "done", "document": ...}, or "slot-died")."""

    def __init__(self, config: dict, expected: dict | None = None, env: dict | None = None):
        self.config = config            # the slot's first line (protocol, settings, paths, hide)
        self.expected = expected        # facts the slot must have (a cluster's coordinator's)
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> dict:
        self.stop()
        env = dict(self.env if self.env is not None else os.environ, PYTHONUNBUFFERED="1")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "nngrade.cluster.slot"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=None, text=True, encoding="utf-8", env=env)
            self.proc.stdin.write(json.dumps(self.config) + "\n")
            self.proc.stdin.flush()
            deadline = time.monotonic() + SETUP_SECONDS
            facts = self._read(deadline)
            if "facts" not in facts:
                return self._refuse(said_from_json(facts["failed"]) if facts.get("failed")
                                    else cli("cluster-slot-not-started"))
            from nngrade.cluster.facts import difference, sandbox_difference
            if self.expected is not None:
                why = difference(self.expected, facts["facts"])
                if why:
                    return self._refuse(why)
            self.proc.stdin.write('"go"\n')
            self.proc.stdin.flush()
            started = self._read(deadline)
            if "sandbox" not in started:
                return self._refuse(cli("cluster-slot-no-sandbox",
                                        why=said_from_json(started["failed"])
                                        if started.get("failed") else cli("cluster-no-answer")))
            why = sandbox_difference(self.config["settings"]["run_level"], started["sandbox"])
            if why:
                return self._refuse(why)
            return {"state": "ready", "sandbox": started["sandbox"], "facts": facts["facts"]}
        except (OSError, ValueError) as exc:
            return self._refuse(cli("cluster-slot-not-started-because", error=str(exc)))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

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
        """The refused state; ``why`` (a Said) as JSON (said_json)."""
        self.stop()
        return {"state": "refused", "why": said_json(why)}

    def stop(self) -> None:
        proc, self.proc = self.proc, None
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
        """One student through a started slot; the slot's answer as JSON text. A slot that died
        answers "slot-died" (its caller decides whether to start a fresh one)."""
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
        except (OSError, ValueError, AttributeError):
            pass
        code = self.proc.wait() if self.proc is not None else None
        return json.dumps({"status": "slot-died",
                           "why": said_json(cli("cluster-slot-exited", code=str(code)))})
