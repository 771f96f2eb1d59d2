"""The catalogue of named mistakes: titles and hints in Korean and English (autograder/hints/*.toml)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

HINTS_DIR = Path(__file__).resolve().parent / "hints"


@lru_cache(maxsize=None)
def entry(mistake_id: str) -> dict:
    """The hint file of one id, or a minimal entry naming the id when the file is missing."""
    path = HINTS_DIR / f"{mistake_id}.toml"
    if not path.is_file():
        return {"title_en": mistake_id, "title_ko": mistake_id, "hint_en": "", "hint_ko": "",
                "sets": []}
    with path.open("rb") as f:
        return tomllib.load(f)


def title(mistake_id: str, lang: str = "en") -> str:
    return entry(mistake_id).get(f"title_{lang}") or entry(mistake_id).get("title_en") or mistake_id


def hint(mistake_id: str, lang: str = "en") -> str:
    return entry(mistake_id).get(f"hint_{lang}") or entry(mistake_id).get("hint_en") or ""


def known_ids() -> list[str]:
    return sorted(p.stem for p in HINTS_DIR.glob("*.toml"))
