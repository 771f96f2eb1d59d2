"""Every command in README.md and docs/*.md runs as written.

Each fenced ``sh`` block of a document is run command by command with bash, in one workspace per
document (what one block creates, the next may use, as for a reader following along); every
block starts in the workspace's top folder, and a ``cd`` holds until the block ends. Before a
command runs, the workspace gets what it names and no earlier command made: a course
(``nngrade init mycourse``), a class of submissions in the layout it asks for, a roster, the
student's files. A command that cannot run here carries a trailing comment
``# not run by the tests: <why>``; these are listed in the test's output. Every other command
must exit 0.
"""
from __future__ import annotations

import csv
import io
import re
import shlex
import shutil
import subprocess
import textwrap
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import REPO, tool_env

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SOLUTIONS = REPO / "solutions"
FENCE = re.compile(r"^(?P<indent>[ \t]*)```sh[ \t]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
NOT_RUN = re.compile(r"#\s*not run by the tests:\s*(?P<why>\S.*)$")
TIMEOUT = 300

# The tiny class every grading command gets: one student per layout, two modules.
MODULES = ("loss", "backprop", "activations")
STUDENT = "kim"
CANVAS_ID, MOODLE_ID = "1001", "2001"


def blocks(doc: Path) -> list[list[str]]:
    """The commands of each ``sh`` block: comment-only and blank lines dropped, continuations
    joined."""
    found = []
    for m in FENCE.finditer(doc.read_text(encoding="utf-8")):
        indent = len(m.group("indent"))
        commands, pending = [], ""
        for line in m.group("body").splitlines():
            line = line[indent:] if line[:indent].strip() == "" else line
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            commands.append(pending + line)
            pending = ""
        found.append(commands)
    return found


def reason_not_run(command: str) -> str | None:
    m = NOT_RUN.search(command)
    return m.group("why").strip() if m else None


def test_every_doc_has_commands():
    assert all(blocks(doc) for doc in DOCS if doc.name in ("README.md", "LMS.md"))


# ---- what a command needs in the workspace ----------------------------------------------------


def module_source(module: str) -> bytes:
    return next(SOLUTIONS.glob(f"*/{module}.py")).read_bytes()


def ensure_course(top: Path, name: str) -> None:
    if not (top / name / "nngrade.toml").exists():
        subprocess.run(["nngrade", "init", name], cwd=top, env=tool_env(), check=True,
                       capture_output=True)


def canvas_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for module in MODULES:
            zf.writestr(f"{STUDENT}_{CANVAS_ID}_5001_{module}.py", module_source(module))


def moodle_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for module in MODULES:
            zf.writestr(f"Kim Min_{MOODLE_ID}_assignsubmission_file_/{module}.py",
                        module_source(module))


def roster(path: Path) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"])
    writer.writerow(["Points Possible", "", "", "", ""])
    writer.writerow(["Kim Min", CANVAS_ID, "2024001", STUDENT, "A"])
    writer.writerow(["Kim Min (Moodle)", MOODLE_ID, "2024002", "kim2", "A"])
    path.write_text(out.getvalue(), encoding="utf-8")


def moodle_worksheet(path: Path) -> None:
    """Moodle's offline grading worksheet for the Moodle student, as gradingtable.php lays it out."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum grade",
                     "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                     "Feedback comments"])
    writer.writerow([f"Participant {MOODLE_ID}", "Kim Min", "kim@example.edu", "Submitted for grading",
                     "", "100.00", "Yes", "Monday, 2 December 2024, 10:00 AM", "-", ""])
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))


def doc_toml(table: str) -> str:
    """The documents' example of a course-file table ("[canvas]"), as a reader copies it (an
    example inside a list item is indented: without that indent)."""
    for doc in DOCS:
        for example in re.findall(r"```toml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S):
            example = textwrap.dedent(example)
            if re.search(rf"^\[{re.escape(table)}\]", example, re.M):
                return example
    raise AssertionError(f"no document shows a [{table}] table")


def canvas_course(course: Path) -> None:
    """The [canvas] table of docs/LMS.md in the course file, and a token file readable by the
    instructor alone (what the reader sets up before publishing)."""
    config = course / "nngrade.toml"
    if "[canvas]" not in config.read_text(encoding="utf-8"):
        with open(config, "a", encoding="utf-8") as f:
            f.write("\n" + doc_toml("canvas"))
    token = course / "canvas-token"
    if not token.exists():
        token.write_text("7~documented-commands-token\n", encoding="utf-8")
        token.chmod(0o600)


def cluster_course(course: Path) -> None:
    """docs/CLUSTER.md's [cluster] table in the course file; its TLS files are made by the
    document's own openssl commands, as the reader makes them."""
    config = course / "nngrade.toml"
    if "[cluster]" not in config.read_text(encoding="utf-8"):
        with open(config, "a", encoding="utf-8") as f:
            f.write("\n" + doc_toml("cluster"))


