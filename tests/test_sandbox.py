"""The sandbox's contract, on every level this machine offers (bwrap, unshare, rlimit):
calls, errors with the submission's file and line, import problems, objects living in the
student's process, timeouts and crashes that fail one call only, probes, output capture."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from nngrade.autograder.sandbox import LEVELS, Limits, SandboxPool, SandboxUnavailable, probes
from nngrade.autograder.sandbox import launch
from nngrade.autograder.transport import Handle, Unsupported


@pytest.fixture(scope="module", params=LEVELS)
def pool(request):
    try:
        p = SandboxPool(slot=0, level=request.param)
    except SandboxUnavailable as e:
        pytest.skip(f"sandbox level {request.param!r} is not available here: {e}")
    yield p
    p.close()


def src(text: str) -> bytes:
    return textwrap.dedent(text).encode()


def no_processes_left(pool, wait=2.0):
    deadline = time.monotonic() + wait
    while pool.student_processes() and time.monotonic() < deadline:
        time.sleep(0.02)
    return pool.student_processes() == []


BASIC = src("""
    import warnings
    import numpy as np

    def scale(x, factor=2.0):
        print("scaling", x.shape)
        return x * factor

    def noisy():
        warnings.warn("careful", UserWarning)
        with np.errstate(divide="warn"):
            return float(np.log(np.float64(0.0)))

    def sub_in_place(w, g, lr):
        w -= lr * g
        return None

    def fail(n):
        return helper(n)

    def helper(n):
        return [1, 2][n]
