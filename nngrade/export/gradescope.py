"""`nngrade export gradescope OUT.zip`: a Gradescope autograder zip holding the whole grading kit.

    setup.sh            Gradescope runs it once to build the image: Python's venv module and
                        bubblewrap from apt (when the image has apt), then a venv at
                        /autograder/nngrade-venv with the kit below installed by pip
    run_autograder      bash: grades /autograder/submission with the kit (gradescope_runner.py)
                        and always leaves /autograder/results/results.json behind
    nngrade.toml        the course file: salt of the per-student inputs, language, sets, late
                        policy (the nearest course file when there is one, else a new one)
    nngrade-kit/        the kit as pip installs it: pyproject.toml and the nngrade package with
                        the grader, hidden suites, mistake models, hints, reference solutions

Gradescope unpacks the zip to /autograder/source and runs /autograder/run_autograder from
/autograder; the environment variable NNGRADE_AUTOGRADER_ROOT replaces /autograder (for tests).
setup.sh reads three more, for installing without apt or the network:
NNGRADE_SETUP_SKIP_APT=1, NNGRADE_VENV_ARGS (e.g. --system-site-packages) and NNGRADE_PIP_ARGS
(e.g. --no-deps --no-build-isolation).
"""
from __future__ import annotations

import io
import json
import os
import secrets
import tempfile
import zipfile
from pathlib import Path

from nngrade import __version__
from nngrade.paths import AUTOGRADER_DIR, PACKAGE_DIR, REPO_ROOT, SOLUTIONS_DIR, TEMPLATES_DIR

KIT_DIR = "nngrade-kit"
COURSE_FILE = "nngrade.toml"
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)      # fixed, so that two exports of one kit are identical
SKIPPED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".DS_Store"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
ROOT="${NNGRADE_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -z "${NNGRADE_SETUP_SKIP_APT:-}" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q python3 python3-venv python3-pip
  # bubblewrap is the sandbox's strongest layer. Containers without user namespaces cannot use
  # it; nngrade then falls back to its rlimit layer and every report names the layer used.
  apt-get install -y -q bubblewrap || echo "setup.sh: bubblewrap could not be installed; the sandbox falls back to a weaker layer"
fi

# A venv of our own: newer images refuse `pip install` into the system Python (PEP 668).
# shellcheck disable=SC2086
python3 -m venv ${NNGRADE_VENV_ARGS:-} "$ROOT/nngrade-venv"
# shellcheck disable=SC2086
"$ROOT/nngrade-venv/bin/python" -m pip install -q ${NNGRADE_PIP_ARGS:-} "$SOURCE/nngrade-kit"
"$ROOT/nngrade-venv/bin/python" -c "import nngrade.export.gradescope_runner" \
  && echo "setup.sh: nngrade installed in $ROOT/nngrade-venv"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission, from /autograder. Whatever happens, it leaves
# results/results.json behind: the runner writes one even when grading fails, and if the runner
# itself cannot start, this script writes a score of 0 with the reason.
ROOT="${NNGRADE_AUTOGRADER_ROOT:-/autograder}"
PY="$ROOT/nngrade-venv/bin/python"
[ -x "$PY" ] || PY="$(command -v python3 || echo python3)"
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
"$PY" -m nngrade.export.gradescope_runner --root "$ROOT" --course "$ROOT/source/nngrade.toml"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  cat > "$ROOT/results/results.json" <<EOF
{"score": 0, "output": "The autograder could not start (exit status $status); the instructor can see why in the autograder's output. / 자동 채점기를 시작하지 못했습니다(종료 코드 $status). 강사는 채점기 출력에서 이유를 볼 수 있습니다.", "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": [], "extra_data": {"runner_exit_status": $status}}
EOF
fi
exit 0
"""


# ---- the kit -----------------------------------------------------------------------------------


def _package_roots() -> dict[str, Path]:
    """Where each of the kit's top-level packages lives (an editable checkout or an install)."""
    return {"nngrade": PACKAGE_DIR, "nngrade/autograder": AUTOGRADER_DIR,
            "nngrade/solutions": SOLUTIONS_DIR, "nngrade/templates": TEMPLATES_DIR}


def _skipped(path: Path) -> bool:
    return path.name in SKIPPED_NAMES or path.suffix in SKIPPED_SUFFIXES


