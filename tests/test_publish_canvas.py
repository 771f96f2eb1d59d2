"""`nngrade publish canvas`: a class graded from a Canvas download, posted to a Canvas stand-in
on loopback that answers as Canvas's REST API documentation says (tests/canvas_standin.py),
upload host on a second port included. Canvas itself cannot be reached from the tests.

Two sets (01 activations, 03 loss), four students on the roster: 1001 right everywhere, 1002
with a named mistake in each set, 1003 handing in set 01 only (late), 1004 nothing at all.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from canvas_standin import StandIn
from conftest import REPO, tool_env
from nngrade.autograder import catalogue

SOLUTIONS = REPO / "solutions"
TOKEN = "7~s3cretTOKENvalue0123456789abcdefABCDEF"
COURSE_ID = 4321
ASSIGNMENTS = {"01_activations": 501, "03_loss": 503}
USERS = {1001, 1002, 1003, 1004}
ROSTER = [("김민준", "1001", "2024001"), ("이서연", "1002", "2024002"),
          ("박지호", "1003", "2024003"), ("최하늘", "1004", "2024004")]


def mistaken(module: str) -> bytes:
    text = (SOLUTIONS / ("01_activations" if module == "activations" else "03_loss")
            / f"{module}.py").read_text(encoding="utf-8")
    wrong = {"activations": ("return 1.0 - y ** 2", "return 1.0 - y"),
             "loss": ("return float(0.5 * np.sum((t - y) ** 2))", "return float(np.sum((t - y) ** 2))")}
    old, new = wrong[module]
    assert text.count(old) == 1, f"the reference {module}.py changed"
    return text.replace(old, new).encode("utf-8")


def right(module: str) -> bytes:
    folder = "01_activations" if module == "activations" else "03_loss"
    return (SOLUTIONS / folder / f"{module}.py").read_bytes()


def nngrade(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nngrade", *args], cwd=cwd,
                          env=env or tool_env(), capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("publish")
    (base / "grading").mkdir()
    (base / "grading" / "nngrade.toml").write_text(
        'name = "nn101"\nsalt = "0123456789abcdef"\nlang = "en"\nsets = ["01_activations", "03_loss"]\n'
        '[late]\npolicy = "flag"\n', encoding="utf-8")
    with zipfile.ZipFile(base / "submissions.zip", "w") as zf:
        zf.writestr("kimminjun_1001_7001_activations.py", right("activations"))
        zf.writestr("kimminjun_1001_7001_loss.py", right("loss"))
        zf.writestr("leeseoyeon_1002_7002_activations.py", mistaken("activations"))
        zf.writestr("leeseoyeon_1002_7002_loss.py", mistaken("loss"))
        zf.writestr("parkjiho_late_1003_7003_activations.py", right("activations"))
    with open(base / "roster.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"])
        writer.writerow(["Points Possible", "", "", "", ""])
        for name, canvas_id, sis in ROSTER:
            writer.writerow([name, canvas_id, sis, sis, "A"])
    done = nngrade(base, "grade", "submissions.zip", "--format", "canvas", "--roster", "roster.csv",
                   "--course", "grading", "--out", "out", "--no-progress")
    assert done.returncode == 0, done.stderr
    return base


def course(where: Path, url: str, *, assignments: dict | None = None, token_file: str | None = None,
           extra: str = "") -> Path:
    folder = where / "course"
    folder.mkdir(exist_ok=True)
    table = "\n".join(f'"{k}" = {v}' for k, v in (assignments or ASSIGNMENTS).items())
    token = f'token_file = "{token_file}"\n' if token_file else ""
    (folder / "nngrade.toml").write_text(
        f'name = "nn101"\nsalt = "0123456789abcdef"\n{extra}[canvas]\nurl = "{url}"\n'
        f"course_id = {COURSE_ID}\n{token}\n[canvas.assignments]\n{table}\n", encoding="utf-8")
    return folder


def publish(graded: Path, course_dir: Path, *args: str, token: str | None = TOKEN):
    env = tool_env()
    env.pop("NNGRADE_CANVAS_TOKEN", None)
    if token is not None:
        env["NNGRADE_CANVAS_TOKEN"] = token
    return nngrade(graded, "publish", "canvas", "out", "--course", str(course_dir),
                   "--roster", "roster.csv", *args, env=env)


def results(graded: Path, student: str) -> dict:
    return json.loads((graded / "out" / student / "results.json").read_text(encoding="utf-8"))


def title(mistake: str) -> str:
    return catalogue.entries()[mistake]["title_en"]


def standin(mode: str = "redirect", points: dict | None = None) -> StandIn:
    maxima = points or {501: 100.0, 503: 100.0}
    return StandIn(TOKEN, COURSE_ID, maxima, USERS, mode=mode)


def assert_one_line_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


# ---------------------------------------------------------------- posting

def test_every_student_gets_a_score_a_comment_and_the_page_per_set(graded, tmp_path):
    with standin() as canvas:
        done = publish(graded, course(tmp_path, canvas.url))
        st = canvas.state
    assert done.returncode == 0, done.stdout + done.stderr
    assert TOKEN not in done.stdout + done.stderr
    for student in ("1001", "1002", "1003"):
        r = results(graded, student)
        for set_id, aid in ASSIGNMENTS.items():
            assert st.grades[(aid, int(student))] == pytest.approx(r["extra_data"]["sets"][set_id]["score"])
            [comment] = st.comments[(aid, int(student))]
            [file_id] = comment.file_ids
            page = (graded / "out" / student / "feedback.html").read_bytes()
            assert st.files[file_id]["data"] == page and st.files[file_id]["name"] == "feedback.html"
            assert st.files[file_id]["confirmed"]
            assert "feedback.html" in comment.text
    # 1002's mistakes are named under the set whose tests named them, by the catalogue's title
    lee_01 = st.comments[(501, 1002)][0].text
    lee_03 = st.comments[(503, 1002)][0].text
    assert title("tanh-grad-linear") in lee_01 and "(tanh-grad-linear)" in lee_01
    assert title("tanh-grad-linear") not in lee_03
    assert any(title(m) in lee_03 for m in results(graded, "1002")["extra_data"]["mistakes"]
               if m != "tanh-grad-linear")
    assert "01_activations Activation functions: 100 / 100" in st.comments[(501, 1001)][0].text
    assert "Late submission" in st.comments[(501, 1003)][0].text
    # the roster's student with no submission: 0 and a comment saying so, nothing attached
    assert st.grades[(501, 1004)] == 0 and st.grades[(503, 1004)] == 0
    assert [c.text for c in st.comments[(501, 1004)]] == ["No submission was graded."]
    assert st.comments[(501, 1004)][0].file_ids == []
    # the upload host never saw the token; every upload went through the three steps
    assert st.upload_headers and all("Authorization" not in h for h in st.upload_headers)
    assert not st.pending and len(st.files) == 6
    assert "posted 8, unchanged 0, failed 0, skipped 0" in done.stdout


def test_a_rerun_posts_nothing_twice(graded, tmp_path):
    with standin() as canvas:
        first = publish(graded, course(tmp_path, canvas.url))
        files = len(canvas.state.files)
        again = publish(graded, course(tmp_path, canvas.url))
        st = canvas.state
    assert first.returncode == 0 and again.returncode == 0, again.stdout + again.stderr
    assert "posted 0, unchanged 8" in again.stdout
    assert len(st.files) == files
    assert all(len(c) == 1 for c in st.comments.values())


def test_an_upload_host_answering_201_created(graded, tmp_path):
    with standin(mode="created") as canvas:
        done = publish(graded, course(tmp_path, canvas.url))
        st = canvas.state
    assert done.returncode == 0, done.stdout + done.stderr
    [comment] = st.comments[(503, 1001)]
    assert st.files[comment.file_ids[0]]["data"] == (graded / "out" / "1001" / "feedback.html").read_bytes()


def test_assignment_points_differ_so_percentages_are_posted(graded, tmp_path):
    with standin(points={501: 10.0, 503: 100.0}) as canvas:
        done = publish(graded, course(tmp_path, canvas.url))
        st = canvas.state
    assert done.returncode == 0, done.stdout + done.stderr
    lee = results(graded, "1002")["extra_data"]["sets"]["01_activations"]
    assert st.grades[(501, 1002)] == pytest.approx(10.0 * lee["score"] / lee["max_score"], abs=0.01)
    assert "01_activations: Canvas assignment 501 is out of 10 points, the set out of 100: " \
           "scores posted as percentages" in done.stdout


def test_a_student_canvas_does_not_know_fails_alone(graded, tmp_path):
    with StandIn(TOKEN, COURSE_ID, {501: 100.0, 503: 100.0}, USERS - {1003}) as canvas:
        done = publish(graded, course(tmp_path, canvas.url))
        st = canvas.state
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "failed 1003 (박지호), 01_activations: ResourceDoesNotExist" in done.stdout
    assert (501, 1001) in st.grades and (503, 1004) in st.grades


def test_only_the_sets_asked_for(graded, tmp_path):
    with standin() as canvas:
        done = publish(graded, course(tmp_path, canvas.url, assignments={"03": 503}), "--sets", "03")
        st = canvas.state
    assert done.returncode == 0, done.stdout + done.stderr
    assert {aid for aid, _ in st.grades} == {503}


# ---------------------------------------------------------------- dry run and the token

def test_dry_run_sends_nothing_and_masks_the_token(graded, tmp_path):
    with standin() as canvas:
        done = publish(graded, course(tmp_path, canvas.url), "--dry-run")
        st = canvas.state
    assert done.returncode == 0, done.stderr
    assert st.api_requests == [] and st.upload_headers == []
    assert TOKEN not in done.stdout + done.stderr
    assert f"Authorization: Bearer **** ({len(TOKEN)} characters, from NNGRADE_CANVAS_TOKEN)" in done.stdout
    assert f"PUT  {canvas.url}/api/v1/courses/{COURSE_ID}/assignments/501/submissions/1002" in done.stdout
    assert "dry run: 8 submissions would be posted, 0 students skipped" in done.stdout


def test_the_token_file_must_be_readable_by_its_owner_alone(graded, tmp_path):
    token_file = tmp_path / "course" / "canvas-token"
    token_file.parent.mkdir()
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    os.chmod(token_file, 0o644)
    with standin() as canvas:
        where = course(tmp_path, canvas.url, token_file="canvas-token")
        refused = publish(graded, where, token=None)
        os.chmod(token_file, 0o600)
        done = publish(graded, where, token=None)
        st = canvas.state
    assert_one_line_error(refused, f"{token_file}: the Canvas token file is readable by others "
                                   f"(mode 0644); run chmod 600 {token_file}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert TOKEN not in done.stdout + done.stderr and len(st.grades) == 8


def test_no_token_at_all(graded, tmp_path):
    done = publish(graded, course(tmp_path, "https://canvas.example.edu"), "--dry-run", token=None)
    assert_one_line_error(done, "no Canvas token: set NNGRADE_CANVAS_TOKEN, or name a file")


def test_a_wrong_token_stops_the_run_in_one_line(graded, tmp_path):
    with standin() as canvas:
        done = publish(graded, course(tmp_path, canvas.url), token="wrong")
        st = canvas.state
    assert_one_line_error(done, "the token was refused")
    assert st.grades == {}


# ---------------------------------------------------------------- the course file

def test_an_unknown_set_in_the_assignment_table(graded, tmp_path):
    where = course(tmp_path, "https://canvas.example.edu", assignments={"01_activatoins": 501})
    done = publish(graded, where, "--dry-run")
    assert_one_line_error(done, f"{where / 'nngrade.toml'}: [canvas.assignments] unknown exercise set "
                                "'01_activatoins' (did you mean '01_activations'?)")


def test_a_set_without_an_assignment(graded, tmp_path):
    where = course(tmp_path, "https://canvas.example.edu", assignments={"01": 501})
    done = publish(graded, where, "--dry-run")
    assert_one_line_error(done, f"{where / 'nngrade.toml'}: [canvas.assignments] has no Canvas "
                                "assignment for set 03_loss")


@pytest.mark.parametrize("value, complaint", [
    ('"http://canvas.example.edu"', "must start with https://"),
    ('"https://canvas.example.edu/api/v1"', "must be the site's address without /api/v1"),
    ('"canvas.example.edu"', "must be the Canvas site's address"),
])
def test_the_site_address_is_checked(graded, tmp_path, value, complaint):
    where = course(tmp_path, "X")
    path = where / "nngrade.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"X"', value), encoding="utf-8")
    done = publish(graded, where, "--dry-run")
    assert_one_line_error(done, f"{path}: [canvas] url {complaint}")


def test_an_assignment_id_must_be_a_number(graded, tmp_path):
    where = course(tmp_path, "https://canvas.example.edu")
    path = where / "nngrade.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("= 503", '= "503"'), encoding="utf-8")
    done = publish(graded, where, "--dry-run")
    assert_one_line_error(done, f"{path}: [canvas] assignments maps a set to a Canvas assignment id")


# ---------------------------------------------------------------- the class files of the run

def test_the_class_files_list_the_roster_student_with_no_submission(graded):
    from nngrade import lms
    book = lms.read_canvas_csv(graded / "out" / "grades.csv")
    choi = book.row_for("ID", "1004")
    assert (choi["Student"], choi["nngrade late"], choi["nngrade total"]) == ("최하늘", "missing", "0")
    assert book.row_for("ID", "1003")["nngrade late"] == "late"
    moodle = lms.read_moodle_csv(graded / "out" / "moodle.csv")
    assert next(r for r in moodle.rows if r["Full name"] == "최하늘")["Feedback"] == "no submission"
    summary = (graded / "out" / "summary.html").read_text(encoding="utf-8")
    assert "최하늘" in summary and "no submission" in summary


def test_pages_use_the_roster_names(graded):
    page = (graded / "out" / "1002" / "feedback.html").read_text(encoding="utf-8")
    assert "이서연" in page and "leeseoyeon" not in page
    assert results(graded, "1002")["extra_data"]["display_name"] == "이서연"


def test_a_changed_roster_name_rewrites_the_page_without_regrading(graded, tmp_path):
    import shutil
    work = tmp_path / "again"
    shutil.copytree(graded, work)
    roster = (work / "roster.csv").read_text(encoding="utf-8").replace("이서연", "이서연 (Lee)")
    (work / "roster.csv").write_text(roster, encoding="utf-8")
    key = results(work, "1002")["extra_data"]["grading_key"]
    done = nngrade(work, "grade", "submissions.zip", "--format", "canvas", "--roster", "roster.csv",
                   "--course", "grading", "--out", "out", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("graded 0, unchanged 3")
    assert "이서연 (Lee)" in (work / "out" / "1002" / "feedback.html").read_text(encoding="utf-8")
    assert results(work, "1002")["extra_data"]["grading_key"] == key