""")


def test_a_call_returns_its_value_and_the_arguments_after_it(pool):
    x = np.arange(6.0).reshape(2, 3)
    with pool.session({"basic": BASIC}, {"basic": "hw3/basic.py"}) as s:
        r = s.call("basic", "scale", [x], {"factor": 0.5})
    assert r.status == "ok", r.error
    np.testing.assert_array_equal(r.value, x * 0.5)
    assert type(r.value) is np.ndarray and r.value.dtype == np.float64
    np.testing.assert_array_equal(r.args_after[0], x)
    assert r.kwargs_after == {"factor": 0.5}
    assert r.stdout == "scaling (2, 3)\n" and r.stdout_bytes == len(r.stdout)
    assert r.seconds >= 0 and r.wall > 0


def test_warnings_are_recorded_with_their_category(pool):
    with pool.session({"basic": BASIC}) as s:
        r = s.call("basic", "noisy")
    assert r.status == "ok" and r.value == -np.inf
    assert ["UserWarning", "careful"] in r.warnings
    assert any(c == "RuntimeWarning" and "divide by zero" in m for c, m in r.warnings)


def test_in_place_changes_show_in_args_after(pool):
    w, g = np.ones(3), np.array([1.0, 2.0, 3.0])
    with pool.session({"basic": BASIC}) as s:
        r = s.call("basic", "sub_in_place", [w, g, 0.1])
    assert r.status == "ok" and r.value is None
    np.testing.assert_allclose(r.args_after[0], [0.9, 0.8, 0.7])
    np.testing.assert_array_equal(w, np.ones(3))      # the grader's own array is untouched


def test_an_exception_names_the_submitted_file_and_line_and_only_student_frames(pool):
    with pool.session({"basic": BASIC}, {"basic": "hw3/basic.py"}) as s:
        r = s.call("basic", "fail", [5])
    assert r.status == "exception"
    e = r.error
    assert (e.type, e.message, e.file, e.line) == ("IndexError", "list index out of range",
                                                    "hw3/basic.py", 22)
    assert 'File "hw3/basic.py", line 19, in fail' in e.traceback
    assert 'File "hw3/basic.py", line 22, in helper' in e.traceback
    assert "/tmp" not in e.traceback and "child.py" not in e.traceback and "zygote" not in e.traceback


def test_wrong_call_signature_is_an_exception_not_a_crash(pool):
    with pool.session({"basic": BASIC}) as s:
        r = s.call("basic", "scale", [1.0, 2.0, 3.0])
        assert r.status == "exception" and r.error.type == "TypeError"
        assert "positional argument" in r.error.message
        assert s.call("basic", "scale", [np.ones(1)]).status == "ok"


def test_a_syntax_error_names_file_and_line(pool):
    bad = src("""
        def ok():
            return 1

        def broken(:
            pass
    """)
    with pool.session({"sgd": bad}, {"sgd": "student/sgd.py"}) as s:
        r = s.call("sgd", "ok")
    assert r.status == "import-error"
    assert r.error.type == "SyntaxError" and r.error.file == "student/sgd.py" and r.error.line == 5
    assert "student/sgd.py" in r.error.traceback


def test_an_exception_at_import_is_reported_the_same_way_each_time(pool):
    bad = src("""
        import numpy as np
        W = np.zeros((2, 3)) @ np.zeros((2, 3))
        def f():
            return 1
    """)
    with pool.session({"m": bad}, {"m": "m.py"}) as s:
        first, second = s.call("m", "f"), s.load("m")
    for r in (first, second):
        assert r.status == "import-error" and r.error.type == "ValueError"
        assert (r.error.file, r.error.line) == ("m.py", 3)
        assert "matmul" in r.error.message


def notebook_module(*cells: str) -> tuple[bytes, list[list[int]]]:
    """A module as intake makes one of a notebook: each cell after a `# %% cell N` line, the
    cells joined by a blank line; and intake's table of where each cell's code starts."""
    pieces, table, line = [], [], 1
    for number, cell in enumerate(cells, start=1):
        piece = f"# %% cell {number}\n{textwrap.dedent(cell).strip()}\n"
        table.append([number, line + 1])
        line += piece.count("\n") + 1
        pieces.append(piece)
    return "\n".join(pieces).encode(), table


DEMO_NOTEBOOK = notebook_module(
    """
    import numpy as np
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))
    """,
    "import keras\nmodel = keras.Sequential()",
    "x = sigmoid(0.0)\nraise ValueError('the demo broke')",
    "print('training')\nwhile True:\n    pass",
    "name = input('your name? ')",
    "def broken(:\n    pass",
    """
    def relu(a):
        helper = np.maximum(0.0, a)
        return helper + undefined_name
    """,
    "def identity(a):\n    return a",
)


def test_a_notebook_runs_cell_by_cell_and_a_failing_cell_fails_alone(pool):
    """Do an ImportError, an exception, a cell past its time, input() and a syntax error each
    fail their own cell only, named with the line in it, while the other cells' functions
    are there?"""
    source, table = DEMO_NOTEBOOK
    with pool.session({"activations": source}, {"activations": "hw/activations.ipynb"},
                      cells={"activations": table}) as s:
        load = s.load("activations", timeout=10, cell_seconds=1.5)
        sig, ident = s.call("activations", "sigmoid", [0.0]), s.call("activations", "identity", [3])
    assert load.status == "ok", load.error
    failed = {c.cell: c for c in load.cells}
    assert sorted(failed) == [2, 3, 4, 5, 6]
    assert [(failed[n].status, failed[n].error.type, failed[n].error.cell, failed[n].error.line)
            for n in sorted(failed) if n != 4] == [
        ("exception", "ModuleNotFoundError", 2, 1), ("exception", "ValueError", 3, 2),
        ("exception", "EOFError", 5, 1), ("exception", "SyntaxError", 6, 1)]
    stopped = failed[4]        # the loop is stopped on its `while` or its `pass`
    assert (stopped.status, stopped.error.type, stopped.error.cell) == ("timeout", "Timeout", 4)
    assert stopped.error.line in (2, 3)
    assert stopped.seconds == 1.5 and stopped.error.message == "ran longer than 1.5 s"
    assert "keras" in failed[2].error.message
    assert 'File "hw/activations.ipynb", cell 2, line 1' in failed[2].error.traceback
    assert "training" in load.stdout and "your name?" in load.stdout
    assert (sig.status, sig.value, ident.value) == ("ok", 0.5, 3)


def test_a_module_importing_a_notebook_gets_it_run_cell_by_cell(pool):
    """`from activations import sigmoid` in another module runs the notebook as its load would
    (its failing cells alone fail), and then both are one module object."""
    source, table = DEMO_NOTEBOOK
    user = src("""
        from activations import sigmoid
        import activations

        def twice(a):
            return 2 * sigmoid(a)

        def same():
            import sys
            return sys.modules["activations"] is activations
    """)
    with pool.session({"activations": source, "backprop": user},
                      {"activations": "hw/activations.ipynb", "backprop": "hw/backprop.py"},
                      cells={"activations": table}) as s:
        twice = s.call("backprop", "twice", [0.0], timeout=10)
        same = s.call("backprop", "same")
        load = s.load("activations")
    assert (twice.status, twice.value, same.value) == ("ok", 1.0, True), twice.error
    assert load.status == "ok" and [c.cell for c in load.cells] == [2, 3, 4, 5, 6]


def test_a_notebook_cell_importing_another_notebook_keeps_its_own_time(pool):
    """A cell that imports another notebook (whose cells are timed on their own) and then loops
    is still stopped at its own time, and the cells after it run."""
    helpers, helpers_table = notebook_module("def one():\n    return 1", "while True:\n    pass")
    main, main_table = notebook_module("import helpers\nwhile True:\n    pass",
                                       "def two():\n    return helpers.one() + 1")
    with pool.session({"helpers": helpers, "main": main},
                      {"helpers": "helpers.ipynb", "main": "main.ipynb"},
                      cells={"helpers": helpers_table, "main": main_table}) as s:
        load = s.load("main", timeout=10, cell_seconds=1.5)
        two = s.call("main", "two")
    assert load.status == "ok", load.error
    assert [(c.cell, c.status) for c in load.cells] == [(1, "timeout")]
    assert load.wall < 6 and (two.status, two.value) == ("ok", 2)


def test_errors_in_a_notebook_name_the_cell_and_the_line_in_it(pool):
    source, table = DEMO_NOTEBOOK
    with pool.session({"activations": source}, {"activations": "hw/activations.ipynb"},
                      cells={"activations": table}) as s:
        s.load("activations", timeout=10, cell_seconds=0.5)
        r = s.call("activations", "relu", [1.0])
    assert r.status == "exception" and r.error.type == "NameError"
    assert (r.error.file, r.error.cell, r.error.line) == ("hw/activations.ipynb", 7, 3)
    assert str(r.error).endswith("(hw/activations.ipynb, cell 7, line 3)")
    assert 'File "hw/activations.ipynb", cell 7, line 3, in relu' in r.error.traceback
    assert "return helper + undefined_name" in r.error.traceback


def test_cells_past_the_notebooks_time_are_not_run(pool):
    """When the notebook's whole time is used up, are the last cells skipped (and the load
    still answered in time)?"""
    source, table = notebook_module("while True:\n    pass", "while True:\n    pass",
                                    "def f():\n    return 1")
    with pool.session({"nb": source}, {"nb": "nb.ipynb"}, cells={"nb": table}) as s:
        load = s.load("nb", timeout=4.5, cell_seconds=2)      # 3 s for all cells
        missing = s.call("nb", "f")
    assert load.status == "ok", load.error
    assert [(c.cell, c.status) for c in load.cells] == [(1, "timeout"), (2, "timeout"),
                                                        (3, "skipped")]
    assert load.cells[1].error.message == "ran until the 3 s for all cells were used up"
    assert load.wall < 4.5 and missing.status == "missing"


def test_a_py_module_still_fails_whole_when_its_top_level_fails(pool):
    code = src("""
        def f():
            return 1
        import keras
    """)
    with pool.session({"m": code}, {"m": "hw/m.py"}) as s:
        r = s.call("m", "f")
    assert r.status == "import-error" and r.error.type == "ModuleNotFoundError"
    assert (r.error.file, r.error.cell, r.error.line) == ("hw/m.py", None, 4)


PLOTS = src("""
    import io, os
    import numpy as np
    import matplotlib
    import matplotlib.pyplot as plt

    plt.plot([0, 1], [1, 0])        # at import, as a demo would
    plt.show()

    def draw():
        fig, ax = plt.subplots()
        ax.plot(np.arange(5.0), np.arange(5.0) ** 2, label="squares")
        ax.set_title("squares")
        ax.legend()
        png = io.BytesIO()
        fig.savefig(png, format="png")
        shown = plt.show()
        return [matplotlib.get_backend(), shown, len(plt.get_fignums()), png.getvalue()[1:4].decode(),
                sorted(os.listdir(os.environ["TMPDIR"]))]
