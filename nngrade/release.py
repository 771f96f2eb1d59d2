"""`nngrade release`: the student side of every exercise set, generated from solutions/.

One source, one marker (as nbgrader's ClearSolutions does for notebooks):

- **stubs** — in `solutions/<set>/<module>.py` every `### BEGIN SOLUTION` … `### END SOLUTION`
  block becomes, at the block's indentation, `# YOUR CODE HERE`, a TODO saying what to compute
  (the enclosing function's name and the first line of its docstring) and
  `raise NotImplementedError(...)`. Every byte outside the markers is kept.
- **assignments/** — the stubs plus everything else in `solutions/<set>/` (README.md,
  test_public.py, set.toml, locale/*.po, data files; never test_hidden.py or mistakes.py) and a
  bilingual index. `release` makes assignments/
  exactly what solutions/ generates (stale files go); `release --check` only compares.
- **the bundle** — the student download: assignments/ plus the `check` runtime, an allowlist
  (`BUNDLE_RUNTIME`) of the kit's modules that holds no reference code, no hidden suites and no
  mistake models, zipped with fixed timestamps and sorted entries.

Rules for solution blocks, checked when building (errors name the file and line):
- markers stand alone on their line (any indentation); no nesting, no END without BEGIN, no
  BEGIN without END, no marker text anywhere else (strings, other files of the set);
- a block inside a function is replaced as above; a block outside any function (module or class
  body) may only define private helpers (names starting with "_") and becomes a
  `# YOUR CODE HERE` comment without `raise`; nothing left in the stub may use those names;
- every graded function of the set (its `set.toml`) must be a `def` (a class's `__init__` for a
  graded class) holding a block of its own, so no graded code ships as is and every graded
  function of the stub raises NotImplementedError.
"""
from __future__ import annotations

import argparse
import ast
import inspect
import io
import json
import os
import re
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

from nngrade import __version__
from nngrade.autograder.atomic import write_atomic
from nngrade.autograder.messages import Said
from nngrade.speech import cli, prefixed, said_of, tell
from nngrade.autograder.sets import (HIDDEN_FILES, PUBLIC_TESTS, SET_FILE, TEXTS_DIR, ExerciseSet,
                                     SetError, find_set, find_sets_in)

BEGIN_MARKER = "### BEGIN SOLUTION"
END_MARKER = "### END SOLUTION"
STUB_MARKER = "# YOUR CODE HERE"
# Files copied as they are (README, public tests, data) and the bundle may hold none of these.
NBGRADER_MARKERS = (BEGIN_MARKER, END_MARKER, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
NOT_IMPLEMENTED = "{name}: not implemented yet / 아직 구현하지 않았습니다"

# Never copied from solutions/<set>/, never compared or removed in assignments/: caches that
# running Python or pytest leaves behind.
IGNORED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".DS_Store"})
IGNORED_SUFFIXES = (".pyc", ".pyo")

# The `check` runtime shipped in the student bundle: (installed package, file or glob inside it).
# A bundle path is the package as folders plus the file, e.g. nngrade/autograder/probe.py.
# A listed file that does not exist yet is left out with a note; a shipped module that imports
# a kit module at its top level which is not listed here fails the build.
BUNDLE_RUNTIME: tuple[tuple[str, str], ...] = (
    ("nngrade", "__init__.py"),
    ("nngrade", "__main__.py"),      # `python -m nngrade check`; a two-line one is written if absent
    ("nngrade", "cli.py"),
    ("nngrade", "errors.py"),        # cli.py's one-line error messages
    ("nngrade", "speech.py"),        # the command line's messages in the user's language
    ("nngrade", "paths.py"),
    ("nngrade", "check.py"),
    ("nngrade", "terminal.py"),      # the one escaper of untrusted text on the terminal
    ("nngrade.autograder", "__init__.py"),
    ("nngrade.autograder", "sets.py"),       # reads the sets' set.toml (shipped as nngrade/sets/)
    ("nngrade.autograder", "paths.py"),
    ("nngrade.autograder", "transport.py"),
    ("nngrade.autograder", "probe.py"),
    ("nngrade.autograder", "plugin.py"),
    ("nngrade.autograder", "plotting.py"),   # does the submission plot (check asks it first)
    ("nngrade.autograder", "compare.py"),
    ("nngrade.autograder", "results.py"),
    ("nngrade.autograder", "atomic.py"),     # results.py writes results.json with it    # plugin.py's TestOutcome; scoring, no answers
    ("nngrade.autograder", "suite_session.py"),  # check runs the public tests through it
    ("nngrade.autograder", "backends.py"),   # check's sandboxed student
    ("nngrade.autograder", "plain.py"),      # check without the sandbox (Windows, macOS)
    ("nngrade.autograder", "replies.py"),    # what a request answers, sandbox or not
    ("nngrade.autograder", "plain_child.py"),  # its student process, started by file path
    ("nngrade.autograder", "messages.py"),   # probe.py's sentences to the student
    ("nngrade.autograder", "catalogue.py"),  # the sets' mistake titles and hints by id
    ("nngrade.autograder", "i18n.py"),       # every sentence from the gettext catalogues
    ("nngrade.autograder", "locale/*.po"),   # the kit's own catalogue
    ("nngrade.autograder", "sandbox/*.py"),
    ("nngrade.autograder", "pytest.ini"),    # the grading session's markers, when kept here
)
# Each set's set.toml and locale/*.po (advice in prose, keyed by mistake id: no reference code, no
# mistake model) ship as nngrade/sets/<set>/, where the engine looks when there is no solutions/.
BUNDLE_SETS_DIR = "nngrade/sets"

