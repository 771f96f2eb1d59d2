"""A notebook's code cells as one Python module (the cells in order, magics made harmless)."""
from __future__ import annotations

import ast
import json
import re

from .model import Refused

# `%magic`, `!shell`, `x = !ls`, `files = %ls`, `obj?` / `??obj` (help): IPython syntax, not Python.
_MAGIC_LINE = re.compile(r"^\s*(?:[%!]|[\w.,\s]+=\s*[%!]|\?\?|\?\w)|^\s*[\w.]+\?\??\s*$")
# Cell magics whose body is still Python; any other (%%bash, %%writefile, %%html ...) is not.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}


def notebook_source(data: bytes) -> tuple[bytes, list[str]]:
    """The notebook's code as module source and notes, read in a bounded child process."""
    from .bounded import run_bounded
    return run_bounded(_notebook_source, data, "notebook")


def _notebook_source(data: bytes) -> tuple[bytes, list[str]]:
    """Concatenate a notebook's code cells into module source; returns (source, notes).

    Each cell starts with a `# %% cell N` line (the "percent" cell format editors understand), so
    an error's line number can be traced back to its cell. nbgrader's autograder test cells
    (grade: true, solution: false) are left out: they are the instructor's tests, not the
    student's code, and running them at import would fail the whole module.
    """
    cells = _cells(data)
    notes: list[str] = []
    pieces: list[str] = []
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
        code, changed = python_cell(source)
        if changed:
            notes.append(f"cell {number}: IPython magics or shell lines commented out")
        pieces.append(f"# %% cell {number}\n{code.rstrip()}\n")
    if skipped_tests:
        notes.append(f"{skipped_tests} nbgrader test cell(s) left out")
    return "\n".join(pieces).encode("utf-8", "surrogatepass"), notes


def _cells(data: bytes) -> list:
    try:
        import nbformat
    except ImportError:
        raise Refused("reading notebooks needs the nbformat package (pip install nbformat)") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused("not a readable notebook (not UTF-8 text)") from None
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
    raise Refused(f"not a readable notebook ({type(error).__name__})")


def python_cell(source: str) -> tuple[str, bool]:
    """The cell as Python: unchanged when it already parses; otherwise magic and shell lines
    become `pass  # ...` comments (a `pass` keeps an indented block valid)."""
    if _parses(source):
        return source, False
    lines = source.split("\n")
    first = lines[0].strip()
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if magic not in _PYTHON_CELL_MAGICS:
            # The whole cell is in another language: keep it as comments.
            return "\n".join("# " + line for line in lines), True
        lines[0] = "# " + lines[0]
    out = []
    for line in lines:
        if _MAGIC_LINE.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}pass  # {line.strip()}")
        else:
            out.append(line)
    return "\n".join(out), True


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
