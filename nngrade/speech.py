"""What the command line says, in the user's language: the kit's catalogue, keys ``cli:<key>``
(autograder/locale/<lang>.po, read by nngrade.autograder.i18n).

The language: ``--lang`` where a command has one, else ``NNGRADE_LANG``, else the locale
environment (the first of LC_ALL, LC_MESSAGES, LANG that is set: ``ko_KR.UTF-8`` is Korean), else
English. A language is any one the kit's catalogue has, so adding one is adding ``<lang>.po``.

A message raised deep down (a course file's problem, an intake problem) is a
:class:`~nngrade.autograder.messages.Said`: English as a str, said again in the command line's
language when it is printed.
"""
from __future__ import annotations

import contextlib
import errno
import os

from nngrade.autograder import i18n
from nngrade.autograder.messages import Said, in_language, say

PREFIX = "cli:"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
_chosen: list[str] = []


def _known(value: str) -> str | None:
    """The kit's language named by ``value`` (``ko``, ``ko_KR.UTF-8``, ``en-US``), if it has one."""
    value = value.strip()
    have = set(i18n.languages()) | set(i18n.registered())
    if value in have:
        return value
    base = value.replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    return base if base in have else None


def language(option: str | None = None, environ=None) -> str:
    """The command line's language (the rule in this module's docstring)."""
    if option:
        return option
    environ = os.environ if environ is None else environ
    value = environ.get("NNGRADE_LANG")
    if value:
        return _known(value) or i18n.SOURCE_LANG
    for name in LOCALE_VARIABLES:
        value = environ.get(name)
        if value:
            return _known(value) or i18n.SOURCE_LANG
    return i18n.SOURCE_LANG


def use(lang: str | None) -> None:
    """Say everything from now on in ``lang`` (the command's --lang, or the environment's);
    None goes back to the environment's."""
    _chosen[:] = [lang] if lang else []


@contextlib.contextmanager
def speaking(lang: str):
    """The command line's language for the length of one command."""
    before = list(_chosen)
    use(lang)
    try:
        yield
    finally:
        _chosen[:] = before


def current() -> str:
    return _chosen[0] if _chosen else language()


def cli(key: str, /, **fields) -> Said:
    """The message ``cli:<key>``, said in the command line's language when printed."""
    return Said(PREFIX + key, **fields)


def tell(key: str, /, **fields) -> str:
    """The message ``cli:<key>`` in the command line's language, to print now."""
    lang = current()
    return say(PREFIX + key, lang, **{k: v.to(lang) if isinstance(v, Said) else v
                                      for k, v in fields.items()})


def spoken(text) -> str:
    """``text`` in the command line's language (a Said said again, anything else as it is)."""
    return in_language(text, current())


def said_of(exc: BaseException) -> Said:
    """The sentence of an exception: its Said, an OSError's reason from the catalogue, or its
    text as it is (a library's message)."""
    if exc.args and isinstance(exc.args[0], Said) and len(exc.args) == 1:
        return exc.args[0]
    if isinstance(exc, OSError) and exc.strerror:
        reason = os_reason(exc)
        if exc.filename is not None:
            return Said.joined([Said.plain(f"{exc.filename}:"), reason])
        return reason
    return Said.plain(str(exc))


# errno -> key of its reason; others keep the system's own words
_OS_REASONS = {errno.ENOENT: "os-no-such-file", errno.EACCES: "os-permission-denied",
               errno.EPERM: "os-permission-denied", errno.EISDIR: "os-is-a-folder",
               errno.ENOTDIR: "os-not-a-folder", errno.EEXIST: "os-exists",
               errno.ENOSPC: "os-no-space", errno.EROFS: "os-read-only"}


def os_reason(exc: OSError) -> Said:
    key = _OS_REASONS.get(exc.errno)
    if key is not None:
        return cli(key)
    return Said.plain(exc.strerror or str(exc))


def prefixed(where, exc_or_said, colon: bool = True) -> Said:
    """``where: <sentence>`` keeping the sentence's structure (a file's name before a problem)."""
    said = exc_or_said if isinstance(exc_or_said, Said) else said_of(exc_or_said)
    return Said.joined([Said.plain(f"{where}:" if colon else str(where)), said])
