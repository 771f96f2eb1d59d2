"""Every piece of report text that is not data: the kit's gettext catalogue, keys ``page:<key>``.

Templates read `ui.<key>`; Python code calls `text(key, lang)`. The texts are in
autograder/locale/<lang>.po (nngrade.autograder.i18n); a key missing in one language is caught by
tests/test_report.py.
"""
from __future__ import annotations

from nngrade.autograder import i18n

PREFIX = "page:"


def languages() -> list[str]:
    return i18n.languages()


LANGS = tuple(languages())


def known(lang: str) -> bool:
    """A language the catalogues have (or one registered at run time, e.g. a pseudo-locale)."""
    return lang in languages() or lang in i18n.registered()


def text(key: str, lang: str) -> str:
    """The UI string `key` in `lang` (English where the language lacks it)."""
    found = i18n.lookup(PREFIX + key, lang)
    if found is None:
        raise KeyError(f"no page text {key!r} in the kit's catalogue")
    return found


def keys() -> list[str]:
    """Every page key, from the English catalogue (the source language has them all)."""
    english = i18n.read_catalogue(i18n.KIT_LOCALE / f"{i18n.SOURCE_LANG}.po")
    return [k[len(PREFIX):] for k in english if k.startswith(PREFIX)]


_tables: dict[tuple[str, int], dict[str, str]] = {}


def table(lang: str) -> dict[str, str]:
    """All UI strings in one language, as the templates' `ui` mapping (a copy, kept until a
    catalogue changes: every page of a run needs the same one)."""
    key = (lang, i18n.generation())
    if key not in _tables:
        if not known(lang):
            raise ValueError(f"unknown report language {lang!r}; expected one of "
                             f"{', '.join(languages())}")
        _tables.clear()
        _tables[key] = {k: text(k, lang) for k in keys()}
    return dict(_tables[key])


def all_keys() -> dict[str, tuple[str, str]]:
    """key -> (English, Korean), for the kit's own tests."""
    return {key: (text(key, "en"), text(key, "ko")) for key in keys()}
