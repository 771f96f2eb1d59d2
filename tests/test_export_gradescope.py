"""`nngrade export gradescope`: the autograder zip, installed and run as Gradescope runs it.

The zip is unpacked into a temporary root that stands for /autograder (NNGRADE_AUTOGRADER_ROOT),
its own setup.sh installs the kit's wheel *from the zip* into the venv at ROOT/nngrade-venv, and
run_autograder grades submissions as subprocesses with NNGRADE_SANDBOX=rlimit (Gradescope's
containers usually have no user namespaces). setup.sh runs without apt and without the network:
the venv is made beforehand from this interpreter and sees this environment's site-packages
through a .pth file (for pip and the third-party dependencies, which pyproject.toml pins alike),
and pip installs the zip's wheel with --no-deps --no-index. The test checks that the venv imports
nngrade from the wheel's copy, not from this checkout. Every results.json is validated against
Gradescope's documented schema (autograder_samples docs/specs.md, REFERENCE.md).
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import jsonschema
import pytest

from nngrade.autograder.messages import say
from nngrade.export.gradescope import export_gradescope, unpack_like_gradescope
from nngrade.paths import SOLUTIONS_DIR
from nngrade.autograder.sets import find_set, parse_sets

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

SETS = ("03_loss", "04_backprop")
REFERENCE_FILES = {"loss.py": SOLUTIONS_DIR / "03_loss" / "loss.py",
                   "backprop.py": SOLUTIONS_DIR / "04_backprop" / "backprop.py"}
CORRECT_MSE = "return float(0.5 * np.sum((t - y) ** 2))"

VISIBILITY = ["hidden", "after_due_date", "after_published", "visible"]
FORMATS = ["text", "html", "simple_format", "md", "ansi"]
TEST_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number"}, "max_score": {"type": "number"},
        "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
        "name_format": {"enum": FORMATS}, "number": {"type": "string"},
        "output": {"type": "string"}, "output_format": {"enum": FORMATS},
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": {"enum": VISIBILITY}, "extra_data": {"type": "object"},
    },
    "additionalProperties": False,
}
RESULTS_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"},
        "output": {"type": "string"}, "output_format": {"enum": FORMATS},
        "test_output_format": {"enum": FORMATS}, "test_name_format": {"enum": FORMATS},
        "visibility": {"enum": VISIBILITY}, "stdout_visibility": {"enum": VISIBILITY},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": TEST_SCHEMA},
        "leaderboard": {"type": "array", "items": {
            "type": "object", "required": ["name", "value"],
            "properties": {"name": {"type": "string"}, "value": {"type": ["number", "string"]},
                           "order": {"enum": ["asc", "desc"]}}}},
    },
    # a top-level score, or a score on every test
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
    "additionalProperties": False,
}


def points_toml(set_id: str) -> dict[str, float]:
    """Points per function: set.toml's [points], summed per function."""
    return find_set(set_id).function_points()


def metadata(created_at: str, due_date: str, user_due: str | None = None) -> dict:
    """submission_metadata.json as Gradescope documents it (docs/submission_metadata.md)."""
    user = {"email": "kim@example.com", "id": 1234, "name": "김민준"}
    if user_due:
        user["assignment"] = {"due_date": user_due, "late_due_date": None}
    return {"id": 123456, "created_at": created_at,
            "assignment": {"due_date": due_date, "late_due_date": None, "id": 25828,
                           "title": "nngrade", "total_points": "200.0", "group_size": None,
                           "group_submission": False, "course_id": 1234,
                           "release_date": "2026-02-01T00:00:00.000000+09:00"},
            "submission_method": "upload", "users": [user], "previous_submissions": []}


