"""Values a student's function returns, fuzzed with hypothesis, through the real sandbox and the
real tests of the function (public and hidden).

A generated submission computes the right answer, then returns an expression of it (a dtype
change, a wrapping, a string, a NaN, a huge or deep value ...) or a raw value instead. For every
example: the grader never crashes (each test passes or fails with a message, never a grader
error), and a test passes only when every value the student returned equals the reference's on
the same arguments by this file's own strict rule: numbers (bool counts as 0/1; never a string,
bytes, None or complex), the same shape (a size-1 value for a scalar aside), within the
tolerance of CURRICULUM.md.
"""
from __future__ import annotations

import copy
import importlib.util
import inspect
import math
import re
import textwrap
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngrade.autograder.backends import SandboxStudent
from nngrade.autograder.plugin import StudentJob, _meta_of
from nngrade.autograder.probe import GradingFailure, StudentProbe
from nngrade.autograder.reference import load_reference
from nngrade.autograder.sandbox import SandboxPool
from nngrade.autograder.sets import find_set

pytestmark = pytest.mark.slow   # the everyday tier leaves it out: pytest -m "not slow"


@dataclass(frozen=True)
class Target:
    set_id: str
    module: str
    function: str
    signature: str
    honest: str          # body computing r, the right answer
    rtol: float
    helpers: str = ""    # module-level code the body uses (xor_gate's gates: it is graded on
                         # being built from them)


TARGETS = {
    "sigmoid": Target("01_activations", "activations", "sigmoid", "a", """
        a = np.asarray(a, dtype=np.float64)
        e = np.exp(-np.abs(a))
        r = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))""", 1e-7),
    "mse": Target("03_loss", "loss", "mse", "t, y", """
        r = float(0.5 * np.sum((np.asarray(t, dtype=np.float64) - np.asarray(y, dtype=np.float64)) ** 2))""",
                  1e-5),
    "xor_gate": Target("09_perceptron", "perceptron", "xor_gate", "x1, x2", """
        r = and_gate(nand_gate(x1, x2), or_gate(x1, x2))""", 1e-7, helpers="""
def and_gate(x1, x2):
    return 1 if x1 + x2 > 1.5 else -1


def or_gate(x1, x2):
    return 1 if x1 + x2 > -1.5 else -1


def nand_gate(x1, x2):
    return -and_gate(x1, x2)
"""),
    "apple_graph": Target("10_compgraph", "compgraph", "apple_graph", "price=100, count=2, tax=1.1", """
        r = (price * count * tax, {"price": count * tax, "count": price * tax, "tax": price * count})""",
                          1e-7),
}


def submission(target: Target, expression: str) -> bytes:
    body = textwrap.dedent(target.honest).strip("\n")
    return (f"import numpy as np\n{target.helpers}\n\ndef {target.function}({target.signature}):\n"
            f"{textwrap.indent(body, '    ')}\n    return {expression}\n").encode()


PLOT_INPUTS = []    # inputs the suites use only to draw a curve (never compared)


def _tests_of(target: Target):
    """The public and hidden test functions of the target, with their metadata."""
    found = []
    for path in (find_set(target.set_id).file("test_public.py"),
                 find_set(target.set_id).file("test_hidden.py")):
        if not path.is_file():
            continue
        spec = importlib.util.spec_from_file_location(f"fuzz_{path.parent.name}_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if isinstance(getattr(module, "CURVE_X", None), np.ndarray):
            PLOT_INPUTS.append(module.CURVE_X)
        for name, fn in vars(module).items():
            marks = {m.name: m.args for m in getattr(fn, "pytestmark", [])}
            if name.startswith("test_") and marks.get("function") == (target.function,):
                found.append((fn, _meta_of(_FakeItem(module, fn, path))))
    assert found, f"no test of {target.function}"
    return found


class _FakeItem:
    """What plugin._meta_of reads from a pytest item."""

    def __init__(self, module, fn, path):
        self.module, self.fspath, self.name = module, path, fn.__name__
        self._marks = {m.name: m for m in getattr(fn, "pytestmark", [])}

    def get_closest_marker(self, name):
        return self._marks.get(name)

    @property
    def nodeid(self):
        return f"{self.fspath}::{self.name}"


TESTS = {name: _tests_of(t) for name, t in TARGETS.items()}
REFERENCES = {t.set_id: load_reference(t.set_id) for t in TARGETS.values()}


# ---- the oracle: equal to the reference by this file's own rule ------------------------------------


def _numeric(x):
    """A float array for a number, numeric array or rectangular nest of numbers; else None."""
    if isinstance(x, (bool, int, float, np.bool_, np.integer, np.floating)):
        try:
            return np.asarray(float(x))
        except OverflowError:
            return np.asarray(math.inf if x > 0 else -math.inf)
    if isinstance(x, np.ndarray):
        return x.astype(np.float64) if x.dtype.kind in "biuf" else None
    if isinstance(x, (list, tuple)):
        parts = [_numeric(v) for v in x]
        if any(p is None for p in parts) or len({p.shape for p in parts}) > 1:
            return None
        return np.stack(parts) if parts else np.zeros(0)
    return None


def equal(got, expected, rtol: float) -> bool:
    if isinstance(expected, dict):
        return (isinstance(got, dict) and set(got) == set(expected)
                and all(equal(got[k], expected[k], rtol) for k in expected))
    exp = _numeric(expected)
    if exp is None:          # a structure: (total, dict) ...
        return (isinstance(got, (list, tuple)) and len(got) == len(expected)
                and all(equal(g, e, rtol) for g, e in zip(got, expected)))
    g = _numeric(got)
    if g is None:
        return False
    if exp.ndim == 0 and g.size == 1:
        g = g.reshape(())
    if g.shape != exp.shape:
        return False
    finite = np.isfinite(exp)
    atol = 1e-10 * max(1.0, float(np.abs(exp[finite]).max()) if finite.any() else 1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(g - exp) <= np.maximum(rtol * np.abs(exp), atol)
    same_special = (np.isnan(g) & np.isnan(exp)) | (np.isinf(g) & (g == exp))
    return bool((close | same_special).all())


# ---- values -------------------------------------------------------------------------------------


def literal(value) -> str:
    """Python source for a plain value (floats that repr cannot write included)."""
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return f'float("{"inf" if value > 0 else "-inf"}")'
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + "".join(literal(v) + ", " for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


plain = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**40), 10**40)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8) | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)
raw = plain.map(literal)

