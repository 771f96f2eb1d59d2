"""The coordinator's bookkeeping, against a stand-in Dask client whose tasks end as scripted:
an answer Dask lost is asked for again without counting as an attempt; a job slot that dies is
retried once, then the student gets a result saying so; Dask's KilledWorker gives that result at
once; an answer naming another student is not written; every student is written exactly once.
(The real scheduler and workers: tests/test_cluster_real.py.)"""
from __future__ import annotations

import json

import pytest

from nngrade.autograder.plugin import StudentJob
from nngrade.autograder.results import build_results
from nngrade.autograder.sets import parse_sets
from nngrade.cluster import ClusterTarget
from nngrade.config import Course
from nngrade.grade import ClassRun, GradeOptions, RunSettings

SCRIPT = {
    "a-lost-then-done": ["lost", "died", "done"],
    "b-slot-dies-twice": ["died", "died"],
    "c-kills-workers": ["killed"],
    "d-wrong-student-then-done": ["other", "done"],
    "e-done": ["done"],
}


class Future:
    def __init__(self, status, value=None, exc=None):
        self.status, self.value, self.exc = status, value, exc

    def done(self):
        return True

    def result(self, timeout=None):
        return self.value

    def exception(self):
        return self.exc


class StandInClient:
    made: list = []

    def __init__(self, address, **kwargs):
        self.status = "running"
        self.script = {sid: list(steps) for sid, steps in SCRIPT.items()}
        self.submitted: list[str] = []
        self.cancelled = self.unregistered = False
        StandInClient.made.append(self)

    def register_plugin(self, plugin, name):
        self.plugin = plugin

    def run(self, fn, *args, on_error="raise"):
        return {"tcp://127.0.0.1:1": json.dumps({"state": "ready", "sandbox": {"level": "bwrap"}})}

    def submit(self, fn, plugin_name, job_text, key, resources, pure):
        from distributed.scheduler import KilledWorker
        data = json.loads(job_text)
        sid = data["job"]["student_id"]
        self.submitted.append(sid)
        step = self.script[sid].pop(0)
        if step == "lost":
            return Future("lost")
        if step == "killed":
            return Future("error", exc=KilledWorker.__new__(KilledWorker))
        if step == "died":
            return Future("finished", json.dumps({"status": "slot-died", "why": "exit code -9"}))
        student = "someone-else" if step == "other" else sid
        document = build_results(student, [], parse_sets(["01"]), lang="en", extra=data["extra"])
        return Future("finished", json.dumps({"status": "done", "student": student,
                                              "document": document}))

    def cancel(self, futures, force=False):
        self.cancelled = True

    def unregister_worker_plugin(self, name):
        self.unregistered = True

    def close(self, timeout=None):
        self.status = "closed"


def test_each_student_written_once_whatever_the_tasks_did(tmp_path, monkeypatch):
    import distributed
    import nngrade.grade as grade
    from nngrade.cluster.dispatch import run_on_cluster

    monkeypatch.setattr(distributed, "Client", StandInClient)
    written: list[str] = []
    real_write = grade.write_student_outputs

    def counting_write(document, student_dir, lang, pages=True):
        written.append(student_dir.name)
        real_write(document, student_dir, lang, pages=pages)
    monkeypatch.setattr(grade, "write_student_outputs", counting_write)

    sets = parse_sets(["01"])
    settings = RunSettings(sets=("01_activations",), salt="0123456789", lang="en",
                           out=str(tmp_path / "out"), submissions=str(tmp_path), overrides={},
                           sandbox_level=None, training_budget=120.0, late_policy="none",
                           late_penalty=0.0, fingerprints={}, probe_options={},
                           run_level={"level": "bwrap", "unavailable": {}, "notes": []})
    todo = [(StudentJob(sid, {"activations": b"x = 1\n"}), {"grading_key": sid, "notes": []})
            for sid in SCRIPT]
    options = GradeOptions(sets=sets, progress=False, cluster=ClusterTarget("tcp://127.0.0.1:1"))
    run = ClassRun(out=tmp_path / "out")
    run_on_cluster(todo, settings, options, run, None, Course(name="c", salt="0123456789"))

    client = StandInClient.made[-1]
    assert sorted(run.graded) == ["a-lost-then-done", "d-wrong-student-then-done", "e-done"]
    assert sorted(run.failed) == ["b-slot-dies-twice", "c-kills-workers"]
    assert sorted(written) == sorted(SCRIPT)                    # once each
    assert client.submitted.count("a-lost-then-done") == 3   # a lost answer is no attempt
    assert client.submitted.count("b-slot-dies-twice") == 2     # grade.MAX_ATTEMPTS
    assert client.submitted.count("c-kills-workers") == 1
    assert all(not steps for steps in client.script.values())
    crashed = json.loads((tmp_path / "out" / "b-slot-dies-twice" / "results.json").read_text())
    assert crashed["tests"][0]["name"] == "01_activations/grading/crashed"
    assert "exit code -9" in crashed["tests"][0]["output"]
    killed = json.loads((tmp_path / "out" / "c-kills-workers" / "results.json").read_text())
    assert "KilledWorker" in killed["tests"][0]["output"]
    d = json.loads((tmp_path / "out" / "d-wrong-student-then-done" / "results.json").read_text())
    assert d["extra_data"]["student"] == "d-wrong-student-then-done"
    assert client.unregistered and client.status == "closed"