""")


def test_plotting_works_without_a_display_and_writes_nothing(pool):
    """Can student code import matplotlib and draw, with plt.show() doing nothing (no window,
    figures closed) and no cache or file written in its temp space?"""
    assert pool.describe()["plotting"].startswith("matplotlib ")
    with pool.session({"plots": PLOTS}, {"plots": "hw/plots.py"}) as s:
        r = s.call("plots", "draw")
    assert r.status == "ok", r.error
    assert r.value == ["agg", None, 0, "PNG", ["plots.py"]]
    assert r.warnings == [] and r.stdout == ""


# The same drawing, reaching the library through a name built at run time.
HIDDEN_PLOTS = src("""
    import importlib, io, os
    import numpy as np

    LIBRARY = "matplot" + "lib"

    def draw():
        library = importlib.import_module(LIBRARY)
        plt = importlib.import_module(LIBRARY + ".pyplot")
        fig, ax = plt.subplots()
        ax.plot(np.arange(5.0), np.arange(5.0) ** 2, label="squares")
        png = io.BytesIO()
        fig.savefig(png, format="png")
        shown = plt.show()
        return [library.get_backend(), shown, len(plt.get_fignums()), png.getvalue()[1:4].decode(),
                sorted(os.listdir(os.environ["TMPDIR"]))]