DTYPES = ["np.float16", "np.float32", "np.int8", "np.uint64", "np.bool_", "np.complex128",
          "object", "'U8'", "'S4'", "'M8[s]'", "[('a', 'f8')]", "'>f8'"]
SHAPES = ["()", "(0,)", "(1,)", "(3,)", "(7, 5)", "(1, 1, 1)", "(2, 0, 3)"]
arrays = st.builds(lambda make, shape, dtype: f"np.{make}({shape}, dtype={dtype})",
                   st.sampled_from(["zeros", "ones", "empty"]), st.sampled_from(SHAPES),
                   st.sampled_from(DTYPES))

# Expressions of r, the right answer: some keep the value, most change it in some way.
TRANSFORMS = [
    "r", "np.asarray(r)", "np.asarray(r).astype(np.float16)", "np.asarray(r).astype(np.float32)",
    "np.asarray(r).astype(np.int8)", "np.asarray(r).astype(bool)", "np.asarray(r).astype(complex)",
    "np.asarray(r, dtype=object)", "np.asarray(r).astype(str)", "np.asarray(r).tolist()",
    "str(r)", "repr(r)", "[r]", "(r,)", "{'value': r}", "[r, r]", "np.asarray(r)[..., None]",
    "np.asarray(r).T", "np.asarray(r).ravel()", "np.asarray(r) + 1e-9", "np.asarray(r) * (1 + 1e-6)",
    "np.full(np.shape(r), np.nan)", "np.full(np.shape(r), np.inf)", "np.asarray(r) * 1e308 * 10",
    "np.asarray(r) * 1e-320", "np.asarray(r, dtype=np.float64).view([('a', 'f8')])",
    "np.asarray(r).tolist() if np.ndim(r) else [[[r]]]",
    "[[str(v) for v in row] for row in np.atleast_2d(r).tolist()]",
    "[str(v) for v in np.ravel(r).tolist()]", "str(float(np.ravel(r)[0]))",
    "[v.encode() for v in map(str, np.ravel(r).tolist())]", "int(np.ravel(r)[0]) * 10**400",
    "bool(np.ravel(r)[0])", "None", "{'a': r, 'b': None}", "np.matrix(np.atleast_2d(r))",
    "np.ma.masked_array(np.asarray(r))", "(lambda x: x)", "object()", "type(r)", "...",
    "np.float64(np.ravel(r)[0])", "np.asarray(r)[::-1]", "np.asfortranarray(np.atleast_2d(r))",
    "np.broadcast_to(np.asarray(r), (2,) + np.shape(r))", "__import__('fractions').Fraction(1, 3)",
    "__import__('decimal').Decimal('1.5')", "range(3)", "bytearray(b'1')", "{1, 2}",
    "frozenset()", "float(np.ravel(r)[0])", "-np.asarray(r)", "np.asarray(r) == np.asarray(r)",
]
transformed = st.sampled_from(TRANSFORMS)


def nested(expr: str, depth: int) -> str:
    for _ in range(depth):
        expr = f"[{expr}]"
    return expr


values = st.one_of(
    transformed,
    st.builds(lambda t, d: nested(t, d), transformed, st.integers(1, 40)),
    st.builds(lambda t1, t2: re.sub(r"\br\b", lambda _: f"({t2})", t1, count=1), transformed, transformed),
    raw,
    arrays,
)


# ---- grading one example ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool():
    p = SandboxPool(slot=11)
    yield p
    p.close()


