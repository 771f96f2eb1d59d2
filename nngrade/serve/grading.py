"""The service's warm job slots: each a ``python -m nngrade.cluster.slot`` process kept running,
fed the pending submissions one at a time.

A slot is the same grading loop as `nngrade grade` (the sandbox level of the run, limits, suites,
results document); the service only turns a stored upload into a job (intake/upload.py) and
stores the document it gets back. A submission whose grading kills its slot twice gets a result
saying so, like a class run's. The slots start in the background: /healthz says 200 once all are
up.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import queue
import threading
import time
from pathlib import Path

from nngrade.autograder.messages import in_language
from nngrade.grade import MAX_ATTEMPTS, RunSettings, grader_digest, grading_key
from nngrade.slot_process import SlotProcess

log = logging.getLogger("nngrade.serve")

# RunSettings fields a slot has of its own (as a cluster worker's)
LOCAL_FIELDS = ("out", "submissions", "hide")


class Grader:
    def __init__(self, course, store, jobs: int, hide: list[str], on_graded=None,
                 mnist_dir: str | None = None, sandbox_level: str | None = None):
        self.course, self.store, self.jobs = course, store, jobs
        self.hide = hide
        self.on_graded = on_graded or (lambda sid: None)
        self.mnist_dir = mnist_dir
        self.sandbox_level = sandbox_level
        self.queue: queue.Queue = queue.Queue()
        self.queued: set[int] = set()
        self.lock = threading.Lock()
        self.ready = [False] * jobs
        self.failed: list = []
        self.stopping = False
        self.slots: list[SlotProcess | None] = [None] * jobs
        self.threads: list[threading.Thread] = []
        self.settings: RunSettings | None = None
        self.grader = ""
        self.generation = 0              # bumped when the suites are read again (reload)

    # ---- starting ------------------------------------------------------------------------------

    def _run_settings(self) -> RunSettings:
        from nngrade.autograder.fingerprints import cached_fingerprints
        from nngrade.runlevel import choose_run_level, shared_uid_allowed
        course = self.course
        self.grader = grader_digest()
        return RunSettings(
            sets=tuple(course.sets), salt=course.salt, lang=course.lang, out="", submissions="",
            overrides={}, sandbox_level=self.sandbox_level,
            training_budget=course.mnist_budget_cpu_seconds,
            late_policy=course.late_policy, late_penalty=course.late_penalty,
            fingerprints=cached_fingerprints(list(course.sets), self.grader),
            probe_options={"mnist_budget": course.mnist_budget_cpu_seconds,
                           "mnist_dir": self.mnist_dir, "mnist_sample": False},
            hide=tuple(self.hide),
            run_level=choose_run_level(self.sandbox_level, list(self.hide),
                                       allow_shared_uid=shared_uid_allowed(False)))

    def start(self) -> None:
        """Decide the run's sandbox level here (it raises RunRefused in one line), then start
        the slots in the background."""
        self.settings = self._run_settings()
        for sid in self.store.pending():     # what a killed server had not graded
            self.enqueue(sid)
        for slot in range(self.jobs):
            thread = threading.Thread(target=self._slot_loop, args=(slot,), daemon=True,
                                      name=f"job-slot-{slot}")
            thread.start()
            self.threads.append(thread)

    def _slot_config(self, slot: int) -> dict:
        from nngrade.cluster.slot import PROTOCOL
        fields = {f.name: getattr(self.settings, f.name)
                  for f in dataclasses.fields(self.settings) if f.name not in LOCAL_FIELDS}
        course_dir = str(Path(self.course.path).resolve().parent) if self.course.path else None
        return {"protocol": PROTOCOL, "settings": fields, "course_dir": course_dir,
                "mnist_dir": self.mnist_dir, "hide": list(self.hide), "slot": slot}

    def _open(self, slot: int) -> SlotProcess | None:
        process = SlotProcess(self._slot_config(slot))
        state = process.start()
        if state["state"] != "ready":
            from nngrade.slot_process import said_from_json
            why = said_from_json(state.get("why"))
            log.error("job slot %d did not start: %s", slot, why)
            self.failed.append(why)
            return None
        return process

    def healthy(self) -> bool:
        return all(self.ready) and not self.stopping

    def ready_count(self) -> int:
        return sum(self.ready)

    # ---- grading -------------------------------------------------------------------------------

    def enqueue(self, sid: int) -> None:
        with self.lock:
            if sid in self.queued:
                return
            self.queued.add(sid)
        self.queue.put(sid)

    def reload(self) -> None:
        """Read the suites, sets and mistake models again (an instructor changed them): the
        grader's digest and fingerprints are computed anew, and each slot starts afresh
        before its next submission."""
        from nngrade.autograder.sets import reread_course_sets
        if self.course.path is not None:
            reread_course_sets()
        self.settings = self._run_settings()
        self.generation += 1

    def _slot_loop(self, slot: int) -> None:
        process, generation = None, self.generation
        while not self.stopping:
            if process is None or not process.alive():
                self.ready[slot] = False
                generation = self.generation
                process = self._open(slot)
                self.slots[slot] = process
                if process is None:
                    time.sleep(5.0)          # the sandbox could not start: try again later
                    continue
                self.ready[slot] = True
            sid = self.queue.get()
            if sid is None:
                break
            with self.lock:
                self.queued.discard(sid)
            if generation != self.generation:     # the suites changed since this slot started
                process.stop()
                self.ready[slot] = False
                generation = self.generation
                process = self._open(slot)
                self.slots[slot] = process
                if process is None:
                    self.enqueue(sid)
                    continue
                self.ready[slot] = True
            try:
                self._grade(process, sid)
            except Exception:                 # a bug must not end the slot: the next one waits
                log.exception("grading submission %s", sid)
        if process is not None:
            process.stop()

    def job_text(self, row) -> str:
        from nngrade.autograder.plugin import StudentJob
        from nngrade.cluster.slot import job_to_json
        from nngrade.intake.upload import read_upload
        sub = read_upload(row["student"], self.store.files(row["id"]), late=bool(row["late"]))
        lang = row["lang"]
        key = grading_key(sub.digest, self.course, lang, [_SetId(row["set_id"])], {},
                          self.grader)
        extra = {"grading_key": key, "submission_digest": sub.digest, "late": bool(row["late"]),
                 "display_name": None,
                 "notes": [in_language(n, lang) for n in sub.notes],
                 "problems": [in_language(p, lang) for p in sub.problems],
                 "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["received"])),
                 "course": self.course.name, "attempt": row["token"]}
        job = StudentJob(row["student"], dict(sub.modules), dict(sub.file_names),
                         cells=dict(sub.cells), sets=(row["set_id"],), lang=lang)
        return job_to_json(job, extra)

    def _grade(self, process: SlotProcess, sid: int) -> None:
        row = self.store.submission_by_id(sid)
        if row is None or row["state"] != "pending":
            return                          # deleted, or graded by an earlier run
        answer = json.loads(process.grade(self.job_text(row)))
        if not self.settle(sid, row, answer):
            process.stop()                  # it died, or answered nonsense: a fresh slot

    def settle(self, sid: int, row, answer: dict) -> bool:
        """A slot's answer for a stored submission: its document kept (True), or one more try,
        and after MAX_ATTEMPTS a result saying the grading died."""
        if answer.get("status") == "done" and isinstance(answer.get("document"), dict):
            self.store.record_result(sid, answer["document"])
            self.on_graded(sid)
            return True
        if self.store.count_try(sid) >= MAX_ATTEMPTS:
            self.store.record_result(sid, self.crash_document(row, answer))
            self.on_graded(sid)
        else:
            self.enqueue(sid)
        return False

    def crash_document(self, row, answer) -> dict:
        from nngrade.autograder.results import TestOutcome, build_results
        from nngrade.autograder.sets import find_set
        from nngrade.slot_process import said_from_json
        from nngrade.speech import cli
        lang = row["lang"]
        reason = in_language(cli("serve-slot-died", why=said_from_json(answer.get("why"))), lang) \
            if answer.get("why") else in_language(cli("serve-slot-died-silently"), lang)
        outcome = TestOutcome(f"{row['set_id']}/grading/crashed", row["set_id"], "grading",
                              "crashed", 0.0, "visible", False, reason, status="grader-crash")
        return build_results(row["student"], [outcome], (find_set(row["set_id"]),), lang=lang,
                             extra={"grader_crash": reason, "attempt": row["token"]})

    def stop(self) -> None:
        self.stopping = True
        for _ in self.threads:
            self.queue.put(None)
        for process in self.slots:
            if process is not None:
                process.stop()


@dataclasses.dataclass(frozen=True)
class _SetId:
    id: str
