"""Grading a class: intake → job slots (one sandbox and one pytest session each) → results → reports.

Each student's results.json is written atomically once their feedback pages exist, so a run that
is killed resumes where it stopped: a student whose submission, grader, salt, language, sets and
overrides are unchanged is skipped (unless ``force``). One broken submission never stops the run:
a student whose grading kills a job slot twice gets a result saying so.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import queue as queue_module
import re
import sys
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from nngrade import __version__
from nngrade.autograder.fingerprints import cached_fingerprints
from nngrade.autograder.messages import in_language, say
from nngrade.speech import cli, tell
from nngrade.autograder.results import RESULTS_NAME
from nngrade.config import Course
from nngrade.paths import AUTOGRADER_DIR, SOLUTIONS_DIR
from nngrade.autograder.sets import ExerciseSet, all_sets, find_set
from nngrade import stopping
from nngrade.runlevel import RunRefused
from nngrade.terminal import shown

OVERRIDES_NAME = "overrides.toml"
MAX_ATTEMPTS = 2
MAX_IDLE_DEATHS = 3      # job slots that die without a student before the run gives up on them


@dataclass
class GradeOptions:
    sets: tuple[ExerciseSet, ...]
    jobs: int = 0                      # 0 = number of cores
    lang: str = "ko"
    only: str | None = None
    force: bool = False
    sandbox_level: str | None = None
    progress: bool = True
    fmt: str = "folders"
    roster: Path | None = None
    mnist_dir: Path | None = None
    mnist_sample: bool = False         # grade set 08 on the shipped sample (the demo)
    allow_shared_uid: bool = False     # grade others' code where it runs under our uid (runlevel.py)
    pages: bool = True                 # False: results.json only (Gradescope shows its own page)
    cluster: object | None = None      # a cluster.ClusterTarget: grade on a Dask cluster


@dataclass
class ClassRun:
    out: Path
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)   # students whose grading crashed the grader
    seconds: float = 0.0
    summary_path: Path | None = None
    sandbox: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RunSettings:
    """Everything a job slot needs to grade and write a student, fixed for the whole run (handed
    to the slot processes as they fork)."""
    sets: tuple[str, ...]
    salt: str
    lang: str
    out: str
    submissions: str
    overrides: dict                  # student -> {test name: points}
    sandbox_level: str | None
    training_budget: float           # CPU seconds of a set's trainer (the course's figure)
    late_policy: str
    late_penalty: float
    fingerprints: dict               # public-example fingerprints of the named mistakes
    probe_options: dict              # course settings a suite may read (student.options)
    hide: tuple[str, ...] = ()       # folders the student's process never sees (OUT, course, ...)
    run_level: dict | None = None    # the one sandbox level of the run (runlevel.py)
    preload_plotting: bool = False   # someone in the class names matplotlib (StudentJob.may_plot)
    pages: bool = True               # write feedback pages beside results.json


@dataclass(frozen=True)
class LatePolicy:
    policy: str = "none"             # none | flag | penalty
    penalty: float = 0.0


# Names in OUT that belong to the class, never to a student's folder.
RESERVED_NAMES = {"summary.html", "grades.csv", "moodle.csv", OVERRIDES_NAME, RESULTS_NAME}


def safe_dir_name(student_id: str) -> str:
    """A folder name for a student id that cannot escape OUT, hide, or take another's place.

    Ids that are already safe are kept as they are; any other id gets a short hash of itself,
    so two ids that clean up to the same text ("a b", "a_b") still get two folders."""
    name = re.sub(r"[^\w.\-@+]", "_", student_id).lstrip(".") or "_"
    if name != student_id or len(name) > 100 or name.lower() in RESERVED_NAMES \
            or name.endswith(".tmp"):
        digest = hashlib.sha256(student_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        name = f"{name[:80]}-{digest}"
    return name


def remove_stale_temp_files(out: Path) -> int:
    """Half-written files of a run that was killed (atomic writes leave only these behind)."""
    removed = 0
    for pattern in (".*.tmp", "*/.*.tmp"):
        for path in out.glob(pattern):
            if path.is_file():
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def grader_digest() -> str:
    """Changes whenever the grader, a suite, a solution or a mistake model changes."""
    h = hashlib.sha256(__version__.encode())
    roots = [AUTOGRADER_DIR, SOLUTIONS_DIR]
    roots += [Path(s.folder) for s in all_sets()
              if s.folder and SOLUTIONS_DIR not in Path(s.folder).resolve().parents]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".toml", ".ini") and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:16]


def load_overrides(out: Path) -> dict[str, dict[str, float]]:
    """OUT/overrides.toml: per student, a test name → the points the instructor gives."""
    path = out / OVERRIDES_NAME
    if not path.is_file():
        return {}
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise ValueError(cli("not-toml", path=path, error=exc)) from None
    overrides = {}
    for student, tests in data.items():
        if not isinstance(tests, dict):
            raise ValueError(cli("override-table", path=path, student=student))
        for test, points in tests.items():
            if isinstance(points, bool) or not isinstance(points, (int, float)):
                raise ValueError(cli("override-points", path=path, student=student, test=repr(test),
                                     points=repr(points)))
        overrides[str(student)] = {str(k): float(v) for k, v in tests.items()}
    return overrides


def grading_key(submission_digest: str, course: Course, lang: str, sets, overrides: dict,
                grader: str) -> str:
    payload = json.dumps([submission_digest, grader, course.salt, lang, [s.id for s in sets],
                          sorted(overrides.items()), course.late_policy, course.late_penalty,
                          course.mnist_budget_cpu_seconds], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def is_up_to_date(student_dir: Path, key: str) -> bool:
    from nngrade.autograder.results import Results
    if not (student_dir / "feedback.html").is_file():
        return False
    found = Results.read(student_dir / RESULTS_NAME)
    return found is not None and found.grading_key == key


# ---- one job slot (runs in its own process) ----------------------------------------------------------


def run_slot(slot: int, settings: RunSettings, next_task, finished, started, held: dict,
             run_level=None, approve=None):
    """One job slot's grading loop, in the process that calls it: opens the sandbox and runs the
    suites once, pulling (job, extra) from ``next_task()`` until it returns None;
    ``finished(job, outcomes, seconds, extra)`` gets each graded student, ``started(d)`` the
    sandbox description. Returns why the sandbox could not start, or None. Shared by the local
    job slots (below) and a cluster worker's slot (nngrade/cluster/slot.py).

    ``run_level()`` gives the run's sandbox level (it may block until the level is decided;
    None: the run was refused), settings.run_level by default. A level {"choose": forced}
    starts the best (or the forced) level, and ``approve(description)`` answers with the run's
    level decided from it, or None. The sandbox is open before pytest starts: pytest sets
    environment variables as it runs, which races with C code reading the environment in any
    other thread (a crash in libc's getenv), so nothing else runs beside it."""
    from nngrade.autograder.backends import CELL_FAILURES, SandboxStudent, cell_notes, limits_for
    from nngrade.autograder.plugin import GradingPlugin
    from nngrade.autograder.suite_session import run_suites, suite_paths
    from nngrade.runlevel import open_slot_pool, with_run_notes

    sets = tuple(find_set(s) for s in settings.sets)
    level = run_level() if run_level is not None else settings.run_level
    if level is None:                      # the run was refused before any student
        return None
    # the run's level, never another; OUT, the submissions and the course stay hidden
    pool, why = open_slot_pool(slot, level, list(settings.hide),
                               preload_plotting=settings.preload_plotting)
    held["pool"] = pool
    if pool is None:
        return why
    if "choose" in level:                  # this slot's sandbox decides the run's level
        level = approve(pool.describe())
        if level is None:
            pool.close()
            return None
    started(with_run_notes(pool.describe(), level))
    limits = limits_for(settings.sets, settings.training_budget)
    pending = {}

    def next_job():
        task = next_task()
        if task is None:
            return None
        job, extra = task
        pending[job.student_id] = extra
        return job

    def on_done(job, outcomes, seconds):
        extra = pending.pop(job.student_id)
        extra["sandbox"] = slot_independent(with_run_notes(pool.describe(), level))
        failed = job.info.get(CELL_FAILURES) or []
        if failed:
            # notebook cells that failed on their own: named with the intake notes
            extra["notes"] = list(extra.get("notes") or []) + cell_notes(failed, settings.lang)
            extra["failed_cells"] = failed
        finished(job, outcomes, seconds, extra)

    plugin = GradingPlugin(next_job=next_job,
                           open_student=lambda job: SandboxStudent(pool, job, limits),
                           on_done=on_done, salt=settings.salt, lang=settings.lang,
                           fingerprints=settings.fingerprints,
                           options=settings.probe_options)
    try:
        run_suites(suite_paths(sets), plugin)
    finally:
        pool.close()
    return None


def _slot_main(slot: int, settings: RunSettings, my_tasks, events, run_levels) -> None:
    """Grade the students the dispatcher sends on ``my_tasks`` until it sends None; the run's
    sandbox level comes on ``run_levels`` (the dispatcher decides it while the slots start)."""
    sets = tuple(find_set(s) for s in settings.sets)
    held = {}
    stopping.in_slot(lambda: held.get("pool"))

    def next_task():
        events.put(("ready", slot))
        return my_tasks.get()

    def finished(job, outcomes, seconds, extra):
        # The dispatcher writes the pages and results.json while this slot grades the next
        # student: the document goes back as JSON text.
        try:
            document = student_document(job, outcomes, seconds, extra, settings, sets)
            events.put(("done", slot, job.student_id, json.dumps(document)))
        except Exception:
            events.put(("error", slot, job.student_id, traceback.format_exc()))

    def approve(description):
        events.put(("started", slot, description))
        return run_levels.get()

    why = run_slot(slot, settings, next_task, finished,
                   lambda description: events.put(("sandbox", slot, description)), held,
                   run_level=run_levels.get, approve=approve)
    if why is not None:
        events.put(("slot-failed", slot, why))


def slot_independent(description: dict) -> dict:
    """The sandbox description without what differs between job slots (slot, leased uid), so a
    student's results do not depend on which slot graded them."""
    clean = json.loads(json.dumps(description))
    clean.pop("slot", None)
    for layer in clean.get("layers", []):
        detail = layer.get("detail", "")
        detail = re.sub(r"\buid \d+", "a uid", detail)
        layer["detail"] = re.sub(r"\s*\(slot \d+\)", "", detail)
    return clean


def job_sets(job, sets) -> tuple:
    """The run's sets this job is graded on (a job may name some of them)."""
    return sets if job.sets is None else tuple(s for s in sets if s.id in job.sets)


def student_document(job, outcomes, seconds, extra, settings, sets) -> dict:
    """A graded student's results document (not yet written)."""
    from nngrade.autograder.results import build_results
    overrides = settings.overrides.get(job.student_id, {})
    document = build_results(job.student_id, outcomes, sets, lang=settings.lang, extra=extra,
                             overrides=overrides, execution_time=seconds)
    apply_late_policy(document, LatePolicy(settings.late_policy, settings.late_penalty))
    return document


def _finish_student(job, outcomes, seconds, extra, settings, sets) -> dict:
    document = student_document(job, outcomes, seconds, extra, settings, sets)
    write_student_outputs(document, Path(settings.out) / safe_dir_name(job.student_id),
                          settings.lang, pages=settings.pages)
    return document


def apply_late_policy(document: dict, late: LatePolicy) -> None:
    extra = document["extra_data"]
    if not extra.get("late") or late.policy == "none":
        extra["late"] = bool(extra.get("late")) and late.policy != "none"
        return
    if late.policy == "penalty" and late.penalty > 0:
        raw = document["score"]
        document["score"] = round(raw * (1.0 - late.penalty), 6)
        extra["late_penalty"] = {"fraction": late.penalty, "raw_score": raw}


def write_student_outputs(document: dict, student_dir: Path, lang: str, pages: bool = True) -> None:
    """Feedback pages first, results.json last: its presence means the student is done."""
    from nngrade.autograder.results import Results
    student_dir.mkdir(parents=True, exist_ok=True)
    if pages:
        from nngrade.report import write_student_reports
        write_student_reports(document, student_dir, lang)
    Results(document).write(student_dir / RESULTS_NAME)


def rename_student(student_dir: Path, display_name: str | None, lang: str) -> None:
    """A graded student whose name changed (a roster given or edited since) gets pages with the
    new name; nothing is regraded."""
    from nngrade.autograder.results import Results
    found = Results.read(student_dir / RESULTS_NAME)
    if found is None or display_name is None:
        return
    extra = found.document.get("extra_data") or {}
    if extra.get("display_name") != display_name:
        extra["display_name"] = display_name
        write_student_outputs(found.document, student_dir, lang)


def _crash_results(job, reason: str, settings: RunSettings, sets) -> dict:
    """Every test failed with the reason: the student still gets a result."""
    from nngrade.autograder.results import TestOutcome
    outcomes = []
    for s in sets:
        outcomes.append(TestOutcome(f"{s.id}/grading/crashed", s.id, "grading", "crashed", 0.0,
                                    "visible", False, reason, status="grader-crash"))
    return _finish_student(job, outcomes, 0.0, {"grader_crash": reason}, settings, sets)


# ---- the class run --------------------------------------------------------------------------------------


def grade_class(submissions: Path, out: Path, course: Course, options: GradeOptions,
                console=None) -> ClassRun:
    from nngrade.autograder.plugin import StudentJob
    from nngrade.autograder.sets import parse_sets
    from nngrade.intake import read_class
    from nngrade.preflight import check_out, check_overrides, check_points_tables, check_roster

    started = time.perf_counter()
    out = Path(out)
    # every input is checked before anything is written or graded
    check_out(out)
    class_ids: list[str] = []
    subs = read_class(Path(submissions), format=options.fmt, only=options.only,
                      class_ids=class_ids)
    check_roster(options.roster)
    roster = None
    if options.roster:
        from nngrade.roster import read_roster
        roster = read_roster(options.roster)
    overrides = load_overrides(out)
    check_overrides(out / OVERRIDES_NAME, overrides, class_ids,
                    {*options.sets, *parse_sets(list(course.sets))})
    check_points_tables(options.sets)
    out.mkdir(parents=True, exist_ok=True)
    run = ClassRun(out=out)
    remove_stale_temp_files(out)
    grader = grader_digest()
    settings = RunSettings(
        sets=tuple(s.id for s in options.sets), salt=course.salt, lang=options.lang,
        out=str(out), submissions=str(Path(submissions).resolve()), overrides=overrides,
        sandbox_level=options.sandbox_level, training_budget=course.mnist_budget_cpu_seconds,
        late_policy=course.late_policy, late_penalty=course.late_penalty,
        fingerprints=cached_fingerprints([s.id for s in options.sets], grader),
        pages=options.pages,
        probe_options={"mnist_budget": course.mnist_budget_cpu_seconds,
                       "mnist_dir": str(options.mnist_dir) if options.mnist_dir else None,
                       "mnist_sample": options.mnist_sample})
    todo = []
    for sub in subs:
        key = grading_key(sub.digest, course, options.lang, options.sets,
                          overrides.get(sub.student_id, {}), grader)
        student_dir = out / safe_dir_name(sub.student_id)
        # the pages name the student as the roster does, else as the submission did
        entry = roster.find(sub.student_id) if roster is not None else None
        display_name = (entry.name if entry is not None and entry.name else None) or sub.display_name
        if not options.force and is_up_to_date(student_dir, key):
            rename_student(student_dir, display_name, options.lang)
            run.skipped.append(sub.student_id)
            continue
        extra = {"grading_key": key, "submission_digest": sub.digest, "late": sub.late,
                 "display_name": display_name,
                 "notes": [in_language(n, options.lang) for n in sub.notes],
                 "problems": [in_language(p, options.lang) for p in sub.problems],
                 "submitted_at": sub.submitted_at,
                 "course": course.name}
        todo.append((StudentJob(sub.student_id, dict(sub.modules), dict(sub.file_names),
                                cells=dict(sub.cells)), extra))

    jobs = options.jobs or os.cpu_count() or 1
    jobs = max(1, min(jobs, len(todo))) if todo else 0
    settings = replace(settings, hide=(settings.out, settings.submissions) + (
        (str(Path(course.path).resolve().parent),) if course.path else ()),
        preload_plotting=any(job.may_plot() for job, _extra in todo))
    if todo:
        with stopping.stop_signals():
            try:
                if options.cluster is not None:
                    # every worker must start the level chosen here (cluster/facts.py)
                    from nngrade.cluster.dispatch import run_on_cluster
                    from nngrade.runlevel import choose_run_level, shared_uid_allowed
                    settings = replace(settings, run_level=choose_run_level(
                        options.sandbox_level, list(settings.hide),
                        allow_shared_uid=shared_uid_allowed(options.allow_shared_uid)))
                    run_on_cluster(todo, settings, options, run, console, course)
                else:
                    _run_slots(todo, jobs, settings, options, run, console)
            except KeyboardInterrupt:
                stopping.end_slots()
                raise stopping.RunStopped(len(run.graded) + len(run.failed), len(todo)) from None
    run.seconds = time.perf_counter() - started
    if options.pages:
        run.summary_path = write_class_outputs(out, subs, options, course)
    return run


@contextlib.contextmanager
def progress_bar(options: GradeOptions, console, total: int):
    """The run's progress bar (local slots and a cluster alike): (bar, task id)."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    columns = (TextColumn("[bold]" + shown(tell("progress-grading"), markup=True)), BarColumn(),
               MofNCompleteColumn(), TextColumn("•"), TimeElapsedColumn(),
               TextColumn("• " + shown(tell("progress-left"), markup=True)), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not options.progress) as bar:
        yield bar, bar.add_task("grading", total=total)


def _run_slots(todo, jobs, settings, options, run: ClassRun, console) -> None:
    """Dispatch students to job slots; a slot that dies is restarted and its student retried."""
    ctx = multiprocessing.get_context("fork")
    events = ctx.Queue()
    jobs_by_id = {job.student_id: (job, extra) for job, extra in todo}
    waiting = [job.student_id for job, _ in todo]
    attempts = {sid: 0 for sid in jobs_by_id}
    sets = tuple(find_set(s) for s in settings.sets)
    slots: dict[int, tuple] = {}          # slot -> (process, its task queue)
    in_flight: dict[int, str | None] = {}
    finished: set[str] = set()
    idle_deaths = 0
    dropped: dict[int, str] = {}          # slot -> why it could not start the run's level
    decided: dict = {}                    # "level": the run's sandbox level, once probed

    def start(slot):
        my_tasks, run_levels = ctx.Queue(), ctx.Queue()
        proc = ctx.Process(target=_slot_main, args=(slot, settings, my_tasks, events, run_levels))
        proc.start()
        stopping.track(proc)
        slots[slot] = (proc, my_tasks, run_levels)
        in_flight[slot] = None
        if "level" in decided:
            run_levels.put(decided["level"])
        elif slot == 0:
            run_levels.put({"choose": options.sandbox_level})

    def finish(sid, ok, bar, task_id):
        if sid in finished:
            return
        finished.add(sid)
        (run.graded if ok else run.failed).append(sid)
        bar.advance(task_id)

    for slot in range(jobs):
        start(slot)
    # The first slot starts the best (or the forced) level; the run's level is decided from
    # what it started, once, before any student, and the other slots then start that level.
    try:
        decided["level"] = _first_slot_level(slots, events, options)
    except BaseException:
        for proc, _tasks, run_levels in slots.values():
            run_levels.put(None)
        for proc, _tasks, _levels in slots.values():
            proc.join(timeout=30)
        raise
    for _proc, _tasks, run_levels in slots.values():
        run_levels.put(decided["level"])
    with progress_bar(options, console, len(todo)) as (bar, task_id):
        to_write: list[tuple[str, str]] = []     # graded students whose files are not written yet
        while len(finished) < len(todo):
            try:
                # a slot says "ready" right after "done": hand it its next student first
                event = events.get(timeout=0.02 if to_write else 0.5)
            except queue_module.Empty:
                event = None
                if to_write:
                    sid, text = to_write.pop(0)
                    finish(sid, _write_graded(sid, text, settings), bar, task_id)
                    continue
            if event is not None:
                kind, slot = event[0], event[1]
                if kind == "sandbox":
                    run.sandbox = event[2]
                elif kind == "slot-failed":        # could not start the run's level: dropped
                    dropped[slot] = event[2]
                elif kind == "ready":
                    sid = waiting.pop(0) if waiting else None
                    in_flight[slot] = sid
                    if sid is not None:
                        attempts[sid] += 1
                    slots[slot][1].put(jobs_by_id[sid] if sid is not None else None)
                elif kind == "done":
                    in_flight[slot] = None
                    to_write.append((event[2], event[3]))
                elif kind == "error":
                    in_flight[slot] = None
                    job, _extra = jobs_by_id[event[2]]
                    print(tell("result-not-written", student=shown(event[2]), why=shown(event[3])),
                          file=sys.stderr)
                    finish(event[2], False, bar, task_id)
                if len(to_write) > len(slots):       # busy slots: never fall behind for long
                    sid, text = to_write.pop(0)
                    finish(sid, _write_graded(sid, text, settings), bar, task_id)
                continue
            # No news for a while: a slot that died takes its student with it; retry once.
            for slot, (proc, _q, _levels) in list(slots.items()):
                if proc.is_alive():
                    continue
                if slot in dropped:
                    del slots[slot]
                    if not slots:
                        raise RunRefused(cli("no-slot-started", level=decided["level"]["level"],
                                             why=dropped[slot]))
                    continue
                sid, in_flight[slot] = in_flight.get(slot), None
                if sid is None and proc.exitcode != 0:
                    idle_deaths += 1
                if idle_deaths > MAX_IDLE_DEATHS:
                    # slots die before taking any student (no sandbox, a broken suite): stop
                    # retrying and give each remaining student a result that says so
                    for left in list(waiting):
                        _crash_results(jobs_by_id[left][0],
                                       say("crash-no-slot", settings.lang, code=proc.exitcode),
                                       settings, sets)
                        finish(left, False, bar, task_id)
                    waiting.clear()
                if sid is not None and sid not in finished:
                    job, _extra = jobs_by_id[sid]
                    if attempts[sid] < MAX_ATTEMPTS:
                        waiting.insert(0, sid)
                    else:
                        _crash_results(job, say("crash-stopped-grader", settings.lang,
                                                attempts=attempts[sid], code=proc.exitcode),
                                       settings, sets)
                        finish(sid, False, bar, task_id)
                if waiting:
                    start(slot)
                else:
                    del slots[slot]
    for proc, my_tasks, _levels in slots.values():
        if proc.is_alive():
            my_tasks.put(None)
    for proc, _q, _levels in slots.values():
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()


def _write_graded(sid: str, text: str, settings: RunSettings) -> bool:
    """Pages and results.json of a student a slot graded (its document as JSON text)."""
    try:
        document = json.loads(text)
        write_student_outputs(document, Path(settings.out) / safe_dir_name(sid), settings.lang,
                              pages=settings.pages)
        return True
    except Exception:
        print(tell("result-not-written", student=shown(sid), why=shown(traceback.format_exc())),
              file=sys.stderr)
        return False


def _first_slot_level(slots, events, options) -> dict:
    """Wait for slot 0's sandbox and decide the run's level from it (RunRefused if it may not
    grade, or if the sandbox could not start at all)."""
    from nngrade.runlevel import decide_run_level, shared_uid_allowed
    proc = slots[0][0]
    while True:
        try:
            kind, slot, *rest = events.get(timeout=0.5)
        except queue_module.Empty:
            if not proc.is_alive():
                raise RunRefused(cli("sandbox-start-died", code=proc.exitcode)) from None
            continue
        if slot != 0:
            continue                      # no other slot speaks before the level is decided
        if kind == "slot-failed":
            raise RunRefused(rest[0])
        if kind == "started":
            return decide_run_level(rest[0],
                                    allow_shared_uid=shared_uid_allowed(options.allow_shared_uid))


def read_results(paths) -> list[dict]:
    """The results.json documents among ``paths`` that exist and parse."""
    from nngrade.autograder.results import Results
    found = (Results.read(path) for path in paths)
    return [r.document for r in found if r is not None]


def load_class_results(out: Path, student_ids) -> list[dict]:
    return read_results(Path(out) / safe_dir_name(sid) / RESULTS_NAME for sid in student_ids)


def write_class_outputs(out: Path, subs, options: GradeOptions, course: Course) -> Path:
    """summary.html, grades.csv and moodle.csv from everyone's results; with a roster, its
    students who handed nothing in are listed too (0, marked missing)."""
    from nngrade.report import write_class_reports
    roster = None
    if options.roster:
        from nngrade.roster import read_roster
        roster = read_roster(options.roster)
    if options.only:
        # a regrade of one student still rewrites the class files from everyone's results
        documents = read_results(sorted(Path(out).glob(f"*/{RESULTS_NAME}")))
    else:
        documents = load_class_results(out, [s.student_id for s in subs])
    write_class_reports(documents, Path(out), options.lang, roster=roster, sets=options.sets)
    return Path(out) / "summary.html"
