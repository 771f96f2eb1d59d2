"""One student's upload (files, a zip, a notebook) as a Submission, through the class intake.

The web service hands over the uploaded parts as (name the browser gave, bytes): they become
files of one in-memory folder that the same walker reads as a student's folder on disk, with
the same caps, notes and problems. A name is only ever a label here, never a path: anything up
to the last slash or backslash is dropped, and two parts with one name are told apart.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from nngrade.autograder.messages import Said

from .formats import StudentEntry
from .model import IntakeLimits, Refused, Submission, size_text
from .read import read_student
from .tree import Node, VirtualFolder


@dataclass(eq=False)
class MemoryFile(Node):
    name: str
    data: bytes

    def read(self, ctx, limit):
        if len(self.data) > limit:
            raise Refused(Said("intake-over-cap", size=len(self.data), cap=size_text(limit)))
        ctx.charge(len(self.data))
        return self.data


def upload_name(raw: str | None, index: int) -> str:
    """The file's own name, without any folder a browser or a hand-made request put before it."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", "".join(ch for ch in name if ch.isprintable()))
    return name.strip().lstrip(".") or f"upload-{index}"


def read_upload(student_id: str, parts: list[tuple[str | None, bytes]],
                limits: IntakeLimits = IntakeLimits(), late: bool = False) -> Submission:
    files: dict[str, MemoryFile] = {}
    for index, (raw, data) in enumerate(parts, start=1):
        name = upload_name(raw, index)
        if name in files:                      # two parts named alike: both kept, one renamed
            stem, dot, ext = name.rpartition(".")
            name = f"{stem or ext}-{index}{dot}{ext if stem else ''}"
        files[name] = MemoryFile(name, data)
    folder = VirtualFolder(student_id, list(files.values()))
    entry = StudentEntry(student_id, "upload", lambda ctx: (folder, 0), late=late)
    return read_student(entry, limits)
