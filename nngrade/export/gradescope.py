"""`nngrade export gradescope OUT.zip`: a Gradescope autograder zip holding the whole grading kit.

    setup.sh          Gradescope runs it once to build the image: Python's venv module and
                      bubblewrap from apt (when the image has apt), then a venv at
                      /autograder/nngrade-venv with the kit's wheel installed by pip
    run_autograder    bash: grades /autograder/submission with the kit (gradescope_runner.py)
                      and always leaves /autograder/results/results.json behind
    nngrade.toml      the course file: salt of the per-student inputs, language, sets, late
                      policy (the given or nearest course file, else a new one)
    nngrade-<version>-py3-none-any.whl
                      the kit: grader, hidden suites, mistake models, hints, reference
                      solutions, templates, data

The wheel is written here (the binary distribution format of PEP 427: the package's files, then
METADATA, WHEEL, entry_points.txt and a RECORD of hashes), so installing it needs no build
backend, and the export works from an editable checkout and from an installed kit alike.
Gradescope unpacks the zip to /autograder/source and runs /autograder/run_autograder from
/autograder; the environment variable NNGRADE_AUTOGRADER_ROOT replaces /autograder (for tests).
setup.sh also reads NNGRADE_SETUP_SKIP_APT=1 and NNGRADE_PIP_ARGS (e.g. "--no-deps --no-index"
to install offline), and keeps a venv that already exists.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import secrets
import tempfile
import zipfile
from pathlib import Path

from nngrade import __version__
from nngrade.paths import AUTOGRADER_DIR, PACKAGE_DIR, REPO_ROOT, SOLUTIONS_DIR, TEMPLATES_DIR
from nngrade.autograder.messages import Said, say
from nngrade.speech import cli

DIST = "nngrade"
WHEEL_TAG = "py3-none-any"
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
VENV="$ROOT/nngrade-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install -q ${NNGRADE_PIP_ARGS:-} "$SOURCE"/nngrade-*-py3-none-any.whl
"$VENV/bin/python" -c "import nngrade.export.gradescope_runner"
echo "setup.sh: nngrade installed in $VENV"
# Every submission runs in a fresh container made from this image: what the grader would
# otherwise compute per submission (the mistakes' fingerprints, the sandbox's runtime) is
# built here once, in ROOT/nngrade-cache.
NNGRADE_CACHE_DIR="$ROOT/nngrade-cache" "$VENV/bin/python" -m nngrade.export.gradescope_runner \
  --root "$ROOT" --course "$SOURCE/nngrade.toml" --warm \
  || echo "setup.sh: the caches could not be built; each submission builds what it needs"
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
export NNGRADE_CACHE_DIR="$ROOT/nngrade-cache"      # built by setup.sh
"$PY" -m nngrade.export.gradescope_runner --root "$ROOT" --course "$ROOT/source/nngrade.toml"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  cat > "$ROOT/results/results.json" <<EOF
{"score": 0, "output": "@NOT_STARTED@", "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": [], "extra_data": {"runner_exit_status": $status}}
EOF
fi
exit 0
"""


def run_autograder_script(lang: str) -> str:
    """run_autograder with its last-resort sentence in the course's language, from the catalogue
    (the script cannot read one: Python may be what failed)."""
    import json
    text = say("gradescope-not-started", lang, status="$status")
    escaped = json.dumps(text, ensure_ascii=False)[1:-1].replace("`", "\\`")
    return RUN_AUTOGRADER.replace("@NOT_STARTED@", escaped)


# ---- the kit -----------------------------------------------------------------------------------


def _package_roots() -> dict[str, Path]:
    """Where each of the kit's top-level packages lives (an editable checkout or an install)."""
    return {"nngrade": PACKAGE_DIR, "nngrade/autograder": AUTOGRADER_DIR,
            "nngrade/solutions": SOLUTIONS_DIR, "nngrade/templates": TEMPLATES_DIR}


def _skipped(path: Path) -> bool:
    return path.name in SKIPPED_NAMES or path.suffix in SKIPPED_SUFFIXES


def kit_files() -> dict[str, bytes]:
    """The installed kit laid out as one package tree, as the wheel holds it: path -> bytes."""
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
                files[f"{prefix}/{rel}"] = path.read_bytes()
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


