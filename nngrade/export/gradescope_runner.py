"""Inside Gradescope: grade /autograder/submission as one student, write results/results.json.

`run_autograder` (see gradescope.py) calls ``python -m nngrade.export.gradescope_runner``. The
submission is graded exactly as ``nngrade grade`` grades one student (``grade_class`` on a
one-student class: intake, sandbox, public tests and hidden suites, results), with the sandbox
level from ``NNGRADE_SANDBOX`` (Gradescope's containers usually lack user namespaces: ``rlimit``).

Then the document is fitted to Gradescope:
- the student is the submission's user (``submission_metadata.json``: ``sid``, else ``email``,
  else ``id``; a group's ids joined by "+"), so per-student inputs follow the student;
- ``created_at`` later than the due date (the user's own, for an extension, else the
  assignment's) flags the submission late, under the course's late policy;
- public tests stay ``visible``, hidden ones ``after_published`` (set by the suites' markers);
- the top-level output says which sandbox layer ran, the late flag and intake notes.
Whatever fails, a results.json is written: score 0 and what went wrong.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from nngrade.autograder.messages import Said, in_language, say

DEFAULT_ROOT = "/autograder"
DEFAULT_STUDENT = "student"

# What the runner says to the student is in the kit's catalogue (msg:gradescope-*), which the
# autograder zip ships with the kit.


@dataclass
class SubmissionInfo:
    student_id: str = DEFAULT_STUDENT
    display_name: str | None = None
    late: bool = False
    after_late_due: bool = False
    created_at: str | None = None
    due_date: str | None = None
    late_due_date: str | None = None
    notes: list[str] = field(default_factory=list)


def _when(text) -> datetime | None:
    if not isinstance(text, str) or not text.strip():
        return None
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else None   # a time without its offset cannot be compared


def read_metadata(path: Path) -> SubmissionInfo:
    """Who submitted and whether it was late, from Gradescope's submission_metadata.json."""
    info = SubmissionInfo()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        info.notes.append(Said("gradescope-no-metadata", path=path, student=repr(DEFAULT_STUDENT)))
        return info
    except (OSError, ValueError) as exc:
        info.notes.append(Said("gradescope-bad-metadata", path=path, error=str(exc),
                               student=repr(DEFAULT_STUDENT)))
        return info
    if not isinstance(data, dict):
        info.notes.append(Said("gradescope-metadata-not-object", path=path))
        return info
    users = [u for u in data.get("users") or [] if isinstance(u, dict)]
    ids = [str(u.get("sid") or u.get("email") or u.get("id") or "").strip() for u in users]
    ids = sorted(i for i in ids if i)
    if ids:
        info.student_id = "+".join(ids)
    names = [str(u["name"]) for u in users if u.get("name")]
    info.display_name = ", ".join(names) or None
    assignment = data.get("assignment") if isinstance(data.get("assignment"), dict) else {}
    # A user's own dates (an extension) take precedence over the assignment's.
    own = next((u["assignment"] for u in users if isinstance(u.get("assignment"), dict)), {})
    info.created_at = data.get("created_at")
    info.due_date = own.get("due_date") or assignment.get("due_date")
    info.late_due_date = own.get("late_due_date") or assignment.get("late_due_date")
    try:
        created, due, late_due = (_when(info.created_at), _when(info.due_date),
                                  _when(info.late_due_date))
    except ValueError as exc:
        info.notes.append(Said("gradescope-bad-date", path=path, error=str(exc)))
        return info
    if created is not None and due is not None:
        info.late = created > due
        info.after_late_due = late_due is not None and created > late_due
    elif info.due_date:
        info.notes.append(Said("gradescope-no-dates", path=path))
    return info


def gradescope_document(document: dict, info: SubmissionInfo, lang: str, sandbox: dict) -> dict:
    """results.json as nngrade writes it, fitted to Gradescope (see the module docstring)."""
    from nngrade import __version__

    extra = document.setdefault("extra_data", {})
    lines = [say("gradescope-sandbox", lang, version=__version__, level=sandbox.get("level", "?"))]
    if info.late:
        lines.append(say("gradescope-late", lang, created=info.created_at, due=info.due_date))
        if info.after_late_due:
            lines.append(say("gradescope-after-late", lang, late_due=info.late_due_date))
    lines += [str(n) for n in extra.get("problems") or []]
    lines += [str(n) for n in extra.get("notes") or []]
    lines += [in_language(n, lang) for n in info.notes]
    document["output"] = "\n".join(lines)
    document["output_format"] = "text"
    document["test_output_format"] = "text"
    document["visibility"] = "visible"
    document["stdout_visibility"] = "hidden"
    if "execution_time" in document:
        document["execution_time"] = int(math.ceil(float(document["execution_time"])))
    extra["gradescope"] = {"created_at": info.created_at, "due_date": info.due_date,
                           "late_due_date": info.late_due_date, "late": info.late}
    return document