ON_TIME = metadata("2026-03-01T20:00:00.000000+09:00", "2026-03-01T23:59:00.000000+09:00")
LATE = metadata("2026-03-02T10:15:00.000000+09:00", "2026-03-01T23:59:00.000000+09:00")
EXTENDED = metadata("2026-03-02T10:15:00.000000+09:00", "2026-03-01T23:59:00.000000+09:00",
                    user_due="2026-03-03T23:59:00.000000+09:00")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course whose late policy flags late work (`nngrade init` writes "none")."""
    from dataclasses import replace

    from nngrade.config import init_course, load_course, render_config
    path = init_course(tmp_path_factory.mktemp("gs-course") / "course")
    path.write_text(render_config(replace(load_course(path), late_policy="flag")), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory, course) -> Path:
    return export_gradescope(tmp_path_factory.mktemp("gs") / "autograder.zip", parse_sets(list(SETS)),
                             course=course)


@pytest.fixture(scope="module")
def root(tmp_path_factory, autograder_zip) -> Path:
    """/autograder after Gradescope's image build: source/ unpacked, setup.sh run (offline: this
    environment's packages stay visible after the venv's own site-packages)."""
    return unpack_like_gradescope(autograder_zip, tmp_path_factory.mktemp("autograder"))


def run_autograder(root: Path, files: dict[str, str], meta: dict | None,
                   **env_extra: str) -> dict:
    """One Gradescope run: submission/ and submission_metadata.json in place, run_autograder."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text, encoding="utf-8")
    meta_path = root / "submission_metadata.json"
    meta_path.unlink(missing_ok=True)
    if meta is not None:
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NNGRADE_")}
    env.update({"NNGRADE_AUTOGRADER_ROOT": str(root), "NNGRADE_SANDBOX": "rlimit", **env_extra})
    done = subprocess.run([str(root / "run_autograder")], env=env, cwd=root, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, RESULTS_SCHEMA)
    return document


def reference_files() -> dict[str, str]:
    return {name: path.read_text(encoding="utf-8") for name, path in REFERENCE_FILES.items()}


def mse_missing_half() -> dict[str, str]:
    files = reference_files()
    assert files["loss.py"].count(CORRECT_MSE) == 1, "the reference's mse line changed"
    files["loss.py"] = files["loss.py"].replace(CORRECT_MSE, "return float(np.sum((t - y) ** 2))")
    return files


# ---- the zip ------------------------------------------------------------------------------------