def wheel_name() -> str:
    return f"{DIST}-{__version__}-{WHEEL_TAG}.whl"


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def build_wheel(files: dict[str, bytes]) -> bytes:
    """A pure-Python wheel of the kit: `files` (package paths) plus its .dist-info."""
    info = f"{DIST}-{__version__}.dist-info"
    requires = "".join(f"Requires-Dist: {d}\n" for d in kit_dependencies())
    meta = {
        f"{info}/METADATA": ("Metadata-Version: 2.1\n"
                             f"Name: {DIST}\n"
                             f"Version: {__version__}\n"
                             "Summary: nngrade grading kit (Gradescope autograder build)\n"
                             "Requires-Python: >=3.10\n" + requires).encode(),
        f"{info}/WHEEL": ("Wheel-Version: 1.0\n"
                          f"Generator: nngrade {__version__}\n"
                          "Root-Is-Purelib: true\n"
                          f"Tag: {WHEEL_TAG}\n").encode(),
        f"{info}/entry_points.txt": b"[console_scripts]\nnngrade = nngrade.cli:main\n",
        f"{info}/top_level.txt": f"{DIST}\n".encode(),
    }
    contents = {**dict(sorted(files.items())), **meta}
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in contents.items())
    contents[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    # the .dist-info last, as the format recommends
    return zip_bytes({name: (data, 0o644) for name, data in contents.items()}, order=list(contents))


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


def zip_bytes(entries: dict[str, tuple[bytes, int]], order: list[str] | None = None) -> bytes:
    """A zip of `entries` (name -> (bytes, unix mode)) in sorted (or the given) order, with one
    fixed timestamp: the same kit always gives the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in order or sorted(entries):
            data, mode = entries[name]
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3                 # unix, so that the mode bits are read
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def write_file(data: bytes, out: Path) -> None:
    """Written beside `out`, then renamed: a failed export never leaves half a zip."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=out.parent, prefix=out.name, suffix=".part",
                                     delete=False) as tmp:
        tmp.write(data)
    os.chmod(tmp.name, 0o600)        # it carries the course salt: the instructor alone reads it
    os.replace(tmp.name, out)


def export_gradescope(dest: Path, sets, course: Path | None = None) -> Path:
    """Write the autograder zip ``dest`` grading ``sets``; returns ``dest``."""
    from nngrade.export.notebook_checks import suite_path

    dest = Path(dest)
    sets = tuple(sets)
    if not sets:
        raise ValueError(cli("export-no-set"))
    if dest.suffix.lower() != ".zip":
        raise ValueError(cli("gradescope-zip", path=dest))
    if dest.exists() and dest.is_dir():
        raise ValueError(cli("gradescope-folder", path=dest))
    missing = [cli("gradescope-no-hidden", path=p, set=s.id) for s in sets
               if not (p := suite_path(s.id, public=False)).is_file()]
    if missing:
        raise ValueError(cli("export-cannot", problems=Said.joined(missing, "; ")))
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    config = course_file(sets, course)
    lang = tomllib.loads(config).get("lang") or "ko"
    entries = {
        wheel_name(): (build_wheel(kit_files()), 0o644),
        COURSE_FILE: (config.encode("utf-8"), 0o644),
        "setup.sh": (SETUP_SH.encode(), 0o755),
        "run_autograder": (run_autograder_script(lang).encode(), 0o755),
    }
    # A course's own sets travel as the course's solutions/ beside nngrade.toml, where the
    # runner's load_course finds them.
    for s in sets:
        folder = Path(s.folder)
        if SOLUTIONS_DIR.resolve() in folder.resolve().parents:
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not _skipped(path) and "__pycache__" not in path.parts:
                rel = path.relative_to(folder).as_posix()
                entries[f"solutions/{s.id}/{rel}"] = (path.read_bytes(), 0o644)
    write_file(zip_bytes(entries), dest)
    return dest


def unpack_like_gradescope(zip_path: Path, root: Path, *, offline: bool = True) -> Path:
    """/autograder as Gradescope leaves it after its image build, on this machine: the zip in
    ROOT/source (with the modes Gradescope keeps), run_autograder copied to ROOT, setup.sh run
    with NNGRADE_AUTOGRADER_ROOT=ROOT and without apt. `offline`: the venv setup.sh would make
    is made from this interpreter with this environment's packages visible after its own, so
    setup.sh installs only the kit's wheel, from the zip (no package index needed).
    Returns ROOT; ROOT/run_autograder then grades ROOT/submission as Gradescope would."""
    import site
    import subprocess
    import sysconfig
    import venv

    root = Path(root).resolve()
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():   # extractall drops the unix modes; Gradescope keeps them
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777)
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    os.chmod(root / "run_autograder", 0o755)
    env = {**os.environ, "NNGRADE_AUTOGRADER_ROOT": str(root), "NNGRADE_SETUP_SKIP_APT": "1"}
    if offline:
        venv.EnvBuilder(with_pip=False).create(root / "nngrade-venv")
        purelib = subprocess.run([str(root / "nngrade-venv" / "bin" / "python"), "-c",
                                  "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        parent = dict.fromkeys(site.getsitepackages() + [sysconfig.get_paths()["purelib"]])
        Path(purelib, "_nngrade_parent_env.pth").write_text("\n".join(parent) + "\n")
        env["NNGRADE_PIP_ARGS"] = "--no-deps --no-index"
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, cwd=root,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        from nngrade.speech import cli
        raise RuntimeError(cli("setup-failed", path=root / "source" / "setup.sh",
                               output=done.stdout + done.stderr))
    return root
