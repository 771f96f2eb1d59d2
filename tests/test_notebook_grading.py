"""Students' notebooks are graded as they meant them, through the real class path (intake → job
slot → sandbox → results.json and feedback): plots, IPython magics and shell lines, and demo
cells that fail (a package the sandbox lacks, an exception, a loop past its time) cost nothing
for the functions the other cells define; the report names the failing cells and the removed
lines. A .py whose top-level demo outlasts the import time is told where demo code belongs."""
from __future__ import annotations

import ast
import json
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from nngrade import paths
from nngrade.autograder.backends import CELL_TIMEOUT, cell_notes
from nngrade.autograder.messages import say
from nngrade.autograder.sets import parse_sets
from nngrade.config import init_course, load_course
from nngrade.grade import GradeOptions, grade_class

SETS = ("01_activations", "09_perceptron")


def reference(set_id: str, module: str) -> str:
    return (paths.SOLUTIONS_DIR / set_id / f"{module}.py").read_text(encoding="utf-8")


def function_cells(source: str) -> list[str]:
    """The module's top-level functions, one cell each (the imports in the first)."""
    tree, lines = ast.parse(source), source.splitlines(keepends=True)
    cells = ["".join(lines[n.lineno - 1:n.end_lineno]) for n in tree.body
             if isinstance(n, (ast.Import, ast.ImportFrom))]
    first = ["".join(cells)]
    return first + ["".join(lines[n.lineno - 1:n.end_lineno]) for n in tree.body
                    if isinstance(n, ast.FunctionDef)]


# The demo cells a student leaves in, in between the functions (the cell numbers are fixed)
MAGICS = "%matplotlib inline\nimport matplotlib.pyplot as plt\n!pip install keras"
KERAS = "import keras\nfrom keras.models import Sequential\nmodel = Sequential()"
PLOT = ("a = np.linspace(-5, 5, 101)\nplt.plot(a, sigmoid(a), label='sigmoid')\nplt.legend()\n"
        "plt.show()\n%timeit sigmoid(a)")
RAISES = "print('checking')\nassert sigmoid(0.0) == 0.75, 'my demo check is wrong'"
LOOPS = "steps = 0\nwhile True:\n    steps += 1"


def activations_notebook() -> tuple[bytes, dict[str, int]]:
    funcs = function_cells(reference("01_activations", "activations"))
    cells = [funcs[0], MAGICS, *funcs[1:3], KERAS, PLOT, *funcs[3:6], RAISES, LOOPS, *funcs[6:]]
    number = {name: cells.index(text) + 1 for name, text in
              (("magics", MAGICS), ("keras", KERAS), ("plot", PLOT), ("raises", RAISES),
               ("loops", LOOPS))}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    return nbformat.writes(nb).encode("utf-8"), number


@pytest.fixture(scope="module")
def graded():
    base = Path(tempfile.mkdtemp(prefix="nngrade-notebooks-"))
    try:
        subs = base / "submissions"
        (subs / "kim").mkdir(parents=True)
        (subs / "lee").mkdir()
        data, number = activations_notebook()
        (subs / "kim" / "activations.ipynb").write_bytes(data)
        (subs / "lee" / "perceptron.py").write_text(
            reference("09_perceptron", "perceptron") + "\n# a demo run\nwhile True:\n    pass\n",
            encoding="utf-8")
        course = load_course(init_course(base / "course", name="notebooks", lang="en"))
        out = base / "out"
        grade_class(subs, out, course, GradeOptions(sets=tuple(parse_sets(list(SETS))), jobs=1,
                                                    lang="en", progress=False))
        docs = {sid: json.loads((out / sid / "results.json").read_text("utf-8"))
                for sid in ("kim", "lee")}
        pages = {sid: (out / sid / "feedback.md").read_text("utf-8") for sid in ("kim", "lee")}
        yield docs, pages, number
    finally:
        shutil.rmtree(base, ignore_errors=True)


def of_set(doc: dict, set_id: str) -> list[dict]:
    return [t for t in doc["tests"] if t["extra_data"]["set"] == set_id]


