"""Exercise sets: each is one folder holding a ``set.toml``; this module finds and reads them.

The kit's own sets are the folders of ``solutions/``; a course adds its own with
:func:`add_sets_dir` (``COURSE/solutions/``). Everything the grader, the release, the reports and
the LMS files know about a set comes from its folder:

    <set>/set.toml        title, module, graded functions, points per hidden test, limits
    <set>/<module>.py     the reference solution (solution code between nbgrader's markers)
    <set>/README.md       what students read (Korean and English)
    <set>/test_public.py  public tests, shipped to students
    <set>/test_hidden.py  the hidden suite             (never released)
    <set>/mistakes.py     the set's mistake models     (never released)
    <set>/locale/<lang>.po  its texts in each language (gettext): titles and hints of its
                          mistakes, the descriptions its suites give

The folder's name is the set's id (``results.json``'s ``set``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from nngrade.autograder.messages import Said
from nngrade.autograder.paths import BUILTIN_SETS_DIR

SET_FILE = "set.toml"
HIDDEN_SUITE = "test_hidden.py"
PUBLIC_TESTS = "test_public.py"
MISTAKES_FILE = "mistakes.py"
TEXTS_DIR = "locale"            # the set's gettext catalogues: locale/<lang>.po
# Files of a set folder that students never get (release, bundle and exports leave them out).
HIDDEN_FILES = frozenset({HIDDEN_SUITE, MISTAKES_FILE})

SET_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
KNOWN_KEYS = {"title_en", "title_ko", "module", "short", "functions", "points", "limits"}
LIMIT_KEYS = {"call_timeout_seconds", "address_space_mb", "reply_mb",
              "training_budget_cpu_seconds", "nbgrader_cell_timeout_seconds"}


class SetError(ValueError):
    """A set folder whose set.toml cannot be used; the message names the file and the key."""


class UnknownSetError(ValueError):
    pass


@dataclass(frozen=True)
class ExerciseSet:
    id: str            # folder name, e.g. "11_maxout"; also the `set` in results.json
    short: str         # what `nngrade check backprop` accepts
    module: str        # the one module the student writes, without ".py"
    functions: tuple[str, ...]  # graded names as results.json's extra_data.function spells them
    title_en: str
    title_ko: str
    folder: Path | None = field(default=None, compare=False)
    points: dict = field(default_factory=dict, compare=False, hash=False)  # "function/case" -> points
    call_timeout: float | None = field(default=None, compare=False)        # seconds, None: default
    limits: dict = field(default_factory=dict, compare=False, hash=False)  # set.toml's [limits]
    config: dict = field(default_factory=dict, compare=False, hash=False)  # the whole set.toml

    @property
    def number(self) -> int | None:
        head = self.id.split("_", 1)[0]
        return int(head) if head.isdigit() else None

    def file(self, name: str) -> Path:
        return Path(self.folder) / name

    @property
    def reference_path(self) -> Path:
        return self.file(f"{self.module}.py")

    def function_points(self) -> dict[str, float]:
        """Points per graded function: the sum of its hidden tests' points."""
        total = {f: 0.0 for f in self.functions}
        for name, value in self.points.items():
            function = name.rsplit("/", 1)[0]
            total[function] = total.get(function, 0.0) + value
        return total


def _cli(key: str, /, **fields) -> Said:
    """A problem of a set folder, said on the command line (the kit's ``cli:`` messages)."""
    return Said("cli:" + key, **fields)


def near_miss(word: str, choices) -> Said:
    """`` (did you mean 'x'?)`` for a near miss among ``choices``, else ``""``."""
    import difflib
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return Said("cli:did-you-mean", name=repr(close[0])) if close else Said.plain("")


