"""The catalogue of named mistakes: titles and hints in Korean and English.

Each set folder's ``hints.toml`` holds one table per mistake id its models name; mistakes that
several sets name live once in ``solutions/shared/hints.toml``. A table has ``title_en``,
``title_ko``, ``hint_en`` and ``hint_ko``. An id is described in one file only. A mistake id
without an entry still shows in reports, under its id and with no hint, so a report never fails
for a hint that is not written yet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from nngrade.autograder.paths import BUILTIN_SETS_DIR
from nngrade.autograder.sets import HINTS_FILE, all_sets

SHARED_HINTS = BUILTIN_SETS_DIR / "shared" / HINTS_FILE
TEXT_KEYS = ("title_en", "title_ko", "hint_en", "hint_ko")
# Catalogue ids are lower-case words joined by hyphens.
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class HintFileError(ValueError):
    """A hints file exists but cannot be used (bad TOML, wrong value types, an id twice)."""


@dataclass(frozen=True)
class Hint:
    id: str
    title: str
    text: str          # "" when no hint is written
    found: bool        # False when no hints file describes the id


def hint_files() -> tuple[Path, ...]:
    """Every hints file of the known sets, then the shared one."""
    files = [s.file(HINTS_FILE) for s in all_sets() if s.folder is not None]
    return tuple(p for p in (*files, SHARED_HINTS) if p.is_file())


@lru_cache(maxsize=None)
def _read_with_sources(files: tuple[Path, ...]) -> tuple[dict[str, dict], dict[str, Path]]:
    entries: dict[str, dict] = {}
    where: dict[str, Path] = {}
    for path in files:
        try:
            data = tomllib.loads(Path(path).read_bytes().decode("utf-8"))
        except OSError as exc:
            raise HintFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise HintFileError(f"{path}: not valid UTF-8 TOML: {exc}") from None
        for mistake_id, entry in data.items():
            if not isinstance(entry, dict) or not ID_RE.match(mistake_id):
                raise HintFileError(f"{path}: {mistake_id!r} must be a table named by a mistake id "
                                    "(lower-case words joined by hyphens)")
            for key, value in entry.items():
                if key not in TEXT_KEYS:
                    raise HintFileError(f"{path}: [{mistake_id}] unknown key {key!r}")
                if not isinstance(value, str):
                    raise HintFileError(f"{path}: [{mistake_id}] {key} must be a string, not "
                                        f"{type(value).__name__}")
            if mistake_id in entries:
                raise HintFileError(f"{path}: [{mistake_id}] is already described in "
                                    f"{where[mistake_id]}")
            entries[mistake_id], where[mistake_id] = entry, path
    return entries, where


def entries(files: tuple[Path, ...] | None = None) -> dict[str, dict]:
    return _read_with_sources(tuple(files) if files is not None else hint_files())[0]


def source(mistake_id: str) -> Path | None:
    """The hints file that describes an id."""
    return _read_with_sources(hint_files())[1].get(mistake_id)


def load_hint(mistake_id: str, lang: str, files: tuple[Path, ...] | None = None) -> Hint:
    """The title and hint of `mistake_id` in `lang`, falling back to the other language, then to the id."""
    data = entries(files).get(mistake_id)
    if data is None:
        return Hint(mistake_id, mistake_id, "", False)
    other = "en" if lang == "ko" else "ko"
    title = (data.get(f"title_{lang}") or data.get(f"title_{other}") or mistake_id).strip()
    text = (data.get(f"hint_{lang}") or data.get(f"hint_{other}") or "").strip()
    return Hint(mistake_id, title, text, True)


def title(mistake_id: str, lang: str = "en") -> str:
    return load_hint(mistake_id, lang).title


def hint(mistake_id: str, lang: str = "en") -> str:
    return load_hint(mistake_id, lang).text


def known_ids() -> list[str]:
    return sorted(entries())


def clear_cache() -> None:
    """Forget hints files read so far (tests that write hints files call this)."""
    _read_with_sources.cache_clear()
