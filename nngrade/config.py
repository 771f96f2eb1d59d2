"""The course file ``nngrade.toml``: name, salt, language, sets, MNIST budget, late policy.

The salt makes each student's random inputs unpredictable to students and stable across reruns;
it is created once by ``nngrade init`` and never taken from the command line.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from nngrade.sets import SET_IDS, UnknownSetError, parse_sets

CONFIG_NAME = "nngrade.toml"
LATE_POLICIES = ("none", "flag", "penalty")


class ConfigError(ValueError):
    pass


@dataclass
class Course:
    name: str
    salt: str
    lang: str = "ko"
    sets: tuple[str, ...] = SET_IDS
    mnist_budget_cpu_seconds: float = 120.0
    late_policy: str = "none"          # none | flag | penalty
    late_penalty: float = 0.0          # fraction of the score taken off a late submission (penalty)
    path: Path | None = field(default=None, compare=False)


def render_config(course: Course) -> str:
    sets = ", ".join(f'"{s}"' for s in course.sets)
    return (
        f"# nngrade course file. Keep it with the course: the salt seeds every student's random\n"
        f"# test inputs, so changing it changes every student's inputs on the next regrade.\n"
        f'name = "{course.name}"\n'
        f'salt = "{course.salt}"\n'
        f'# language of reports and hints: "ko" or "en"\n'
        f'lang = "{course.lang}"\n'
        f"sets = [{sets}]\n\n"
        f"[mnist]\n"
        f"# CPU seconds a student's MNIST trainer may use (CPU time, so reruns agree)\n"
        f"budget_cpu_seconds = {course.mnist_budget_cpu_seconds:g}\n\n"
        f"[late]\n"
        f'# "none": ignore lateness; "flag": mark late submissions in reports and grades.csv;\n'
        f'# "penalty": flag and take `penalty` (a fraction, 0.1 = 10 %) off the score\n'
        f'policy = "{course.late_policy}"\n'
        f"penalty = {course.late_penalty:g}\n"
    )


def init_course(directory: Path, name: str | None = None, lang: str = "ko") -> Path:
    """Write COURSE/nngrade.toml with a fresh random salt; refuse to overwrite an existing one."""
    directory = Path(directory)
    path = directory / CONFIG_NAME
    if path.exists():
        raise ConfigError(f"{path} already exists; its salt seeds every student's inputs, "
                          f"so it is not overwritten")
    directory.mkdir(parents=True, exist_ok=True)
    course = Course(name=name or directory.resolve().name, salt=secrets.token_hex(16), lang=lang)
    # the salt seeds every student's inputs: readable by the instructor alone
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(render_config(course))
    os.chmod(path, 0o600)          # whatever the umask
    return path


def load_course(path: Path) -> Course:
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such course file (create one with `nngrade init COURSE`)")
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    salt = data.get("salt")
    if not isinstance(salt, str) or len(salt) < 8:
        raise ConfigError(f"{path}: `salt` must be a string of at least 8 characters")
    lang = data.get("lang", "ko")
    if lang not in ("ko", "en"):
        raise ConfigError(f'{path}: `lang` must be "ko" or "en", not {lang!r}')
    try:
        sets = tuple(s.id for s in parse_sets(data.get("sets")))
    except UnknownSetError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    late = data.get("late", {})
    policy = late.get("policy", "none")
    if policy not in LATE_POLICIES:
        raise ConfigError(f"{path}: [late] policy must be one of {LATE_POLICIES}, not {policy!r}")
    penalty = float(late.get("penalty", 0.0))
    if not 0.0 <= penalty <= 1.0:
        raise ConfigError(f"{path}: [late] penalty is a fraction between 0 and 1, not {penalty}")
    budget = float(data.get("mnist", {}).get("budget_cpu_seconds", 120.0))
    if budget <= 0:
        raise ConfigError(f"{path}: [mnist] budget_cpu_seconds must be positive")
    return Course(name=str(data.get("name", path.parent.name)), salt=salt, lang=lang, sets=sets,
                  mnist_budget_cpu_seconds=budget, late_policy=policy, late_penalty=penalty,
                  path=path)


def find_course(*starts: Path) -> Path | None:
    """The nearest nngrade.toml in the given folders or their parents."""
    for start in starts:
        if start is None:
            continue
        start = Path(start).resolve()
        for folder in (start, *start.parents):
            candidate = folder / CONFIG_NAME
            if candidate.is_file():
                return candidate
    return None
