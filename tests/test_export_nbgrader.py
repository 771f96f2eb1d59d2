"""`nngrade export nbgrader`: the course directory, its notebooks, and a round trip through the
real nbgrader (generate_assignment, autograde, generate_feedback, scores from its gradebook).

The nbgrader round trip uses one set (04_backprop) and four students, so it runs in well under a
minute; the notebook-level checks without nbgrader run in a second.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

from conftest import tool_env
from nngrade.export import notebook_checks
from nngrade.export.nbgrader import ExportError, export_nbgrader, render_config
from nngrade.autograder import catalogue
from nngrade.paths import SOLUTIONS_DIR
from nngrade.autograder.sets import find_set, parse_sets, read_set

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"

SET = "04_backprop"
BACKPROP = SOLUTIONS_DIR / SET / "backprop.py"
MARKER_LINE = re.compile(r"(?m)^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n")
CORRECT_DELTA = "return -(t - y2) * (1.0 - y2) * y2"


def points_toml(set_id: str) -> dict[str, float]:
    """Points per function: set.toml's [points], summed per function."""
    return find_set(set_id).function_points()


def filled_solution() -> str:
    """The reference module without its markers: what a student who solved everything hands in."""
    return MARKER_LINE.sub("", BACKPROP.read_text(encoding="utf-8"))


def delta_sign_solution() -> str:
    source = filled_solution()
    assert source.count(CORRECT_DELTA) == 1, "the reference's output_delta line changed"
    return source.replace(CORRECT_DELTA, "return (t - y2) * (1.0 - y2) * y2")


def hard_coded_solution() -> str:
    """output_delta returns seed 000's printed value whatever its inputs (the other functions use
    a correct copy): the public examples pass, the per-student hidden tests must not."""
    source = filled_solution().replace("output_delta(", "exact_delta(")
    return source + "\n\ndef output_delta(t, y2):\n    return np.array([-0.12343292])\n"


def hint_title(mistake_id: str, lang: str) -> str:
    return catalogue.entries()[mistake_id][f"title_{lang}"]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


# ---- the export, without nbgrader ---------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    return export_nbgrader(tmp_path_factory.mktemp("nbg") / "nncourse", parse_sets(["03", "04"]))


def test_course_directory_layout(exported):
    assert (exported / "nbgrader_config.py").is_file()
    assert (exported / "nngrade.toml").is_file()
    for set_id in ("03_loss", "04_backprop"):
        assert (exported / "source" / set_id / f"{set_id}.ipynb").is_file()


def test_config_sets_course_id_and_a_cell_timeout_above_nbgraders_default(exported, tmp_path):
    pytest.importorskip("nbgrader", reason="the nbgrader extra (pip install -e '.[nbgrader]')")
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(exported)).load_config()
    assert config.CourseDirectory.course_id == "nncourse"
    assert Execute(config=config).timeout > 30
    # set 08 trains networks on MNIST: its course gets a much longer cell timeout
    (tmp_path / "nbgrader_config.py").write_text(render_config("c", (find_set("08_mnist"),)))
    mnist = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    assert Execute(config=mnist).timeout >= 300


