"""Lazy students as source files, through the real sandbox and `nngrade grade`: the same verdict
as in process (tests/test_lazy_students.py) — nothing earned except where the lazy value truly
is the answer (identity(a) is a)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import tool_env

pytestmark = pytest.mark.slow   # a class through the sandbox

ACTIVATIONS = ("step", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad",
               "identity", "softmax", "tanh_via_sigmoid")


def _activations(body: str) -> str:
    lines = ["import numpy as np", ""]
    for name in ACTIVATIONS:
        lines += [f"def {name}(a):", f"    {body}", ""]
    return "\n".join(lines)


LOSSES = '''
def mse(t, y):
    return {value}

def binary_cross_entropy(y, y_hat):
    return {value}

def cross_entropy(T, Y):
    return {value}
'''

GATES = '''
def perceptron(x, w, theta):
    return {fire}

def and_gate(x1, x2):
    return {gate}

def or_gate(x1, x2):
    return {gate}

def nand_gate(x1, x2):
    return {gate}

def xor_gate(x1, x2):
    return {gate}
'''

# student -> (files, tests whose points the lazy value truly earns)
STUDENTS = {
    "returns-its-input": ({"activations.py": _activations("return np.array(a, dtype=float)"),
                           "loss.py": LOSSES.format(value="float(np.asarray(y).ravel()[0])")
                           .replace("def mse", "import numpy as np\n\ndef mse"),
                           "perceptron.py": GATES.format(fire="int(x[0] > 0)", gate="x1")},
                          {"01_activations/identity/random"}),
    "constant": ({"activations.py": _activations("return np.full(np.shape(a), 0.37)"),
                  "loss.py": LOSSES.format(value="0.37"),
                  "perceptron.py": GATES.format(fire="1", gate="1")}, set()),
    "zeros": ({"activations.py": _activations("return np.zeros(np.shape(a))"),
               "loss.py": LOSSES.format(value="0.0"),
               "perceptron.py": GATES.format(fire="0", gate="-1")}, set()),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("lazy-sandbox")
    subs = work / "submissions"
    for name, (files, _) in STUDENTS.items():
        for file, text in files.items():
            (subs / name).mkdir(parents=True, exist_ok=True)
            (subs / name / file).write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "nngrade", "init", str(work / "course")],
                          capture_output=True, text=True, env=tool_env())
    assert done.returncode == 0, done.stderr
    out = work / "out"
    done = subprocess.run([sys.executable, "-m", "nngrade", "grade", str(subs), "--out", str(out),
                           "--sets", "01", "03", "09", "--jobs", "1", "--no-progress",
                           "--course", str(work / "course"), "--allow-shared-uid"],
                          capture_output=True, text=True, env=tool_env())
    assert done.returncode == 0, done.stderr
    return {name: json.loads((out / name / "results.json").read_text(encoding="utf-8"))
            for name in STUDENTS}


@pytest.mark.parametrize("name", sorted(STUDENTS))
def test_lazy_students_earn_only_what_is_truly_right(graded, name):
    earned = {t["name"] for t in graded[name]["tests"] if t["score"] > 0}
    assert earned == STUDENTS[name][1]
    assert graded[name]["score"] == sum(t["max_score"] for t in graded[name]["tests"]
                                        if t["name"] in STUDENTS[name][1])
