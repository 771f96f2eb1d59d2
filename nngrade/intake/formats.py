"""The four layouts of SUBMISSIONS → one `StudentEntry` per student (nothing of theirs is read yet).

folders   SUBMISSIONS/<id>/... or SUBMISSIONS/<id>.zip                       id = entry name
canvas    <name>_[late_]<userid>_<submissionid>_<file> (folder or download zip) id = userid
moodle    <Full name>_<participant id>_assignsubmission_file_/... (folder or zip), or flat files
          <Full name>_<participant id>_assignsubmission_file_<file>          id = participant id
nbgrader  submitted/<student>/<assignment>/<notebook>.ipynb                    id = student folder
"""
from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nngrade.autograder.messages import Said
from nngrade.speech import cli, prefixed, said_of

from .collect import ModuleRule, by_name
from .model import IntakeError, IntakeLimits, Refused, StudentContext
from .names import ModuleFile, classify, decode_name_bytes, is_ignored, set_module_for_folder, shown
from .tree import DiskFolder, Node, VirtualFolder, open_archive

FORMATS = ("folders", "canvas", "moodle", "nbgrader")

CANVAS_NAME = re.compile(r"^(?P<name>.*?)_(?:(?P<late>late)_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>.+)$", re.S)
MOODLE_NAME = re.compile(r"^(?P<name>.*)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[A-Za-z0-9]+)(?:_(?P<rest>.*))?$", re.S)


@dataclass
class StudentEntry:
    student_id: str
    source: str
    open: Callable[[StudentContext], tuple[Node, int]]   # → (root folder, zips already opened)
    display_name: str | None = None
    late: bool = False
    rule: ModuleRule = by_name
    notes: list[str] = field(default_factory=list)


@dataclass
class Container:
    """SUBMISSIONS opened: its top folder, and a context that keeps a download zip open."""
    root: Node
    path: Path
    ctx: StudentContext


def open_container(path: Path, fmt: str, limits: IntakeLimits, zip_ok: bool) -> Container:
    ctx = StudentContext(limits)
    if not os.path.lexists(path):
        raise IntakeError(cli("intake-missing", path=path))
    if path.is_dir():
        return Container(DiskFolder(path.name, os.fsencode(path)), path, ctx)
    if not zip_ok:
        hint = cli("intake-zip-hint") if path.suffix.lower() == ".zip" else ""
        raise IntakeError(cli("intake-not-folder", path=path, fmt=fmt, hint=hint))
    if not path.is_file():
        raise IntakeError(cli("intake-not-folder-or-zip", path=path))
    try:
        fileobj = ctx.stack.enter_context(open(path, "rb"))
        root = open_archive(fileobj, ctx, "", limits.max_container_entries)
    except (Refused, OSError) as e:
        ctx.stack.close()
        raise IntakeError(cli("intake-bad-download", path=path, fmt=fmt, error=said_of(e))) from None
    return Container(root, path, ctx)


def list_students(fmt: str, container: Container) -> list[StudentEntry]:
    return {"folders": _folders, "canvas": _canvas, "moodle": _moodle, "nbgrader": _nbgrader}[fmt](container)


def _top(container: Container) -> list[Node]:
    try:
        return [n for n in container.root.children(container.ctx, "") if not is_ignored(n.name)]
    except Refused as e:
        raise IntakeError(prefixed(container.path, e)) from None


def _unwrap(container: Container, matches: Callable[[str], bool]) -> list[Node]:
    """Top entries, looking one folder down when a download was zipped inside a single folder."""
    top = _top(container)
    if not any(matches(n.name) for n in top) and len(top) == 1 and top[0].is_dir:
        try:
            return [n for n in top[0].children(container.ctx, top[0].name) if not is_ignored(n.name)]
        except Refused as e:
            raise IntakeError(prefixed(f"{container.path}/{top[0].name}", e)) from None
    return top


