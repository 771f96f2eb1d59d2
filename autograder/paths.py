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
