"""A notebook's code cells as one Python module (the cells in order, magics made harmless), and
where each cell starts in it, so the sandbox can run the cells one by one as Jupyter would."""
from __future__ import annotations

import ast
import functools
import json
import re
import sys

from nngrade.autograder.messages import Said

from .model import Refused

# `%magic`, `!shell`, `x = !ls`, `files = %ls`, `obj?` / `??obj` (help): IPython syntax, not Python.
# Used where IPython itself is not installed.
_MAGIC_LINE = re.compile(r"^\s*(?:[%!]|[\w.,\s]+=\s*[%!]|\?\?|\?\w)|^\s*[\w.]+\?\??\s*$")
# Cell magics whose body is still Python; any other (%%bash, %%writefile, %%html ...) is not.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
MARKER = "# %% cell {number}"
SHOWN_CHARS = 40             # a removed line as the report names it
NAMED_PER_CELL = 5           # removed lines named per cell; the rest are counted


def notebook_source(data: bytes) -> tuple[bytes, list[str], list[list[int]]]:
    """The notebook's code as module source, notes, and [cell number, first line] of each cell,
    read in a bounded child process."""
    from .bounded import run_bounded
    _preload()
    source, notes, extra = run_bounded(_notebook_source, data, Said("intake-the-notebook"))
    return source, _said(extra.get("said"), notes), _checked_cells(extra.get("cells"), source)


def _said(structured, notes: list[str]) -> list[str]:
    """The child's notes as Saids again (its pipe carries plain data); its English notes as they
    are when the structured ones are not what they must be."""
    if not isinstance(structured, list) or len(structured) != len(notes):
        return notes
    try:
        return [Said.from_json(item) for item in structured]
    except ValueError:
        return notes


def _notebook_source(data: bytes) -> tuple[bytes, list[str], dict]:
    """Concatenate a notebook's code cells into module source; returns (source, notes,
    {"cells": [[cell number, line of its first code line], ...]}).

    Each cell starts with a `# %% cell N` line (the "percent" cell format editors understand).
    nbgrader's autograder test cells (grade: true, solution: false) are left out: they are the
    instructor's tests, not the student's code.
    """
    cells = _cells(data)
    notes: list[str] = []
    pieces: list[str] = []
    starts: list[list[int]] = []
    line = 1
    skipped_tests = 0
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata") or {}
        nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(nbg, dict) and nbg.get("grade") and not nbg.get("solution"):
            skipped_tests += 1
            continue
        source = cell.get("source") or ""
        if isinstance(source, list):
            source = "".join(str(s) for s in source)
        if not isinstance(source, str):
            continue
        code, removed = python_cell(source)
        if removed:
            notes.append(removed_note(number, removed))
        piece = f"{MARKER.format(number=number)}\n{code.rstrip()}\n"
        starts.append([number, line + 1])
        line += piece.count("\n") + 1          # the pieces are joined by a blank line
        pieces.append(piece)
    if skipped_tests:
        notes.append(Said("note-nbgrader-tests", count=skipped_tests))
    return ("\n".join(pieces).encode("utf-8", "surrogatepass"), notes,
            {"cells": starts, "said": [n.as_json() for n in notes]})


def _checked_cells(cells, source: bytes) -> list[list[int]]:
    """The reader's cell table, kept only when it is what it must be (increasing lines inside
    the source)."""
    lines = source.count(b"\n") + 1
    if not isinstance(cells, list):
        return []
    out, last = [], 0
    for item in cells:
        if not (isinstance(item, list) and len(item) == 2
                and all(type(v) is int and v > 0 for v in item)) or not last < item[1] <= lines:
            return []
        out.append(item)
        last = item[1]
    return out


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def removed_note(number: int, removed: list[tuple[int, str]]) -> Said:
    """`cell 3: IPython lines commented out: line 1 "%matplotlib inline", line 4 "!pip …"`."""
    named = Said.joined([Said("note-ipython-line", line=n, text=shorten(text))
                         for n, text in removed[:NAMED_PER_CELL]], ", ")
    more = len(removed) - NAMED_PER_CELL
    if more > 0:
        named = Said("note-ipython-more", lines=named, count=more)
    return Said("note-ipython", cell=number, lines=named)