def detect_format(path: Path) -> str | None:
    """The layout SUBMISSIONS looks like (for error messages and `format="auto"`), or None."""
    if path.is_dir():
        try:
            names = [n for n in os.listdir(path) if not is_ignored(n)]
        except OSError:
            return None
        if (path / "submitted").is_dir() and any(
                (path / n).exists() for n in ("nbgrader_config.py", "gradebook.db", "source", "release")):
            return "nbgrader"
        if names and sum(bool(MOODLE_NAME.match(n)) for n in names) * 2 > len(names):
            return "moodle"
        if names and sum(bool(CANVAS_NAME.match(n)) and (path / n).is_file() for n in names) * 2 > len(names):
            return "canvas"
        if path.name == "submitted" and names and all((path / n).is_dir() for n in names):
            return "nbgrader"
        return "folders"
    if path.is_file() and path.suffix.lower() == ".zip":
        return "zip"
    return None


def _wrong_format(path: Path, fmt: str, expected: str) -> IntakeError:
    seen = detect_format(path)
    hint = cli("intake-looks-like", seen=seen) if seen not in (None, "zip", fmt) else ""
    return IntakeError(cli("intake-wrong-format", path=path, expected=cli(expected), hint=hint))


# ---- folders --------------------------------------------------------------------------------

def _folders(container: Container) -> list[StudentEntry]:
    entries: list[StudentEntry] = []
    for node in _top(container):
        if node.is_dir:
            entry = StudentEntry(node.name, _disk_path(node), _as_root(node, 0))
        elif node.name.lower().endswith(".zip") and len(node.name) > 4:
            entry = StudentEntry(node.name[:-4], _disk_path(node), _zip_root(node))
        else:
            container.ctx.note(f"{shown(node.name)}: neither a folder nor a .zip; not a student entry, ignored")
            continue
        how = decode_name_bytes(os.path.basename(node.path))[1]
        if how:
            entry.notes.append(Said("note-entry-name-cp949" if how == "cp949"
                                    else "note-entry-name-escapes"))
        entries.append(entry)
    if not entries:
        raise _wrong_format(container.path, "folders",
                            "intake-no-student-folder")
    seen = detect_format(container.path)
    if seen in ("moodle", "canvas", "nbgrader"):
        raise _wrong_format(container.path, "folders", "intake-not-per-student")
    return entries


def _disk_path(node: Node) -> str:
    return os.fsdecode(node.path).encode("utf-8", "backslashreplace").decode("utf-8")


def _as_root(node: Node, zip_depth: int):
    return lambda ctx: (node, zip_depth)


def _zip_root(node: Node):
    def open_(ctx: StudentContext):
        return node.open_zip(ctx, ""), 1
    return open_


# ---- canvas ---------------------------------------------------------------------------------

def _canvas(container: Container) -> list[StudentEntry]:
    by_uid: dict[str, list[tuple[re.Match, Node]]] = {}
    stray = []
    for node in _unwrap(container, lambda n: bool(CANVAS_NAME.match(n))):
        m = CANVAS_NAME.match(node.name)
        if m is None:
            stray.append(node.name)
            continue
        by_uid.setdefault(m.group("uid"), []).append((m, node))
    if not by_uid:
        raise _wrong_format(container.path, "canvas",
                            "intake-no-canvas-file")
    entries = []
    for uid, files in by_uid.items():
        first = files[0][0]
        items = [node.renamed(m.group("file")) for m, node in files]
        entry = StudentEntry(uid, str(container.path), _as_root(VirtualFolder("", items), 0),
                             display_name=first.group("name") or None,
                             late=any(m.group("late") for m, _ in files))
        subs = sorted({m.group("sid") for m, _ in files})
        if len(subs) > 1:
            entry.notes.append(Said("note-canvas-together", count=len(subs), ids=", ".join(subs)))
        entries.append(entry)
    if stray:
        entries_note = f"{len(stray)} file(s) not named like a Canvas download ignored: " + \
            ", ".join(shown(s, 60) for s in sorted(stray)[:5])
        container.ctx.note(entries_note)
    return entries