def test_zip_has_setup_and_run_autograder_at_its_root_and_the_whole_kit(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        for script in ("setup.sh", "run_autograder"):
            assert script in infos
            assert (infos[script].external_attr >> 16) & 0o111, f"{script} must be executable"
            assert zf.read(script).startswith(b"#!/usr/bin/env bash")
        wheels = [n for n in infos if n.endswith("-py3-none-any.whl")]
        assert len(wheels) == 1 and wheels[0].startswith("nngrade-")
        wheel = zipfile.ZipFile(io.BytesIO(zf.read(wheels[0])))
        course = tomllib.loads(zf.read("nngrade.toml").decode())
    assert course["sets"] == list(SETS)
    names = set(wheel.namelist())
    for set_id in SETS:
        s = find_set(set_id)
        for name in ("test_hidden.py", f"{s.module}.py", "mistakes.py", "set.toml"):
            assert f"nngrade/solutions/{set_id}/{name}" in names
    assert "nngrade/export/gradescope_runner.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # the wheel's RECORD lists every file with its sha256, as pip checks it
    info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD"))
    record = {row[0]: row[1] for row in csv.reader(io.StringIO(wheel.read(f"{info}/RECORD").decode()))}
    assert set(record) == names
    for name, digest in record.items():
        if digest:
            expected = base64.urlsafe_b64encode(hashlib.sha256(wheel.read(name)).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode(), name
    assert b"Requires-Dist: numpy" in wheel.read(f"{info}/METADATA")


def test_export_is_reproducible_for_one_course(autograder_zip, course, tmp_path):
    again = export_gradescope(tmp_path / "again.zip", parse_sets(list(SETS)), course=course)
    assert again.read_bytes() == autograder_zip.read_bytes()
    with zipfile.ZipFile(again) as zf:
        salt = tomllib.loads(zf.read("nngrade.toml").decode())["salt"]
    assert salt == tomllib.loads(course.read_text(encoding="utf-8"))["salt"]


def test_setup_installs_the_kit_from_the_zip(root):
    done = subprocess.run([str(root / "nngrade-venv" / "bin" / "python"), "-c",
                           "import nngrade, nngrade.autograder as a; print(nngrade.__file__); print(a.__file__)"],
                          capture_output=True, text=True, cwd=root, timeout=60)
    assert done.returncode == 0, done.stderr
    for line in done.stdout.split():
        assert Path(line).resolve().is_relative_to((root / "nngrade-venv").resolve()), line


def test_setup_builds_the_caches_each_submission_reads(root):
    """setup.sh builds the mistakes' fingerprints into ROOT/nngrade-cache (every submission
    runs in a fresh container from the image); a submission then builds none of its own."""
    cache = root / "nngrade-cache"
    built = sorted(p.name for p in cache.glob("fingerprints-*.json"))
    assert len(built) == 1
    fingerprints = json.loads((cache / built[0]).read_text(encoding="utf-8"))
    assert sorted(fingerprints) == sorted(find_set(s).id for s in SETS)
    catalogues = sorted(p.name for p in (cache / "catalogues").glob("*.json"))
    assert len(catalogues) >= 4                     # the kit's and the sets', en and ko
    run_autograder(root, reference_files(), ON_TIME)
    assert sorted(p.name for p in cache.glob("fingerprints-*.json")) == built
    assert sorted(p.name for p in (cache / "catalogues").glob("*.json")) == catalogues


# ---- grading ------------------------------------------------------------------------------------


def test_correct_submission_gets_every_point_with_gradescopes_visibility(root):
    document = run_autograder(root, reference_files(), ON_TIME)
    total = sum(sum(points_toml(s).values()) for s in SETS)
    assert document["score"] == pytest.approx(total)
    assert sum(t["max_score"] for t in document["tests"]) == pytest.approx(total)
    assert all(t["status"] == "passed" and not t["tags"] for t in document["tests"])
    for t in document["tests"]:
        public = t["name"].split("/")[2].startswith("public-")
        assert t["visibility"] == ("visible" if public else "after_published"), t["name"]
        assert t["extra_data"]["set"] in SETS
    assert {t["name"].split("/")[0] for t in document["tests"]} == set(SETS)
    assert document["extra_data"]["late"] is False
    assert document["extra_data"]["student"] == "kim@example.com"
    assert "rlimit" in document["output"]
    assert document["extra_data"]["sandbox"]["level"] == "rlimit"


def test_mistaken_late_submission_loses_its_points_and_is_flagged_late(root):
    document = run_autograder(root, mse_missing_half(), LATE)
    total = sum(sum(points_toml(s).values()) for s in SETS)
    assert document["score"] == pytest.approx(total - points_toml("03_loss")["mse"])
    failed = [t for t in document["tests"] if t["status"] == "failed"]
    assert failed and all(t["extra_data"]["function"] == "mse" for t in failed)
    assert all("mse-missing-half" in t["tags"] for t in failed if t["score"] < t["max_score"])
    hidden = [t for t in failed if t["visibility"] == "after_published"]
    assert hidden and all(t["score"] == 0 for t in hidden)
    assert document["extra_data"]["gradescope"]["late"] is True
    assert document["extra_data"]["late"] is True          # the course's policy is "flag"
    assert LATE["created_at"] in document["output"]         # the student is told why
    assert "late_penalty" not in document["extra_data"]


def test_an_extension_in_the_metadata_is_not_late(root):
    document = run_autograder(root, reference_files(), EXTENDED)
    assert document["extra_data"]["gradescope"]["late"] is False
    assert document["extra_data"]["gradescope"]["due_date"] == "2026-03-03T23:59:00.000000+09:00"


def test_empty_submission_and_missing_metadata_still_give_a_result(root):
    document = run_autograder(root, {}, None)
    assert document["score"] == 0
    assert document["tests"] and all(t["status"] == "failed" for t in document["tests"])
    assert "submission_metadata.json" in document["output"]


def test_a_broken_course_file_gives_score_zero_and_says_why(root):
    course = root / "source" / "nngrade.toml"
    saved = course.read_bytes()
    try:
        course.write_text("salt = [", encoding="utf-8")
        document = run_autograder(root, reference_files(), ON_TIME)
    finally:
        course.write_bytes(saved)
    assert document["score"] == 0 and document["tests"] == []
    assert "nngrade.toml" in document["output"] and "TOML" in document["output"]


def test_a_runner_that_cannot_start_still_leaves_a_result(root, tmp_path):
    broken = tmp_path / "autograder"
    (broken / "nngrade-venv" / "bin").mkdir(parents=True)
    python = broken / "nngrade-venv" / "bin" / "python"
    python.write_text("#!/bin/sh\nexit 3\n")
    python.chmod(0o755)
    shutil.copy2(root / "run_autograder", broken / "run_autograder")
    document = run_autograder(broken, reference_files(), ON_TIME)
    assert document["score"] == 0
    # in the course's language (`nngrade init` writes ko), taken from the catalogue at export
    assert document["output"] == say("gradescope-not-started", "ko", status=3)