def grade(pool, target: Target, expression: str):
    """Run every test of the target on the submission; per test (name, outcome, detail)."""
    job = StudentJob("fuzz-student", {target.module: submission(target, expression)})
    student = SandboxStudent(pool, job)
    outcomes = []
    try:
        for fn, meta in TESTS[target.function]:
            probe = StudentProbe(meta.set_id, student.for_set(meta.set_id), student_id="fuzz-student",
                                 salt="fuzz-salt", lang="en", test_name=meta.name,
                                 file_name=f"{target.module}.py")
            kwargs = {"student": probe}
            if "reference" in inspect.signature(fn).parameters:
                kwargs["reference"] = REFERENCES[meta.set_id]
            try:
                fn(**kwargs)
                outcomes.append((meta.name, "passed", probe))
            except GradingFailure as exc:
                outcomes.append((meta.name, "failed", exc.summary))
            except AssertionError as exc:
                outcomes.append((meta.name, "failed", str(exc)))
            except Exception as exc:     # what the plugin would report as a grader error
                outcomes.append((meta.name, "grader-error", f"{type(exc).__name__}: {exc}"[:300]))
    finally:
        student.close()
    return outcomes


def _plot_call(record) -> bool:
    first = record.args[0] if record.args else None
    return isinstance(first, np.ndarray) and any(
        first.shape == x.shape and np.array_equal(first, x) for x in PLOT_INPUTS)


def unequal_calls(target: Target, probe: StudentProbe) -> list[str]:
    """Calls of a passed test whose value differs from the reference's on the same arguments."""
    reference = REFERENCES[target.set_id]
    bad = []
    for record in probe.calls:
        if record.outcome.status != "ok" or _plot_call(record):
            continue
        fn = getattr(reference, record.target)
        expected = fn(*copy.deepcopy(record.args), **copy.deepcopy(record.kwargs))
        if not equal(record.outcome.value, expected, target.rtol):
            bad.append(f"{record.describe()[:120]} returned {record.outcome.value!r:.120} "
                       f"where {expected!r:.120} was expected")
    return bad


def check(pool, name: str, expression: str) -> None:
    target = TARGETS[name]
    outcomes = grade(pool, target, expression)
    assert len(outcomes) == len(TESTS[name])
    errors = [(test, detail) for test, status, detail in outcomes if status == "grader-error"]
    assert errors == [], f"{name} returning {expression}: the grader failed on {errors}"
    for test, status, probe in outcomes:
        if status == "passed":
            bad = unequal_calls(target, probe)
            assert bad == [], f"{test} passed although {bad[0]}"


# ---- the properties --------------------------------------------------------------------------------


def test_the_oracle_tells_right_from_wrong():
    assert equal([1, -1], np.array([1.0, -1.0]), 1e-7)
    assert equal(np.float32(0.5), 0.5, 1e-7) and equal([[0.5]], 0.5, 1e-7)
    assert not equal(["1", "-1"], [1, -1], 1e-7)
    assert not equal(None, float("nan"), 1e-7) and not equal(1 + 0j, 1.0, 1e-7)
    assert not equal([1, 2], [[1, 2]], 1e-7)
    assert equal((2.0, {"a": 1}), (2.0, {"a": 1.0}), 1e-7)


@pytest.mark.parametrize("name", list(TARGETS))
def test_the_right_answer_passes_every_test(pool, name):
    """Else the generated submissions would prove nothing."""
    outcomes = grade(pool, TARGETS[name], "r")
    assert [(t, s, d) for t, s, d in outcomes if s != "passed"] == []


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(list(TARGETS)), expression=values)
def test_any_returned_value_is_graded_and_passes_only_when_right(pool, name, expression):
    check(pool, name, expression)


# What the fuzzing found, kept as fixed examples (each failed when it was found).
FOUND = [
    ("xor_gate", "str(r)"),                                        # '-1' passed as -1
    ("xor_gate", "str(float(np.ravel(r)[0]))"),                    # '-1.0' passed as -1
    ("mse", "[str(v) for v in np.ravel(r).tolist()]"),             # ['0.42'] passed as 0.42
    ("sigmoid", "[[str(v) for v in row] for row in np.atleast_2d(r).tolist()]"),
    ("sigmoid", "str(r)"),                                         # ValueError in the suite
    ("sigmoid", "{'value': r}"),                                   # TypeError in the suite
    ("sigmoid", "[[0.5, 0.5], [0.5]]"),                            # ragged: ValueError in the suite
    ("mse", "int(np.ravel(r)[0]) * 10**400"),                      # OverflowError in compare
    ("xor_gate", "r * 10**400"),
    ("apple_graph", "(int(r[0]) * 10**400, r[1])"),
]


@pytest.mark.parametrize("name,expression", FOUND, ids=[f"{n}:{e}" for n, e in FOUND])
def test_values_found_by_fuzzing(pool, name, expression):
    check(pool, name, expression)