def read_set(folder: Path) -> ExerciseSet:
    """The set of one folder; every problem of its set.toml is a SetError naming file and key."""
    folder = Path(folder)
    path = folder / SET_FILE
    set_id = folder.name
    if not SET_ID_RE.match(set_id):
        raise SetError(_cli("set-folder-name", folder=folder))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SetError(_cli("set-unreadable", path=path, reason=exc.strerror or exc)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SetError(_cli("not-toml", path=path, error=exc)) from None

    def need(key: str, kind=str):
        if key not in data:
            raise SetError(_cli("set-missing-key", path=path, key=repr(key)))
        value = data[key]
        if not isinstance(value, kind):
            raise SetError(_cli("set-key-type", path=path, key=repr(key), kind=kind.__name__,
                                    got=type(value).__name__))
        return value

    extra = sorted(k for k in data if k not in KNOWN_KEYS and not isinstance(data[k], dict))
    if extra:
        raise SetError(_cli("set-unknown-key", path=path, key=repr(extra[0]),
                            near=near_miss(extra[0], KNOWN_KEYS)))
    module = need("module")
    if not module.isidentifier():
        raise SetError(_cli("set-module-name", path=path, module=repr(module)))
    functions = need("functions", list)
    if not functions or not all(isinstance(f, str) and f for f in functions):
        raise SetError(_cli("set-functions", path=path))
    points = data.get("points", {})
    if not isinstance(points, dict):
        raise SetError(_cli("set-points-table", path=path))
    clean_points = {}
    for name, value in points.items():
        if "/" not in name:
            raise SetError(_cli("set-points-key", path=path, name=repr(name)))
        if name.rsplit("/", 1)[0] not in functions:
            function = name.rsplit("/", 1)[0]
            raise SetError(_cli("set-points-function", path=path, name=repr(name),
                                function=repr(function), near=near_miss(function, functions)))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise SetError(_cli("set-points-value", path=path, name=repr(name)))
        clean_points[name] = float(value)
    limits = data.get("limits", {})
    if not isinstance(limits, dict):
        raise SetError(_cli("set-limits-table", path=path))
    for key in limits:
        if key not in LIMIT_KEYS:
            raise SetError(_cli("set-limits-unknown", path=path, key=repr(key),
                                    near=near_miss(key, LIMIT_KEYS)))
    for key, value in limits.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise SetError(_cli("set-limits-value", path=path, key=key))
    timeout = limits.get("call_timeout_seconds")
    return ExerciseSet(id=set_id, short=str(data.get("short") or module), module=module,
                       functions=tuple(functions), title_en=need("title_en"),
                       title_ko=str(data.get("title_ko") or data["title_en"]), folder=folder,
                       points=clean_points,
                       call_timeout=float(timeout) if timeout is not None else None,
                       limits=dict(limits), config=data)


def find_sets_in(root: Path) -> list[ExerciseSet]:
    """The sets of one solutions folder, by folder name; folders without set.toml are not sets."""
    root = Path(root)
    if not root.is_dir():
        return []
    return [read_set(p) for p in sorted(root.iterdir())
            if p.is_dir() and (p / SET_FILE).is_file()]


def _builtin() -> tuple[ExerciseSet, ...]:
    return tuple(find_sets_in(BUILTIN_SETS_DIR))


# The kit's own sets, in order. In the student bundle (no solutions/) the sets come from the
# assignments' set.toml files instead: see :func:`add_sets_dir`.
SETS: tuple[ExerciseSet, ...] = _builtin()
_extra: list[ExerciseSet] = []


def add_sets_dir(root: Path) -> list[ExerciseSet]:
    """Make the sets of ``root`` (a course's solutions/) known after the kit's own.

    A course set may not take a built-in set's id, short name or module name."""
    added = []
    for s in find_sets_in(root):
        for other in all_sets():
            if other.folder and s.folder and Path(other.folder).resolve() == Path(s.folder).resolve():
                break
            clash = {s.id, s.short, s.module} & {other.id, other.short, other.module}
            if clash:
                raise SetError(_cli("set-name-taken", path=s.file(SET_FILE), name=repr(sorted(clash)[0]),
                                    other=other.id, folder=other.folder))
        else:
            _extra.append(s)
            added.append(s)
    return added


def reread_course_sets() -> None:
    """Read every course set's set.toml again (points, limits), where a long-running process
    (the web service) was told its sets changed."""
    _extra[:] = [read_set(Path(s.folder)) for s in _extra]


def all_sets() -> tuple[ExerciseSet, ...]:
    return SETS + tuple(_extra)


def set_ids() -> tuple[str, ...]:
    return tuple(s.id for s in all_sets())


def module_names() -> frozenset[str]:
    return frozenset(s.module for s in all_sets())


def find_set(name: str) -> ExerciseSet:
    """Accept a folder name ("11_maxout"), a short name ("maxout") or a number ("11")."""
    key = str(name).strip().rstrip("/").lower()
    for s in all_sets():
        if key in (s.id.lower(), s.short.lower(), s.module.lower()) or (
                key.isdigit() and s.number is not None and int(key) == s.number):
            return s
    known = ", ".join(s.id for s in all_sets())
    names = [n for s in all_sets() for n in (s.id, s.short)]
    raise UnknownSetError(_cli("unknown-set", name=repr(name), near=near_miss(key, names), known=known))


def parse_sets(names: str | list[str] | None) -> tuple[ExerciseSet, ...]:
    """`--sets 01,04 backprop` style lists; None or "all" means every known set, in order."""
    if names is None:
        return all_sets()
    if isinstance(names, str):
        names = [names]
    parts = [p for n in names for p in n.replace(",", " ").split()]
    if not parts or parts == ["all"]:
        return all_sets()
    chosen = {find_set(p).id for p in parts}
    return tuple(s for s in all_sets() if s.id in chosen)