""")


def test_a_student_who_plots_without_naming_matplotlib_still_can():
    """A slot whose students name no plotting library does not import matplotlib for them; one
    who reaches it anyway imports it in their own process and draws as the others do."""
    from nngrade.autograder.plugin import StudentJob
    assert StudentJob("a", {"plots": PLOTS}).may_plot()
    assert not StudentJob("b", {"plots": HIDDEN_PLOTS}).may_plot()
    pool = SandboxPool(slot=3, preload_plotting=False)
    try:
        assert pool.describe()["plotting"].startswith("matplotlib shown, not imported")
        with pool.session({"plots": HIDDEN_PLOTS}, {"plots": "hw/plots.py"}) as s:
            r = s.call("plots", "draw")
    finally:
        pool.close()
    assert r.status == "ok", r.error
    # plt.show() is matplotlib's own here, and its font cache goes to the student's temp space
    backend, _shown, _figures, png, files = r.value
    assert (backend, png) == ("agg", "PNG") and "plots.py" in files


def test_module_names_may_be_any_python_identifier(pool):
    with pool.session({"활성화": src("def relu(x):\n    return max(0.0, x)\n")},
                      {"활성화": "과제/활성화.py"}) as s:
        assert s.call("활성화", "relu", [-2.0]).value == 0.0
        r = s.call("활성화", "relu", ["x"])
    assert r.status == "exception" and r.error.file == "과제/활성화.py" and r.error.line == 2


def test_missing_names_and_modules(pool):
    files = {"m": src("""
        VALUE = 3
        def f():
            return 1
    """)}
    with pool.session(files, {"m": "hw/m.py"}) as s:
        missing = s.call("m", "g")
        not_callable = s.call("m", "VALUE")
        not_submitted = s.call("backprop", "gradients")
    assert missing.status == "missing" and missing.error.type == "MissingName"
    assert "hw/m.py" in missing.error.message and "'g'" in missing.error.message
    assert not_callable.status == "missing" and not_callable.error.type == "NotCallable"
    assert not_submitted.status == "missing" and not_submitted.error.type == "NotSubmitted"
    assert "backprop.py was not submitted" in not_submitted.error.message


MLP = src("""
    import numpy as np

    class MLP:
        def __init__(self, sizes, seed=0):
            rng = np.random.default_rng(seed)
            self.params = {f"W{i+1}": rng.standard_normal((a, b)) * 0.1
                           for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))}
            self.steps = 0

        def forward(self, x):
            for k in sorted(self.params):
                x = np.tanh(x @ self.params[k])
            return x

        def fit(self, x, epochs=1):
            self.steps += epochs
            return self

        def layer(self, k):
            return Layer(self.params[k])

    class Layer:
        def __init__(self, w):
            self.w = w

        def norm(self):
            return float(np.linalg.norm(self.w))

    def total_steps(model):
        return model.steps
