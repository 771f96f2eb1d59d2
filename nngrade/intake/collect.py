"""One student's entry → modules: walk the tree, gather module files, keep the shallowest of each."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from nngrade.autograder.messages import Said
from nngrade.speech import said_of

from .model import Refused, StudentContext
from .names import ModuleFile, classify, is_ignored, shown_path
from .notebooks import notebook_source
from .tree import Node

# (path parts inside the submission, file name) → what module the file holds
ModuleRule = Callable[[tuple[str, ...], str], ModuleFile]


def by_name(parts: tuple[str, ...], name: str) -> ModuleFile:
    return classify(name)


@dataclass
class Candidate:
    module: str
    kind: str            # "py" | "ipynb"
    exact: bool
    parts: tuple[str, ...]
    node: Node
    why: str | None

    @property
    def depth(self) -> int:
        return len(self.parts) - 1

    @property
    def path(self) -> str:
        return shown_path(self.parts)

    def rank(self):
        # Shallowest first; at one depth a .py before a notebook, an exact name before a mapped one.
        return (self.depth, self.kind != "py", not self.exact, [p.casefold() for p in self.parts], self.parts)


# Folders of installed packages: their modules are not the student's and would shadow real ones.
_LIBRARY_FOLDERS = {"site-packages", "dist-packages", "node_modules"}


def walk(root: Node, ctx: StudentContext, zip_depth: int, rule: ModuleRule = by_name,
         prefix: tuple[str, ...] = ()) -> list[Candidate]:
    """Every module file under `root` (folders and zips alike), with unsafe entries refused.

    Iterative, so a deep tree cannot exhaust the stack; stops at the entry cap.
    """
    limits = ctx.limits
    found: list[Candidate] = []
    stack: list[tuple[Node, tuple[str, ...], int]] = [(root, prefix, zip_depth)]
    while stack:
        folder, parts, zdepth = stack.pop()
        where = shown_path(parts)
        try:
            children = folder.children(ctx, where)
        except Refused as e:
            ctx.problem(Said("intake-at", path=where or Said("intake-the-submission"), problem=said_of(e)))
            continue
        if parts and any(c.name == "pyvenv.cfg" for c in children):
            ctx.note(Said("note-venv", path=where))
            continue
        pushed = []
        for child in children:
            ctx.entries += 1
            if ctx.entries > limits.max_entries:
                ctx.problem(Said("intake-too-many-entries", count=limits.max_entries))
                return found
            if is_ignored(child.name):
                continue
            path = parts + (child.name,)
            if child.is_dir:
                if child.name in _LIBRARY_FOLDERS:
                    ctx.note(Said("note-libraries", path=shown_path(path)))
                elif len(path) > limits.max_depth:
                    ctx.problem(Said("intake-too-deep", path=shown_path(path), depth=limits.max_depth))
                else:
                    pushed.append((child, path, zdepth))
                continue
            if child.name.lower().endswith(".zip"):
                if zdepth + 1 > limits.max_zip_depth:
                    ctx.problem(Said("intake-zip-too-deep", path=shown_path(path),
                                     depth=limits.max_zip_depth - 1))
                    continue
                try:
                    pushed.append((child.open_zip(ctx, shown_path(path)), path, zdepth + 1))
                except Refused as e:
                    ctx.problem(Said("intake-at", path=shown_path(path), problem=said_of(e)))
                continue
            mf = rule(path, child.name)
            if mf.module is not None:
                found.append(Candidate(mf.module, mf.kind, mf.exact, path, child, mf.why))
            elif mf.why:
                ctx.note(Said("note-ignored", path=shown_path(path), why=mf.why))
        stack.extend(reversed(pushed))    # depth-first in name order
    return found


def choose(found: list[Candidate], ctx: StudentContext
           ) -> tuple[dict[str, bytes], dict[str, str], dict[str, list[list[int]]]]:
    """Read one file per module: the best-ranked one that can be read; notes say what was
    skipped. Returns sources, file names, and the cell table of each notebook."""
    groups: dict[str, list[Candidate]] = {}
    for cand in found:
        groups.setdefault(cand.module, []).append(cand)
    modules: dict[str, bytes] = {}
    file_names: dict[str, str] = {}
    cells: dict[str, list[list[int]]] = {}
    for module in sorted(groups):
        group = sorted(groups[module], key=Candidate.rank)
        chosen, refused = None, []
        for cand in group:
            try:
                modules[module], table = _load(cand, ctx)
            except Refused as e:
                ctx.problem(Said("intake-not-read", path=cand.path, problem=said_of(e)))
                refused.append(cand)
                continue
            chosen = cand
            break
        if chosen is None:
            continue
        file_names[module] = chosen.path
        if table:
            cells[module] = table
        if chosen.why:
            ctx.note(Said("note-file", path=chosen.path, what=chosen.why))
        others = [c for c in group if c is not chosen and c not in refused]
        if others:
            reason = _why_chosen(chosen, others)
            ignored = ", ".join(c.path for c in others[:5]) + (" ..." if len(others) > 5 else "")
            ctx.note(Said("note-several-files", count=len(group), module=module,
                          used=chosen.path, reason=reason, ignored=ignored))
    return modules, file_names, cells


def _why_chosen(chosen: Candidate, others: list[Candidate]) -> Said:
    reasons = []
    if any(o.depth > chosen.depth for o in others):
        reasons.append(Said("why-shallowest"))
    tie = next((o for o in others if o.depth == chosen.depth), None)
    if tie is not None:
        if chosen.kind != tie.kind:
            reasons.append(Said("why-py-first"))
        elif chosen.exact != tie.exact:
            reasons.append(Said("why-exact-name"))
        else:
            reasons.append(Said("why-name-order"))
    return Said.joined(reasons, "; ")


_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)


def _load(cand: Candidate, ctx: StudentContext) -> tuple[bytes, list[list[int]] | None]:
    """The module's source, and a notebook's cell table (None for a .py)."""
    data = cand.node.read(ctx, ctx.limits.max_file_bytes)
    if cand.kind == "ipynb":
        source, notes, cells = notebook_source(data)
        for note in notes:
            ctx.note(Said("note-file", path=cand.path, what=note))
        return source, cells
    return _as_utf8(data, cand, ctx), None


def _as_utf8(data: bytes, cand: Candidate, ctx: StudentContext) -> bytes:
    """Python reads source as UTF-8 unless a coding line says otherwise; Korean Windows editors
    save cp949, which would fail at import, so such files are converted (same lines)."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    if _CODING_COOKIE.search(b"\n".join(data.split(b"\n", 2)[:2])):
        return data
    try:
        converted = data.decode("cp949").encode("utf-8")
    except UnicodeDecodeError:
        ctx.note(Said("note-not-utf8", path=cand.path))
        return data
    ctx.note(Said("note-cp949", path=cand.path))
    return converted