def nbgrader_submissions(submitted: Path) -> None:
    """submitted/<student>/<set>/<set>.ipynb: the course's own notebooks handed in as they are."""
    course = submitted.parent
    for notebook in sorted((course / "source").glob("*/*.ipynb")):
        dest = submitted / STUDENT / notebook.parent.name / notebook.name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(notebook, dest)


def prepare(command: str, cwd: Path, top: Path) -> None:
    """Give the workspace what ``command`` uses and no earlier command made."""
    words = shlex.split(command, comments=True)
    options = {w: words[i + 1] for i, w in enumerate(words[:-1]) if w.startswith("--")}
    if "--course" in options and not (cwd / options["--course"]).exists():
        ensure_course(cwd, options["--course"])
    if "--roster" in options and not (cwd / options["--roster"]).exists():
        roster(cwd / options["--roster"])
    if "--worksheet" in options and not (cwd / options["--worksheet"]).exists():
        moodle_worksheet(cwd / options["--worksheet"])
    if words[:3] == ["nngrade", "publish", "canvas"]:
        canvas_course(cwd / options["--course"])
    if words[:3] == ["nngrade", "cluster", "slurm"]:
        cluster_course(cwd / options["--course"])
    for word in words:
        # a command on the token file (chmod) meets it as a pasted one is: not yet private
        if word.endswith("canvas-token") and not (cwd / word).exists() and (cwd / word).parent.is_dir():
            (cwd / word).write_text("7~documented-commands-token\n", encoding="utf-8")
            (cwd / word).chmod(0o644)
    if words[:2] == ["nngrade", "grade"]:
        submissions = cwd / words[2]
        fmt = options.get("--format", "folders")
        if fmt == "canvas":
            canvas_zip(submissions)               # Canvas and Moodle share the name: rewritten
        elif fmt == "moodle":
            moodle_zip(submissions)
        elif fmt == "nbgrader":
            nbgrader_submissions(submissions)
        elif not submissions.exists():
            for module in MODULES:
                (submissions / STUDENT).mkdir(parents=True, exist_ok=True)
                (submissions / STUDENT / f"{module}.py").write_bytes(module_source(module))
    if words[:2] == ["nngrade", "check"]:
        folder = cwd / options.get("--path", ".")
        for module in MODULES:
            if not (folder / f"{module}.py").exists():
                (folder / f"{module}.py").write_bytes(module_source(module))


# ---- running ----------------------------------------------------------------------------------


def run(command: str, cwd: Path, marker: Path) -> subprocess.CompletedProcess:
    script = f"{command}\nstatus=$?\npwd > {shlex.quote(str(marker))}\nexit $status\n"
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=tool_env(), capture_output=True,
                          text=True, timeout=TIMEOUT)


