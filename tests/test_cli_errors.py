"""Every error a user can cause is one line on stderr naming the file (and key) and what is wrong,
exit code 2, no traceback, and nothing graded."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, tool_env

SOLUTIONS = REPO / "solutions"


def nngrade(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nngrade", *args], cwd=cwd, env=tool_env(),
                          capture_output=True, text=True, timeout=120)


def assert_error(done: subprocess.CompletedProcess, line: str) -> None:
    """Exit 2 and exactly this one line on stderr."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines() == [line], done.stderr
    assert "\x1b" not in done.stderr


@pytest.fixture
def work(tmp_path) -> Path:
    """A course (`c`, only set 01) and a class of two students (alice, bob) in `subs`."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "nngrade.toml").write_text(
        'name = "c"\nsalt = "0123456789abcdef"\nsets = ["01_activations"]\n', encoding="utf-8")
    for student in ("alice", "bob"):
        (tmp_path / "subs" / student).mkdir(parents=True)
        (tmp_path / "subs" / student / "activations.py").write_bytes(
            (SOLUTIONS / "01_activations" / "activations.py").read_bytes())
    return tmp_path


def grade(work: Path, *args: str, subs: str = "subs", out: str = "out"):
    return nngrade(work, "grade", subs, "--out", out, "--course", "c", "--no-progress", *args)


def nothing_graded(work: Path, out: str = "out") -> bool:
    return not list((work / out).glob("*/results.json"))


# ---- SUBMISSIONS ------------------------------------------------------------------------------


def test_missing_submissions(work):
    assert_error(grade(work, subs="nosuch"), "nngrade grade: nosuch: no such file or folder")
    assert not (work / "out").exists()


@pytest.mark.parametrize("fmt", ["canvas", "moodle"])
def test_corrupt_download_zip(work, fmt):
    (work / "download.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    assert_error(grade(work, "--format", fmt, subs="download.zip"),
                 f"nngrade grade: download.zip: cannot be read as a {fmt} download zip: not a "
                 "readable zip file (BadZipFile: File is not a zip file)")


def test_not_a_zip_at_all(work):
    (work / "grades.txt").write_text("hello\n")
    assert_error(grade(work, "--format", "canvas", subs="grades.txt"),
                 "nngrade grade: grades.txt: cannot be read as a canvas download zip: not a "
                 "readable zip file (BadZipFile: File is not a zip file)")


def test_zip_given_as_folders(work):
    (work / "download.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    assert_error(grade(work, subs="download.zip"),
                 "nngrade grade: download.zip: not a folder; the folders format expects a folder "
                 "(for a Canvas or Moodle download zip, pass --format canvas or --format moodle)")


# ---- --only, --sets, OUT ----------------------------------------------------------------------


def test_unknown_only_with_a_near_miss(work):
    assert_error(grade(work, "--only", "alcie"),
                 "nngrade grade: subs: --only: no student 'alcie' in this folders layout "
                 "(did you mean 'alice'?); its students: alice, bob")


def test_unknown_only_lists_a_few_ids(work):
    for i in range(8):
        (work / "subs" / f"s{i}").mkdir()
    assert_error(grade(work, "--only", "zzz"),
                 "nngrade grade: subs: --only: no student 'zzz' in this folders layout; its "
                 "students: alice, bob, s0, s1, s2, ... (10 in all)")


def test_only_escapes_terminal_sequences(work):
    done = grade(work, "--only", "\x1b[2Jmallory")
    assert_error(done, "nngrade grade: subs: --only: no student '\\x1b[2Jmallory' in this "
                       "folders layout; its students: alice, bob")


def test_unknown_set(work):
    assert_error(grade(work, "--sets", "backprp"),
                 "nngrade grade: --sets: unknown exercise set 'backprp' (did you mean 'backprop'?); "
                 "known sets: 01_activations, 02_forward, 03_loss, 04_backprop, 05_gradient_descent, "
                 "06_numerical_gradient, 07_xor, 08_mnist, 09_perceptron, 10_compgraph")


def test_unknown_set_in_export(work):
    done = nngrade(work, "export", "gradescope", "ag.zip", "--sets", "99")
    assert_error(done, "nngrade export: --sets: unknown exercise set '99'; known sets: "
                       "01_activations, 02_forward, 03_loss, 04_backprop, 05_gradient_descent, "
                       "06_numerical_gradient, 07_xor, 08_mnist, 09_perceptron, 10_compgraph")


def test_out_is_an_existing_file(work):
    (work / "out.txt").write_text("notes\n")
    assert_error(grade(work, out="out.txt"),
                 "nngrade grade: out.txt: exists and is not a folder; --out names the folder the "
                 "results are written to")


# ---- the course file --------------------------------------------------------------------------


@pytest.mark.parametrize("body, message", [
    ('lnag = "en"', "unknown key 'lnag' (did you mean 'lang'?)"),
    ('[late]\npolcy = "flag"', "unknown key 'polcy' in [late] (did you mean 'policy'?)"),
    ('[mnist]\nbudget_cpu = 60', "unknown key 'budget_cpu' in [mnist] (did you mean 'budget_cpu_seconds'?)"),
    ('[lat]\npolicy = "flag"', "unknown table 'lat' (did you mean 'late'?)"),
    ('[late]\npolicy = "strict"', '[late] policy must be one of "none", "flag", "penalty", not \'strict\''),
    ('[mnist]\nbudget_cpu_seconds = -5', "[mnist] budget_cpu_seconds must be positive, not -5"),
    ('lang = "de"', 'lang must be one of "ko", "en", not \'de\''),
    ('sets = ["01", "backprp"]', "sets: unknown exercise set 'backprp' (did you mean 'backprop'?); "
     "known sets: 01_activations, 02_forward, 03_loss, 04_backprop, 05_gradient_descent, "
     "06_numerical_gradient, 07_xor, 08_mnist, 09_perceptron, 10_compgraph"),
    ('name = "x"\nname2 = "\\u001b]0;owned\\u0007"', "unknown key 'name2' (did you mean 'name'?)"),
])
def test_course_file_problem(work, body, message):
    (work / "c" / "nngrade.toml").write_text(f'salt = "0123456789abcdef"\n{body}\n',
                                             encoding="utf-8")
    assert_error(grade(work), f"nngrade grade: c/nngrade.toml: {message}")
    assert not (work / "out").exists()


def test_course_file_that_is_not_toml(work):
    (work / "c" / "nngrade.toml").write_text('salt = "x\n', encoding="utf-8")
    done = grade(work)
    assert_error(done, done.stderr.strip())
    assert done.stderr.startswith("nngrade grade: c/nngrade.toml: not valid TOML: ")


def test_missing_course_file(work):
    done = nngrade(work, "grade", "subs", "--out", "out", "--course", "nowhere")
    assert_error(done, "nngrade grade: nowhere: no such course file (create one with "
                       "`nngrade init COURSE`)")


# ---- the roster: checked before anyone is graded ----------------------------------------------


def test_missing_roster(work):
    assert_error(grade(work, "--roster", "roster.csv"),
                 "nngrade grade: roster.csv: cannot be read (No such file or directory)")
    assert not (work / "out").exists()


def test_roster_without_an_id_column(work):
    (work / "roster.csv").write_text("Student,Section\nAlice,A\n", encoding="utf-8")
    assert_error(grade(work, "--roster", "roster.csv"),
                 "nngrade grade: roster.csv, line 1: missing column ID (or SIS User ID, SIS Login "
                 "ID); the header has 'Student', 'Section' (a Canvas gradebook export starts "
                 "Student, ID, SIS User ID, SIS Login ID, Section)")
    assert not (work / "out").exists()


def test_roster_with_a_duplicate_id(work):
    (work / "roster.csv").write_text("Student,ID\nAlice,alice\nBob,alice\n", encoding="utf-8")
    assert_error(grade(work, "--roster", "roster.csv"),
                 "nngrade grade: roster.csv, line 3, column 'ID': 'alice' already on line 2")
    assert not (work / "out").exists()


# ---- overrides.toml ---------------------------------------------------------------------------


def write_overrides(work: Path, text: str) -> None:
    (work / "out").mkdir(exist_ok=True)
    (work / "out" / "overrides.toml").write_text(text, encoding="utf-8")


def test_override_of_a_test_that_does_not_exist(work):
    write_overrides(work, '[alice]\n"01_activations/sigmoid/randm" = 3\n')
    assert_error(grade(work),
                 "nngrade grade: out/overrides.toml: [alice] '01_activations/sigmoid/randm' is no "
                 "test of the graded sets (did you mean '01_activations/sigmoid/random'?)")
    assert nothing_graded(work)


def test_override_of_another_sets_test(work):
    write_overrides(work, '[alice]\n"04_backprop/gradients/random" = 10\n')
    done = grade(work)
    assert_error(done, done.stderr.strip())
    assert done.stderr.startswith("nngrade grade: out/overrides.toml: [alice] "
                                  "'04_backprop/gradients/random' is no test of the graded sets")
    assert nothing_graded(work)


def test_override_for_a_student_not_in_the_class(work):
    write_overrides(work, '[alicia]\n"01_activations/sigmoid/random" = 3\n')
    assert_error(grade(work),
                 "nngrade grade: out/overrides.toml: [alicia] is not a student of this class "
                 "(did you mean 'alice'?); students: alice, bob")
    assert nothing_graded(work)


def test_override_that_is_not_a_number(work):
    write_overrides(work, '[alice]\n"01_activations/sigmoid/random" = "full"\n')
    assert_error(grade(work),
                 "nngrade grade: out/overrides.toml: [alice] '01_activations/sigmoid/random' must "
                 "be a number of points, not 'full'")


def test_override_is_checked_with_only(work):
    """--only grades one student; the overrides still name students of the whole class."""
    write_overrides(work, '[bob]\n"01_activations/sigmoid/random" = 3\n'
                          '[bobby]\n"01_activations/sigmoid/random" = 3\n')
    assert_error(grade(work, "--only", "alice"),
                 "nngrade grade: out/overrides.toml: [bobby] is not a student of this class "
                 "(did you mean 'bob'?); students: alice, bob")