# Whatever the allowlist says, no bundle path may match these: answers and hidden grading.
BUNDLE_FORBIDDEN = re.compile(
    r"(^|/)(solutions|suites|mistakes)(/|$)|(^|/)(reference|diagnose)\.py$|(^|/)release\.py$"
    r"|(^|/)(test_hidden|mistakes)\.py$"
)

# Where `check` finds the fingerprints of the public examples (nngrade/check.py's
# FINGERPRINTS_FILE, beside the package's own files so that `pip install .` keeps it).
BUNDLE_FINGERPRINTS = "nngrade/fingerprints.json"

# Every zip entry gets this timestamp (the earliest a zip can hold) so that builds are identical.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


class ReleaseError(Exception):
    """A solution or runtime file the release cannot turn into a correct student copy."""

    def __init__(self, where: str, line: int | None, message):
        self.where, self.line, self.message = where, line, message
        location = f"{where}:{line}" if line else where
        super().__init__(prefixed(location, message if isinstance(message, Said)
                                  else Said.plain(message)))


# --------------------------------------------------------------------------------------------
# Markers


@dataclass(frozen=True)
class SolutionBlock:
    begin: int    # 1-based line of the BEGIN marker
    end: int      # 1-based line of the END marker
    indent: str   # leading whitespace of the BEGIN line: the stub is written at this depth