@pytest.mark.slow
def test_a_notebook_with_plots_magics_and_failing_demo_cells_gets_full_marks(graded):
    docs, _, _ = graded
    mine = of_set(docs["kim"], "01_activations")
    assert mine and [(t["name"], t["output"][:200]) for t in mine if t["status"] != "passed"] == []
    assert docs["kim"]["extra_data"]["sets"]["01_activations"]["score"] == \
        docs["kim"]["extra_data"]["sets"]["01_activations"]["max_score"] > 0


@pytest.mark.slow
def test_the_report_names_the_failing_cells_and_the_removed_lines(graded):
    docs, pages, number = graded
    notes = docs["kim"]["extra_data"]["notes"]
    said = "\n".join(notes)
    nb = "activations.ipynb"
    assert (f'{nb}: cell {number["magics"]}: IPython lines commented out (not run): '
            'line 1 "%matplotlib inline", line 3 "!pip install keras"') in notes
    assert f'{nb}: cell {number["plot"]}: IPython lines commented out (not run): ' \
           'line 5 "%timeit sigmoid(a)"' in notes
    assert (f"{nb}, cell {number['keras']}: this cell failed at line 1 (ModuleNotFoundError: "
            "No module named 'keras')") in said
    assert (f"{nb}, cell {number['raises']}: this cell failed at line 2 (AssertionError: my demo "
            "check is wrong)") in said
    assert f"{nb}, cell {number['loops']}: stopped at line " in said
    assert f"it ran longer than {CELL_TIMEOUT:g} s" in said
    # the plotting cell ran: it is named for its %timeit only
    assert not any(f"cell {number['plot']}: this cell failed" in n for n in notes)
    failed = docs["kim"]["extra_data"]["failed_cells"]
    assert [(f["cell"], f["status"]) for f in failed] == [
        (number["keras"], "exception"), (number["raises"], "exception"),
        (number["loops"], "timeout")]
    for note in notes:                      # and the student reads them on the feedback page
        assert note in pages["kim"]


@pytest.mark.slow
def test_a_py_whose_demo_outlasts_the_import_time_is_told_where_demo_code_belongs(graded):
    docs, pages, _ = graded
    mine = of_set(docs["lee"], "09_perceptron")
    assert mine and all(t["status"] == "failed" for t in mine)
    for t in mine:
        assert t["output"].startswith("perceptron.py could not be imported: its top-level code "
                                      "did not finish within 10 s"), t["output"][:300]
        assert 'Move demo code (training runs, plots, prints) under `if __name__ == "__main__":`' \
            in t["output"]


def test_the_import_time_sentence_is_said_in_both_languages():
    for lang in ("en", "ko"):
        text = say("import-timeout", lang, file="xor.py", error="did not finish within 10 s")
        assert 'if __name__ == "__main__":' in text and "xor.py" in text and "10 s" in text
    assert "불러올 수 없습니다" in say("import-timeout", "ko", file="x.py", error="e")


def test_cell_notes_in_both_languages():
    records = [
        {"file": "hw.ipynb", "cell": 4, "status": "exception", "error": "ValueError: bad",
         "line": 2, "at_cell": 4, "seconds": None},
        {"file": "hw.ipynb", "cell": 6, "status": "timeout", "error": "ran longer than 3 s",
         "line": 5, "at_cell": 2, "seconds": 3.0},
        {"file": "hw.ipynb", "cell": 8, "status": "skipped", "error": "", "line": None,
         "at_cell": None, "seconds": 8.5},
        {"file": "hw.ipynb", "cell": 9, "status": "skipped", "error": "", "line": None,
         "at_cell": None, "seconds": 8.5},
    ]
    en = cell_notes(records, "en")
    assert en == [
        "hw.ipynb, cell 4: this cell failed at line 2 (ValueError: bad); the rest of the cell was "
        "not run, the functions of the other cells are graded.",
        "hw.ipynb, cell 6: stopped at cell 2, line 5, it ran longer than 3 s (the time one cell "
        "may run when the notebook is loaded for grading); the functions of the other cells are "
        "graded.",
        "hw.ipynb, cells 8, 9: not run, loading the notebook for grading used up its 8.5 s."]
    ko = cell_notes(records, "ko")
    assert len(ko) == 3 and ko[0].startswith("hw.ipynb, 셀 4: 이 셀은 2번째 줄에서 실패했습니다")
    assert "셀 8, 9" in ko[2]
    assert "3초보다 오래 실행되었습니다" in ko[1] and "ran longer" not in ko[1]   # the child's words, said again
