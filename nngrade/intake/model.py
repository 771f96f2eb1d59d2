"""What intake hands on (Submission), the caps it enforces (IntakeLimits), and its errors."""
from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field

MiB = 1024 * 1024


class IntakeError(ValueError):
    """The SUBMISSIONS path itself is unusable (missing, not a folder, not the format asked for).

    Problems inside one student's entry never raise: they land in that Submission's `problems`.
    """


class Refused(Exception):
    """One file, folder or archive that is not read; the message says why (goes to `problems`)."""


@dataclass(frozen=True)
class IntakeLimits:
    """Caps that keep a hostile or broken submission from exhausting memory or time.

    Sizes are measured on the bytes actually read or decompressed, never taken from a zip
    header (headers are written by whoever made the zip).
    """
    max_file_bytes: int = 16 * MiB       # one .py or .ipynb (notebooks carry their outputs)
    max_archive_bytes: int = 64 * MiB    # one zip found inside a submission, read into memory
    max_total_bytes: int = 128 * MiB     # everything read or decompressed for one student
    max_ratio: float = 200.0             # decompressed / compressed size of one zip member ...
    ratio_floor_bytes: int = 1 * MiB     # ... checked once a member has expanded past this
    max_entries: int = 10_000            # files and folders walked in one submission
    max_depth: int = 32                  # folder levels inside one submission
    max_zip_depth: int = 2               # zips opened along one path: the student's zip + one inside
    max_container_entries: int = 200_000  # members of a whole-class download zip
    max_messages: int = 50               # notes or problems kept per student; the rest are counted


@dataclass
class Submission:
    student_id: str
    display_name: str | None
    modules: dict[str, bytes]
    file_names: dict[str, str]
    notes: list[str]
    problems: list[str]
    late: bool
    submitted_at: str | None
    source: str
    digest: str
    # module -> [[cell number, line of the cell's first code line], ...] for notebooks: the
    # sandbox runs such a module cell by cell
    cells: dict[str, list[list[int]]] = field(default_factory=dict)


def modules_digest(modules: dict[str, bytes]) -> str:
    """sha256 over the sorted (module name, source) pairs, length-prefixed so no two sets of
    modules can hash the same by shifting bytes between a name and its source."""
    h = hashlib.sha256()
    for name in sorted(modules):
        for part in (name.encode("utf-8"), modules[name]):
            h.update(len(part).to_bytes(8, "big"))
            h.update(part)
    return h.hexdigest()


@dataclass
class StudentContext:
    """Everything collected while reading one student's entry: messages, bytes spent, open files."""
    limits: IntakeLimits
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    bytes_read: int = 0
    entries: int = 0
    submitted_at: str | None = None
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _dropped_notes: int = 0
    _dropped_problems: int = 0

    def note(self, message: str) -> None:
        """A remark for the student (a Said, said in the course's language when results are
        written; its str is the English)."""
        if len(self.notes) < self.limits.max_messages:
            self.notes.append(message)
        else:
            self._dropped_notes += 1

    def problem(self, message: str) -> None:
        if len(self.problems) < self.limits.max_messages:
            self.problems.append(message)
        else:
            self._dropped_problems += 1

    def charge(self, nbytes: int) -> None:
        """Count bytes read or decompressed against the student's total cap."""
        self.bytes_read += nbytes
        if self.bytes_read > self.limits.max_total_bytes:
            from nngrade.autograder.messages import Said
            raise Refused(Said("intake-total-cap", cap=_size(self.limits.max_total_bytes)))

    def finished_messages(self) -> tuple[list[str], list[str]]:
        notes, problems = list(self.notes), list(self.problems)
        if self._dropped_notes:
            from nngrade.autograder.messages import Said
            notes.append(Said("note-more", count=self._dropped_notes))
        if self._dropped_problems:
            from nngrade.autograder.messages import Said
            problems.append(Said("intake-more-problems", count=self._dropped_problems))
        return notes, problems


def _size(n: int):
    """``16 MiB`` or ``1,000 bytes``, said in the reader's language."""
    from nngrade.autograder.messages import Said
    return Said("size-mib", n=n // MiB) if n >= MiB and n % MiB == 0 else Said("size-bytes", n=n)


size_text = _size