@pytest.mark.slow          # about a minute: nbgrader, the student bundle, a few class runs
@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_documented_commands_run_as_written(doc, tmp_path):
    top = tmp_path / "work"
    top.mkdir()
    marker = tmp_path / "cwd"
    failures, not_run, ran = [], [], 0
    for number, commands in enumerate(blocks(doc)):
        cwd = top
        for command in commands:
            # README's first block is the two set-up commands: .ci/run runs them as written
            # (tests/test_engine.py checks that), and they install the kit and run these tests
            why = reason_not_run(command) or ("the set-up commands, run by .ci/run"
                                              if doc.name == "README.md" and number == 0 else None)
            if why is not None:
                not_run.append(f"{command.split('#')[0].strip()}  ({why})")
                continue
            prepare(command, cwd, top)
            done = run(command, cwd, marker)
            ran += 1
            if done.returncode != 0:
                failures.append(f"{command}\n  exit {done.returncode}\n  "
                                + (done.stderr or done.stdout)[-1500:].replace("\n", "\n  "))
            cwd = Path(marker.read_text().strip()) if marker.exists() else cwd
    print(f"{doc.name}: {ran} commands run; not run by the tests:\n  " + "\n  ".join(not_run))
    assert not failures, "\n\n".join(failures)


def test_marked_commands_say_why():
    for doc in DOCS:
        for commands in blocks(doc):
            for command in commands:
                if "not run" in command:
                    assert reason_not_run(command), f"{doc.name}: {command}"


@pytest.mark.parametrize("table", ["canvas", "moodle", "serve"])
def test_course_file_examples_load(tmp_path, table):
    """docs/LMS.md's [canvas] and [moodle] examples and docs/SERVE.md's [serve] example, added to
    a course file, load as shown."""
    from nngrade.config import init_course, load_course
    path = init_course(tmp_path / "c")
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n" + doc_toml(table))
    course = load_course(path)
    if table == "canvas":
        assert course.canvas_url == "https://canvas.example.edu" and course.canvas_course_id == 1234
        assert course.canvas_assignments == {"03_loss": 5677, "04_backprop": 5678}
        assert course.canvas_token_file == "canvas-token"
    elif table == "serve":
        assert course.serve_base_url == "https://grader.example.edu"
        assert course.serve_counts == "best" and course.serve_timezone == "Asia/Seoul"
        assert course.serve_due == {"01_activations": "2026-12-10T23:59:00",
                                    "04_backprop": "2026-12-17T23:59:00+09:00"}
    else:
        assert course.moodle_feedback_zip_mib == 20


def test_lti_examples_load(tmp_path):
    """docs/LTI.md's [lti] tables (Moodle's, hosted Canvas's), each added to a course file, load
    as shown, and the tool built from each lets the platform's pages frame it."""
    from nngrade.config import init_course, load_course
    from nngrade.serve.lti import Tool
    text = (REPO / "docs" / "LTI.md").read_text(encoding="utf-8")
    examples = [e for e in re.findall(r"```toml\n(.*?)```", text, re.S) if "[lti]" in e]
    assert len(examples) == 2
    courses = []
    for n, example in enumerate(examples):
        path = init_course(tmp_path / f"c{n}")
        with open(path, "a", encoding="utf-8") as f:
            f.write("\n" + textwrap.dedent(example))
        courses.append(load_course(path))
    moodle, canvas = courses
    assert moodle.lti_issuer == "https://moodle.example.edu" and moodle.lti_deployment_ids == ("3",)
    assert moodle.lti_student_claim == "lis.person_sourcedid"
    assert canvas.lti_issuer == "https://canvas.instructure.com" and canvas.lti_student_claim == "sub"
    origins = Tool.platform_origins(SimpleNamespace(course=canvas))   # needs only the course
    assert "https://school.instructure.com" in origins and "https://sso.canvaslms.com" in origins


def test_overrides_example_names_real_tests():
    """README's overrides.toml example: every test it names exists."""
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    from nngrade.autograder.sets import all_sets
    from nngrade.preflight import graded_test_names

    text = (REPO / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert examples
    tests = graded_test_names(all_sets())
    for example in examples:
        for student, entries in tomllib.loads(example).items():
            assert set(entries) <= tests, entries
