"""A course's own sets: `nngrade new-set`, and an eleventh set written from seed 003's maxout,
graded, released, bundled and exported by the same commands as the kit's own sets.

The eleventh set lives in tests/files/course_set/ (a course folder: nngrade.toml and
solutions/11_maxout/), with hand-written students: one correct (loops), and one for each of its
three mistake models, written differently (np.where, a helper with a Korean name in a nested
folder, a class).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import tool_env

COURSE = Path(__file__).resolve().parent / "files" / "course_set"
EXPECTED = {   # student -> (score, named mistakes)
    "correct-loops": (100.0, []),
    "min-student": (40.0, ["maxout-min"]),
    "bias-student": (40.0, ["maxout-bias-dropped"]),
    "grad-student": (60.0, ["maxout-grad-other-piece"]),
}


def nngrade(*args, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nngrade", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=tool_env(), timeout=300)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def results(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(out.glob("*/results.json"))}


def unmarked(source: str) -> str:
    return "".join(line for line in source.splitlines(keepends=True)
                   if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course, so nothing is written into the repository."""
    dest = tmp_path_factory.mktemp("course") / "course"
    shutil.copytree(COURSE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_new_set_scaffold_grades_to_full_marks_and_names_its_mistake(tmp_path):
    nngrade("init", "c", "--lang", "en", cwd=tmp_path)
    made = nngrade("new-set", "c", "12_leaky", "--title", "Leaky ReLU", cwd=tmp_path)
    folder = tmp_path / "c" / "solutions" / "12_leaky"
    assert str(Path("c") / "solutions" / "12_leaky") in made.stdout
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["set.toml", "leaky.py", "README.md", "test_public.py", "test_hidden.py", "mistakes.py",
         "locale"])
    reference = unmarked((folder / "leaky.py").read_text(encoding="utf-8"))
    (tmp_path / "subs" / "right").mkdir(parents=True)
    (tmp_path / "subs" / "right" / "leaky.py").write_text(reference, encoding="utf-8")
    (tmp_path / "subs" / "wrong").mkdir(parents=True)
    wrong = reference.replace("np.where(a > 0, a, alpha * a)", "np.where(a > 0, alpha * a, a)")
    assert wrong != reference
    (tmp_path / "subs" / "wrong" / "leaky.py").write_text(wrong, encoding="utf-8")
    nngrade("grade", "subs", "--course", "c", "--sets", "12_leaky", "--out", "out",
            "--no-progress", cwd=tmp_path)
    got = results(tmp_path / "out")
    assert got["right"]["score"] == 100.0 and got["right"]["extra_data"]["mistakes"] == []
    assert got["wrong"]["score"] == 0.0
    assert got["wrong"]["extra_data"]["mistakes"] == ["leaky-slope-swapped"]
    # a second set with a name already taken is refused in one line
    again = nngrade("new-set", "c", "12_leaky", cwd=tmp_path, check=False)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    clash = nngrade("new-set", "c", "13_backprop", cwd=tmp_path, check=False)
    assert clash.returncode == 2 and "04_backprop already uses that name" in clash.stderr


def test_the_eleventh_set_names_each_mistake_on_hand_written_students(course, tmp_path):
    nngrade("grade", course / "students", "--course", course, "--out", tmp_path / "out",
            "--no-progress", cwd=tmp_path)
    got = results(tmp_path / "out")
    assert set(got) == set(EXPECTED)
    for student, (score, mistakes) in EXPECTED.items():
        document = got[student]
        assert document["score"] == pytest.approx(score), student
        assert document["extra_data"]["mistakes"] == mistakes, student
        assert {t["extra_data"]["set"] for t in document["tests"]} == {"11_maxout"}
    page = (tmp_path / "out" / "min-student" / "feedback.html").read_text(encoding="utf-8")
    assert "the smaller piece instead of the larger" in page          # its hint, from hints.toml


def test_the_eleventh_set_is_released_bundled_and_exported_like_the_kits(course, tmp_path):
    nngrade("release", "--course", course, cwd=tmp_path)
    stub = (course / "assignments" / "11_maxout" / "maxout.py").read_text(encoding="utf-8")
    assert "raise NotImplementedError(" in stub and "np.maximum" not in stub
    assert not (course / "assignments" / "11_maxout" / "test_hidden.py").exists()
    assert not (course / "assignments" / "11_maxout" / "mistakes.py").exists()
    assert nngrade("release", "--course", course, "--check", cwd=tmp_path).returncode == 0

    nngrade("release", "--course", course, "--bundle", tmp_path / "student.zip", cwd=tmp_path)
    with zipfile.ZipFile(tmp_path / "student.zip") as zf:
        names = set(zf.namelist())
        assert "assignments/11_maxout/maxout.py" in names
        assert "nngrade/sets/11_maxout/set.toml" in names
        assert not [n for n in names if n.endswith(("test_hidden.py", "mistakes.py"))]
        assert "np.maximum" not in zf.read("assignments/11_maxout/maxout.py").decode()

    nngrade("export", "nbgrader", tmp_path / "nb", "--sets", "11_maxout", "--course", course,
            cwd=tmp_path)
    notebook = json.loads((tmp_path / "nb" / "source" / "11_maxout" / "11_maxout.ipynb").read_text())
    graded = [c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    assert sorted(c["metadata"]["nbgrader"]["points"] for c in graded) == [40, 60]
    assert (tmp_path / "nb" / "solutions" / "11_maxout" / "test_hidden.py").is_file()

    nngrade("export", "gradescope", tmp_path / "gs.zip", "--sets", "11_maxout", "--course", course,
            cwd=tmp_path)
    with zipfile.ZipFile(tmp_path / "gs.zip") as zf:
        names = set(zf.namelist())
    assert {"solutions/11_maxout/set.toml", "solutions/11_maxout/test_hidden.py",
            "solutions/11_maxout/maxout.py"} <= names


def test_a_points_entry_naming_no_test_stops_the_run_before_anyone_is_graded(tmp_path):
    broken = tmp_path / "course"
    shutil.copytree(COURSE, broken, ignore=shutil.ignore_patterns("__pycache__"))
    set_file = broken / "solutions" / "11_maxout" / "set.toml"
    set_file.write_text(set_file.read_text(encoding="utf-8").replace(
        '"maxout_grad/random" = 40', '"maxout_grad/randon" = 40'), encoding="utf-8")
    done = nngrade("grade", broken / "students", "--course", broken, "--out", tmp_path / "out",
                   "--no-progress", cwd=tmp_path, check=False)
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()
    assert "set.toml" in line and '"maxout_grad/randon" names no test' in line
    assert "maxout_grad/random" in line                      # the did-you-mean
    assert not list((tmp_path / "out").glob("*/results.json"))