""")


def test_objects_live_in_the_student_process_and_are_used_through_handles(pool):
    with pool.session({"mnist": MLP}) as s:
        made = s.new("mnist", "MLP", [[4, 3, 2]], {"seed": 1})
        assert made.status == "ok" and type(made.value) is Handle and made.value.type == "MLP"
        model = made.value
        params = s.getattr(model, "params").value
        assert sorted(params) == ["W1", "W2"] and params["W1"].shape == (4, 3)
        assert s.setitem(model, "params", "W1", np.ones((4, 3))).status == "ok"
        x = np.full((1, 4), 0.5)
        out = s.method(model, "forward", [x])
        expected = np.tanh(np.tanh(x @ np.ones((4, 3))) @ params["W2"])
        np.testing.assert_allclose(out.value, expected, rtol=1e-12)
        fitted = s.method(model, "fit", [x], {"epochs": 3})
        assert type(fitted.value) is Handle and fitted.value.id == model.id   # fit returned self
        assert s.call("mnist", "total_steps", [model]).value == 3
        assert s.setattr(model, "steps", 10).status == "ok"
        assert s.getattr(model, "steps").value == 10
        plain = s.method(model, "layer", ["W2"])
        assert plain.status == "bad-value" and type(plain.value) is Unsupported
        layer = s.method(model, "layer", ["W2"], as_handle=True).value
        assert type(layer) is Handle and layer.type == "Layer"
        norm = s.method(layer, "norm").value
        assert norm == pytest.approx(np.linalg.norm(params["W2"]))


def test_a_timeout_fails_that_call_only_and_lost_objects_are_reported(pool):
    code = src("""
        class Box:
            pass
        def spin():
            while True:
                pass
        def ok():
            return "fine"
    """)
    with pool.session({"m": code}) as s:
        box = s.new("m", "Box").value
        t0 = time.monotonic()
        r = s.call("m", "spin", timeout=0.5)
        assert r.status == "timeout" and "0.5 s" in r.error.message
        assert time.monotonic() - t0 < 3
        assert s.call("m", "ok").value == "fine"
        lost = s.getattr(box, "x")
        assert lost.status == "crashed" and "Box" in lost.error.message
    assert no_processes_left(pool)


def test_the_cpu_limit_ends_a_busy_call_as_a_timeout(pool):
    code = src("""
        def spin():
            while True:
                pass
    """)
    with pool.session({"m": code}, limits=Limits(cpu_seconds=1, timeout=30)) as s:
        r = s.call("m", "spin")
    assert r.status == "timeout" and "CPU" in r.error.message


def test_the_session_budget_stops_further_calls(pool):
    code = src("""
        def spin():
            while True:
                pass
    """)
    with pool.session({"m": code}, limits=Limits(budget=0.9, timeout=0.5)) as s:
        assert s.call("m", "spin").status == "timeout"
        assert s.call("m", "spin").status == "budget"      # cut short by the budget
        third = s.call("m", "spin")
        assert third.status == "budget" and third.wall == 0.0


GD = src("""
    import numpy as np

    def gradient_descent(grad, x0, lr, steps):
        x = x0
        for _ in range(steps):
            x = x - lr * grad(x)
        return x

    def apply(f, x):
        return f(x)

    def minimise(f, params, lr, steps, h=1e-6):
        params = {k: np.array(v, dtype=float) for k, v in params.items()}
        for _ in range(steps):
            grads = {}
            for k, v in params.items():
                g = np.zeros_like(v)
                for i in np.ndindex(v.shape):
                    old = v[i]
                    v[i] = old + h; up = f(params)
                    v[i] = old - h; down = f(params)
                    v[i] = old
                    g[i] = (up - down) / (2 * h)
                grads[k] = g
            for k in params:
                params[k] -= lr * grads[k]
        return params

    def loss(params, weight=1.0):
        return weight * float(np.sum((params["w"] - 3.0) ** 2))
