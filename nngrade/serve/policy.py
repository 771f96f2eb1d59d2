"""The course's rules for attempts, as the service applies them: due dates in the course's time
zone, late submissions, attempt and cooldown limits, which attempt counts, and what of a result a
student may see before the course publishes it.

What a student may see follows the visibility of each test (Gradescope's words): "visible"
always; "after_due_date" once the set's due date has passed; "after_published" once the
instructor publishes the set; "hidden" never. While any test of a result is withheld, so is the
total: the student sees only the withheld tests' count.
"""
from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo


def due_timestamp(course, set_id: str) -> float | None:
    text = course.serve_due.get(set_id)
    if not text:
        return None
    when = datetime.datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(course.serve_timezone))
    return when.timestamp()


def shown_time(course, timestamp: float) -> str:
    """A moment as the course's clock shows it (2026-12-10 23:59 KST)."""
    when = datetime.datetime.fromtimestamp(timestamp, ZoneInfo(course.serve_timezone))
    return when.strftime("%Y-%m-%d %H:%M %Z")


@dataclass(frozen=True)
class Refusal:
    key: str               # cli: catalogue key of the sentence
    args: dict


def may_submit(course, store, student: str, set_id: str, now: float | None = None) -> Refusal | None:
    """None, or why this upload is refused before it is stored (nothing is counted for it)."""
    now = time.time() if now is None else now
    if store.recent_count(student, now - 60.0) >= course.serve_per_minute:
        return Refusal("serve-rate", {"count": course.serve_per_minute})
    attempts = store.attempts(student, set_id)
    if course.serve_attempts and len(attempts) >= course.serve_attempts:
        return Refusal("serve-no-attempts-left", {"count": course.serve_attempts})
    if attempts and course.serve_cooldown_seconds:
        wait = attempts[-1]["received"] + course.serve_cooldown_seconds - now
        if wait > 0:
            return Refusal("serve-cooldown", {"seconds": int(wait) + 1})
    return None


def is_late(course, set_id: str, received: float) -> bool:
    due = due_timestamp(course, set_id)
    return due is not None and received > due


def counted(course, attempts) -> object | None:
    """The attempt that is the set's grade: the best (the earliest of equal scores) or the last
    graded one."""
    graded = [a for a in attempts if a["state"] == "graded"]
    if not graded:
        return None
    if course.serve_counts == "last":
        return graded[-1]
    import json
    return max(graded, key=lambda a: (json.loads(a["result"]).get("score", 0.0), -a["id"]))


def test_shown(test: dict, set_id: str, published: set[str], due: float | None, now: float) -> bool:
    visibility = test.get("visibility", "visible")
    if visibility == "visible":
        return True
    if visibility == "after_due_date":
        return due is not None and now > due
    if visibility == "after_published":
        return set_id in published
    return False                                   # "hidden"


def students_view(document: dict, set_id: str, published: set[str], due: float | None,
                  now: float | None = None) -> dict:
    """The results document as the student may see it now."""
    from nngrade.autograder.results import explanations_of, student_mistakes
    now = time.time() if now is None else now
    tests = document.get("tests") or []
    shown = [t for t in tests if test_shown(t, set_id, published, due, now)]
    withheld = len(tests) - len(shown)
    view = {k: v for k, v in document.items() if k not in ("tests", "extra_data", "score")}
    extra = dict(document.get("extra_data") or {})
    view["tests"] = shown
    if withheld:
        extra["withheld_tests"] = withheld
        extra.pop("sets", None)
        extra.pop("late_penalty", None)
        extra["mistakes"] = student_mistakes([explanations_of(t) for t in shown])
    else:
        view["score"] = document.get("score", 0.0)
    view["extra_data"] = extra
    return view


def withholds_total(document: dict, set_id: str, published: set[str], due: float | None,
                    now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return any(not test_shown(t, set_id, published, due, now) for t in document.get("tests") or [])