def test_notebook_cells_follow_nbgraders_schema(exported):
    nb = nbformat.read(exported / "source" / SET / f"{SET}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    metas = [c.metadata["nbgrader"] for c in nb.cells]
    assert all(m["schema_version"] == 3 for m in metas)
    ids = [m["grade_id"] for m in metas]
    assert len(ids) == len(set(ids)), "grade_id must be unique in a notebook"
    # first cell: says the tests run in the student's kernel and names the sandboxed alternative
    notice = nb.cells[0]
    assert notice.cell_type == "markdown" and metas[0]["locked"]
    assert "nngrade grade --format nbgrader COURSE/submitted" in notice.source
    assert "kernel" in notice.source and "커널" in notice.source
    # the README in both languages
    readme = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## 한국어" in readme and "## English" in readme
    solutions = [c for c in code_cells(nb) if c.metadata.nbgrader["solution"]]
    assert len(solutions) == 1
    assert not solutions[0].metadata.nbgrader["grade"]
    assert solutions[0].source == BACKPROP.read_text(encoding="utf-8").rstrip("\n")


def test_test_cells_carry_points_from_points_toml_and_hidden_blocks(exported):
    for set_id in ("03_loss", "04_backprop"):
        nb = nbformat.read(exported / "source" / set_id / f"{set_id}.ipynb", as_version=4)
        tests = [c for c in code_cells(nb) if c.metadata.nbgrader["grade"]]
        assert all(c.metadata.nbgrader["locked"] and not c.metadata.nbgrader["solution"]
                   for c in tests)
        points = {}
        for c in tests:
            function = re.search(r'hidden_checks\("[^"]+", "([^"]+)"', c.source).group(1)
            points[function] = c.metadata.nbgrader["points"]
            hidden = c.source.split("### BEGIN HIDDEN TESTS", 1)[1]
            assert "### END HIDDEN TESTS" in hidden and "hidden_checks" in hidden
            assert "hidden_checks" not in c.source.split("### BEGIN HIDDEN TESTS", 1)[0]
        assert points == points_toml(set_id)


def test_a_set_without_its_parts_is_refused_naming_the_file(tmp_path):
    fake = tmp_path / "solutions" / SET
    fake.mkdir(parents=True)
    for name in ("backprop.py", "set.toml"):
        (fake / name).write_bytes((SOLUTIONS_DIR / SET / name).read_bytes())
    with pytest.raises(ExportError, match=r"04_backprop[/\\]README\.md: missing"):
        export_nbgrader(tmp_path / "course", (read_set(fake),))
    assert not (tmp_path / "course").exists()


def test_a_solution_block_outside_a_function_is_refused(tmp_path):
    fake = tmp_path / "solutions" / SET
    fake.mkdir(parents=True)
    for name in ("README.md", "set.toml", "test_public.py", "test_hidden.py"):
        (fake / name).write_bytes((SOLUTIONS_DIR / SET / name).read_bytes())
    source = BACKPROP.read_text(encoding="utf-8").replace(
        "import numpy as np\n", "import numpy as np\n### BEGIN SOLUTION\n_EPS = 1e-12\n### END SOLUTION\n", 1)
    (fake / "backprop.py").write_text(source, encoding="utf-8")
    with pytest.raises(ExportError, match=r"backprop\.py:\d+: a solution block outside a function"):
        export_nbgrader(tmp_path / "course", (read_set(fake),))


# ---- the checks a test cell runs, in this process ----------------------------------------------


def namespace_of(source: str) -> dict:
    namespace: dict = {"__name__": "__main__"}
    exec(compile(source, "<notebook>", "exec"), namespace)  # the kit's own reference, edited
    return namespace


def test_hidden_checks_pass_on_the_reference_and_name_the_mistake(exported, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    cwd = exported / "autograded" / "kim" / SET
    cwd.mkdir(parents=True)
    good = notebook_checks.run_checks(SET, "output_delta", namespace_of(filled_solution()),
                                      hidden=True, cwd=cwd)
    assert good and all(o.passed for o in good)
    assert {o.name for o in good} == {t.name for t in notebook_checks.suite_tests(SET, public=False)
                                      if t.function == "output_delta"}
    with pytest.raises(AssertionError) as failure:
        notebook_checks.run_checks(SET, "output_delta", namespace_of(delta_sign_solution()),
                                   hidden=True, cwd=cwd)
    message = str(failure.value)
    lang = tomllib.loads((exported / "nngrade.toml").read_text(encoding="utf-8"))["lang"]
    assert "[delta-sign]" in message and hint_title("delta-sign", lang) in message
    assert "kim" in message           # the student nbgrader grades: autograded/<student>/<set>


def test_a_hidden_test_cell_that_would_run_nothing_fails(exported):
    with pytest.raises(LookupError, match="no_such_function"):
        notebook_checks.run_checks(SET, "no_such_function", namespace_of(filled_solution()),
                                   hidden=True, cwd=exported / "source" / SET)


def test_student_id_comes_from_nbgraders_autograded_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert notebook_checks.student_id(tmp_path / "autograded" / "s2024001" / SET, SET) == "s2024001"
    # directory_structure = "{nbgrader_step}/{assignment_id}/{student_id}"
    assert notebook_checks.student_id(tmp_path / "autograded" / SET / "s2024002", SET) == "s2024002"
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("NNGRADE_STUDENT_ID", raising=False)
    assert notebook_checks.student_id(tmp_path / "source" / SET) == "student"


def test_hidden_checks_without_a_course_file_say_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="nngrade.toml"):
        notebook_checks.run_checks(SET, "output_delta", namespace_of(filled_solution()),
                                   hidden=True, cwd=tmp_path)


# ---- the real nbgrader ---------------------------------------------------------------------------


def nbgrader(course: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = tool_env()
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def submit(course: Path, student: str, solution: str | None) -> None:
    """Copy the released notebook to submitted/<student>/, with the solution cell replaced."""
    nb = nbformat.read(course / "release" / SET / f"{SET}.ipynb", as_version=4)
    if solution is not None:
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = solution
    folder = course / "submitted" / student / SET
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{SET}.ipynb")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    pytest.importorskip("nbgrader", reason="the nbgrader extra (pip install -e '.[nbgrader]')")
    course = export_nbgrader(tmp_path_factory.mktemp("nbg-real") / "nncourse", (find_set(SET),))
    nbgrader(course, "generate_assignment", SET)
    submit(course, "alice", filled_solution())       # everything solved
    submit(course, "bob", None)                      # the released notebook as it is
    submit(course, "carol", delta_sign_solution())   # a catalogue mistake
    submit(course, "dave", hard_coded_solution())    # seed 000's value typed in
    nbgrader(course, "autograde", SET)
    nbgrader(course, "generate_feedback", SET, "--student", "carol")
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="nncourse") as gb:
        for student in ("alice", "bob", "carol", "dave"):
            nb = gb.find_submission_notebook(SET, SET, student)
            scores[student] = {g.name: g.auto_score for g in nb.grades}
            scores[student]["total"] = nb.score
    return course, scores


def test_generate_assignment_removes_every_solution(graded):
    course, _ = graded
    released = nbformat.read(course / "release" / SET / f"{SET}.ipynb", as_version=4)
    text = "\n".join(c.source for c in released.cells)
    assert "### BEGIN SOLUTION" not in text and "### BEGIN HIDDEN TESTS" not in text
    assert "hidden_checks" not in text
    # the solution cell is the module with each block replaced by nbgrader's stub, nothing else
    stub = re.sub(r"(?ms)^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$",
                  lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError()",
                  BACKPROP.read_text(encoding="utf-8")).rstrip("\n")
    cells = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(cells) == 1 and cells[0].source == stub
    assert stub.count("raise NotImplementedError()") == len(find_set(SET).functions)


def test_autograde_gives_full_marks_to_the_solved_notebook(graded):
    _, scores = graded
    points = points_toml(SET)
    assert scores["alice"]["total"] == pytest.approx(sum(points.values()))
    for function, value in points.items():
        assert scores["alice"][f"test_{function}"] == pytest.approx(value)


def test_autograde_gives_zero_to_the_released_notebook(graded):
    _, scores = graded
    assert scores["bob"]["total"] == 0


def test_a_catalogue_mistake_loses_its_tests_points_and_feedback_shows_the_hint(graded):
    course, scores = graded
    points = points_toml(SET)
    carol = scores["carol"]
    # delta-sign breaks output_delta and everything built on it, not hidden_delta or sgd_step
    for function in ("output_delta", "gradients", "train_step"):
        assert carol[f"test_{function}"] == 0
    for function in ("hidden_delta", "sgd_step"):
        assert carol[f"test_{function}"] == pytest.approx(points[function])
    lang = tomllib.loads((course / "nngrade.toml").read_text(encoding="utf-8"))["lang"]
    title = hint_title("delta-sign", lang)
    autograded = nbformat.read(course / "autograded" / "carol" / SET / f"{SET}.ipynb", as_version=4)
    cell = next(c for c in autograded.cells if c.metadata.nbgrader.get("grade_id") == "test_output_delta")
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "AssertionError"
    assert title in errors[0].evalue and "[delta-sign]" in errors[0].evalue
    feedback = (course / "feedback" / "carol" / SET / f"{SET}.html").read_text(encoding="utf-8")
    assert title in feedback


def test_hidden_tests_run_on_the_graded_students_own_inputs(graded):
    """Hard-coding seed 000's value passes the public examples, not the per-student tests."""
    course, scores = graded
    points = points_toml(SET)
    dave = scores["dave"]
    assert dave["test_output_delta"] == 0
    assert dave["total"] == pytest.approx(sum(points.values()) - points["output_delta"])
    autograded = nbformat.read(course / "autograded" / "dave" / SET / f"{SET}.ipynb", as_version=4)
    cell = next(c for c in autograded.cells if c.metadata.nbgrader.get("grade_id") == "test_output_delta")
    message = next(o.evalue for o in cell.outputs if o.output_type == "error")
    hidden = {t.name for t in notebook_checks.suite_tests(SET, public=False) if t.function == "output_delta"}
    assert {name for name in hidden if f"✗ {name}" in message} == hidden
    assert "public-" not in message
    assert "dave" in message          # the id nbgrader graded, read from autograded/dave/...


def test_nngrade_grades_the_same_submitted_folder_in_its_sandbox(graded, tmp_path):
    """The recommended path reads the very notebooks nbgrader collected."""
    course, _ = graded
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "nngrade", "grade", str(course / "submitted"),
                           "--format", "nbgrader", "--out", str(out), "--course", str(course),
                           "--sets", SET, "--no-progress"],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    results = {s: json.loads((out / s / "results.json").read_text(encoding="utf-8"))
               for s in ("alice", "bob", "carol", "dave")}
    total = sum(points_toml(SET).values())
    assert results["alice"]["score"] == pytest.approx(total)
    assert results["bob"]["score"] == 0
    assert "delta-sign" in {tag for t in results["carol"]["tests"] for tag in t["tags"]}
    failed = {t["name"] for t in results["dave"]["tests"] if t["status"] == "failed"}
    hidden = {t.name for t in notebook_checks.suite_tests(SET, public=False) if t.function == "output_delta"}
    assert failed == hidden