def import_nbformat():
    """nbformat, imported without jsonschema's optional IRI format checker: when the
    rfc3987-syntax package is installed (the Jupyter stack brings it), jsonschema builds its
    grammars at import, about 1.5 s of every run that reads a notebook; the notebook schema
    names no IRI format. Imported normally afterwards by whoever wants it."""
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None       # makes its import fail: the checker is skipped
    try:
        import nbformat
    finally:
        if blocked and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
    return nbformat


def _cells(data: bytes) -> list:
    try:
        nbformat = import_nbformat()
    except ImportError:
        raise Refused(Said("intake-needs-nbformat")) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(Said("intake-notebook-not-utf8")) from None
    try:
        # No schema validation: sloppy but readable notebooks are still graded.
        nb = nbformat.convert(nbformat.reader.reads(text), 4)
        return list(nb.get("cells") or [])
    except Exception as e:        # bad JSON, unknown version, deep nesting, odd structure ...
        error = e
    # nbformat gave up on a damaged notebook; its v4 cell list may still be usable as it is.
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError):
        nb = None
    if isinstance(nb, dict) and isinstance(nb.get("cells"), list):
        return nb["cells"]
    raise Refused(Said("intake-bad-notebook", error=type(error).__name__))


def python_cell(source: str) -> tuple[str, list[tuple[int, str]]]:
    """The cell as Python, and the (line number, text) of every IPython line commented out.

    Unchanged when it already parses; otherwise magic, shell and help lines become
    `pass  # ...` comments (a `pass` keeps an indented block valid), and a cell magic whose
    body is not Python (%%bash, %%html ...) becomes comments whole."""
    if _parses(source):
        return source, []
    lines = source.split("\n")
    first = lines[0].strip()
    removed: list[tuple[int, str]] = []
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return "\n".join("# " + line for line in lines), [(1, first)]
        lines[0] = "# " + lines[0]
        removed.append((1, first))
    flagged = _ipython_lines(lines)
    out = []
    for number, line in enumerate(lines, start=1):
        if number in flagged:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}pass  # {line.strip()}")
            removed.append((number, line.strip()))
        else:
            out.append(line)
    return "\n".join(out), removed


@functools.lru_cache(maxsize=1)
def _preload() -> None:
    """Import the readers once here, so that every forked reader shares them (nbformat alone
    costs each reader some 3 s to import)."""
    try:
        import_nbformat()
    except ImportError:
        pass
    _transformer()


@functools.lru_cache(maxsize=1)
def _transformer():
    """IPython's own reader of its syntax, when IPython is installed (else None)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except Exception:         # not installed, or broken: the pattern below stands in
        return None
    return TransformerManager()


def _ipython_lines(lines: list[str]) -> set[int]:
    """Line numbers (from 1) holding IPython syntax: what IPython turns into a get_ipython()
    call; by pattern when IPython is not installed or the cell's lines do not map one to one
    (a magic continued with a backslash)."""
    tm = _transformer()
    if tm is not None:
        skip = 0              # IPython drops leading blank lines
        while skip < len(lines) and not lines[skip].strip():
            skip += 1
        original = "\n".join(lines[skip:]).rstrip("\n").split("\n")
        try:
            python = tm.transform_cell("\n".join(original)).rstrip("\n").split("\n")
        except Exception:     # IPython cannot read it either
            python = None
        if python is not None and len(python) == len(original):
            return {n + skip for n, (a, b) in enumerate(zip(original, python), start=1)
                    if "get_ipython()" in b and "get_ipython()" not in a}
    return {n for n, line in enumerate(lines, start=1) if _MAGIC_LINE.match(line)}


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
