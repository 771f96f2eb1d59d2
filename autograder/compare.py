"""Comparing a student's value with the expected one, and saying how they differ.

Values are plain data (numbers, arrays, lists, tuples, dicts) as they come out of the transport.
A mismatch reads like pytest's ``approx``: the shape first, then how many elements differ, the
largest differences and a small index | obtained | expected table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Number

import numpy as np

from nngrade.autograder.messages import say

# name -> (relative tolerance, absolute floor as a fraction of max(1, max|expected|))
TOLERANCES: dict[str, tuple[float, float]] = {
    "analytic": (1e-7, 1e-10),
    "loss": (1e-5, 1e-10),
    "numgrad": (1e-4, 1e-10),
    "trained": (1e-6, 1e-10),
    "exact": (0.0, 0.0),
}

# name -> the kit catalogue's key of its sentence ("relative 1e-7 (absolute floor ...)")
TOLERANCE_KEYS = {name: f"tol-{name}" for name in TOLERANCES}

TABLE_ROWS = 5


class _Said:
    """A sentence of the kit's catalogue inside another one's field, said in the same language."""

    def __init__(self, key: str, **fields):
        self.key, self.fields = key, fields

    def render(self, lang: str) -> str:
        return _line((self.key, self.fields), lang)


class _Joined:
    def __init__(self, parts: list, sep: str):
        self.parts, self.sep = parts, sep

    def render(self, lang: str) -> str:
        return self.sep.join(p.render(lang) for p in self.parts)


def _line(item, lang: str) -> str:
    """A line of a Difference: (key of the kit's catalogue without "msg:", fields[, indent]), or a
    str kept as it is (a row of numbers)."""
    if isinstance(item, str):
        return item
    key, fields, *indent = item
    return "".join(indent) + say(key, lang, **{
        k: v.render(lang) if isinstance(v, (_Said, _Joined)) else v for k, v in fields.items()})


@dataclass
class Difference:
    """Why two values are not the same, in words a student can act on (in any language: the
    sentences are kept as catalogue keys and rendered on demand)."""
    kind: str                 # "shape" | "type" | "value" | "keys" | "length" | "nonfinite"
    said: tuple               # one line, safe for hidden tests (no expected values): (key, fields)
    lines: list = field(default_factory=list)  # lines with expected values (visible tests)
    path: str = ""            # where inside a nested value, e.g. "['W1']" or "[0]"

    def summary_text(self, lang: str = "en") -> str:
        summary = _line(self.said, lang)
        return say("diff-at", lang, summary=summary, path=self.path) if self.path else summary

    def detail_lines(self, lang: str = "en") -> list[str]:
        return [_line(item, lang) for item in self.lines]

    @property
    def summary(self) -> str:
        return _line(self.said, "en")

    @property
    def details(self) -> list[str]:
        return self.detail_lines("en")

    def text(self, show_expected: bool = True, lang: str = "en") -> str:
        lines = [self.summary_text(lang)]
        if show_expected:
            lines += self.detail_lines(lang)
        return "\n".join(lines)


def _is_number(x) -> bool:
    return isinstance(x, Number) and not isinstance(x, bool)


def _numeric_leaves(x, depth: int = 0) -> bool:
    """Only numbers at the leaves: a string such as '0.25' is not a number, however it converts."""
    if depth > 32:
        return False
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "biuf"
    if isinstance(x, (list, tuple)):
        return all(_numeric_leaves(v, depth + 1) for v in x)
    return isinstance(x, (Number, np.number)) and not isinstance(x, (complex, np.complexfloating))


def _as_array(x):
    """A numeric float array from an array, a number, or a (nested) list of numbers; else None."""
    if not _numeric_leaves(x):
        return None
    try:
        with np.errstate(over="ignore"):
            arr = np.asarray(x, dtype=float)
    except (OverflowError, ValueError, TypeError):
        return None  # ragged lists, ints beyond any float
    return arr


_TOO_LARGE = "too large"


def _cheap_shape(x, limit: int, depth: int = 0):
    """Shape of an array or a regular nested list without converting anything, or None when
    ragged / not numbers; _TOO_LARGE as soon as more than `limit` elements are seen."""
    if isinstance(x, np.ndarray):
        return _TOO_LARGE if x.size > limit else x.shape
    if isinstance(x, (list, tuple)):
        if len(x) > limit or depth > 32:
            return _TOO_LARGE
        if not x:
            return (0,)
        inner = _cheap_shape(x[0], limit // len(x), depth + 1)
        if inner is _TOO_LARGE or inner is None:
            return inner
        for v in x[1:]:
            if _cheap_shape(v, limit // len(x), depth + 1) != inner:
                return None
        return (len(x),) + inner
    return ()


def plain_bytes(x, depth: int = 0) -> int:
    """About how many bytes a plain value takes on the wire (arrays by their data)."""
    if isinstance(x, np.ndarray):
        return int(x.nbytes) + 128
    if isinstance(x, (list, tuple)) and depth < 40:
        return 8 + sum(plain_bytes(v, depth + 1) for v in x)
    if isinstance(x, dict) and depth < 40:
        return 8 + sum(len(str(k)) + plain_bytes(v, depth + 1) for k, v in x.items())
    if isinstance(x, (str, bytes)):
        return len(x) + 2
    return 8


def numeric_array(x):
    """The float array a plain value stands for, or None when it is not numbers (for plots)."""
    return _as_array(x)


def shape_of(x) -> tuple | None:
    arr = _as_array(x)
    return None if arr is None else tuple(arr.shape)


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return repr(v)


def _compare_arrays(got: np.ndarray, exp: np.ndarray, tol: str, path: str) -> Difference | None:
    rtol, floor = TOLERANCES[tol]
    if got.shape != exp.shape:
        return Difference("shape", ("diff-shape", {"got": got.shape, "expected": exp.shape}),
                          [("diff-shape-detail", {"got": got.shape, "expected": exp.shape})], path)
    g = got.astype(float)
    e = exp.astype(float)
    if e.size == 0:
        return None
    finite_e = np.isfinite(e)
    atol = floor * max(1.0, float(np.max(np.abs(e[finite_e]))) if finite_e.any() else 1.0)
    both_nan = np.isnan(g) & np.isnan(e)
    same_inf = np.isinf(g) & np.isinf(e) & (np.sign(g) == np.sign(e))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(g - e)
        ok = (diff <= np.maximum(rtol * np.abs(e), atol)) | both_nan | same_inf
    if ok.all():
        return None
    bad = np.argwhere(~ok) if e.ndim else np.zeros((1, 0), dtype=int)
    n_bad, n = int((~ok).sum()), int(ok.size)
    nonfinite = int((~np.isfinite(g) & ~ok).sum())
    if nonfinite:
        summary = ("diff-nonfinite", {"bad": nonfinite, "n": n})
        kind = "nonfinite"
    else:
        summary = ("diff-values", {"bad": n_bad, "n": n, "tolerance": _Said(TOLERANCE_KEYS[tol])})
        kind = "value"
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        finite = np.isfinite(diff) & ~ok
        max_abs = float(diff[finite].max()) if finite.any() else float("nan")
        rel = diff / np.abs(e)
        max_rel = float(rel[finite].max()) if finite.any() else float("nan")
    details = [("diff-mismatched", {"bad": n_bad, "n": n}),
               ("diff-max-abs", {"value": f"{max_abs:.6g}"}),
               ("diff-max-rel", {"value": f"{max_rel:.6g}"}),
               ("diff-table-head", {}, "  ")]
    for idx in bad[:TABLE_ROWS]:
        key = tuple(int(i) for i in idx)
        details.append(f"  {key if e.ndim else '()'} | {_fmt(g[key] if e.ndim else g)} | "
                       f"{_fmt(e[key] if e.ndim else e)}")
    if n_bad > TABLE_ROWS:
        details.append(("diff-more", {"count": n_bad - TABLE_ROWS}, "  "))
    return Difference(kind, summary, details, path)


def compare(got, expected, tol: str = "analytic", path: str = "") -> Difference | None:
    """None when ``got`` matches ``expected`` within the named tolerance, else a Difference."""
    if tol not in TOLERANCES:
        raise ValueError(f"unknown tolerance {tol!r}; use one of {sorted(TOLERANCES)}")
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return Difference("type", ("diff-not-dict", {"got": type(got).__name__}),
                              [("diff-expected-keys", {"keys": sorted(map(str, expected))})], path)
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(_Said("diff-missing-keys", keys=missing))
            if extra:
                parts.append(_Said("diff-extra-keys", keys=extra))
            return Difference("keys", ("diff-keys", {"parts": _Joined(parts, "; ")}), [], path)
        for k in expected:
            d = compare(got[k], expected[k], tol, f"{path}[{k!r}]")
            if d:
                return d
        return None
    if isinstance(expected, (list, tuple)) and not _all_numbers(expected):
        if not isinstance(got, (list, tuple)):
            return Difference("type", ("diff-not-sequence", {
                "got": type(got).__name__, "expected": type(expected).__name__, "n": len(expected)}),
                [], path)
        if len(got) != len(expected):
            return Difference("length", ("diff-length", {"got": len(got), "expected": len(expected)}),
                              [], path)
        for i, (g, e) in enumerate(zip(got, expected)):
            d = compare(g, e, tol, f"{path}[{i}]")
            if d:
                return d
        return None
    if expected is None or isinstance(expected, (str, bool)):
        if got == expected and type(got) is type(expected):
            return None
        said = (("diff-bool", {"got": _fmt(got), "expected": _fmt(expected)})
                if isinstance(expected, bool) else ("diff-value", {}))
        return Difference("value", said,
                          [("diff-expected-obtained", {"got": _fmt(got), "expected": _fmt(expected)})],
                          path)
    exp_arr = _as_array(expected)
    if exp_arr is None:
        raise TypeError(f"cannot compare against a {type(expected).__name__}")
    # Shape and size before any conversion: a student's huge array is refused as it is, never
    # copied into floats.
    got_shape = _cheap_shape(got, max(exp_arr.size, 1))
    if got_shape is _TOO_LARGE:
        size = got.size if isinstance(got, np.ndarray) else len(got)
        return Difference("shape", ("diff-too-large", {"size": size, "expected": exp_arr.size}),
                          [("diff-expected-shape", {"expected": exp_arr.shape})], path)
    got_arr = _as_array(got)
    if got_arr is None:
        return Difference("type", ("diff-not-numbers", {"got": type(got).__name__}), [], path)
    if exp_arr.ndim == 0 and got_arr.size == 1:
        got_arr = got_arr.reshape(())
    return _compare_arrays(got_arr, exp_arr, tol, path)


def _all_numbers(seq) -> bool:
    """A list of numbers (or nested lists of numbers) compares as an array."""
    return _as_array(seq) is not None


def same(a, b, tol: str = "analytic") -> bool:
    try:
        return compare(a, b, tol) is None
    except TypeError:
        return False


def format_value(value, limit: int = 600) -> str:
    """A short printable form of an argument or result for a report."""
    with np.printoptions(precision=8, threshold=40, edgeitems=3, linewidth=100):
        if isinstance(value, np.ndarray):
            text = f"array{value.shape} {np.array2string(value, separator=', ')}"
        elif isinstance(value, dict):
            text = "{" + ", ".join(f"{k!r}: {format_value(v, limit)}" for k, v in value.items()) + "}"
        elif isinstance(value, (list, tuple)) and len(value) > 12:
            text = repr(type(value)(value[:12]))[:-1] + ", ...]"
        else:
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