def failure_document(error: str, lang: str = "en") -> dict:
    from nngrade import __version__

    return {"score": 0.0, "output": say("gradescope-failed", lang, error=error),
            "output_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
            "extra_data": {"error": error, "grader_version": __version__}}


def grade_submission(root: Path, course_path: Path) -> dict:
    """Grade root/submission with ``grade_class`` as a class of one; the Gradescope document."""
    from nngrade.config import load_course
    from nngrade.autograder.results import Results
    from nngrade.grade import (RESULTS_NAME, GradeOptions, LatePolicy, apply_late_policy,
                               grade_class, safe_dir_name)
    from nngrade.autograder.sets import parse_sets

    course = load_course(course_path)
    info = read_metadata(root / "submission_metadata.json")
    submission = root / "submission"
    if not submission.is_dir():
        return failure_document(say("gradescope-no-submission", course.lang, path=submission),
                                course.lang)
    student = safe_dir_name(info.student_id)
    with tempfile.TemporaryDirectory(prefix="nngrade-gradescope-") as tmp:
        submissions = Path(tmp) / "submissions"
        shutil.copytree(submission, submissions / student, symlinks=True)
        out = Path(tmp) / "out"
        mnist = os.environ.get("NNGRADE_MNIST_DIR")
        options = GradeOptions(sets=parse_sets(list(course.sets)), jobs=1, lang=course.lang,
                               force=True, sandbox_level=os.environ.get("NNGRADE_SANDBOX") or None,
                               progress=False, fmt="folders", mnist_dir=Path(mnist) if mnist else None,
                               pages=False)     # Gradescope shows results.json, not our pages
        run = grade_class(submissions, out, course, options)
        results = out / student / RESULTS_NAME
        if run.failed or not results.is_file():
            return failure_document(say("gradescope-grading-failed", course.lang), course.lang)
        document = Results.read(results).document
    document["extra_data"]["late"] = info.late
    if info.display_name:
        document["extra_data"]["display_name"] = info.display_name
    apply_late_policy(document, LatePolicy(course.late_policy, course.late_penalty))
    return gradescope_document(document, info, course.lang, run.sandbox or {})


def warm_caches(course_path: Path) -> int:
    """What each submission would otherwise build: the public-example fingerprints of the
    course's sets' mistakes, the catalogues as read, and the sandbox's runtime (a sandbox
    started and stopped once)."""
    from nngrade.autograder.fingerprints import cached_fingerprints
    from nngrade.autograder.sets import parse_sets
    from nngrade.config import load_course
    from nngrade.grade import grader_digest
    from nngrade.speech import tell

    from nngrade.autograder import i18n

    course = load_course(course_path)
    sets = parse_sets(list(course.sets))
    cached_fingerprints([s.id for s in sets], grader_digest())
    for catalogue in i18n.catalogue_files([s.folder for s in sets if s.folder]):
        i18n.read_catalogue(catalogue)           # kept as JSON: no Babel at each submission
    try:
        from nngrade.autograder.sandbox import SandboxPool
        pool = SandboxPool(slot=0, preload_plotting=False)
        sandbox = tell("warm-sandbox-started", level=pool.level)
        pool.close()
    except Exception as exc:  # noqa: BLE001 - an image build may not run the sandbox at all
        sandbox = tell("warm-sandbox-failed", why=exc)
    print(tell("warm-done", sets=", ".join(s.id for s in sets), sandbox=sandbox))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nngrade.export.gradescope_runner")
    root_default = os.environ.get("NNGRADE_AUTOGRADER_ROOT") or DEFAULT_ROOT
    parser.add_argument("--root", type=Path, default=Path(root_default))
    parser.add_argument("--course", type=Path, default=None,
                        help="the course file (default: ROOT/source/nngrade.toml)")
    parser.add_argument("--warm", action="store_true",
                        help="build the caches every submission uses, grade nothing (setup.sh)")
    args = parser.parse_args(argv)
    root = args.root
    course = args.course or root / "source" / "nngrade.toml"
    if args.warm:
        return warm_caches(course)
    target = root / "results" / "results.json"
    try:
        document = grade_submission(root, course)
    except BaseException as exc:  # noqa: BLE001 - the student must get a result whatever happened
        traceback.print_exc()     # stdout/stderr of run_autograder: instructors only
        document = failure_document(f"{type(exc).__name__}: {exc}")
    from nngrade.autograder.results import Results
    Results(document).write(target)
    from nngrade.speech import tell
    print(tell("gradescope-wrote", path=target, score=document.get("score")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
