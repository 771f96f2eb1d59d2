"""The course file ``nngrade.toml``: name, salt, language, sets, MNIST budget, late policy.

The salt makes each student's random inputs unpredictable to students and stable across reruns;
it is created once by ``nngrade init`` and never taken from the command line. It is the only
secret the file holds; keep other secrets (LMS tokens, passwords) out of it.

Every key and table the file may hold is one entry of :data:`SCHEMA` (its type and check); an
unknown key or a bad value is an error naming the file and the key. Files written by any version
of ``nngrade init`` load unchanged.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from nngrade.autograder.sets import SETS, SetError, UnknownSetError, add_sets_dir, parse_sets
from nngrade.errors import did_you_mean, printable
from nngrade.autograder.messages import Said
from nngrade.speech import cli, os_reason, prefixed

CONFIG_NAME = "nngrade.toml"
COURSE_SETS_DIR = "solutions"      # a course's own sets: COURSE/solutions/<set>/set.toml
LATE_POLICIES = ("none", "flag", "penalty")
LANGS = ("ko", "en")


class ConfigError(ValueError):
    pass


@dataclass
class Course:
    name: str
    salt: str
    lang: str = "ko"
    sets: tuple[str, ...] = tuple(s.id for s in SETS)
    mnist_budget_cpu_seconds: float = 120.0
    late_policy: str = "none"          # none | flag | penalty
    late_penalty: float = 0.0          # fraction of the score taken off a late submission (penalty)
    moodle_feedback_zip_mib: float = 20.0   # largest feedback zip Moodle is handed (its upload limit)
    canvas_url: str | None = None            # https://canvas.example.edu
    canvas_course_id: int | None = None
    canvas_token_file: str | None = None     # relative to the course folder; mode 0600
    canvas_assignments: dict = field(default_factory=dict)   # set id -> Canvas assignment id
    # [cluster] (nngrade/cluster/): TLS files of the instructor's client (and of Slurm workers),
    # relative to the course folder; the Slurm jobs' shape (dask-jobqueue's SLURMCluster)
    cluster_tls_ca_file: str | None = None
    cluster_tls_cert: str | None = None
    cluster_tls_key: str | None = None
    cluster_worker_tls_cert: str | None = None
    cluster_worker_tls_key: str | None = None
    cluster_wait_seconds: float = 60.0
    cluster_cores: int = 1
    cluster_memory: str = "4GB"
    cluster_walltime: str = "01:00:00"
    cluster_partition: str | None = None
    cluster_job_extra_directives: tuple[str, ...] = ()
    cluster_job_script_prologue: tuple[str, ...] = ()
    cluster_python: str | None = None            # the kit's python on the nodes (default: this one)
    cluster_local_directory: str | None = None
    cluster_worker_course: str | None = None     # the course folder as the nodes see it
    cluster_scheduler_port: int = 8786
    cluster_interface: str | None = None         # the network interface the scheduler listens on
    # `nngrade serve` (docs/SERVE.md): the public address, limits and counting of attempts
    serve_base_url: str | None = None             # https://grader.example.edu (never the Host header)
    serve_jobs: int = 0                           # warm job slots (0: one per core)
    serve_attempts: int = 0                       # counted attempts per set and student (0: any)
    serve_cooldown_seconds: float = 0.0           # between two attempts of one student on one set
    serve_counts: str = "best"                    # best | last: which attempt is the grade
    serve_timezone: str = "UTC"                   # due dates without an offset are in this zone
    serve_due: dict = field(default_factory=dict)  # set id -> due date (ISO text or TOML datetime)
    serve_max_upload_mib: float = 8.0             # one upload, all its files together
    serve_max_files: int = 20                     # files in one upload
    serve_per_minute: int = 6                     # uploads per student per minute
    serve_keep_days: int = 365                    # submissions kept this long, then deleted
    # LTI 1.3 (docs/LTI.md): the platform this course's tool is registered with
    lti_issuer: str | None = None
    lti_client_id: str | None = None
    lti_deployment_ids: tuple[str, ...] = ()
    lti_auth_login_url: str | None = None         # the platform's OIDC authorization endpoint
    lti_auth_token_url: str | None = None         # its OAuth2 token endpoint (grade passback)
    lti_key_set_url: str | None = None            # its JWKS
    lti_student_claim: str = "sub"                # the launch claim that is the roster id
    lti_private_key_file: str = "lti-private.pem"  # relative to the course folder; made at first start
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


def init_course(directory: Path, name: str | None = None, lang: str = "ko",
                sets: tuple[str, ...] | None = None) -> Path:
    """Write COURSE/nngrade.toml with a fresh random salt; refuse to overwrite an existing one."""
    directory = Path(directory)
    path = directory / CONFIG_NAME
    if path.exists():
        raise ConfigError(cli("course-exists", path=path))
    directory.mkdir(parents=True, exist_ok=True)
    course = Course(name=name or directory.resolve().name, salt=secrets.token_hex(16), lang=lang)
    if sets is not None:
        course.sets = tuple(sets)
    # the salt seeds every student's inputs: readable by the instructor alone
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(render_config(course))
    os.chmod(path, 0o600)          # whatever the umask
    return path


# ---- the schema: every key and table a course file may hold -------------------------------------


@dataclass(frozen=True)
class Setting:
    """One key of the course file: the Course field it fills, the TOML types it takes, and what
    is wrong with a value (``check`` returns a phrase such as "must be positive", or None)."""
    field: str
    types: tuple[type, ...]
    what: str                                            # the types in words, for messages
    check: Callable[[Any], str | None] = lambda value: None
    required: bool = False


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    words = ", ".join(f'"{c}"' for c in choices)
    return lambda value: None if value in choices else cli("must-be-one-of", words=words,
                                                           value=printable(repr(value)))


def _positive(value) -> str | None:
    return None if value > 0 else cli("must-be-positive", value=printable(repr(value)))


def _fraction(value) -> str | None:
    return None if 0.0 <= value <= 1.0 else cli("must-be-fraction", value=printable(repr(value)))


def _salt(value) -> str | None:
    return None if len(value) >= 8 else cli("salt-too-short")


def _canvas_url(value) -> str | None:
    from urllib.parse import urlsplit
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return cli("canvas-url-address", value=printable(repr(value)))
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        return cli("canvas-url-https", value=printable(repr(value)))
    if "api/v1" in parts.path:
        return cli("canvas-url-api", value=printable(repr(value)))
    return None


def _positive_id(value) -> str | None:
    return None if value > 0 else cli("canvas-id-positive", value=printable(repr(value)))


def _assignment_ids(value) -> str | None:
    for key, number in value.items():
        if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
            return cli("canvas-assignment-ids", key=printable(repr(key)), number=printable(repr(number)))
    return None


def _strings(value) -> str | None:
    return None if all(isinstance(v, str) for v in value) else cli("must-be-strings")


def _port(value) -> str | None:
    return None if 0 <= value < 65536 else cli("must-be-port", value=printable(repr(value)))


def _walltime(value) -> str | None:
    import re
    return None if re.fullmatch(r"(\d+-)?\d{1,3}(:\d\d){0,2}", value) else (
        cli("must-be-walltime", value=printable(repr(value))))


def _memory(value) -> str | None:
    import re
    return None if re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value) else (
        cli("must-be-memory", value=printable(repr(value))))


def _url(value) -> str | None:
    from urllib.parse import urlsplit
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return cli("must-be-url", value=printable(repr(value)))
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        return cli("must-be-https", value=printable(repr(value)))
    return None


def _base_url(value) -> str | None:
    from urllib.parse import urlsplit
    if _url(value):
        return _url(value)
    parts = urlsplit(value)
    return cli("must-be-bare-url", value=printable(repr(value))) if (
        parts.query or parts.fragment) else None


def _non_negative(value) -> str | None:
    return None if value >= 0 else cli("must-be-non-negative", value=printable(repr(value)))


def _time_zone(value) -> str | None:
    from zoneinfo import ZoneInfo
    try:
        ZoneInfo(value)
    except Exception:
        return cli("must-be-time-zone", value=printable(repr(value)))
    return None


def _due_dates(value) -> str | None:
    import datetime
    for key, when in value.items():
        if isinstance(when, datetime.datetime):
            continue
        if isinstance(when, str):
            try:
                datetime.datetime.fromisoformat(when)
                continue
            except ValueError:
                pass
        return cli("must-be-due-date", key=printable(repr(key)), value=printable(repr(when)))
    return None


def _set_names(value) -> str | None:
    names = [value] if isinstance(value, str) else value
    return None if all(isinstance(n, str) for n in names) else cli("sets-list")


NUMBER = ((int, float), cli("type-number"))
TEXT = ((str,), cli("type-string"))

# Top-level keys, and tables of keys ([mnist], [late]). A new setting is one entry here and a
# field of Course; files that lack it keep loading with the field's default.
SCHEMA: dict[str, Setting | dict[str, Setting]] = {
    "name": Setting("name", *TEXT),
    "salt": Setting("salt", *TEXT, check=_salt, required=True),
    "lang": Setting("lang", *TEXT, check=_one_of(LANGS)),
    "sets": Setting("sets", (list, str), cli("type-set-list"), check=_set_names),
    "mnist": {
        "budget_cpu_seconds": Setting("mnist_budget_cpu_seconds", *NUMBER, check=_positive),
    },
    "late": {
        "policy": Setting("late_policy", *TEXT, check=_one_of(LATE_POLICIES)),
        "penalty": Setting("late_penalty", *NUMBER, check=_fraction),
    },
    "moodle": {
        "feedback_zip_mib": Setting("moodle_feedback_zip_mib", *NUMBER, check=_positive),
    },
    "cluster": {
        "tls_ca_file": Setting("cluster_tls_ca_file", *TEXT),
        "tls_cert": Setting("cluster_tls_cert", *TEXT),
        "tls_key": Setting("cluster_tls_key", *TEXT),
        "worker_tls_cert": Setting("cluster_worker_tls_cert", *TEXT),
        "worker_tls_key": Setting("cluster_worker_tls_key", *TEXT),
        "wait_seconds": Setting("cluster_wait_seconds", *NUMBER, check=_positive),
        "cores": Setting("cluster_cores", (int,), cli("type-integer"), check=_positive),
        "memory": Setting("cluster_memory", *TEXT, check=_memory),
        "walltime": Setting("cluster_walltime", *TEXT, check=_walltime),
        "partition": Setting("cluster_partition", *TEXT),
        "job_extra_directives": Setting("cluster_job_extra_directives", (list,),
                                        cli("type-string-list"), check=_strings),
        "job_script_prologue": Setting("cluster_job_script_prologue", (list,),
                                       cli("type-string-list"), check=_strings),
        "python": Setting("cluster_python", *TEXT),
        "local_directory": Setting("cluster_local_directory", *TEXT),
        "worker_course": Setting("cluster_worker_course", *TEXT),
        "scheduler_port": Setting("cluster_scheduler_port", (int,), cli("type-integer"),
                                  check=_port),
        "interface": Setting("cluster_interface", *TEXT),
    },
    "serve": {
        "base_url": Setting("serve_base_url", *TEXT, check=_base_url),
        "jobs": Setting("serve_jobs", (int,), cli("type-integer"), check=_non_negative),
        "attempts": Setting("serve_attempts", (int,), cli("type-integer"), check=_non_negative),
        "cooldown_seconds": Setting("serve_cooldown_seconds", *NUMBER, check=_non_negative),
        "counts": Setting("serve_counts", *TEXT, check=_one_of(("best", "last"))),
        "timezone": Setting("serve_timezone", *TEXT, check=_time_zone),
        "due": Setting("serve_due", (dict,), cli("type-due-table"), check=_due_dates),
        "max_upload_mib": Setting("serve_max_upload_mib", *NUMBER, check=_positive),
        "max_files": Setting("serve_max_files", (int,), cli("type-integer"), check=_positive),
        "per_minute": Setting("serve_per_minute", (int,), cli("type-integer"), check=_positive),
        "keep_days": Setting("serve_keep_days", (int,), cli("type-integer"), check=_positive),
    },
    "lti": {
        "issuer": Setting("lti_issuer", *TEXT, check=_url),
        "client_id": Setting("lti_client_id", *TEXT),
        "deployment_ids": Setting("lti_deployment_ids", (list,), cli("type-string-list"),
                                  check=_strings),
        "auth_login_url": Setting("lti_auth_login_url", *TEXT, check=_url),
        "auth_token_url": Setting("lti_auth_token_url", *TEXT, check=_url),
        "key_set_url": Setting("lti_key_set_url", *TEXT, check=_url),
        "student_claim": Setting("lti_student_claim", *TEXT),
        "private_key_file": Setting("lti_private_key_file", *TEXT),
    },
    "canvas": {
        "url": Setting("canvas_url", *TEXT, check=_canvas_url),
        "course_id": Setting("canvas_course_id", (int,), cli("type-integer"), check=_positive_id),
        "token_file": Setting("canvas_token_file", *TEXT),
        "assignments": Setting("canvas_assignments", (dict,),
                               cli("type-assignment-table"),
                               check=_assignment_ids),
    },
}


def _type_name(value) -> str:
    key = {bool: "type-boolean", int: "type-integer", float: "type-number", str: "type-string",
           list: "type-array", dict: "type-table"}.get(type(value))
    return cli(key) if key else type(value).__name__


def _read_settings(data: dict, path: Path) -> dict[str, Any]:
    """Course field → value for every key of ``data``; any unknown or bad key is a ConfigError."""
    values: dict[str, Any] = {}

    def check(key: str, value, setting: Setting, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, setting.types):
            raise ConfigError(cli("course-key-type", path=path, key=f"{where}{key}", what=setting.what,
                                  got=_type_name(value), value=printable(repr(value))[:60]))
        problem = setting.check(value)
        if problem:
            raise ConfigError(Said.joined([Said.plain(f"{path}: {where}{key}"), problem]))
        values[setting.field] = value

    for key, value in data.items():
        entry = SCHEMA.get(key)
        if entry is None:
            kind = "table" if isinstance(value, dict) else "key"
            raise ConfigError(cli(f"course-unknown-{kind}", path=path, key=printable(repr(key)),
                                  near=did_you_mean(key, SCHEMA)))
        if isinstance(entry, Setting):
            check(key, value, entry, "")
            continue
        if not isinstance(value, dict):
            raise ConfigError(cli("course-not-table", path=path, key=key, got=_type_name(value)))
        for sub, sub_value in value.items():
            if sub not in entry:
                raise ConfigError(cli("course-unknown-key-in", path=path, key=printable(repr(sub)),
                                      table=key, near=did_you_mean(sub, entry)))
            check(sub, sub_value, entry[sub], f"[{key}] ")
    for key, entry in SCHEMA.items():
        if isinstance(entry, Setting) and entry.required and entry.field not in values:
            raise ConfigError(cli("course-missing-key", path=path, key=repr(key)))
    return values


def load_course(path: Path) -> Course:
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(cli("course-no-file", path=path))
    except IsADirectoryError:
        raise ConfigError(cli("course-is-folder", path=path))
    except OSError as exc:
        raise ConfigError(cli("cannot-be-read", path=path, reason=os_reason(exc))) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(cli("not-toml", path=path, error=exc)) from None
    values = _read_settings(data, path)
    try:
        # the course's own sets first, so that `sets` may name them
        add_sets_dir(path.parent / COURSE_SETS_DIR)
        values["sets"] = tuple(s.id for s in parse_sets(values.get("sets")))
    except (UnknownSetError, SetError) as exc:
        raise ConfigError(prefixed(f"{path}: sets", exc)) from None
    if "canvas_assignments" in values:
        values["canvas_assignments"] = _assignments_by_set(values["canvas_assignments"], path)
    if "serve_due" in values:
        values["serve_due"] = _due_by_set(values["serve_due"], path)
    if "serve_base_url" in values:
        values["serve_base_url"] = values["serve_base_url"].rstrip("/")
    for name in ("cluster_job_extra_directives", "cluster_job_script_prologue",
                 "lti_deployment_ids"):
        if name in values:
            values[name] = tuple(values[name])
    for name in ("mnist_budget_cpu_seconds", "late_penalty", "moodle_feedback_zip_mib",
                 "cluster_wait_seconds", "serve_cooldown_seconds", "serve_max_upload_mib"):
        if name in values:
            values[name] = float(values[name])
    values.setdefault("name", path.parent.name)
    return Course(**values, path=path)


def _set_keys(table: dict, path: Path, table_name: str) -> list[tuple[str, object]]:
    """A table keyed by set (any name `--sets` takes: "04"), as (set id, value) pairs."""
    from nngrade.autograder.sets import find_set
    pairs = []
    for key, value in table.items():
        try:
            pairs.append((find_set(key).id, value))
        except UnknownSetError as exc:
            raise ConfigError(prefixed(f"{path}: [{table_name}]", exc, colon=False)) from None
    return pairs


def _assignments_by_set(table: dict, path: Path) -> dict[str, int]:
    """[canvas.assignments] keyed by set id; one assignment per set."""
    by_set: dict[str, int] = {}
    for set_id, number in _set_keys(table, path, "canvas.assignments"):
        if set_id in by_set:
            raise ConfigError(cli("canvas-assignment-twice", path=path, set=set_id))
        by_set[set_id] = number
    return by_set


def _due_by_set(table: dict, path: Path) -> dict[str, str]:
    """[serve.due] keyed by set id, each an ISO date-time text (no offset: the course's zone)."""
    return {set_id: when if isinstance(when, str) else when.isoformat()
            for set_id, when in _set_keys(table, path, "serve.due")}


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
