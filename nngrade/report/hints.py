"""Titles and hints of catalogue mistakes, read from autograder/hints/<id>.toml.

Each file holds `title_en`, `title_ko`, `hint_en`, `hint_ko` and `sets`. A mistake id without a
file still shows in reports, under its id and with no hint, so a report never fails for a hint
that is not written yet.
"""
from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from nngrade.paths import AUTOGRADER_DIR

HINTS_DIR = AUTOGRADER_DIR / "hints"

# Catalogue ids are lower-case words joined by hyphens; anything else never names a file.
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class HintFileError(ValueError):
    """A hint file exists but cannot be used (bad TOML, wrong value types)."""


@dataclass(frozen=True)
class Hint:
    id: str
    title: str
    text: str          # "" when no hint is written
    found: bool        # False when autograder/hints/<id>.toml is missing


@functools.lru_cache(maxsize=None)
def _read(hints_dir: Path, mistake_id: str) -> dict | None:
    if not _ID_RE.match(mistake_id):
        return None
    path = hints_dir / f"{mistake_id}.toml"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HintFileError(f"{path}: not valid UTF-8 TOML: {exc}") from exc
    for key in ("title_en", "title_ko", "hint_en", "hint_ko"):
        if key in data and not isinstance(data[key], str):
            raise HintFileError(f"{path}: {key} must be a string, not {type(data[key]).__name__}")
    return data


def load_hint(mistake_id: str, lang: str, hints_dir: Path | None = None) -> Hint:
    """The title and hint of `mistake_id` in `lang`, falling back to the other language, then to the id."""
    data = _read(Path(hints_dir or HINTS_DIR), mistake_id)
    if data is None:
        return Hint(mistake_id, mistake_id, "", False)
    other = "en" if lang == "ko" else "ko"
    title = (data.get(f"title_{lang}") or data.get(f"title_{other}") or mistake_id).strip()
    hint = (data.get(f"hint_{lang}") or data.get(f"hint_{other}") or "").strip()
    return Hint(mistake_id, title, hint, True)


def clear_cache() -> None:
    """Forget hint files read so far (tests that write hint files call this)."""
    _read.cache_clear()
