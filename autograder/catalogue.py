"""The catalogue of named mistakes: their titles and hints, in every language of the catalogues.

They live in gettext catalogues (``nngrade.autograder.i18n``): each set's ``locale/<lang>.po``
holds ``hint:<id>:title`` and ``hint:<id>:text`` for each mistake id its models name; mistakes
that several sets name live once in ``solutions/shared/locale/``. An id is described in one
catalogue only. A mistake id without an entry still shows in reports, under its id and with no
hint, so a report never fails for a hint that is not written yet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nngrade.autograder import i18n
from nngrade.autograder.messages import Said
from nngrade.autograder.sets import all_sets

SHARED_HINTS = i18n.SHARED_LOCALE
TEXT_KEYS = ("title_en", "title_ko", "hint_en", "hint_ko")
# Catalogue ids are lower-case words joined by hyphens.
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# hint:<id>:text, or hint:<id>:text@<function or set id>: the same advice worded for one place
HINT_KEY = re.compile(r"^hint:(?P<id>[^:@]+):(?P<part>title|text)(?:@(?P<where>[\w.]+))?$")


class HintFileError(ValueError):
    """A catalogue's hints cannot be used (a bad id, an id described twice)."""


@dataclass(frozen=True)
class Hint:
    id: str
    title: str
    text: str          # "" when no hint is written
    found: bool        # False when no hints file describes the id


def hint_files() -> tuple[Path, ...]:
    """The catalogue folder of every known set that has one, then the shared one."""
    folders = [s.folder / i18n.LOCALE_FOLDER for s in all_sets() if s.folder is not None]
    return tuple(p for p in (*folders, SHARED_HINTS) if p.is_dir())


@lru_cache(maxsize=None)
def _read_with_sources(folders: tuple[Path, ...]) -> tuple[dict[str, dict], dict[str, Path]]:
    entries: dict[str, dict] = {}
    where: dict[str, Path] = {}
    for folder in folders:
        found: dict[str, dict] = {}
        for po in sorted(Path(folder).glob("*.po")):
            lang = po.stem
            for msgid, text in i18n.read_catalogue(po).items():
                match = HINT_KEY.match(msgid)
                if match is None:
                    continue
                mistake_id, part = match["id"], match["part"]
                if not ID_RE.match(mistake_id):
                    raise HintFileError(Said("cli:hint-bad-id", path=po, msgid=repr(msgid)))
                key = f"{'title' if part == 'title' else 'hint'}_{lang}"
                if match["where"]:
                    key += f"@{match['where']}"
                found.setdefault(mistake_id, {})[key] = text
        for mistake_id, entry in found.items():
            if mistake_id in entries and all("@" in key for key in entry):
                # a set may word a shared mistake's hint for itself: hint:<id>:text@<its id>
                entries[mistake_id] = {**entries[mistake_id], **entry}
                continue
            if mistake_id in entries and all("@" in key for key in entries[mistake_id]):
                entries[mistake_id], where[mistake_id] = {**entry, **entries[mistake_id]}, Path(folder)
                continue
            if mistake_id in entries:
                raise HintFileError(Said("cli:hint-twice", path=folder, id=mistake_id,
                                         other=where[mistake_id]))
            entries[mistake_id], where[mistake_id] = entry, Path(folder)
    return entries, where


def entries(files: tuple[Path, ...] | None = None) -> dict[str, dict]:
    return _read_with_sources(tuple(files) if files is not None else hint_files())[0]


def source(mistake_id: str) -> Path | None:
    """The catalogue folder that describes an id."""
    return _read_with_sources(hint_files())[1].get(mistake_id)


def load_hint(mistake_id: str, lang: str, files: tuple[Path, ...] | None = None,
              where: tuple[str, ...] = ()) -> Hint:
    """The title and hint of `mistake_id` in `lang` (else English, else the id). ``where``: the
    function and set the mistake was seen in, most specific first: a hint worded for one of them
    (``hint:<id>:text@gradient_descent``) is preferred to the general one."""
    data = entries(files).get(mistake_id)
    if data is None:
        return Hint(mistake_id, mistake_id, "", False)

    def pick(part):
        msg_part = "title" if part == "title" else "text"
        for place in (*where, None):      # a language registered at run time (a pseudo-locale)
            found = i18n.lookup_registered(f"hint:{mistake_id}:{msg_part}"
                                           + (f"@{place}" if place else ""), lang)
            if found:
                return found.strip()
        for language in dict.fromkeys((lang, i18n.SOURCE_LANG)):
            for place in (*where, None):
                found = data.get(f"{part}_{language}" + (f"@{place}" if place else ""))
                if found:
                    return found.strip()
        return ""

    return Hint(mistake_id, pick("title") or mistake_id, pick("hint"), True)


def title(mistake_id: str, lang: str = "en", where: tuple[str, ...] = ()) -> str:
    return load_hint(mistake_id, lang, where=where).title


def hint(mistake_id: str, lang: str = "en", where: tuple[str, ...] = ()) -> str:
    return load_hint(mistake_id, lang, where=where).text


def known_ids() -> list[str]:
    return sorted(entries())


def clear_cache() -> None:
    """Forget catalogues read so far (tests that write catalogues call this)."""
    _read_with_sources.cache_clear()
