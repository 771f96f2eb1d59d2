"""What a user did wrong, said in one line: the file (and key) and what is wrong.

Everything the user typed or wrote (paths, ids, keys, values) and is echoed back goes through
:func:`printable`, so a message never carries a terminal escape sequence.
"""
from __future__ import annotations

from nngrade.autograder.sets import near_miss
from nngrade.terminal import shown


def printable(text: object) -> str:
    """``text`` on one line with control and invisible characters (ESC, newlines, lone
    surrogates of undecodable file names ...) written as escapes: the kit's one escaper."""
    return shown(text, multiline=False)


def did_you_mean(word: str, choices) -> str:
    """`` (did you mean 'x'?)`` for a near miss among ``choices``, else ``""``."""
    choices = [str(c) for c in choices]
    near = near_miss(str(word), choices)
    if not near and len(str(word)) >= 3:       # a shortened name: 'budget' for 'budget_cpu_seconds'
        longer = sorted(c for c in choices if c.startswith(str(word)))
        near = f" (did you mean {longer[0]!r}?)" if len(longer) == 1 else ""
    return near


def some(items, limit: int = 5) -> str:
    """The first few of ``items`` for a message: ``a, b, c, ... (12 in all)``."""
    items = [str(i) for i in items]
    listed = ", ".join(printable(i) for i in items[:limit])
    return listed + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def error_line(exc: BaseException) -> str:
    """One line for an error: an OSError as `file: reason`, other lines joined with "; "."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror[:1].lower()}{exc.strerror[1:]}"
    else:
        text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return printable("; ".join(lines) or type(exc).__name__)
