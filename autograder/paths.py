"""Where the grading engine finds the kit's own sets, for an editable checkout and a wheel alike."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

ENGINE_DIR = Path(__file__).resolve().parent


def _builtin_sets_dir() -> Path:
    try:
        return Path(str(resources.files("nngrade.solutions")))
    except ModuleNotFoundError:
        # The student bundle ships no solutions, only each set's set.toml, locale/*.po and public tests here.
        return ENGINE_DIR.parent / "sets"


BUILTIN_SETS_DIR = _builtin_sets_dir()


def cache_dir() -> Path:
    """Where the grader keeps what it can compute again (per grader version or per file
    version): NNGRADE_CACHE_DIR, else $XDG_CACHE_HOME/nngrade, else ~/.cache/nngrade."""
    import os
    base = os.environ.get("NNGRADE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "nngrade")
    return Path(base)