def split_lines(text: str) -> list[str]:
    """Lines with their endings, numbered as `ast` numbers them (\\n, \\r\\n and \\r end a line)."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def find_solution_blocks(lines: Sequence[str], where: str = "<solution>") -> list[SolutionBlock]:
    """The marked blocks of a source, in order; a nested, unclosed or stray marker is an error."""
    blocks: list[SolutionBlock] = []
    opened: tuple[int, str] | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if BEGIN_MARKER not in line and END_MARKER not in line:
            continue
        if stripped == BEGIN_MARKER:
            if opened is not None:
                raise ReleaseError(where, number, cli("release-nested", begin=repr(BEGIN_MARKER),
                                                      line=opened[0]))
            opened = (number, line[: len(line) - len(line.lstrip())])
        elif stripped == END_MARKER:
            if opened is None:
                raise ReleaseError(where, number, cli("release-end-alone", end=repr(END_MARKER),
                                                      begin=repr(BEGIN_MARKER)))
            blocks.append(SolutionBlock(opened[0], number, opened[1]))
            opened = None
        else:
            raise ReleaseError(where, number, cli("release-marker-alone", text=repr(stripped[:60])))
    if opened is not None:
        raise ReleaseError(where, opened[0], cli("release-never-closed", begin=repr(BEGIN_MARKER),
                                                  end=repr(END_MARKER)))
    return blocks


# --------------------------------------------------------------------------------------------
# Where each block sits: the def or class around it


@dataclass(frozen=True)
class Scope:
    qualname: str    # "sigmoid", "MLP.forward", "train_xor.step"
    node: ast.AST    # the FunctionDef / AsyncFunctionDef / ClassDef
    first: int       # its `def`/`class` line
    last: int        # the line before the next statement outside it (trailing comments included)

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef))


def _first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", [])
    return min([stmt.lineno] + [d.lineno for d in decorators])


def _child_bodies(stmt: ast.stmt) -> Iterable[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        body = getattr(stmt, name, None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            yield body
    for handler in getattr(stmt, "handlers", []):
        yield handler.body
    for case in getattr(stmt, "cases", []):
        yield case.body


def find_scopes(tree: ast.Module, n_lines: int) -> list[Scope]:
    """Every def and class with the lines it owns, comments after its last statement included
    (an END marker usually follows the function's last statement)."""
    scopes: list[Scope] = []

    def visit(body: list[ast.stmt], parent_last: int, prefix: str) -> None:
        for i, stmt in enumerate(body):
            last = _first_line(body[i + 1]) - 1 if i + 1 < len(body) else parent_last
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = prefix + stmt.name
                scopes.append(Scope(qualname, stmt, stmt.lineno, last))
                visit(stmt.body, last, qualname + ".")
            else:
                for child in _child_bodies(stmt):
                    visit(child, last, prefix)

    visit(tree.body, n_lines, "")
    return scopes


def scope_of(block: SolutionBlock, scopes: Sequence[Scope]) -> Scope | None:
    """The innermost def or class whose body holds the block (None: module level)."""
    inside = [s for s in scopes
              if s.first < block.begin <= s.last and len(block.indent) > s.node.col_offset]
    return max(inside, key=lambda s: s.first, default=None)


# --------------------------------------------------------------------------------------------
# Stubs


def _signature(func: ast.FunctionDef | ast.AsyncFunctionDef, is_method: bool) -> str:
    a = func.args
    names = [p.arg for p in a.posonlyargs + a.args]
    if is_method and names and names[0] in ("self", "cls"):
        names = names[1:]
    if a.vararg:
        names.append("*" + a.vararg.arg)
    names += [p.arg for p in a.kwonlyargs]
    if a.kwarg:
        names.append("**" + a.kwarg.arg)
    return ", ".join(names)


SECTION_HEADER = re.compile(r"^(Inputs?|Returns?|Args|Arguments|Parameters)\b.*:$")
# Longest TODO text taken from a docstring (the docstring itself sits right above the TODO).
SUMMARY_LIMIT = 240


def _summary(node: ast.AST) -> str:
    """What a function computes, from its docstring: the first paragraph (a summary line that
    wraps goes on), or when the docstring opens with "Inputs:" the bullets under "Returns"."""
    lines = [line.strip() for line in (ast.get_docstring(node) or "").splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    if not lines:
        return ""
    if SECTION_HEADER.match(lines[0]):
        start = next((i for i, line in enumerate(lines) if line.startswith("Return")), None)
        if start is None:
            return ""
        bullets = []
        for line in lines[start + 1:]:
            if not line or SECTION_HEADER.match(line):
                break
            if line.startswith("- "):
                bullets.append(line[2:])
            elif bullets:
                bullets[-1] += " " + line
        return ("returns " + "; ".join(bullets)) if bullets else ""
    paragraph = " ".join(lines[: lines.index("")] if "" in lines else lines)
    if len(paragraph) > SUMMARY_LIMIT:
        # Keep whole sentences while they fit; a single long sentence is cut with an ellipsis.
        cut = paragraph.rfind(". ", 0, SUMMARY_LIMIT)
        paragraph = paragraph[: cut + 1] if cut > 0 else paragraph[: SUMMARY_LIMIT - 1] + "…"
    return paragraph


def _display_name(scope: Scope, scopes: Sequence[Scope]) -> tuple[str, str]:
    """(name used in messages, what to compute) for a block inside the function `scope`."""
    parent = next((s for s in scopes if s.qualname == scope.qualname.rpartition(".")[0]), None)
    in_class = parent is not None and isinstance(parent.node, ast.ClassDef)
    params = _signature(scope.node, in_class)
    summary = _summary(scope.node)
    if in_class and scope.node.name == "__init__":
        # The constructor is graded under the class's name ("MLP"), as results.json spells it.
        name = parent.qualname
        summary = summary or _summary(parent.node)
    else:
        name = scope.qualname
    what = summary or "see this set's README.md"
    return name, f"{name}({params}): {what}"


def _stub_lines(block: SolutionBlock, scope: Scope | None, scopes: Sequence[Scope],
                newline: str) -> list[str]:
    indent = block.indent
    if scope is None or not scope.is_function:
        return [f"{indent}{STUB_MARKER}{newline}",
                f"{indent}# (helper functions of your own may go here){newline}"]
    name, todo = _display_name(scope, scopes)
    wrapped = textwrap.wrap(" ".join(f"TODO {todo}".split()), width=max(40, 99 - len(indent) - 2),
                            subsequent_indent="    ", break_long_words=False,
                            break_on_hyphens=False)
    message = NOT_IMPLEMENTED.format(name=name)
    return ([f"{indent}{STUB_MARKER}{newline}"]
            + [f"{indent}# {part}{newline}" for part in wrapped]
            + [f'{indent}raise NotImplementedError("{message}"){newline}'])


def _bound_names(stmt: ast.stmt) -> list[str]:
    """Names a module- or class-level statement defines ("<...>" for anything else it does)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names]
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        targets = [stmt.target]
    else:
        return [f"<a {type(stmt).__name__} statement>"]
    names = []
    for target in targets:
        for node in [target] if isinstance(target, ast.Name) else getattr(target, "elts", [target]):
            names.append(node.id if isinstance(node, ast.Name) else f"<{ast.unparse(node)}>")
    return names


def _statements_in(tree: ast.Module, block: SolutionBlock) -> list[ast.stmt]:
    """The outermost statements that start inside the block."""
    found: list[ast.stmt] = []

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if block.begin < _first_line(stmt) < block.end:
                found.append(stmt)
            elif stmt.lineno < block.begin <= (stmt.end_lineno or stmt.lineno):
                for child in _child_bodies(stmt):
                    visit(child)

    visit(tree.body)
    return found


def _multiline_strings(tree: ast.Module) -> list[tuple[int, int]]:
    return [(n.lineno, n.end_lineno) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and n.end_lineno and n.end_lineno > n.lineno]


def _graded_scope_name(graded: str, scopes: Sequence[Scope]) -> str:
    """"MLP" (a class) is graded through MLP.__init__; "MLP.fit" and "sigmoid" are defs."""
    for s in scopes:
        if s.qualname == graded and isinstance(s.node, ast.ClassDef):
            return graded + ".__init__"
    return graded


def make_stub(source: str, where: str = "<solution>", graded: Iterable[str] = ()) -> str:
    """The student copy of one solution module (see the module docstring for the rules).

    `where` names the file in error messages; `graded` lists the names that must each hold a
    solution block of their own ("sigmoid", "MLP", "MLP.forward")."""
    try:
        tree = ast.parse(source, filename=where)
    except SyntaxError as e:
        raise ReleaseError(where, e.lineno, cli("release-no-parse", error=e.msg)) from None
    lines = split_lines(source)
    blocks = find_solution_blocks(lines, where)
    for lo, hi in _multiline_strings(tree):
        for b in blocks:
            for number in (b.begin, b.end):
                if lo <= number <= hi:
                    raise ReleaseError(where, number, cli("release-marker-in-string"))
    scopes = find_scopes(tree, len(lines))
    placed = [(b, scope_of(b, scopes)) for b in blocks]
    helpers = _removed_helpers(tree, placed, where)
    _require_graded_blocks(graded, scopes, placed, where)
    stub, origin = _replace_blocks(lines, placed, scopes)
    _check_stub(stub, origin, helpers, where)
    return stub


def _removed_helpers(tree: ast.Module, placed, where: str) -> dict[str, int]:
    """Names defined by blocks outside functions (each must be private) -> their line."""
    helpers: dict[str, int] = {}
    for block, scope in placed:
        if scope is not None and scope.is_function:
            if block.end > scope.last:
                raise ReleaseError(where, block.end, cli("release-past-end", line=block.begin,
                                                         scope=scope.qualname))
            continue
        for stmt in _statements_in(tree, block):
            for name in _bound_names(stmt):
                if not name.startswith("_"):
                    place = (cli("release-in-class", scope=scope.qualname) if scope
                             else cli("release-at-module-level"))
                    raise ReleaseError(where, block.begin, cli("release-public-helper", place=place,
                                                               name=repr(name)))
                helpers.setdefault(name, stmt.lineno)
    return helpers


def _require_graded_blocks(graded: Iterable[str], scopes: Sequence[Scope], placed,
                           where: str) -> None:
    """Every graded function is a def with a block of its own, so none ships as it is."""
    scope_names = {s.qualname for s in scopes}
    own_blocks = {s.qualname for _, s in placed if s is not None and s.is_function}
    for graded_name in graded:
        target = _graded_scope_name(graded_name, scopes)
        if target not in scope_names:
            raise ReleaseError(where, None, cli("release-graded-undefined", name=repr(graded_name),
                                                target=target))
        if target not in own_blocks:
            line = next(s.first for s in scopes if s.qualname == target)
            raise ReleaseError(where, line, cli("release-graded-no-block", name=repr(graded_name)))


def _replace_blocks(lines: Sequence[str], placed, scopes: Sequence[Scope]) -> tuple[str, list[int]]:
    """The stub text, and for each of its lines the solution line it came from."""
    out: list[str] = []
    origin: list[int] = []
    position = 0
    for block, scope in placed:
        out += lines[position:block.begin - 1]
        origin += range(position + 1, block.begin)
        newline = re.search(r"\r\n|\r|\n|$", lines[block.begin - 1]).group() or "\n"
        stub = _stub_lines(block, scope, scopes, newline)
        out += stub
        origin += [block.begin] * len(stub)
        position = block.end
    out += lines[position:]
    origin += range(position + 1, len(lines) + 1)
    return "".join(out), origin


def _check_stub(stub: str, origin: Sequence[int], helpers: dict[str, int], where: str) -> None:
    """The stub parses, and uses none of the helpers that went with the blocks."""
    try:
        tree = ast.parse(stub, filename=where)
    except SyntaxError as e:
        line = origin[e.lineno - 1] if e.lineno and 0 < e.lineno <= len(origin) else None
        raise ReleaseError(where, line, cli("release-stub-no-parse", error=e.msg)) from None
    for node in ast.walk(tree) if helpers else ():
        used = node.id if isinstance(node, ast.Name) else (
            node.attr if isinstance(node, ast.Attribute) else None)
        if used in helpers:
            raise ReleaseError(where, origin[node.lineno - 1], cli("release-helper-used",
                                                                   name=repr(used),
                                                                   line=helpers[used]))


# --------------------------------------------------------------------------------------------
# assignments/: what solutions/ generates


@dataclass
class Generated:
    files: dict[str, bytes]                 # posix path relative to assignments/ -> content
    sets: list[ExerciseSet]                 # the sets found in solutions/
    solutions_dir: Path                     # where they came from
    notes: list[str] = field(default_factory=list)


def _display(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base.parent).as_posix()
    except ValueError:
        return str(path)


def _ignored(rel: PurePosixPath) -> bool:
    return any(part in IGNORED_NAMES for part in rel.parts) or rel.name.endswith(IGNORED_SUFFIXES)


def _walk(root: Path) -> list[PurePosixPath]:
    """Files under root (relative, sorted), caches left out."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_NAMES)
        for name in filenames:
            rel = PurePosixPath(Path(dirpath, name).relative_to(root).as_posix())
            if not _ignored(rel):
                found.append(rel)
    return sorted(found)


def _refuse_markers(data: bytes, where: str) -> None:
    for marker in NBGRADER_MARKERS:
        index = data.find(marker.encode())
        if index >= 0:
            line = data.count(b"\n", 0, index) + 1
            raise ReleaseError(where, line, cli("release-marker-outside", marker=repr(marker)))


def generate(solutions_dir: Path) -> Generated:
    """assignments/ in memory: stubs, the sets' other files, the index."""
    solutions_dir = Path(solutions_dir)
    files: dict[str, bytes] = {}
    present: list[ExerciseSet] = []
    notes: list[str] = []
    try:
        found = find_sets_in(solutions_dir)
    except SetError as e:
        error = ReleaseError(str(e).split(": ", 1)[0], None, str(e).split(": ", 1)[1])
        error.args = (said_of(e),)          # said as the set folder's problem is
        raise error from None
    for folder in sorted(p for p in solutions_dir.iterdir() if p.is_dir()):
        if not (folder / SET_FILE).is_file() and folder.name not in IGNORED_NAMES | {"shared"}:
            notes.append(cli("release-not-a-set", folder=_display(folder, solutions_dir),
                             file=SET_FILE))
    for s in found:
        folder = Path(s.folder)
        module = folder / f"{s.module}.py"
        where = _display(module, solutions_dir)
        if not module.is_file():
            raise ReleaseError(where, None, cli("release-no-module", module=f"{s.module}.py"))
        try:
            source = module.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            raise ReleaseError(where, None, cli("release-not-utf8", reason=e.reason,
                                                 byte=e.start)) from None
        files[f"{s.id}/{s.module}.py"] = make_stub(source, where, s.functions).encode("utf-8")
        for rel in _walk(folder):
            if rel.as_posix() == f"{s.module}.py" or rel.as_posix() in HIDDEN_FILES:
                continue
            data = (folder / rel).read_bytes()
            _refuse_markers(data, _display(folder / rel, solutions_dir))
            files[f"{s.id}/{rel.as_posix()}"] = data
        present.append(s)
    files["README.md"] = index_readme(present).encode("utf-8")
    return Generated(dict(sorted(files.items())), present, solutions_dir, notes)


def index_readme(present: Sequence[ExerciseSet]) -> str:
    rows = "\n".join(
        f"| [{s.id}]({s.id}/) | `{s.module}.py` | {s.title_ko} | {s.title_en} | "
        f"`nngrade check {s.short}` |" for s in present)
    return f"""<!-- Generated by `nngrade release`. -->
# 과제 / Assignments

각 폴더가 연습 세트 하나입니다. 모듈 파일을 열어 `raise NotImplementedError(...)`가 있는 자리마다
`# TODO`가 말하는 계산을 직접 작성하고, 세트의 README.md를 읽은 뒤 공개 테스트로 확인하세요.

Each folder is one exercise set. Open its module, replace every `raise NotImplementedError(...)`
with the computation its `# TODO` describes (the set's README.md explains it), then check your
work with the public tests.

| 세트 / set | 모듈 / module | 내용 | topic | 확인 / check |
|---|---|---|---|---|
{rows}

공개 테스트는 여러분 코드의 형태와 책의 예제를 확인합니다. 채점에는 학생마다 다른 무작위 입력이 더 쓰입니다.

The public tests check shapes, types and the book's worked example; grading adds random inputs
that differ for every student.
"""


def _actual_files(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {rel.as_posix(): root / rel for rel in _walk(root)}


def compare_tree(expected: dict[str, bytes], root: Path) -> list[str]:
    """How the folder differs from what should be there: 'missing: …', 'differs: …', 'extra: …'."""
    actual = _actual_files(Path(root))
    problems = []
    for rel in sorted(set(expected) | set(actual)):
        if rel not in actual:
            problems.append(f"missing: {rel}")
        elif rel not in expected:
            problems.append(f"extra: {rel}")
        elif actual[rel].read_bytes() != expected[rel]:
            problems.append(f"differs: {rel}")
    return problems


def write_tree(expected: dict[str, bytes], root: Path) -> list[str]:
    """Make the folder hold exactly `expected` (caches aside); returns what changed."""
    root = Path(root)
    changes = compare_tree(expected, root)
    for change in changes:
        kind, rel = change.split(": ", 1)
        path = root / rel
        if kind == "extra":
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(expected[rel])
    # Folders emptied by removals (a set taken out of solutions/) go too.
    for dirpath, dirnames, filenames in sorted(os.walk(root), key=lambda t: -len(t[0])):
        if Path(dirpath) != root and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return changes


# --------------------------------------------------------------------------------------------
# The student bundle


def _runtime_sources() -> list[tuple[str, Path | None]]:
    """(bundle path, source file) for each allowlisted runtime file; source None = not there."""
    chosen: list[tuple[str, Path | None]] = []
    for package, pattern in BUNDLE_RUNTIME:
        base = Path(str(resources.files(package)))
        prefix = package.replace(".", "/")
        if any(c in pattern for c in "*?["):
            matches = sorted(p for p in base.glob(pattern)
                             if p.is_file() and not _ignored(PurePosixPath(p.name)))
            chosen += [(f"{prefix}/{p.relative_to(base).as_posix()}", p) for p in matches]
        else:
            path = base / pattern
            chosen.append((f"{prefix}/{pattern}", path if path.is_file() else None))
    return chosen


MAIN_FALLBACK = '''"""`python -m nngrade`: the same commands as the `nngrade` console script."""
import sys

from nngrade.cli import main

sys.exit(main())
'''


def _kit_module_path(module: str) -> str | None:
    """Bundle-style path of a kit module (nngrade.x.y -> nngrade/x/y.py), if it exists in the kit."""
    parts = module.split(".")
    if parts[0] != "nngrade":
        return None
    for package in ("nngrade.autograder", "nngrade.solutions", "nngrade.templates", "nngrade"):
        if module == package or module.startswith(package + "."):
            base = Path(str(resources.files(package)))
            rest = module[len(package):].lstrip(".").split(".") if module != package else []
            prefix = package.replace(".", "/")
            if (base.joinpath(*rest) / "__init__.py").is_file():
                return "/".join([prefix, *rest, "__init__.py"])
            if rest and base.joinpath(*rest[:-1], rest[-1] + ".py").is_file():
                return "/".join([prefix, *rest]) + ".py"
            return None
    return None


def _top_level_kit_imports(path: str, source: str) -> list[tuple[int, str]]:
    """(line, bundle path) of the kit modules a runtime file imports when it is imported."""
    tree = ast.parse(source, filename=path)
    package = path.rsplit("/", 1)[0].replace("/", ".")
    found = []
    for stmt in tree.body:   # only the module body: imports inside functions are lazy
        names: list[str] = []
        if isinstance(stmt, ast.Import):
            names = [a.name for a in stmt.names]
        elif isinstance(stmt, ast.ImportFrom):
            base = stmt.module or ""
            if stmt.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (stmt.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in stmt.names]
        for name in names:
            target = _kit_module_path(name)
            if target:
                found.append((stmt.lineno, target))
    return found


def _fingerprints(set_ids: list[str], solutions_dir: Path) -> tuple[bytes | None, str | None]:
    """fingerprints.json for the bundle, or (None, why) while the builder does not exist."""
    try:
        from nngrade.autograder.fingerprints import build_fingerprints
    except ImportError as e:
        if e.name == "nngrade.autograder.fingerprints":
            return None, cli("release-no-fingerprints")
        raise
    takes_dir = "solutions_dir" in inspect.signature(build_fingerprints).parameters
    try:
        data = build_fingerprints(set_ids, solutions_dir=solutions_dir) if takes_dir \
            else build_fingerprints(set_ids)
        text = json.dumps(data, sort_keys=True, indent=1,
                          ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ReleaseError("nngrade/autograder/fingerprints.py", None,
                           cli("release-fingerprints-json", error=e)) from None
    return (text + "\n").encode("utf-8"), None


def bundle_pyproject() -> str:
    return f"""[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "nngrade-student"
version = "{__version__}"
description = "nngrade exercises for students: the assignments and `nngrade check` with the public tests"
readme = "README.md"
requires-python = ">=3.10"
dependencies = [
    "numpy>=1.24",
    "pytest>=8.4",     # --disable-plugin-autoload
    "rich>=13",
    "babel>=2.12",
    "tomli>=2; python_version < '3.11'",
]

[project.scripts]
nngrade = "nngrade.cli:main"

[tool.setuptools.packages.find]
include = ["nngrade", "nngrade.*"]

[tool.setuptools.package-data]
"nngrade" = ["fingerprints.json", "sets/*/*.toml", "sets/*/test_public.py", "sets/*/locale/*.po"]
"nngrade.autograder" = ["pytest.ini", "locale/*.po"]
"""


def bundle_readme(present: Sequence[ExerciseSet]) -> str:
    # The example set: backprop, as CURRICULUM.md's `nngrade check backprop`, when it ships.
    # CURRICULUM.md's own example is `nngrade check backprop`; a course without it uses its first set
    example = next((s for s in present if s.short == "backprop"), None) or \
        (present[0] if present else find_set("backprop"))
    short, set_id = example.short, example.id
    folder = f"assignments/{example.id}/{example.module}.py"
    return f"""# nngrade — 학생용 과제 꾸러미 / student bundle

## 한국어

1. 이 압축 파일을 푼 폴더에서 설치합니다 (Python 3.10 이상, numpy·pytest·rich가 함께 설치됨):

       pip install .

2. `assignments/` 안의 세트 폴더를 엽니다. 예: `{folder}`.
   `raise NotImplementedError(...)`가 있는 자리마다 바로 위 `# TODO`가 말하는 계산을 작성하세요.
   세트마다 README.md에 공식과 예제가 있습니다.
3. 같은 폴더(이 README가 있는 곳)에서 공개 테스트로 확인합니다:

       nngrade check {short}

   설치하지 않았다면(numpy·pytest·rich는 있어야 합니다) `python -m nngrade check {short}` 도
   같습니다. 파일을 다른 곳에 두었다면 `--path 폴더`를 덧붙이세요. 세트 이름은 폴더 이름
   (`{set_id}`)이나 짧은 이름(`{short}`) 모두 됩니다. Windows와 macOS에서도 됩니다: 리눅스가
   아니면 샌드박스 없이 일반 Python 프로세스에서 (호출마다 시간 제한을 두고) 테스트하며,
   출력의 첫 줄이 그렇다고 알려 줍니다.

공개 테스트는 형태·자료형·입력 불변·책의 예제를 확인합니다. 실제 채점은 학생마다 다른 무작위
입력으로 더 많은 경우를 봅니다.

## English

1. Install from the folder you unpacked this zip into (Python 3.10 or later; numpy, pytest and
   rich come with it):

       pip install .

2. Open a set's folder under `assignments/`, e.g. `{folder}`. Wherever the code says
   `raise NotImplementedError(...)`, write what the `# TODO` above it asks for. Each set's
   README.md gives the formulas and a worked example.
3. From this folder (where this README is), check your work with the public tests:

       nngrade check {short}

   Without installing (numpy, pytest and rich still needed), `python -m nngrade check {short}`
   does the same. If your file lives elsewhere, add `--path DIR`. A set can be named by its
   folder (`{set_id}`) or its short name (`{short}`). It works on Windows and macOS too: outside
   Linux the tests call your code in a plain Python process (no sandbox, a time limit per call),
   and the first line of the output says so.

The public tests check shapes, types, that your inputs are left unchanged, and the book's worked
example. Grading runs more cases, on random inputs that differ for every student.
"""


@dataclass
class Bundle:
    files: dict[str, bytes]      # zip entry -> content
    notes: list[str] = field(default_factory=list)


def bundle_files(generated: Generated) -> Bundle:
    """Everything the student zip holds, checked: allowlist only, no marker text, imports met."""
    files: dict[str, bytes] = {f"assignments/{rel}": data for rel, data in generated.files.items()}
    notes: list[str] = []
    runtime: dict[str, bytes] = {}
    for dest, source in _runtime_sources():
        if source is None:
            if dest == "nngrade/__main__.py":
                runtime[dest] = MAIN_FALLBACK.encode("utf-8")
            else:
                notes.append(cli("release-runtime-missing", file=dest))
            continue
        runtime[dest] = source.read_bytes()
    for dest, data in runtime.items():
        if dest.endswith(".py"):
            for line, target in _top_level_kit_imports(dest, data.decode("utf-8")):
                if target not in runtime:
                    raise ReleaseError(dest, line, cli("release-import-not-shipped", module=target))
    files.update(runtime)
    for s in generated.sets:
        # test_public.py too, so that an installed bundle checks files kept anywhere (--path)
        for name in (SET_FILE, PUBLIC_TESTS):
            if s.file(name).is_file():
                files[f"{BUNDLE_SETS_DIR}/{s.id}/{name}"] = s.file(name).read_bytes()
        for po in sorted(s.file(TEXTS_DIR).glob("*.po")):
            files[f"{BUNDLE_SETS_DIR}/{s.id}/{TEXTS_DIR}/{po.name}"] = po.read_bytes()
    from nngrade.autograder.i18n import SHARED_LOCALE
    for po in sorted(SHARED_LOCALE.glob("*.po")):
        files[f"{BUNDLE_SETS_DIR}/shared/{TEXTS_DIR}/{po.name}"] = po.read_bytes()
    fingerprints, why = _fingerprints([s.id for s in generated.sets], generated.solutions_dir)
    if fingerprints is None:
        notes.append(why)
    else:
        files[BUNDLE_FINGERPRINTS] = fingerprints
    files["pyproject.toml"] = bundle_pyproject().encode("utf-8")
    files["README.md"] = bundle_readme(generated.sets).encode("utf-8")
    for name, data in files.items():
        if BUNDLE_FORBIDDEN.search(name):
            raise ReleaseError(name, None, cli("release-forbidden"))
        _refuse_markers(data, f"bundle entry {name}")
    return Bundle(dict(sorted(files.items())), notes)


def write_zip(files: dict[str, bytes], out: Path) -> None:
    """A zip that depends only on `files`: sorted entries, one fixed timestamp, fixed modes."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3                   # unix, so the mode bits below are read
            info.external_attr = 0o100644 << 16      # a regular file, rw-r--r--
            zf.writestr(info, files[name])
    write_atomic(out, buffer.getvalue())    # a failed build never leaves half a zip


# --------------------------------------------------------------------------------------------
# Entry points


def _default_dirs(solutions_dir: Path | None, assignments_dir: Path | None) -> tuple[Path, Path]:
    from nngrade import paths
    return (Path(solutions_dir) if solutions_dir else paths.SOLUTIONS_DIR,
            Path(assignments_dir) if assignments_dir else paths.ASSIGNMENTS_DIR)


def release(solutions_dir: Path | None = None, assignments_dir: Path | None = None) -> list[str]:
    """Write assignments/ from solutions/; returns the changes ('missing: …' = added, …)."""
    solutions_dir, assignments_dir = _default_dirs(solutions_dir, assignments_dir)
    return write_tree(generate(solutions_dir).files, assignments_dir)


def check_release(solutions_dir: Path | None = None,
                  assignments_dir: Path | None = None) -> list[str]:
    """What makes assignments/ stale ([] when it is current)."""
    solutions_dir, assignments_dir = _default_dirs(solutions_dir, assignments_dir)
    return compare_tree(generate(solutions_dir).files, assignments_dir)


def build_bundle(out: Path, solutions_dir: Path | None = None) -> Bundle:
    """Write the student zip to `out`, generated from solutions/ (not from assignments/ on disk)."""
    solutions_dir, _ = _default_dirs(solutions_dir, None)
    bundle = bundle_files(generate(solutions_dir))
    write_zip(bundle.files, out)
    return bundle


# How `release` reports what compare_tree found once it has written the folder.
CHANGE_WORDS = {"missing": "added", "differs": "updated", "extra": "removed"}


def run(check: bool = False, bundle: Path | None = None, *, solutions_dir: Path | None = None,
        assignments_dir: Path | None = None, stdout=None, stderr=None) -> int:
    """`nngrade release [--check] [--bundle OUT.zip]`. Exit status: 0 done / current,
    1 assignments/ is stale (--check), 2 a solution or runtime file is wrong."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    solutions_dir, assignments_dir = _default_dirs(solutions_dir, assignments_dir)
    shown = assignments_dir.name + "/"
    try:
        generated = generate(solutions_dir)
        for note in generated.notes:
            print(tell("note", note=note), file=stdout)
        status = 0
        problems = compare_tree(generated.files, assignments_dir)
        if check:
            if problems:
                print(tell("release-stale", folder=shown, count=len(problems)), file=stderr)
                for problem in problems:
                    kind, rel = problem.split(": ", 1)
                    print("  " + tell(f"release-{kind}", path=rel), file=stderr)
                status = 1
            else:
                print(tell("release-current", folder=shown, files=len(generated.files),
                           sets=len(generated.sets)), file=stdout)
        elif bundle is None:
            write_tree(generated.files, assignments_dir)
            print(tell("release-wrote", folder=shown, files=len(generated.files),
                       sets=len(generated.sets), changed=len(problems)), file=stdout)
            for problem in problems:
                kind, rel = problem.split(": ", 1)
                print("  " + tell(f"release-{CHANGE_WORDS[kind]}", path=rel), file=stdout)
        if bundle is not None:
            if problems and not check:
                print(tell("note", note=cli("release-bundle-from-solutions", folder=shown)),
                      file=stdout)
            made = bundle_files(generated)
            write_zip(made.files, Path(bundle))
            for note in made.notes:
                print(tell("note", note=note), file=stdout)
            print(tell("release-wrote-bundle", path=bundle, files=len(made.files)), file=stdout)
        return status
    except ReleaseError as e:
        print(tell("error", error=said_of(e)), file=stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nngrade release",
        description="Generate assignments/ (student stubs, READMEs, public tests) from solutions/.")
    parser.add_argument("--check", action="store_true",
                        help="only compare: exit 1 and list the files when assignments/ is stale")
    parser.add_argument("--bundle", type=Path, metavar="OUT.zip",
                        help="write the student download (assignments + the `check` runtime)")
    parser.add_argument("--solutions", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--assignments", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return run(check=args.check, bundle=args.bundle, solutions_dir=args.solutions,
               assignments_dir=args.assignments)


if __name__ == "__main__":
    sys.exit(main())
