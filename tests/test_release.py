"""`nngrade release`: stubs from the solution markers, assignments/ kept in step, the student zip.

Everything that writes works on copies under tmp_path; the real solutions/ is only read and the
real assignments/ is never touched.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import json
import re
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from nngrade import paths, release
from nngrade.release import ReleaseError, make_stub
from nngrade.autograder.sets import SETS

SOLUTIONS = paths.SOLUTIONS_DIR
PRESENT = [s for s in SETS if (SOLUTIONS / s.id / f"{s.module}.py").is_file()]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def present_sets():
    return PRESENT or [pytest.param(None, marks=pytest.mark.skip(reason="no solutions yet"))]


def set_ids():
    return [s.id if s else "none" for s in (PRESENT or [None])]


def solution_source(s) -> str:
    return (SOLUTIONS / s.id / f"{s.module}.py").read_text(encoding="utf-8")


def block_spans(source: str) -> list[tuple[int, int]]:
    """(begin, end) line numbers of the marked blocks, found without the code under test."""
    spans, begin = [], None
    for number, line in enumerate(source.splitlines(), start=1):
        if line.strip() == BEGIN:
            begin = number
        elif line.strip() == END:
            spans.append((begin, number))
    return spans


def solution_lines(source: str) -> list[str]:
    """The stripped lines inside the marked blocks."""
    lines = source.splitlines()
    return [lines[i].strip() for b, e in block_spans(source) for i in range(b, e - 1)]


@pytest.fixture(scope="module")
def generated():
    return release.generate(SOLUTIONS)


# --------------------------------------------------------------------------------------------
# Markers and stubs on small sources

TWO_FUNCTIONS = '''"""A module."""
import numpy as np

RATE = 0.5  # a constant outside the markers


def double(a):
    """Twice a, elementwise.

    More words that are not the summary.
    """
    ### BEGIN SOLUTION
    return 2 * np.asarray(a)
    ### END SOLUTION


def clipped(a, lo=0.0):
    """Clip a below at lo."""
    a = np.asarray(a)
    if a.ndim:
        ### BEGIN SOLUTION
        return np.maximum(a, lo)
        ### END SOLUTION
    return max(float(a), lo)
'''


def test_each_block_becomes_a_stub_at_its_own_indentation():
    """Does each block become YOUR CODE HERE + TODO + raise at the BEGIN line's indentation?"""
    stub = make_stub(TWO_FUNCTIONS, "two.py", graded=["double", "clipped"])
    assert BEGIN not in stub and END not in stub
    assert "return 2 * np.asarray(a)" not in stub and "np.maximum(a, lo)" not in stub
    lines = stub.splitlines()
    first = lines.index("    # YOUR CODE HERE")
    assert lines[first + 1] == "    # TODO double(a): Twice a, elementwise."
    assert lines[first + 2] == ('    raise NotImplementedError("double: not implemented yet / '
                                '아직 구현하지 않았습니다")')
    second = lines.index("        # YOUR CODE HERE")
    assert lines[second + 1] == "        # TODO clipped(a, lo): Clip a below at lo."
    assert lines[second + 2].startswith('        raise NotImplementedError("clipped: ')
    # What sat outside the markers is still there, line for line.
    assert lines[second - 2:second] == ["    a = np.asarray(a)", "    if a.ndim:"]
    assert lines[second + 3] == "    return max(float(a), lo)"
    assert "RATE = 0.5  # a constant outside the markers" in lines


def test_stub_runs_and_raises():
    """Does the stub import, and does each stubbed function raise NotImplementedError?"""
    namespace: dict = {}
    exec(compile(make_stub(TWO_FUNCTIONS, "two.py"), "two.py", "exec"), namespace)
    assert namespace["RATE"] == 0.5
    with pytest.raises(NotImplementedError, match="double: not implemented yet"):
        namespace["double"]([1.0])
    with pytest.raises(NotImplementedError, match="clipped: not implemented yet"):
        namespace["clipped"]([1.0, -1.0])
    assert namespace["clipped"](-3.0) == 0.0   # the path outside the markers still works