# ---- moodle ---------------------------------------------------------------------------------

def _moodle(container: Container) -> list[StudentEntry]:
    groups: dict[str, list[tuple[re.Match, Node]]] = {}
    stray = []
    for node in _unwrap(container, lambda n: bool(MOODLE_NAME.match(n))):
        m = MOODLE_NAME.match(node.name)
        if m is None:
            stray.append(node.name)
            continue
        groups.setdefault(m.group("pid"), []).append((m, node))
    if not groups:
        raise _wrong_format(container.path, "moodle",
                            "intake-no-moodle-entry")
    entries = []
    for pid, nodes in groups.items():
        entries.append(StudentEntry(pid, str(container.path), _moodle_root(nodes),
                                    display_name=unicodedata.normalize("NFC", nodes[0][0].group("name")) or None))
    if stray:
        container.ctx.note(f"{len(stray)} entries not named like a Moodle download ignored")
    return entries


def _moodle_root(nodes: list[tuple[re.Match, Node]]):
    def open_(ctx: StudentContext):
        items: list[Node] = []
        for m, node in nodes:
            if m.group("plugin") != "file":
                ctx.note(Said("note-moodle-part", name=shown(node.name), part=m.group("plugin")))
                continue
            rest = m.group("rest") or ""
            if node.is_dir:
                if rest:                     # a folder below the participant's: keep its name
                    items.append(node.renamed(rest))
                else:
                    try:
                        items.extend(node.children(ctx, shown(node.name)))
                    except Refused as e:
                        ctx.problem(Said("intake-at", path=shown(node.name), problem=said_of(e)))
            elif rest:
                items.append(node.renamed(rest))
        return VirtualFolder("", items), 0
    return open_


# ---- nbgrader -------------------------------------------------------------------------------

def _nbgrader(container: Container) -> list[StudentEntry]:
    path = container.path
    top = _top(container)
    sub = next((n for n in top if n.is_dir and n.name == "submitted"), None)
    if sub is not None and path.name != "submitted":       # the course folder was given
        path = path / "submitted"
        try:
            top = [n for n in sub.children(container.ctx, "submitted") if not is_ignored(n.name)]
        except Refused as e:
            raise IntakeError(prefixed(path, e)) from None
    elif sub is None and any(n.name == "nbgrader_config.py" for n in top):
        raise IntakeError(cli("intake-nbgrader-no-submitted", path=path))
    students = [n for n in top if n.is_dir]
    if not students:
        raise _wrong_format(path, "nbgrader", "intake-no-nbgrader-student")
    return [StudentEntry(n.name, str(path / n.name), _nbgrader_root(n), rule=nbgrader_rule)
            for n in students]


def nbgrader_rule(parts: tuple[str, ...], name: str) -> ModuleFile:
    """A notebook not named after a module takes its assignment folder's (`11_maxout/hw.ipynb`)."""
    mf = classify(name)
    if mf.module is None and mf.kind == "ipynb" and len(parts) >= 2:
        module = set_module_for_folder(parts[0])
        if module is not None:
            return ModuleFile(module, "ipynb", exact=False,
                              why=Said("why-assignment-folder", module=module))
    return mf


def _nbgrader_root(node: Node):
    def open_(ctx: StudentContext):
        # nbgrader writes <assignment>/timestamp.txt when a student submits; keep the latest.
        stamps = []
        try:
            for assignment in node.children(ctx, ""):
                if not assignment.is_dir:
                    continue
                for f in assignment.children(ctx, assignment.name):
                    if f.name == "timestamp.txt" and not f.is_dir:
                        try:
                            text = f.read(ctx, 1024).decode("utf-8", "replace").strip()
                        except Refused:
                            continue
                        if text:
                            stamps.append(shown(text.splitlines()[0], 80))
        except Refused:
            pass                       # the walk reports unreadable folders
        if stamps:
            ctx.submitted_at = max(stamps)
        return node, 0
    return open_

