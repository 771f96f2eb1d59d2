"""Loading the reference solutions into the grading process (trusted code only).

Each reference module is read by file path into a fresh module object, so a variant built from it
(a mistake model) can be changed without touching the original."""
from __future__ import annotations

import types
from functools import lru_cache
from pathlib import Path

from nngrade.autograder.sets import find_set


def reference_path(set_id: str) -> Path:
    return find_set(set_id).reference_path


@lru_cache(maxsize=None)
def _source(set_id: str) -> tuple[str, str]:
    path = reference_path(set_id)
    return path.read_text(encoding="utf-8"), str(path)


def fresh_reference(set_id: str) -> types.ModuleType:
    """A new module object executed from the reference source (changes to it stay local)."""
    source, filename = _source(find_set(set_id).id)
    module = types.ModuleType(find_set(set_id).module)
    module.__file__ = filename
    exec(compile(source, filename, "exec"), module.__dict__)  # our own solution file, never a student's
    return module


@lru_cache(maxsize=None)
def load_reference(set_id: str) -> types.ModuleType:
    """The shared, read-only reference module of a set."""
    return fresh_reference(find_set(set_id).id)