def test_tabs_and_crlf_are_kept():
    """Are a tab-indented block and CRLF line endings carried into the stub?"""
    source = 'def f(x):\r\n\t"""Add one."""\r\n\t### BEGIN SOLUTION\r\n\treturn x + 1\r\n\t### END SOLUTION\r\n'
    stub = make_stub(source, "crlf.py")
    assert stub.startswith('def f(x):\r\n\t"""Add one."""\r\n\t# YOUR CODE HERE\r\n\t# TODO f(x): Add one.\r\n')
    assert "\n" not in stub.replace("\r\n", "")
    assert stub.endswith('\traise NotImplementedError("f: not implemented yet / 아직 구현하지 않았습니다")\r\n')


def test_methods_are_named_by_class_and_the_constructor_by_the_class():
    source = '''class Net:
    """A tiny net."""

    def __init__(self, size=2):
        ### BEGIN SOLUTION
        self.size = size
        ### END SOLUTION

    def forward(self, X):
        """
        Inputs:
        - X: batch (N, size)

        Returns:
        - Y: X times two
        """
        ### BEGIN SOLUTION
        return 2 * X
        ### END SOLUTION
'''
    stub = make_stub(source, "net.py", graded=["Net", "Net.forward"])
    assert "# TODO Net(size): A tiny net." in stub
    assert 'raise NotImplementedError("Net: not implemented yet' in stub
    # A docstring that opens with "Inputs:" is summarised by what it returns.
    assert "# TODO Net.forward(X): returns Y: X times two" in stub
    assert 'raise NotImplementedError("Net.forward: not implemented yet' in stub


