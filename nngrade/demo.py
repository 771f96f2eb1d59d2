"""`nngrade demo`: grade a small built-in class and write its reports, offline, on defaults.

The class is the reference solutions handed in by one student, and a few students who each made
typical mistakes. Their files are built from the reference sources by the small textual edits in
``nngrade/data/demo_class.toml`` (so the demo never drifts from the exercises), then graded by the
same path as a real class: intake from folders, the sandbox, the hidden suites, the reports.
"""
from __future__ import annotations

import shutil
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

from nngrade.config import Course
from nngrade.paths import DATA_DIR
from nngrade.autograder.sets import SETS, parse_sets
from nngrade.speech import cli

DEMO_SPEC = DATA_DIR / "demo_class.toml"
DEMO_SALT = "nngrade-demo-class"      # fixed, so the demo's numbers are the same on every machine


class DemoError(RuntimeError):
    pass


def reference_source(module: str) -> str:
    for s in SETS:
        if s.module == module:
            return s.reference_path.read_text(encoding="utf-8")
    raise DemoError(cli("demo-no-module", path=DEMO_SPEC, module=repr(module)))


def build_class(dest: Path, spec_path: Path = DEMO_SPEC) -> list[str]:
    """Write one folder per demo student into ``dest``; returns the student ids."""
    spec = tomllib.loads(spec_path.read_text(encoding="utf-8"))
    dest.mkdir(parents=True, exist_ok=True)
    ids = []
    for student in spec["students"]:
        folder = dest / student["id"]
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        edits = {}
        for edit in student.get("edits", []):
            edits.setdefault(edit["module"], []).append(edit)
        for module in student["modules"]:
            source = reference_source(module)
            for edit in edits.pop(module, []):
                if edit["find"] not in source:
                    raise DemoError(cli("demo-edit-not-found", path=spec_path, student=student["id"],
                                        file=f"{module}.py", find=repr(edit["find"])))
                source = source.replace(edit["find"], edit["replace"], 1)
            subdir = folder / student.get("folder", "")
            subdir.mkdir(parents=True, exist_ok=True)
            (subdir / f"{module}.py").write_text(source, encoding="utf-8")
        if edits:
            raise DemoError(cli("demo-edits-other", path=spec_path, student=student["id"],
                                modules=", ".join(sorted(edits))))
        ids.append(student["id"])
    return ids


def run_demo(out: Path | None = None, jobs: int = 0, lang: str = "ko", force: bool = False) -> Path:
    """Grade the demo class into ``out``; a rerun skips students whose results are current
    (their pages stay as drawn) unless ``force``."""
    from nngrade.grade import GradeOptions, grade_class

    out = Path(out) if out else Path.cwd() / "nngrade-demo"
    submissions = out / "submissions"
    build_class(submissions)
    spec = tomllib.loads(DEMO_SPEC.read_text(encoding="utf-8"))
    sets = parse_sets(spec.get("sets", "all"))
    course = Course(name="nngrade demo", salt=DEMO_SALT, lang=lang, sets=tuple(s.id for s in sets),
                    mnist_budget_cpu_seconds=float(spec.get("mnist_budget_cpu_seconds", 60)))
    # the built-in students are the kit's own code: no one else's to protect the grader from
    options = GradeOptions(sets=sets, jobs=jobs, lang=lang, progress=True, force=force,
                           allow_shared_uid=True,
                           mnist_sample=True)
    run = grade_class(submissions, out / "results", course, options)
    return run.summary_path
