"""What one request to a student's process answers: the same on every platform, so the Linux
sandbox (sandbox/pool.py) and the plain process of `check` elsewhere (plain.py) share it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What a student's import may change that the child restores before each call (sandbox/child.py);
# a reply names them by these ids.
IMPORT_CHANGES = ("numpy-errstate", "warnings-filters", "warnings-hooks")


@dataclass
class ErrorInfo:
    type: str
    message: str
    file: str | None = None        # as named in the submission, e.g. "hw/backprop.py"
    line: int | None = None        # in a notebook, the line in its cell
    traceback: str = ""            # the student's frames only
    cell: int | None = None        # a notebook's cell (numbered as in Jupyter, from 1)

    @property
    def where(self) -> str:
        """ "hw/backprop.py, line 3", "hw.ipynb, cell 2, line 3", or "" when unknown (a Said:
        the words are said in the student's language)."""
        from nngrade.autograder.messages import Said
        if not self.file:
            return ""
        if self.cell:
            return Said("where-cell-line", file=self.file, cell=self.cell, line=self.line) \
                if self.line else Said("where-cell", file=self.file, cell=self.cell)
        return Said("where-line", file=self.file, line=self.line) if self.line \
            else Said.plain(self.file)

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" + (f" ({self.where})" if self.where else "")


@dataclass
class CellFailure:
    """A notebook cell that failed while the notebook was loaded; the other cells ran."""
    cell: int
    status: str                    # "exception" | "timeout" | "skipped" (the time ran out)
    error: ErrorInfo | None = None
    seconds: float | None = None   # the time it had (timeout), or all cells had (skipped)


@dataclass
class Reply:
    status: str
    value: Any = None
    error: ErrorInfo | None = None
    args_after: list | None = None       # positional arguments as they were after the call
    kwargs_after: dict | None = None
    warnings: list = field(default_factory=list)   # [category, message]
    stdout: str = ""                     # first 4 KiB of stdout + stderr
    stdout_bytes: int = 0
    seconds: float = 0.0                 # CPU seconds of the student's process for this call
    wall: float = 0.0                    # wall-clock seconds, as the grader measured
    nbytes: int = 0                      # size of the answer's frame
    changed_at_import: tuple = ()        # global state the student's import changed (known ids)
    calls: list | None = None            # a traced call's inner calls: [name, args, kwargs, result]
    cells: list[CellFailure] = field(default_factory=list)   # a notebook's failed cells (load)

    @property
    def ok(self) -> bool:
        return self.status == "ok"