@pytest.mark.parametrize("source, line, words", [
    ("def f():\n    ### BEGIN SOLUTION\n    x = 1\n    ### BEGIN SOLUTION\n    return x\n"
     "    ### END SOLUTION\n", 4, "nested"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", 2, "never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", 3, "without"),
    ("def f():\n    return 1  ### BEGIN SOLUTION\n", 2, "alone on its line"),
    ('def f():\n    """Doc.\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n    """\n    return 1\n',
     3, "inside a string"),
])
def test_bad_markers_fail_naming_file_and_line(source, line, words):
    """Is a nested, unclosed, stray or misplaced marker an error at its file and line?"""
    with pytest.raises(ReleaseError) as caught:
        make_stub(source, "solutions/99_bad/bad.py")
    assert caught.value.where == "solutions/99_bad/bad.py" and caught.value.line == line
    assert str(caught.value).startswith(f"solutions/99_bad/bad.py:{line}: ")
    assert words in str(caught.value)


def test_module_level_block_of_private_helpers_is_removed_without_raise():
    """May a block outside any function hold private helpers (removed, no raise at import)?"""
    source = ('import numpy as np\n\n### BEGIN SOLUTION\n_EPS = 1e-12\n\n\ndef _safe_log(x):\n'
              '    return np.log(np.maximum(x, _EPS))\n### END SOLUTION\n\n\n'
              'def loss(y):\n    """Mean negative log."""\n    ### BEGIN SOLUTION\n'
              '    return -np.mean(_safe_log(y))\n    ### END SOLUTION\n')
    stub = make_stub(source, "helpers.py", graded=["loss"])
    assert "_safe_log" not in stub and "_EPS" not in stub
    assert "# YOUR CODE HERE\n# (helper functions of your own may go here)\n" in stub
    namespace: dict = {}
    exec(compile(stub, "helpers.py", "exec"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["loss"](0.5)


@pytest.mark.parametrize("source, graded, line, words", [
    ("### BEGIN SOLUTION\ndef sigmoid(a):\n    return a\n### END SOLUTION\n", [], 1,
     "may only define private helpers"),
    ("### BEGIN SOLUTION\n_K = 2\n### END SOLUTION\n\n\ndef f(x=_K):\n    return x\n", [], 6,
     "'_K' is used outside"),
    ("def f(x):\n    return x\n", ["f"], 1, "no solution block in its own body"),
    ("def f(x):\n    y = 1\n        ### BEGIN SOLUTION\n    return y\n        ### END SOLUTION\n", [],
     3, "does not parse"),
])
def test_blocks_that_would_make_a_wrong_stub_are_errors(source, graded, line, words):
    """Are a public name in a module-level block, a helper still used, a graded function without a
    block and a stub that would not parse each refused with the line to look at?"""
    with pytest.raises(ReleaseError) as caught:
        make_stub(source, "m.py", graded=graded)
    assert caught.value.line == line and words in str(caught.value)


def test_graded_name_that_is_not_defined_is_an_error():
    with pytest.raises(ReleaseError, match="graded function 'g' is not defined"):
        make_stub("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "m.py",
                  graded=["f", "g"])


# --------------------------------------------------------------------------------------------
# The stubs of the real sets


def load_stub(s, generated, folder: Path):
    """Import the generated stub from a file, as a student's editor would run it."""
    path = folder / f"{s.module}.py"
    path.write_bytes(generated.files[f"{s.id}/{s.module}.py"])
    spec = importlib.util.spec_from_file_location(f"_release_stub_{s.id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def call_with_placeholders(func):
    """Call with None for every required argument: a stub must raise before looking at them."""
    sig = inspect.signature(func)
    args = [None for p in sig.parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    kwargs = {p.name: None for p in sig.parameters.values()
              if p.default is p.empty and p.kind is p.KEYWORD_ONLY}
    return func(*args, **kwargs)


@pytest.mark.parametrize("s", present_sets(), ids=set_ids())
def test_every_graded_function_of_the_stub_raises_not_implemented(s, generated, tmp_path):
    """Does every graded function (and method, and constructor) of each stub raise?"""
    module = load_stub(s, generated, tmp_path)
    for name in s.functions:
        owner, _, method = name.rpartition(".")
        if owner:
            target = getattr(object.__new__(getattr(module, owner)), method)
        else:
            target = getattr(module, name)
        with pytest.raises(NotImplementedError, match="not implemented yet"):
            call_with_placeholders(target)


def definitions(tree: ast.Module, spans) -> dict[str, ast.AST]:
    """Every def and class outside the marked blocks, by dotted name."""
    found = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not any(b < child.lineno < e for b, e in spans):
                    found[prefix + child.name] = child
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


@pytest.mark.parametrize("s", present_sets(), ids=set_ids())
def test_signatures_docstrings_and_module_code_are_kept(s, generated):
    """Do the stub's defs, classes, docstrings, imports and constants match the solution's?"""
    source = solution_source(s)
    solution_tree = ast.parse(source)
    stub_tree = ast.parse(generated.files[f"{s.id}/{s.module}.py"].decode("utf-8"))
    assert ast.get_docstring(stub_tree, clean=False) == ast.get_docstring(solution_tree, clean=False)
    solution_defs = definitions(solution_tree, block_spans(source))
    stub_defs = definitions(stub_tree, [])
    assert set(solution_defs) == set(stub_defs)
    for name, node in solution_defs.items():
        other = stub_defs[name]
        assert ast.get_docstring(other, clean=False) == ast.get_docstring(node, clean=False), name
        assert [ast.dump(d) for d in other.decorator_list] == \
            [ast.dump(d) for d in node.decorator_list], name
        if isinstance(node, ast.ClassDef):
            assert [ast.dump(b) for b in other.bases] == [ast.dump(b) for b in node.bases], name
        else:
            assert ast.dump(other.args) == ast.dump(node.args), name
            assert (other.returns and ast.dump(other.returns)) == \
                (node.returns and ast.dump(node.returns)), name
    module_level = [ast.dump(n) for n in solution_tree.body
                    if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    assert [ast.dump(n) for n in stub_tree.body
            if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))] == module_level


SOLUTION_BLOCK = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\r?\n.*?^[ \t]*### END SOLUTION[ \t]*\r?\n",
                            re.S | re.M)
STUB_BLOCK = re.compile(r"^[ \t]*# YOUR CODE HERE\r?\n(?:[ \t]*#[^\n]*\n)*?"
                        r"[ \t]*raise NotImplementedError\(\"[^\n]*\"\)\r?\n", re.M)


@pytest.mark.parametrize("s", present_sets(), ids=set_ids())
def test_bytes_outside_the_markers_are_identical(s, generated):
    """Is every byte outside the blocks the solution's, and nothing of the blocks left?"""
    source = solution_source(s)
    stub = generated.files[f"{s.id}/{s.module}.py"].decode("utf-8")
    assert len(STUB_BLOCK.findall(stub)) == len(block_spans(source)) > 0
    assert STUB_BLOCK.sub("", stub) == SOLUTION_BLOCK.sub("", source)
    stub_lines = {line.strip() for line in stub.splitlines()}
    outside = {line.strip() for line in SOLUTION_BLOCK.sub("", source).splitlines()}
    leaked = [line for line in solution_lines(source)
              if len(line) >= 12 and line in stub_lines and line not in outside]
    assert leaked == []


# --------------------------------------------------------------------------------------------
# assignments/ in a temporary copy


@pytest.fixture
def kit(tmp_path):
    """A copy of solutions/ with extra files in one set, and an empty assignments/ beside it."""
    if not PRESENT:
        pytest.skip("no solutions yet")
    solutions = tmp_path / "solutions"
    shutil.copytree(SOLUTIONS, solutions, ignore=shutil.ignore_patterns("__pycache__"))
    extra = solutions / PRESENT[0].id
    (extra / "README.md").write_text("# 과제 / Exercise\n\nRead me.\n", encoding="utf-8")
    (extra / "test_public.py").write_bytes(b'SET = "x"\r\n\r\ndef test_nothing():\r\n    pass\r\n')
    (extra / "notes.toml").write_text("[notes]\nall = 3\n", encoding="utf-8")
    (extra / "data").mkdir()
    (extra / "data" / "sample.csv").write_bytes(b"x,y\n1,2\n")
    (extra / "__pycache__").mkdir(exist_ok=True)
    (extra / "__pycache__" / "junk.cpython-311.pyc").write_bytes(b"\0junk")
    return solutions, tmp_path / "assignments"


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_release_writes_stubs_and_copies_the_other_files(kit):
    solutions, assignments = kit
    release.release(solutions, assignments)
    first = PRESENT[0]
    for name in ("README.md", "test_public.py", "notes.toml", "set.toml", "locale/ko.po",
                 "data/sample.csv"):
        assert (assignments / first.id / name).read_bytes() == (solutions / first.id / name).read_bytes()
    assert not (assignments / first.id / "__pycache__").exists()
    for s in PRESENT:   # the hidden suite and the mistake models never reach students
        assert not (assignments / s.id / "test_hidden.py").exists()
        assert not (assignments / s.id / "mistakes.py").exists()
    for s in PRESENT:
        stub = (assignments / s.id / f"{s.module}.py").read_text(encoding="utf-8")
        assert "raise NotImplementedError(" in stub and BEGIN not in stub
    index = (assignments / "README.md").read_text(encoding="utf-8")
    for s in PRESENT:
        assert f"[{s.id}]({s.id}/)" in index and s.title_ko in index and s.title_en in index


def test_release_is_idempotent(kit):
    """Does a second release change nothing, byte for byte?"""
    solutions, assignments = kit
    assert release.release(solutions, assignments)      # the first one writes every file
    before = snapshot(assignments)
    assert release.release(solutions, assignments) == []
    assert snapshot(assignments) == before


def test_check_is_green_after_release_and_red_after_a_hand_edit(kit, capsys):
    solutions, assignments = kit
    assert release.run(check=True, solutions_dir=solutions, assignments_dir=assignments) == 1
    assert release.run(solutions_dir=solutions, assignments_dir=assignments) == 0
    capsys.readouterr()
    assert release.run(check=True, solutions_dir=solutions, assignments_dir=assignments) == 0
    assert "up to date" in capsys.readouterr().out

    s = PRESENT[-1]
    stub = assignments / s.id / f"{s.module}.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    (assignments / PRESENT[0].id / "set.toml").unlink()
    (assignments / PRESENT[0].id / "notes.txt").write_text("left over\n")
    assert release.run(check=True, solutions_dir=solutions, assignments_dir=assignments) == 1
    err = capsys.readouterr().err
    assert f"differs: {s.id}/{s.module}.py" in err
    assert f"missing: {PRESENT[0].id}/set.toml" in err
    assert f"extra: {PRESENT[0].id}/notes.txt" in err
    # The command-line entry point agrees.
    argv = ["--check", "--solutions", str(solutions), "--assignments", str(assignments)]
    assert release.main(argv) == 1
    assert release.main(argv[1:]) == 0                  # without --check: rewrite
    assert release.main(argv) == 0
    assert not (assignments / PRESENT[0].id / "notes.txt").exists()


def test_a_set_taken_out_of_solutions_leaves_assignments(kit, capsys):
    """Are a removed set's files and its index row gone after release, with a note?"""
    solutions, assignments = kit
    release.release(solutions, assignments)
    gone = PRESENT[-1]
    shutil.rmtree(solutions / gone.id)
    assert release.run(solutions_dir=solutions, assignments_dir=assignments) == 0
    assert f"removed: {gone.id}/set.toml" in capsys.readouterr().out
    (solutions / gone.id).mkdir()       # a folder without set.toml is not a set: said, skipped
    (solutions / gone.id / "notes.md").write_text("later\n", encoding="utf-8")
    assert release.run(solutions_dir=solutions, assignments_dir=assignments) == 0
    assert f"solutions/{gone.id}/ has no set.toml: not a set, skipped" in capsys.readouterr().out
    assert not (assignments / gone.id).exists()
    assert f"[{gone.id}]" not in (assignments / "README.md").read_text(encoding="utf-8")


def test_broken_solution_fails_the_build_with_its_file_and_line(kit, capsys):
    solutions, assignments = kit
    s = PRESENT[0]
    module = solutions / s.id / f"{s.module}.py"
    lines = module.read_text(encoding="utf-8").splitlines(keepends=True)
    end = next(i for i, line in enumerate(lines) if line.strip() == END)
    begin = max(i for i in range(end) if lines[i].strip() == BEGIN)
    module.write_text("".join(lines[:end] + lines[end + 1:]), encoding="utf-8")   # unclose one
    assert release.run(solutions_dir=solutions, assignments_dir=assignments) == 2
    err = capsys.readouterr().err
    following = [i for i in range(end + 1, len(lines)) if lines[i].strip() == BEGIN]
    if following:   # the next block's BEGIN now opens inside the unclosed one (one line up)
        assert f"solutions/{s.id}/{s.module}.py:{following[0]}: nested" in err
    else:
        assert f"solutions/{s.id}/{s.module}.py:{begin + 1}: " in err and "never closed" in err
    assert not assignments.exists()                                  # nothing half-written


def test_marker_text_in_a_copied_file_is_refused(kit):
    solutions, assignments = kit
    (solutions / PRESENT[0].id / "README.md").write_text("intro\n\n    ### END SOLUTION\n")
    with pytest.raises(ReleaseError, match=r"README\.md:3: '### END SOLUTION' outside"):
        release.release(solutions, assignments)


# --------------------------------------------------------------------------------------------
# The student bundle


FINGERPRINTS_SEEN: list = []   # what build_fingerprints returned while the bundle was built


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The student zip built from the real solutions (once: fingerprints take seconds), unpacked."""
    out = tmp_path_factory.mktemp("bundle") / "student.zip"
    patch = pytest.MonkeyPatch()
    try:
        from nngrade.autograder import fingerprints
    except ImportError:
        fingerprints = None
    if fingerprints is not None:
        real = fingerprints.build_fingerprints

        def spy(*args, **kwargs):
            FINGERPRINTS_SEEN.append((args, kwargs, real(*args, **kwargs)))
            return FINGERPRINTS_SEEN[-1][2]

        patch.setattr(fingerprints, "build_fingerprints", spy)
    try:
        made = release.build_bundle(out, SOLUTIONS)
    finally:
        patch.undo()
    root = out.parent / "unpacked"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(root)
    return out, root, made


def kit_file(bundle_path: str) -> Path:
    """The kit's own file a runtime entry was copied from."""
    if bundle_path.startswith("nngrade/autograder/"):
        return paths.AUTOGRADER_DIR / bundle_path[len("nngrade/autograder/"):]
    return paths.PACKAGE_DIR / bundle_path[len("nngrade/"):]


def test_bundle_is_deterministic(bundle, tmp_path):
    """Do two builds from the same files give the same bytes?"""
    out, _, _ = bundle
    again = tmp_path / "again.zip"
    release.build_bundle(again, SOLUTIONS)
    assert again.read_bytes() == out.read_bytes()
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_bundle_holds_assignments_and_the_check_runtime(bundle, generated):
    out, root, made = bundle
    for rel, data in generated.files.items():
        assert (root / "assignments" / rel).read_bytes() == data
    wanted = ["nngrade/__init__.py", "nngrade/__main__.py", "nngrade/cli.py", "nngrade/autograder/sets.py",
              "nngrade/paths.py", "nngrade/autograder/__init__.py", "nngrade/autograder/probe.py",
              "nngrade/autograder/plugin.py", "nngrade/autograder/compare.py"]
    optional = ["nngrade/check.py", "nngrade/autograder/transport.py"]
    optional += [f"nngrade/autograder/sandbox/{p.name}"
                 for p in (paths.AUTOGRADER_DIR / "sandbox").glob("*.py")]
    for name in wanted + [n for n in optional if kit_file(n).is_file()]:
        assert (root / name).is_file(), name
    for s in generated.sets:    # the sets' table and hints, where the engine finds them
        assert (root / "nngrade" / "sets" / s.id / "set.toml").is_file(), s.id
        if kit_file(name).is_file():
            assert (root / name).read_bytes() == kit_file(name).read_bytes(), name
    for name in optional:
        if not kit_file(name).is_file():
            assert any(name in note for note in made.notes), name

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "nngrade-student"
    assert project["scripts"] == {"nngrade": "nngrade.cli:main"}
    deps = {re.split(r"[<>=;! ]", d)[0] for d in project["dependencies"]}
    assert {"numpy", "pytest", "rich"} <= deps and "jinja2" not in deps
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "pip install ." in readme and "nngrade check backprop" in readme
    assert "## 한국어" in readme and "## English" in readme


def test_bundle_contains_no_solution_code(bundle):
    """Is there nothing of solutions/, the hidden suites or the mistake models in the zip?"""
    out, root, _ = bundle
    files = {p.relative_to(root).as_posix(): p.read_bytes()
             for p in sorted(root.rglob("*")) if p.is_file()}
    # the sets' set.toml, locale/*.po and public tests under nngrade/sets/ are what assignments/
    # ships, not runtime code
    runtime = {n for n in files if n.startswith("nngrade/")
               and not n.startswith(f"{release.BUNDLE_SETS_DIR}/")}

    for name in files:
        assert not re.search(r"(^|/)(solutions|suites|mistakes)/|(^|/)(reference|diagnose)\.py$",
                             name), name
    distinctive = {}
    shipped_beside = set()
    for s in PRESENT:
        for p in (SOLUTIONS / s.id).rglob("*"):
            if p.is_file() and p.name != f"{s.module}.py" and "__pycache__" not in p.parts:
                shipped_beside |= {ln.strip() for ln in p.read_text(errors="replace").splitlines()}
    # Lines that some module has outside its blocks (a given helper) ship on purpose.
    outside = {ln.strip() for s in PRESENT
               for ln in SOLUTION_BLOCK.sub("", solution_source(s)).splitlines()}
    for s in PRESENT:
        for line in solution_lines(solution_source(s)):
            if len(line) >= 16 and line not in outside and line not in shipped_beside:
                distinctive[line] = s.id
    assert len(distinctive) > 10 * len(PRESENT) // 2       # the search has something to find
    # The runtime is generic NumPy code too, so there one common line ("if isinstance(value,
    # np.ndarray):") proves nothing: two consecutive solution lines must not recur.
    pairs = set()
    for s in PRESENT:
        lines = [ln for ln in solution_lines(solution_source(s)) if ln]
        pairs |= {(a, b) for a, b in zip(lines, lines[1:]) if len(a) + len(b) >= 30}

    mistake_modules = [p.stem for p in (paths.AUTOGRADER_DIR / "mistakes").glob("*.py")
                       if p.stem != "__init__"]
    for name, data in files.items():
        text = data.decode("utf-8", errors="replace")
        assert BEGIN not in text and END not in text, name
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        if name in runtime:
            leaked = sorted(set(zip(lines, lines[1:])) & pairs)
        else:
            leaked = sorted(set(lines) & set(distinctive))
        assert not leaked, f"{name} holds solution lines: {leaked[:3]}"
        assert "@mistake(" not in text, name
        for s in PRESENT:
            assert f"solutions/{s.id}" not in text, name
        if name not in runtime:
            assert "solutions/" not in text, name
            assert "autograder.mistakes" not in text and "autograder/mistakes" not in text, name
            for stem in mistake_modules:
                assert f"mistakes.{stem}" not in text and f"mistakes/{stem}" not in text, name
        elif name.endswith(".py"):
            # The runtime is the kit's own code, picked by BUNDLE_RUNTIME: it may name the
            # solutions folder (help texts, a fallback path that does not exist in the bundle),
            # but may not import the reference, mistake models or suites when it is imported.
            # A lazy import inside a function (the hidden suites' `reference` fixture) fails
            # only if called, and its module is not in the zip (checked above).
            for node in ast.parse(text).body:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    modules = [a.name for a in node.names] if isinstance(node, ast.Import) \
                        else [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
                    for module in modules:
                        assert not re.search(r"\b(solutions|suites|mistakes|reference|diagnose)\b",
                                             module), (name, node.lineno, module)


SITE_PACKAGES = [p for p in site.getsitepackages() if Path(p).is_dir()]


def bundle_python(root: Path, *args: str, timeout: float = 300,
                  cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Python in the unpacked bundle, as a student has it: -S skips the site hooks, so the kit's
    editable install cannot lend what the bundle lacks; site-packages on PYTHONPATH still gives
    numpy, pytest and rich. With ``cwd`` elsewhere, the bundle is on PYTHONPATH, as installed."""
    path = SITE_PACKAGES if cwd is None else [str(root), *SITE_PACKAGES]
    return subprocess.run([sys.executable, "-S", *args], cwd=cwd or root, capture_output=True,
                          text=True, timeout=timeout,
                          env={"PYTHONPATH": ":".join(path), "PATH": "/usr/bin:/bin",
                               "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8", **(env or {})})


def test_bundle_runtime_imports_on_its_own(bundle):
    """Does every shipped module import from the unpacked bundle, without the kit installed?"""
    _, root, _ = bundle

    def is_sandbox_script(p: Path) -> bool:
        # The sandbox runs these by file path in its child process (they read sys.argv).
        return "sandbox" in p.parts and 'if __name__ == "__main__":' in p.read_text("utf-8")

    modules = sorted(p.relative_to(root).with_suffix("").as_posix().replace("/", ".")
                     .removesuffix(".__init__")
                     for p in (root / "nngrade").rglob("*.py")
                     if p.name != "__main__.py" and not is_sandbox_script(p))
    assert "nngrade.cli" in modules and "nngrade.autograder.probe" in modules
    script = ("import importlib, json, sys\n"
              "out = {}\n"
              f"for name in {modules!r}:\n"
              "    try:\n"
              "        out[name] = importlib.import_module(name).__file__\n"
              "    except Exception as e:\n"
              "        out[name] = 'FAILED ' + type(e).__name__ + ': ' + str(e)\n"
              "print(json.dumps(out))\n")
    done = bundle_python(root, "-c", script, timeout=120)
    assert done.returncode == 0, done.stderr
    imported = json.loads(done.stdout)
    failed = {k: v for k, v in imported.items() if v.startswith("FAILED")}
    assert not failed
    for name, file in imported.items():
        assert Path(file).resolve().is_relative_to(root.resolve()), (name, file)


def test_check_runs_from_the_unpacked_bundle(bundle):
    """Does `python -m nngrade check SET` from the bundle's root grade the stubs (all failing,
    each as not implemented) without the kit installed?"""
    _, root, _ = bundle
    with_tests = [s for s in PRESENT if (root / "assignments" / s.id / "test_public.py").is_file()]
    if not with_tests:
        pytest.skip("no set has public tests yet")
    usage = bundle_python(root, "-m", "nngrade", "check", "--help", timeout=60)
    if usage.returncode != 0 or "check" not in usage.stdout + usage.stderr:
        pytest.skip("`nngrade check` is not wired into the CLI yet")
    s = next((x for x in with_tests if x.id == "04_backprop"), with_tests[0])
    done = bundle_python(root, "-m", "nngrade", "check", s.short)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert s.id in done.stdout and "not implemented" in done.stdout, done.stdout


def test_check_runs_without_the_sandbox_from_the_unpacked_bundle(bundle):
    """Does the bundle hold what `check` needs where there is no sandbox (Windows, macOS)?"""
    _, root, _ = bundle
    assert (root / "nngrade" / "autograder" / "plain.py").is_file()
    assert (root / "nngrade" / "autograder" / "plain_child.py").is_file()
    done = bundle_python(root, "-m", "nngrade", "check", "backprop",
                         env={"NNGRADE_SANDBOX": "plain", "COLUMNS": "200"})
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.count("no sandbox") == 1 and "(sandbox: plain)" in done.stdout
    assert "not implemented" in done.stdout and "✓" not in done.stdout, done.stdout


def test_bundle_builds_a_wheel_with_the_runtime(bundle, tmp_path):
    """Does `pip install .` have what it needs: a wheel with the runtime and its data files?"""
    _, root, _ = bundle
    source = tmp_path / "src"
    shutil.copytree(root, source)
    # Offline with the setuptools at hand when it can make wheels by itself; otherwise pip
    # fetches the build backend, as a student's `pip install .` does.
    import setuptools
    offline = (tuple(int(x) for x in setuptools.__version__.split(".")[:2]) >= (70, 1)
               or importlib.util.find_spec("wheel") is not None)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           *(["--no-build-isolation"] if offline else []),
                           "-w", str(tmp_path / "wheel"), str(source)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    wheel, = (tmp_path / "wheel").glob("nngrade_student-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(zf.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    shipped = {p.relative_to(root).as_posix() for p in (root / "nngrade").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert shipped <= names
    assert "nngrade = nngrade.cli:main" in entry_points
    assert not any(n.startswith("assignments/") for n in names)


def test_bundle_ships_the_fingerprints_of_the_public_examples(bundle):
    if importlib.util.find_spec("nngrade.autograder.fingerprints") is None:
        pytest.skip("fingerprints not built yet")
    _, root, _ = bundle
    (args, kwargs, returned), = FINGERPRINTS_SEEN
    assert list(args[0]) == [s.id for s in PRESENT]
    shipped = json.loads((root / release.BUNDLE_FINGERPRINTS).read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(returned))


def test_bundle_help_lists_only_the_student_commands(bundle):
    """A student's `nngrade --help` offers check, not the instructor's commands."""
    _, root, _ = bundle
    done = bundle_python(root, "-m", "nngrade", "--help", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "{check}" in done.stdout and "check your own files" in done.stdout
    for command in ("grade", "export", "release", "demo", "init"):
        assert not re.search(rf"\b{command}\b", done.stdout), done.stdout
    refused = bundle_python(root, "-m", "nngrade", "grade", "x", "--out", "y", timeout=60)
    assert refused.returncode == 2 and "invalid choice: 'grade'" in refused.stderr


@pytest.mark.parametrize("where", ["bundle root", "installed"])
def test_check_path_to_a_folder_holding_only_the_module(bundle, tmp_path, where):
    """The README's `--path DIR` advice: DIR holds only backprop.py; the public tests come from
    the bundle's assignments/ (run from its root) or the installed package (run elsewhere)."""
    _, root, _ = bundle
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(root / "assignments" / "04_backprop" / "backprop.py", mine / "backprop.py")
    cwd = None if where == "bundle root" else tmp_path
    done = bundle_python(root, "-m", "nngrade", "check", "backprop", "--path", str(mine), cwd=cwd)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr      # the stub: every test fails
    assert "04_backprop" in done.stdout and "not implemented" in done.stdout, done.stdout
