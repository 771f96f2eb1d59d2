"""What a user did wrong, said in one line: the file (and key) and what is wrong.

Everything the user typed or wrote (paths, ids, keys, values) and is echoed back goes through
:func:`printable`, so a message never carries a terminal escape sequence.
"""
from __future__ import annotations

from nngrade.autograder.messages import Said
from nngrade.autograder.sets import near_miss
from nngrade.speech import cli, said_of, spoken
from nngrade.terminal import shown


def printable(text: object) -> str:
    """``text`` on one line with control and invisible characters (ESC, newlines, lone
    surrogates of undecodable file names ...) written as escapes: the kit's one escaper."""
    return shown(text, multiline=False)


def did_you_mean(word: str, choices) -> Said:
    """`` (did you mean 'x'?)`` for a near miss among ``choices``, else ``""``."""
    choices = [str(c) for c in choices]
    near = near_miss(str(word), choices)
    if not near and len(str(word)) >= 3:       # a shortened name: 'budget' for 'budget_cpu_seconds'
        longer = sorted(c for c in choices if c.startswith(str(word)))
        near = cli("did-you-mean", name=repr(longer[0])) if len(longer) == 1 else Said.plain("")
    return near


def some(items, limit: int = 5) -> Said:
    """The first few of ``items`` for a message: ``a, b, c, ... (12 in all)``."""
    items = [str(i) for i in items]
    listed = ", ".join(printable(i) for i in items[:limit])
    if len(items) > limit:
        return cli("some-of-many", listed=listed, count=len(items))
    return Said.plain(listed)


def error_line(exc: BaseException) -> str:
    """One line for an error, in the command line's language: an OSError as `file: reason`,
    other lines joined with "; "."""
    text = spoken(said_of(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return printable("; ".join(lines) or type(exc).__name__)