""")


def test_probes_are_callables_in_both_processes(pool):
    grad = probes.quadratic_grad(center=np.array([1.0, -2.0]), scale=0.5)
    quad = probes.quadratic(center=2.0, scale=3.0, offset=1.0)
    sig = probes.numpy_fn("sigmoid")
    dq = probes.dict_quadratic({"a": np.array([1.0, 2.0]), "b": 0.5}, {"a": 1.0, "b": 2.0}, cross=0.3)
    mf = probes.module_function("gd", "loss", {"weight": 2.0})
    with pool.session({"gd": GD}) as s:
        x = s.call("gd", "gradient_descent", [grad, np.zeros(2), 0.5, 200]).value
        np.testing.assert_allclose(x, [1.0, -2.0], atol=1e-10)
        assert s.call("gd", "apply", [quad, 4.0]).value == quad(4.0) == 13.0
        assert s.call("gd", "apply", [quad, np.array([2.0, 3.0])]).value == quad(np.array([2.0, 3.0]))
        np.testing.assert_allclose(s.call("gd", "apply", [sig, np.array([0.0, 2.0])]).value,
                                   1 / (1 + np.exp(-np.array([0.0, 2.0]))), rtol=1e-15)
        p0 = {"a": np.zeros(2), "b": np.array(0.0)}
        remote = s.call("gd", "minimise", [dq, p0, 0.1, 5]).value
        local = {k: v for k, v in p0.items()}

        def gradient(p):   # the analytic gradient of dq (no probe carries one)
            c = dq.args["cross"]
            return {"a": 2.0 * 1.0 * (p["a"] - dq.args["centers"]["a"]) + c * float(np.sum(p["b"])),
                    "b": 2.0 * 2.0 * (p["b"] - 0.5) + c * float(np.sum(p["a"]))}
        for _ in range(5):   # the same iteration, done here with the analytic gradient
            g = gradient(local)
            local = {k: local[k] - 0.1 * g[k] for k in local}
        for k in local:
            np.testing.assert_allclose(remote[k], local[k], rtol=1e-6)
        assert not np.allclose(gradient(p0)["a"], gradient(p0)["b"])
        assert not hasattr(dq, "gradient")
        w = s.call("gd", "minimise", [mf, {"w": np.array([0.0])}, 0.1, 3]).value["w"]
        np.testing.assert_allclose(w, 3.0 - 3.0 * (1 - 0.4) ** 3, rtol=1e-6)
    import types
    ref = types.SimpleNamespace(loss=lambda params, weight=1.0: weight * float(np.sum(params["w"] ** 2)))
    assert mf.bind(ref)({"w": np.array([2.0])}) == 8.0
    with pytest.raises(probes.ProbeError):
        probes.numpy_fn("system")


def test_student_files_named_like_the_standard_library_or_numpy_do_not_shadow(pool):
    files = {
        "main": src("""
            import json, numpy, statistics
            def check():
                return [json.dumps({"a": 1}), float(numpy.mean([1.0, 3.0])), statistics.mean([2, 4])]
        """),
        "json": src("raise SystemExit('student json.py was imported')"),
        "numpy": src("raise SystemExit('student numpy.py was imported')"),
        "statistics": src("raise SystemExit('student statistics.py was imported')"),
    }
    with pool.session(files) as s:
        r = s.call("main", "check")
    assert r.status == "ok", r.error
    assert r.value == ['{"a": 1}', 2.0, 3]


def test_exit_at_import_or_mid_call_fails_that_call_and_the_next_works(pool):
    files = {
        "sysexit": src("import sys\nsys.exit(0)\n"),
        "osexit": src("import os\nos._exit(0)\n"),
        "m": src("""
            import os, sys
            def quit_sys():
                sys.exit(0)
            def quit_os():
                os._exit(3)
            def ok():
                return 1
        """),
    }
    with pool.session(files) as s:
        r = s.call("sysexit", "f")
        assert r.status == "import-error" and r.error.type == "SystemExit"
        r = s.call("osexit", "f")
        assert r.status == "crashed" and "exited (code 0)" in r.error.message
        assert s.call("m", "ok").value == 1
        r = s.call("m", "quit_sys")
        assert r.status == "exception" and r.error.type == "SystemExit"
        assert s.call("m", "ok").value == 1
        r = s.call("m", "quit_os")
        assert r.status == "crashed" and "code 3" in r.error.message
        assert s.call("m", "ok").value == 1


def test_megabytes_of_output_are_counted_kept_to_4_kib_and_never_reach_the_grader(pool, capfd):
    code = src("""
        import os, sys
        def flood():
            for _ in range(200):
                print("x" * 10_000)
            sys.stderr.write("E" * 50_000)
            os.write(1, b"fd1" * 100_000)
            os.write(2, b"fd2" * 100_000)
            sys.__stdout__.write("raw" * 1000)
            return "done"
    """)
    with pool.session({"m": code}) as s:
        r = s.call("m", "flood")
        again = s.call("m", "flood")
    assert r.status == "ok" and r.value == "done"
    assert r.stdout.startswith("xxxx") and len(r.stdout.encode()) <= 4096
    assert r.stdout_bytes >= 200 * 10_001 + 50_000 + 600_000 + 3000
    assert again.stdout_bytes == r.stdout_bytes        # counted afresh for each call
    out, err = capfd.readouterr()
    assert "xxxx" not in out + err and "fd1" not in out + err and "raw" not in out + err


def test_big_arrays_cross_both_ways(pool):
    x = np.random.default_rng(0).standard_normal((2000, 784))
    code = src("""
        import numpy as np
        def forward(x, w):
            return np.maximum(0, x @ w)
    """)
    w = np.random.default_rng(1).standard_normal((784, 64)) * 0.05
    with pool.session({"m": code}) as s:
        r = s.call("m", "forward", [x, w], args_after=False)
    assert r.status == "ok" and r.args_after is None
    # one BLAS thread in the sandbox, several here: sums run in another order (~1e-11 relative)
    np.testing.assert_allclose(r.value, np.maximum(0, x @ w), rtol=1e-9, atol=1e-12)


def test_one_session_at_a_time_per_pool(pool):
    s = pool.session({"m": b"def f():\n    return 1\n"})
    try:
        with pytest.raises(RuntimeError, match="one pool per job slot"):
            pool.session({"m": b""})
    finally:
        s.close()
    with pytest.raises(RuntimeError, match="closed"):
        s.call("m", "f")


def test_bad_submissions_are_refused_with_a_clear_message(pool):
    with pytest.raises(ValueError, match="identifier"):
        pool.session({"../evil": b""})
    with pytest.raises(ValueError, match="identifier"):
        pool.session({"a.b": b""})
    with pytest.raises(TypeError, match="bytes"):
        pool.session({"m": 12})


def test_describe_states_each_layer_in_plain_words(pool):
    d = pool.describe()
    layers = {x["name"]: x for x in d["layers"]}
    assert d["level"] == pool.level and {"rlimits", "uid", "seccomp", "pid-namespace", "network",
                                         "filesystem", "bwrap"} <= set(layers)
    isolated = pool.level in ("bwrap", "unshare")
    filtered, fenced = layers["seccomp"]["active"], layers["landlock"]["active"]
    assert filtered, layers["seccomp"]["detail"]     # this machine's kernel has seccomp filters
    assert fenced, layers["landlock"]["detail"]      # and Landlock
    assert layers["network"]["active"] is (isolated or filtered)
    assert layers["filesystem"]["active"] is (isolated or fenced)
    assert layers["pid-namespace"]["active"] is isolated
    assert layers["bwrap"]["active"] is (pool.level == "bwrap")
    if not isolated:
        assert "refuses socket()" in layers["network"]["detail"]
        assert "Landlock confines" in layers["filesystem"]["detail"]
    if os.geteuid() == 0:
        assert layers["uid"]["active"] and "uid 6" in layers["uid"]["detail"]
    json.dumps(d)   # goes into results.json as is


def test_landlock_lets_student_code_read_the_runtime_and_write_only_its_directory(pool):
    code = src("""
        import os
        def probe():
            out = {}
            for p in ("/etc/passwd", os.__file__, "/usr/bin/env"):
                try:
                    with open(p, "rb") as f:
                        out[p] = len(f.read(10))
                except OSError as e:
                    out[p] = type(e).__name__
            for p in ("mine.txt", "/tmp/elsewhere.txt", "/dev/shm/x", "/var/tmp/x"):
                try:
                    with open(p, "w") as f:
                        f.write("x")
                    out[p] = "written"
                except OSError as e:
                    out[p] = type(e).__name__
            import decimal, fractions, sqlite3, xml.dom.minidom, email.mime.text, ctypes  # noqa
            import numpy as np
            out["numpy"] = float(np.linalg.det(np.eye(3) * 2) + np.fft.fft(np.ones(4))[0].real)
            return out
    """)
    with pool.session({"m": code}) as s:
        r = s.call("m", "probe")
    assert r.status == "ok", r.error
    v = r.value
    assert v["/etc/passwd"] in ("PermissionError", "FileNotFoundError")
    assert v["/usr/bin/env"] in ("PermissionError", "FileNotFoundError")
    assert [k for k, x in v.items() if x == 10] and v["mine.txt"] == "written"
    assert {v[p] for p in ("/dev/shm/x", "/var/tmp/x")} <= \
        {"PermissionError", "FileNotFoundError", "OSError"}
    # /tmp is the student's own (private, wiped) temp space only where namespaces make it so
    private_tmp = pool.level in ("bwrap", "unshare")
    assert v["/tmp/elsewhere.txt"] == ("written" if private_tmp else "PermissionError")
    assert v["numpy"] == pytest.approx(12.0)


def test_the_seccomp_filter_refuses_sockets_signals_and_ptrace(pool):
    code = src("""
        import ctypes, os, signal, socket
        def probe():
            out = {}
            for name, act in [("inet", lambda: socket.socket()),
                              ("unix", lambda: socket.socket(socket.AF_UNIX)),
                              ("kill_parent", lambda: os.kill(os.getppid(), 0)),
                              ("kill_all", lambda: os.kill(-1, 0)),
                              ("kill_self", lambda: os.kill(os.getpid(), 0)),
                              ("pair", lambda: socket.socketpair())]:
                try:
                    act()
                    out[name] = "allowed"
                except OSError as e:
                    out[name] = type(e).__name__
            libc = ctypes.CDLL(None, use_errno=True)
            out["ptrace"] = libc.ptrace(16, os.getppid(), 0, 0)    # PTRACE_ATTACH
            return out
    """)
    with pool.session({"m": code}) as s:
        r = s.call("m", "probe")
    assert r.value == {"inet": "PermissionError", "unix": "PermissionError",
                       "kill_parent": "PermissionError", "kill_all": "PermissionError",
                       "kill_self": "allowed", "pair": "allowed", "ptrace": -1}


def test_the_level_can_be_forced_and_unknown_levels_are_refused(monkeypatch):
    monkeypatch.setenv("NNGRADE_SANDBOX", "rlimit")
    with SandboxPool(slot=3) as p:
        assert p.level == "rlimit"
        with p.session({"m": b"def f():\n    return 2\n"}) as s:
            assert s.call("m", "f").value == 2
    with pytest.raises(ValueError, match="bwrap, unshare, rlimit"):
        SandboxPool(level="docker")


def test_two_pools_with_the_same_slot_do_not_share_a_uid():
    if os.geteuid() != 0:
        pytest.skip("uids are leased only when grading as root")
    with SandboxPool(slot=7, level="rlimit") as a, SandboxPool(slot=7, level="rlimit") as b:
        ua, ub = a.describe()["layers"][1]["detail"], b.describe()["layers"][1]["detail"]
        assert ua != ub


NON_ROOT_SCRIPT = """
import json, os, sys, numpy as np
from nngrade.autograder.sandbox import SandboxPool
code = b'''
import os, socket
def probe():
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1)
        net = "connected"
    except OSError as e:
        net = type(e).__name__
    return [os.getuid(), net, os.path.exists(SOLUTIONS)]
'''.replace(b"SOLUTIONS", repr(sys.argv[1]).encode())
with SandboxPool(slot=0) as pool:
    with pool.session({"m": code}) as s:
        r = s.call("m", "probe")
    print(json.dumps({"level": pool.level, "uid": os.getuid(), "value": r.value,
                      "left": pool.student_processes(),
                      "uid_layer": pool.describe()["layers"][1]}))
