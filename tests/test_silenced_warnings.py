"""Warnings a student silences for the whole module: through the real sandbox, set 01's warning
tests see the overflow again, because the child restores NumPy's error handling and the warnings
machinery before every call. Suppression inside the function itself is the student's right."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import tool_env
from nngrade.autograder.messages import say
from nngrade.autograder.probe import IMPORT_CHANGE_KEYS
from nngrade.autograder.sandbox.pool import IMPORT_CHANGES
from nngrade.paths import SOLUTIONS_DIR

pytestmark = pytest.mark.slow   # a class through the sandbox

REFERENCE = (SOLUTIONS_DIR / "01_activations" / "activations.py").read_text(encoding="utf-8")

UNSTABLE_SIGMOID = '''
def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype=float)))
'''
UNSTABLE_SOFTMAX = '''
def softmax(a):
    e = np.exp(np.asarray(a, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)
'''
# Right values, the overflow silenced where it happens: allowed.
LOCALLY_SILENCED_SIGMOID = '''
def sigmoid(a):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(a, dtype=float)))
'''

# name -> (code put at the top of the module, functions appended, tests that must fail)
STUDENTS = {
    "seterr-ignore": ('import numpy as np\nnp.seterr(all="ignore")\n',
                      UNSTABLE_SIGMOID + UNSTABLE_SOFTMAX, {"sigmoid/extreme", "softmax/extreme"}),
    "seterrcall-log": ('import numpy as np\nnp.seterr(all="call")\n'
                       'np.seterrcall(lambda kind, flag: None)\n',
                       UNSTABLE_SIGMOID, {"sigmoid/extreme"}),
    "filter-ignore": ('import warnings\nwarnings.filterwarnings("ignore")\n',
                      UNSTABLE_SIGMOID, {"sigmoid/extreme"}),
    "hooks-replaced": ('import warnings\nwarnings.showwarning = lambda *a, **k: None\n'
                       'warnings._showwarnmsg = lambda msg: None\n'
                       'warnings.simplefilter = lambda *a, **k: None\n'
                       'warnings.catch_warnings = __import__("contextlib").nullcontext\n',
                       UNSTABLE_SIGMOID + UNSTABLE_SOFTMAX, {"sigmoid/extreme", "softmax/extreme"}),
    "locally-silenced": ("", LOCALLY_SILENCED_SIGMOID, set()),
    # A stable function in a module that also silences everything: nothing is hidden, nothing lost.
    "seterr-but-stable": ('import numpy as np\nnp.seterr(all="ignore")\n', "", set()),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("silenced")
    subs = work / "submissions"
    for name, (top, functions, _) in STUDENTS.items():
        folder = subs / name
        folder.mkdir(parents=True)
        # The reference's own definitions stay first; the student's later ones replace them.
        (folder / "activations.py").write_text(top + REFERENCE + "\n" + functions, encoding="utf-8")
    out = work / "out"
    done = subprocess.run([sys.executable, "-m", "nngrade", "init", str(work / "course")],
                          capture_output=True, text=True, env=tool_env())
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "nngrade", "grade", str(subs), "--out", str(out),
                           "--sets", "01", "--lang", "en", "--jobs", "1", "--no-progress", "--course",
                           str(work / "course"), "--allow-shared-uid"],
                          capture_output=True, text=True, env=tool_env())
    assert done.returncode == 0, done.stderr
    return {name: json.loads((out / name / "results.json").read_text(encoding="utf-8"))
            for name in STUDENTS}


def _failed(document) -> dict[str, str]:
    """The failed tests that carry points (public tests check the same and carry none)."""
    return {t["name"].split("/", 1)[1]: t["output"] for t in document["tests"]
            if t["status"] == "failed" and t["max_score"] > 0}


@pytest.mark.parametrize("name", sorted(STUDENTS))
def test_only_the_overflowing_functions_fail(graded, name):
    must_fail = STUDENTS[name][2]
    assert set(_failed(graded[name])) == must_fail


@pytest.mark.parametrize("name", ["seterr-ignore", "seterrcall-log", "filter-ignore",
                                  "hooks-replaced"])
def test_the_failure_says_what_the_import_changed(graded, name):
    # (a softmax that overflows to NaN fails on its value first: nothing to say about warnings)
    warned = {case: output for case, output in _failed(graded[name]).items()
              if "RuntimeWarning" in output}
    assert warned
    for case, output in warned.items():
        assert "restores it before every call" in output, (case, output)


def test_the_grader_and_the_sandbox_know_the_same_changes():
    assert set(IMPORT_CHANGES) == set(IMPORT_CHANGE_KEYS)
    assert all(say(key, lang) for key in IMPORT_CHANGE_KEYS.values() for lang in ("en", "ko"))
