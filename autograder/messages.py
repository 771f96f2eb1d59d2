"""Every sentence the grader says to a student: the kit's gettext catalogue, keys ``msg:<key>``
(autograder/locale/<lang>.po, read by nngrade.autograder.i18n)."""
from __future__ import annotations

from nngrade.autograder import i18n

PREFIX = "msg:"


def say(key: str, lang: str = "en", **fields) -> str:
    text = i18n.lookup(PREFIX + key, lang)
    if text is None:
        raise KeyError(f"no grader message {key!r} in the kit's catalogue")
    return i18n.fill(text, fields)
