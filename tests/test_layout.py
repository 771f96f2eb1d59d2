"""The kit's layout: the engine stands below the application, and each set is one folder.

- `autograder/` (installed as `nngrade.autograder`, the grading engine) imports nothing of the
  application (`nngrade.*` outside `nngrade.autograder`); only the distribution's version from
  the root package.
- No file outside a built-in set's folder names that set (tests, docs, benchmarks, Markdown and
  the generated assignments/ aside): adding or removing a set touches its folder only.
"""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from nngrade.autograder.sets import SETS

REPO = Path(__file__).resolve().parent.parent
ENGINE = REPO / "autograder"
NOT_COUNTED = ("tests/", "docs/", "benchmarks/", "assignments/")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):          # lazy imports inside functions count too
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, node.module, alias.name


def test_the_engine_imports_nothing_of_the_application():
    found = []
    for path in sorted(ENGINE.rglob("*.py")):
        for line, module, name in _imports(path):
            if module == "nngrade" and name == "__version__":
                continue
            if module == "nngrade" or (module.startswith("nngrade.")
                                       and not module.startswith("nngrade.autograder")):
                found.append(f"{path.relative_to(REPO)}:{line}: {module}")
    assert not found, "the engine imports the application:\n" + "\n".join(found)


def test_the_walk_sees_an_application_import(tmp_path):
    """The check above can fail: a file that imports nngrade.grade is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from nngrade.grade import grade_class\n", encoding="utf-8")
    assert [m for _, m, _ in _imports(bad)] == ["nngrade.grade"]


def _tracked_files() -> list[str]:
    listing = subprocess.run(["git", "-C", str(REPO), "ls-files"], capture_output=True,
                             text=True, check=True).stdout.split()
    return [f for f in listing if not f.startswith(NOT_COUNTED) and not f.endswith(".md")]


@pytest.mark.parametrize("s", SETS, ids=lambda s: s.id)
def test_no_file_outside_a_sets_folder_names_it(s):
    own = f"solutions/{s.id}/"
    naming = []
    for name in _tracked_files():
        if name.startswith(own):
            continue
        try:
            text = (REPO / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if s.id in text:
            naming.append(name)
    print(f"{s.id}: named by {len(naming)} file(s) outside its folder: {naming}")
    assert not naming
