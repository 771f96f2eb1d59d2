"""Every sentence a student or an instructor reads comes from gettext catalogues (.po files,
read and written with Babel).

Catalogues, each a folder of ``<lang>.po`` files:

- the kit's: ``autograder/locale/`` (engine messages, report pages, plots, the command line);
- mistakes several sets share: ``solutions/shared/locale/``;
- each set's, in its folder: ``<set>/locale/`` (its hints and the descriptions its suites give),
  course-local sets too.

An entry's msgid is either a key (``mismatch``, ``hint:delta-sign:title``) whose English text is
in ``en.po``, or, in a set's catalogue, the English sentence itself (``student.text("sigmoid at
±1e4")``), so a suite reads as English and ``en.po`` may leave it out. Looking a text up tries the
asked language, then English, then the msgid. Adding a language is adding ``<lang>.po`` files.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import string
import time
from functools import lru_cache
from pathlib import Path

from nngrade.autograder.atomic import write_atomic
from nngrade.autograder.paths import BUILTIN_SETS_DIR, cache_dir

KIT_LOCALE = Path(__file__).resolve().parent / "locale"
SHARED_LOCALE = BUILTIN_SETS_DIR / "shared" / "locale"
SOURCE_LANG = "en"
LOCALE_FOLDER = "locale"

_extra: dict[str, list[Path]] = {}     # lang -> catalogue files registered at run time (tests)


@lru_cache(maxsize=None)
def _read(path: Path, mtime_ns: int) -> dict[str, str]:
    """msgid -> text of one .po file (untranslated and fuzzy entries left out). What Babel read
    is kept as JSON in the cache folder per file version (path, size, modification time):
    importing Babel and parsing the kit's catalogues cost about 0.1 s of every command."""
    kept = _kept_path(path, mtime_ns)
    if kept is not None:
        try:
            entries = json.loads(kept.read_text(encoding="utf-8"))
            if isinstance(entries, dict) and all(
                    isinstance(k, str) and isinstance(v, str) for k, v in entries.items()):
                return entries
        except (OSError, ValueError):
            pass
    from babel.messages.pofile import read_po
    with open(path, "rb") as f:
        catalog = read_po(f, abort_invalid=True)
    entries = {str(m.id): str(m.string) for m in catalog
               if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}
    if kept is not None:
        try:
            write_atomic(kept, json.dumps(entries, ensure_ascii=False))
        except OSError:
            pass                     # a read-only home only costs the parse next time
    return entries


def _kept_path(path: Path, mtime_ns: int) -> Path | None:
    try:
        size = os.stat(path).st_size
    except OSError:
        return None
    key = hashlib.sha256(f"{os.path.realpath(path)}|{size}|{mtime_ns}".encode()).hexdigest()[:24]
    return cache_dir() / "catalogues" / f"{key}.json"


# A page looks up hundreds of texts: the modification times of the files read so far are checked
# at most every STAT_EVERY seconds (an edited catalogue is read again after that), not at every
# lookup, and lookups are remembered until a catalogue changes (``generation`` counts changes).
STAT_EVERY = 0.5
_mtimes: dict[str, int] = {}     # path -> mtime_ns when last checked (-1: no file)
_state = {"generation": 0, "swept": 0.0}
_looked_up: dict[tuple, str | None] = {}


def _mtime(key: str) -> int:
    try:
        st = os.stat(key)
    except OSError:
        return -1
    return st.st_mtime_ns if stat.S_ISREG(st.st_mode) else -1


def _changed() -> None:
    _state["generation"] += 1
    _looked_up.clear()


def generation() -> int:
    """A number that changes whenever a catalogue read so far (or the registered set) changes:
    texts derived from the catalogues may be kept while it stays the same."""
    now = time.monotonic()
    if now - _state["swept"] > STAT_EVERY:
        _state["swept"] = now
        for key, mtime in list(_mtimes.items()):
            fresh = _mtime(key)
            if fresh != mtime:
                _mtimes[key] = fresh
                _changed()
    return _state["generation"]


def read_catalogue(path: Path) -> dict[str, str]:
    key = os.fspath(path)
    generation()
    mtime = _mtimes.get(key)
    if mtime is None:
        mtime = _mtimes[key] = _mtime(key)
    if mtime < 0:
        return {}
    try:
        return _read(Path(key), mtime)
    except Exception as exc:        # babel's PoFileError, a bad encoding ...
        raise ValueError(f"{key}: not a readable gettext catalogue ({exc})") from None


def register(lang: str, path: Path) -> None:
    """Add a catalogue for ``lang`` looked up before the others (a pseudo-locale in tests)."""
    _extra.setdefault(lang, []).insert(0, Path(path))
    _changed()


def unregister(lang: str) -> None:
    _extra.pop(lang, None)
    _changed()


def registered() -> list[str]:
    return list(_extra)


def lookup_registered(msgid: str, lang: str) -> str | None:
    """``msgid`` in a catalogue registered for ``lang`` at run time, if any."""
    for path in _extra.get(lang, []):
        found = read_catalogue(path).get(msgid)
        if found:
            return found
    return None


def _folders(set_folder: Path | None) -> list[Path]:
    folders = []
    if set_folder is not None:
        folders.append(Path(set_folder) / LOCALE_FOLDER)
    folders += [SHARED_LOCALE, KIT_LOCALE]
    return folders


def lookup(msgid: str, lang: str, set_folder: Path | None = None) -> str | None:
    """The text of ``msgid`` in ``lang`` (else English), or None where no catalogue has it."""
    generation()
    key = (msgid, lang, os.fspath(set_folder) if set_folder is not None else None)
    try:
        return _looked_up[key]
    except KeyError:
        pass
    found = _looked_up[key] = _lookup(msgid, lang, set_folder)
    return found


def _lookup(msgid: str, lang: str, set_folder: Path | None) -> str | None:
    for language in dict.fromkeys((lang, SOURCE_LANG)):
        for path in _extra.get(language, []):
            found = read_catalogue(path).get(msgid)
            if found:
                return found
        for folder in _folders(set_folder):
            found = read_catalogue(folder / f"{language}.po").get(msgid)
            if found:
                return found
    return None


def gettext(msgid: str, lang: str, set_folder: Path | None = None, **fields) -> str:
    """The text of ``msgid`` in ``lang`` with ``fields`` filled in. A msgid no catalogue has is
    itself the English text (a suite's own sentence)."""
    text = lookup(msgid, lang, set_folder)
    if text is None:
        text = msgid
    return fill(text, fields) if fields else text


def fill(template: str, fields: dict) -> str:
    """str.format, leaving a placeholder the catalogue's text has and the caller did not give as
    it is, instead of failing (a translation must never break a report)."""
    class _Keep(dict):
        def __missing__(self, key):
            return "{" + key + "}"
    try:
        return string.Formatter().vformat(template, (), _Keep(fields))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def languages() -> list[str]:
    """Every language the kit's catalogue has, English first."""
    found = sorted(p.stem for p in KIT_LOCALE.glob("*.po"))
    return [SOURCE_LANG] + [lang for lang in found if lang != SOURCE_LANG]


def catalogue_files(set_folders=()) -> list[Path]:
    """Every .po file of the kit, the shared mistakes and the given sets."""
    files = []
    for folder in [KIT_LOCALE, SHARED_LOCALE, *(Path(f) / LOCALE_FOLDER for f in set_folders)]:
        files += sorted(folder.glob("*.po"))
    return files
