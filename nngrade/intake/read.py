"""read_class: SUBMISSIONS → one Submission per student, in student_id order."""
from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

from nngrade.autograder.messages import Said

from .collect import choose, walk
from .formats import FORMATS, StudentEntry, detect_format, list_students, open_container
from .model import IntakeError, IntakeLimits, Refused, StudentContext, Submission, modules_digest
from .names import shown
from nngrade.errors import did_you_mean, some
from nngrade.speech import cli, said_of, spoken

log = logging.getLogger("nngrade.intake")


def read_class(path, format: str = "folders", only: str | None = None,
               limits: IntakeLimits = IntakeLimits(),
               class_notes: list[str] | None = None,
               class_ids: list[str] | None = None) -> list[Submission]:
    """Read every student's entry of SUBMISSIONS (`path`) in the given layout.

    One broken entry never stops the class: its Submission carries `problems`. IntakeError is
    raised only when `path` itself is unusable (missing, not a folder, not the layout asked for)
    or `only` names no student. `format="auto"` guesses the layout. Remarks about the class as a
    whole (files that belong to no student) are appended to `class_notes` and logged; the ids of
    every student of the class (also with `only`) are appended to `class_ids`.
    """
    path = Path(path)
    if format == "auto":
        seen = detect_format(path) if path.exists() else None
        format = "folders" if seen in (None, "zip") else seen
    if format not in FORMATS:
        raise IntakeError(cli("intake-unknown-format", format=repr(format), formats=', '.join(FORMATS)))
    container = open_container(path, format, limits, zip_ok=format in ("canvas", "moodle"))
    with container.ctx.stack:
        entries = _unique(list_students(format, container))
        for note in container.ctx.notes + container.ctx.problems:
            log.warning("%s: %s", path, spoken(note))
            if class_notes is not None:
                class_notes.append(note)
        if class_ids is not None:
            class_ids.extend(e.student_id for e in entries)
        if only is not None:
            chosen = [e for e in entries if e.student_id == only]
            if not chosen:
                ids = [e.student_id for e in entries]
                raise IntakeError(cli("intake-only", path=shown(str(path)), only=repr(only), format=format,
                                      near=did_you_mean(only, ids), students=some(ids)))
            entries = chosen
        return [read_student(e, limits) for e in entries]


def _unique(entries: list[StudentEntry]) -> list[StudentEntry]:
    """One entry per student id, sorted; when two entries give one id (kim/ and kim.zip) the
    first by source path is read and the others are named in its notes."""
    by_id: dict[str, list[StudentEntry]] = {}
    for e in entries:
        # macOS writes Korean names decomposed (NFD); rosters and people type them composed.
        e.student_id = unicodedata.normalize("NFC", e.student_id)
        by_id.setdefault(e.student_id, []).append(e)
    out = []
    for sid in sorted(by_id):
        group = sorted(by_id[sid], key=lambda e: e.source)
        first = group[0]
        for other in group[1:]:
            first.notes.append(Said("note-other-entry", other=shown(other.source),
                                    used=shown(first.source)))
        out.append(first)
    return out


def read_student(entry: StudentEntry, limits: IntakeLimits) -> Submission:
    ctx = StudentContext(limits)
    for note in entry.notes:
        ctx.note(note)
    modules: dict[str, bytes] = {}
    file_names: dict[str, str] = {}
    cells: dict[str, list[list[int]]] = {}
    with ctx.stack:
        try:
            root, zip_depth = entry.open(ctx)
            modules, file_names, cells = choose(walk(root, ctx, zip_depth, entry.rule), ctx)
        except Refused as e:
            ctx.problem(Said("intake-at", path=shown(entry.source), problem=said_of(e)))
        except Exception as e:        # a bug or an exotic file must not stop the class
            log.exception("reading %s", entry.source)
            ctx.problem(Said("intake-unreadable", path=shown(entry.source),
                             error=f"{type(e).__name__}: {shown(str(e), 200)}"))
    if not modules and not ctx.problems:
        ctx.note(Said("note-nothing-found"))
    notes, problems = ctx.finished_messages()
    return Submission(
        student_id=entry.student_id,
        display_name=entry.display_name,
        modules=modules,
        file_names=file_names,
        notes=notes,
        problems=problems,
        late=entry.late,
        submitted_at=ctx.submitted_at,
        source=entry.source,
        digest=modules_digest(modules),
        cells=cells,
    )