def kit_files() -> dict[str, bytes]:
    """The installed kit laid out as one package tree: zip path -> bytes."""
    roots = _package_roots()
    claimed = {root.resolve() for root in roots.values()}
    files: dict[str, bytes] = {}
    for prefix, root in roots.items():
        root = root.resolve()
        for folder, dirnames, filenames in os.walk(root):
            here = Path(folder)
            # a folder that is itself another package root is walked under its own name
            dirnames[:] = sorted(d for d in dirnames
                                 if not _skipped(here / d) and (here / d).resolve() not in claimed)
            for name in sorted(filenames):
                path = here / name
                if _skipped(path) or path.is_symlink():
                    continue
                rel = path.relative_to(root).as_posix()
                files[f"{KIT_DIR}/{prefix}/{rel}"] = path.read_bytes()
    return files


def kit_dependencies() -> list[str]:
    """The kit's runtime requirements: the checkout's pyproject.toml, else the installed metadata."""
    pyproject = REPO_ROOT / "pyproject.toml"
    if pyproject.is_file():
        try:
            import tomllib
        except ModuleNotFoundError:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == "nngrade":
            return list(project.get("dependencies", []))
    from importlib import metadata
    return [r for r in (metadata.requires("nngrade") or []) if "extra ==" not in r]


def kit_pyproject(packages: list[str]) -> str:
    deps = "".join(f"    {json.dumps(d)},\n" for d in kit_dependencies())
    names = "".join(f'    "{p}",\n' for p in packages)
    return (
        "[build-system]\n"
        'requires = ["setuptools>=64"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        "[project]\n"
        'name = "nngrade"\n'
        f'version = "{__version__}"\n'
        'description = "nngrade grading kit (Gradescope autograder build)"\n'
        'requires-python = ">=3.10"\n'
        f"dependencies = [\n{deps}]\n\n"
        "[project.scripts]\n"
        'nngrade = "nngrade.cli:main"\n\n'
        "[tool.setuptools]\n"
        f"packages = [\n{names}]\n\n"
        "# Folders without __init__.py (hidden suites, hints, data) travel as package data.\n"
        "[tool.setuptools.package-data]\n"
        '"*" = ["**/*"]\n'
    )


def _packages(files: dict[str, bytes]) -> list[str]:
    prefix = f"{KIT_DIR}/"
    return sorted(name[len(prefix):-len("/__init__.py")].replace("/", ".")
                  for name in files if name.startswith(prefix) and name.endswith("/__init__.py"))


# ---- the course file ---------------------------------------------------------------------------


def course_file(sets, course: Path | None = None) -> str:
    """nngrade.toml for the autograder: the given (or nearest) course with the exported sets, or a
    new course with a fresh salt that flags late submissions."""
    from dataclasses import replace

    from nngrade.config import Course, find_course, load_course, render_config

    path = course if course is not None else find_course(Path.cwd())
    if path is not None and Path(path).is_dir():
        path = Path(path) / COURSE_FILE
    if path is not None:
        base = load_course(Path(path))
    else:
        base = Course(name="gradescope", salt=secrets.token_hex(16), lang="ko", late_policy="flag")
    return render_config(replace(base, sets=tuple(s.id for s in sets)))


# ---- the zip -----------------------------------------------------------------------------------


def write_zip(entries: dict[str, tuple[bytes, int]], out: Path) -> None:
    """Sorted entries, one fixed timestamp, the given unix modes; written beside `out`, then renamed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(entries):
            data, mode = entries[name]
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3                 # unix, so that the mode bits are read
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, data)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out.parent, prefix=out.name, suffix=".part",
                                     delete=False) as tmp:
        tmp.write(buffer.getvalue())
    os.replace(tmp.name, out)


def export_gradescope(dest: Path, sets, course: Path | None = None) -> Path:
    """Write the autograder zip ``dest`` grading ``sets``; returns ``dest``."""
    from nngrade.export.notebook_checks import suite_path

    dest = Path(dest)
    sets = tuple(sets)
    if not sets:
        raise ValueError("no exercise set to export")
    if dest.suffix.lower() != ".zip":
        raise ValueError(f"{dest}: the Gradescope autograder must be a .zip file")
    if dest.exists() and dest.is_dir():
        raise ValueError(f"{dest}: is a folder; give the path of the .zip to write")
    missing = [f"{p}: missing (the hidden suite of {s.id})" for s in sets
               if not (p := suite_path(s.id, public=False)).is_file()]
    if missing:
        raise ValueError("cannot export:\n" + "\n".join(missing))
    kit = kit_files()
    entries = {name: (data, 0o644) for name, data in kit.items()}
    entries[f"{KIT_DIR}/pyproject.toml"] = (kit_pyproject(_packages(kit)).encode(), 0o644)
    entries[COURSE_FILE] = (course_file(sets, course).encode("utf-8"), 0o644)
    entries["setup.sh"] = (SETUP_SH.encode(), 0o755)
    entries["run_autograder"] = (RUN_AUTOGRADER.encode(), 0o755)
    write_zip(entries, dest)
    return dest
