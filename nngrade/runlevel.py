"""One sandbox level per class run, chosen once, and who may grade at it.

The first job slot starts the best level (or the forced one) and the grading process decides
from what started (``decide_run_level``) before any student is graded; every other slot then
starts exactly that level, retrying a few times (a bwrap start can fail under load), and a slot
that still cannot start it is dropped: it never falls back to a weaker level on its own.
Grading other people's code refuses a level where the student's process would run under
the grader's own uid (rlimit as a normal user, or as root without a sandbox uid) unless the
instructor opts in; the opt-in is written into every student's report.
"""
from __future__ import annotations

import os
import time

ALLOW_SHARED_UID_ENV = "NNGRADE_ALLOW_SHARED_UID"
SLOT_START_ATTEMPTS = 3
SLOT_RETRY_SECONDS = (0.5, 1.0, 2.0)
SHARED_UID_NOTE = ("student code ran under the grader's own uid: the instructor allowed it "
                   "explicitly (--allow-shared-uid / NNGRADE_ALLOW_SHARED_UID=1)")


class RunRefused(ValueError):
    """The run cannot (or may not) grade at any level here; the message says what to do."""


def shared_uid_allowed(flag: bool = False) -> bool:
    return flag or os.environ.get(ALLOW_SHARED_UID_ENV, "") not in ("", "0")


def shares_grader_uid(description: dict) -> bool:
    """Does the student's process of this level run under the grading process's uid?"""
    layers = {layer["name"]: layer for layer in description.get("layers", [])}
    return description.get("level") == "rlimit" and not layers.get("uid", {}).get("active", False)


def choose_run_level(forced: str | None, hide, *, allow_shared_uid: bool) -> dict:
    """Start the sandbox once here: {"level", "unavailable", "notes"} for the slots."""
    from nngrade.autograder.sandbox import SandboxPool, SandboxUnavailable
    try:
        pool = SandboxPool(slot=0, level=forced, hide=hide, preload_plotting=False)
    except SandboxUnavailable as e:
        from nngrade.speech import said_of
        raise RunRefused(said_of(e)) from None
    try:
        description = pool.describe()
    finally:
        pool.close()
    return decide_run_level(description, allow_shared_uid=allow_shared_uid)


def decide_run_level(description: dict, *, allow_shared_uid: bool) -> dict:
    """The run's level from a started sandbox's description, or RunRefused."""
    notes = []
    if shares_grader_uid(description):
        if not allow_shared_uid:
            from nngrade.speech import cli
            who = "root" if os.geteuid() == 0 else f"uid {os.getuid()}"
            raise RunRefused(cli("shared-uid-refused", who=who))
        notes.append(SHARED_UID_NOTE)
    return {"level": description["level"], "unavailable": description.get("unavailable", {}),
            "notes": notes}


def open_slot_pool(slot: int, run_level: dict, hide, preload_plotting: bool = True):
    """The slot's pool at the run's level, or None after SLOT_START_ATTEMPTS failed starts
    (the reason is the last failure). A run level {"choose": forced} asks for the best level
    (or the forced one): the first slot's pool is the one the run's level is decided from."""
    from nngrade.autograder.sandbox import SandboxPool, SandboxUnavailable
    why = ""
    if "choose" in run_level:       # every level was tried in order: no retry would help
        try:
            return SandboxPool(slot=slot, level=run_level["choose"], hide=hide,
                               preload_plotting=preload_plotting), ""
        except SandboxUnavailable as e:
            return None, str(e)
    for attempt in range(SLOT_START_ATTEMPTS):
        try:
            return SandboxPool(slot=slot, level=run_level["level"], hide=hide,
                               known_unavailable=run_level.get("unavailable"),
                               preload_plotting=preload_plotting), ""
        except SandboxUnavailable as e:
            from nngrade.speech import said_of
            why = said_of(e)
            time.sleep(SLOT_RETRY_SECONDS[min(attempt, len(SLOT_RETRY_SECONDS) - 1)])
    return None, why


def with_run_notes(description: dict, run_level: dict) -> dict:
    """The slot's sandbox description with what the run decided (the shared-uid opt-in)."""
    if run_level.get("notes"):
        description = dict(description)
        description["notes"] = list(description.get("notes", [])) + list(run_level["notes"])
    return description