"""


def test_as_a_normal_user_the_bwrap_level_still_works(tmp_path):
    """Run a grading process as `nobody` (no root, no uid drop needed)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None or shutil.which("bwrap") is None:
        pytest.skip("needs root (to become another user) with setpriv and bwrap")
    interp = launch.world_readable_interpreter()
    from nngrade import paths
    farm = Path(tempfile.mkdtemp(prefix="nngrade-nonroot-"))
    try:
        (farm / "nngrade").mkdir()
        for entry in paths.PACKAGE_DIR.iterdir():
            (farm / "nngrade" / entry.name).symlink_to(entry)
        for name, target in (("autograder", paths.AUTOGRADER_DIR), ("solutions", paths.SOLUTIONS_DIR),
                             ("templates", paths.TEMPLATES_DIR)):
            if not (farm / "nngrade" / name).exists():
                (farm / "nngrade" / name).symlink_to(target)
        (farm / "run.py").write_text(NON_ROOT_SCRIPT)
        for p in [farm, farm / "nngrade", farm / "run.py"]:
            os.chmod(p, 0o755)
        if not launch.world_readable(str(paths.AUTOGRADER_DIR / "sandbox" / "pool.py")):
            pytest.skip("the kit's files are not readable by other users here")
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{farm}:{interp.site}", "HOME": "/tmp"}
        proc = subprocess.run(
            ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
             interp.executable, str(farm / "run.py"), str(paths.SOLUTIONS_DIR)],
            env=env, capture_output=True, text=True, timeout=60, cwd="/tmp")
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(farm, ignore_errors=True)
    assert out["level"] == "bwrap" and out["uid"] == 65534
    assert out["value"][0] == 65534 and out["value"][1] != "connected" and out["value"][2] is False
    assert out["left"] == []
    assert "user namespace" in out["uid_layer"]["detail"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the runtime folder keeps answers only for root")
def test_what_a_binary_said_is_kept_until_the_binary_changes(tmp_path, monkeypatch):
    """ldd's and the base Python's answers are kept per binary version in the runtime folder:
    asked once, read back after, asked again when the binary changes."""
    from nngrade.autograder.sandbox import launch
    monkeypatch.setenv("NNGRADE_RUNTIME_DIR", str(tmp_path / "runtime"))
    binary = tmp_path / "tool"
    binary.write_bytes(b"one")
    asked = []

    def produce():
        asked.append(1)
        return {"answer": len(asked)}
    assert launch._binary_facts("probe", str(binary), produce) == {"answer": 1}
    assert launch._binary_facts("probe", str(binary), produce) == {"answer": 1}
    assert len(asked) == 1
    binary.write_bytes(b"two, longer")
    assert launch._binary_facts("probe", str(binary), produce) == {"answer": 2}
    assert launch._binary_facts("other", str(binary), produce) == {"answer": 3}  # another question
