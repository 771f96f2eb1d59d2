"""Plots of the reports: small deterministic PNGs returned as data URIs, so a page is one file.

Artifacts come from results.json (`extra_data.artifacts` of a test):
  series   {"title", "x", "series": {"student": [...], "reference": [...]}, "xlabel", "ylabel", "logy"}
  curve    {"title", "x", "series": {"student": [...], "reference": [...]}}
  boundary {"title", "X": [[x0, x1], ...], "y": [...],
            "grid": {"x": [...], "y": [...], "student": [[...]], "reference": [[...]]}}
Series, curves and the score histogram are SVG drawn by svg.py (no matplotlib: its import
costs more than grading a student). Decision boundaries are built on matplotlib's Agg canvas
directly (no pyplot state), at a fixed size and DPI, and written by Pillow as palette PNGs with
no metadata (no timestamp, no software tag). Either way the same data gives the same bytes and a
plot stays near 5-30 KB. Identical artifacts (every correct student's seed example) are drawn
once per process. The PNGs' text is set in the kit's own Korean font, loaded by path
(FONT_FILE), whatever fonts the machine has; the SVGs' text is the reader's, as the page's is.
"""
from __future__ import annotations

import base64
import functools
import io
import json
import math
import threading
import unicodedata
from typing import TYPE_CHECKING

import numpy as np

from nngrade.autograder.messages import Said
from nngrade.paths import DATA_DIR
from nngrade.report import svg
from nngrade.report.strings import text

if TYPE_CHECKING:                     # matplotlib is imported when a plot is drawn, not before
    from matplotlib.figure import Figure

DPI = 100
BOUNDARY_FIGSIZE = (4.6, 3.8)
# Fixed margins instead of tight_layout: the same room every time, and a third less CPU per plot.
BOUNDARY_MARGINS = dict(left=0.14, right=0.85, bottom=0.13, top=0.88)
LINES_TITLE_UNITS = 88          # half-width characters a title line holds at 10 pt
BOUNDARY_TITLE_UNITS = 70
# The kit's own font (a Hangul + Latin subset of Noto Sans CJK KR, SIL OFL: see its folder),
# loaded by path: plots never depend on the fonts a machine has, nor on matplotlib's font cache.
FONT_FILE = DATA_DIR / "fonts" / "NNGradeSansKR-Regular.otf"
STUDENT_COLOR = "#d1495b"
REFERENCE_COLOR = "#2e4057"
OTHER_COLORS = ("#00798c", "#edae49", "#66a182", "#8d96a3")


# rc_context changes matplotlib's process-wide settings while a figure is drawn; a lock keeps two
# threads of one process from drawing with each other's settings (grading slots are processes).
_DRAW_LOCK = threading.RLock()


class ArtifactError(ValueError):
    """An artifact that cannot be drawn (missing field, wrong shape)."""


RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.unicode_minus": False,     # the plain hyphen is in every font
    "svg.hashsalt": "nngrade",
    "path.simplify": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _use_kit_font(fig: Figure) -> None:
    """Every text of ``fig`` in the kit's font, at the size it has. Tick labels made while
    drawing copy their axis' first tick, which is among these."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text

    for item in fig.findobj(Text):
        item.set_fontproperties(FontProperties(fname=FONT_FILE, size=item.get_fontsize()))


def _png_data_uri(fig: Figure) -> str:
    """Render on Agg, reduce to a 256-colour palette (a third of the bytes, no visible change for
    line plots), and write a PNG without metadata: the same figure always gives the same bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    _use_kit_font(fig)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgb = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    palette = rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    palette.save(buf, format="PNG")   # optimize=True: 10 % smaller, 10x slower
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _width(text: str) -> int:
    """Display width in half-width units: Hangul and other wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(title: str, units: int) -> str:
    """A title that fits the figure: split at " / " (the grader's "English / 한국어" titles) or
    between words, on at most three lines."""
    title = " ".join(str(title).split())
    if _width(title) <= units:
        return title
    if " / " in title:
        parts = title.split(" / ")
        if all(_width(p) <= units for p in parts) and len(parts) <= 3:
            return "\n".join(parts)
    lines, line = [], ""
    for word in title.split(" "):
        if line and _width(line) + 1 + _width(word) > units:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines[:3])


def _floats(values, what: str) -> np.ndarray:
    """Plain JSON numbers to float64; null and "nan"/"inf" strings (or {"$f": ...}) become nan/inf."""
    if not isinstance(values, (list, tuple)):
        raise ArtifactError(Said("plot-not-numbers", what=what, type=type(values).__name__))
    out = []
    for v in values:
        if isinstance(v, dict) and "$f" in v:
            v = v["$f"]
        if v is None:
            out.append(math.nan)
        elif isinstance(v, bool):
            out.append(float(v))
        elif isinstance(v, (int, float)):
            out.append(float(v))
        elif isinstance(v, str):
            try:
                out.append(float(v))
            except ValueError:
                raise ArtifactError(Said("plot-non-number", what=what, value=repr(v))) from None
        else:
            raise ArtifactError(Said("plot-holds-type", what=what, type=type(v).__name__))
    return np.asarray(out, dtype=np.float64)


def _grid(values, what: str, shape: tuple[int, int]) -> np.ndarray:
    if not isinstance(values, (list, tuple)):
        raise ArtifactError(Said("plot-rows", what=what))
    rows = [_floats(r, f"{what}[{i}]") for i, r in enumerate(values)]
    if len(rows) != shape[0] or any(len(r) != shape[1] for r in rows):
        raise ArtifactError(Said("plot-grid-shape", what=what, rows=shape[0], columns=shape[1]))
    return np.vstack(rows)


def _series_label(name: str, lang: str) -> str:
    if name == "student":
        return text("student_series", lang)
    if name == "reference":
        return text("reference_series", lang)
    return name


def _ordered_series(series: dict) -> list[str]:
    """Reference first (drawn underneath), the student's last (on top), others in between."""
    names = list(series)
    middle = [n for n in names if n not in ("student", "reference")]
    return (["reference"] if "reference" in series else []) + middle + (["student"] if "student" in series else [])


def _draw_lines(art: dict, lang: str, markers: bool) -> str:
    """A series or a curve, as SVG (svg.py): no matplotlib for the plots most pages show."""
    x = _floats(art.get("x"), "x")
    series = art.get("series")
    if not isinstance(series, dict) or not series:
        raise ArtifactError(Said("plot-series"))
    other = iter(OTHER_COLORS * 4)
    drawn = []
    for name in _ordered_series(series):
        y = _floats(series[name], f"series.{name}")
        if name == "reference":
            style = dict(color=REFERENCE_COLOR, width=2.2, dash=True, marker="square")
        elif name == "student":
            style = dict(color=STUDENT_COLOR, width=1.6, marker="circle")
        else:
            style = dict(color=next(other), width=1.2, marker="square")
        drawn.append(dict(label=_series_label(name, lang), y=y.tolist(), **style))
    chart = svg.line_chart(_wrap(art.get("title", ""), LINES_TITLE_UNITS).split("\n"), x.tolist(),
                           drawn, xlabel=str(art.get("xlabel", "")), ylabel=str(art.get("ylabel", "")),
                           logy=bool(art.get("logy", False)), markers=markers)
    return svg.data_uri(chart)


def _draw_boundary(art: dict, lang: str) -> str:
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    grid = art.get("grid")
    if not isinstance(grid, dict):
        raise ArtifactError(Said("plot-grid"))
    gx = _floats(grid.get("x"), "grid.x")
    gy = _floats(grid.get("y"), "grid.y")
    shape = (len(gy), len(gx))
    if min(shape) < 2:
        raise ArtifactError(Said("plot-grid-short"))
    fig = Figure(figsize=BOUNDARY_FIGSIZE, dpi=DPI)
    fig.subplots_adjust(**BOUNDARY_MARGINS)     # before the colorbar, which takes its room from the axes
    ax = fig.add_subplot()
    handles = []
    if grid.get("student") is not None:
        student = _grid(grid["student"], "grid.student", shape)
        image = ax.imshow(np.clip(np.nan_to_num(student, nan=0.5), 0, 1), origin="lower",
                          extent=(gx[0], gx[-1], gy[0], gy[-1]), aspect="auto",
                          cmap="RdBu_r", vmin=0, vmax=1, alpha=0.45, interpolation="bilinear")
        cbar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
        cbar.set_label(text("probability", lang))
        if np.nanmin(student) < 0.5 < np.nanmax(student):
            ax.contour(gx, gy, student, levels=[0.5], colors=[STUDENT_COLOR], linewidths=1.8)
        handles.append(Line2D([], [], color=STUDENT_COLOR, linewidth=1.8, label=text("student_boundary", lang)))
    if grid.get("reference") is not None:
        reference = _grid(grid["reference"], "grid.reference", shape)
        if np.nanmin(reference) < 0.5 < np.nanmax(reference):
            ax.contour(gx, gy, reference, levels=[0.5], colors=[REFERENCE_COLOR],
                       linewidths=1.6, linestyles="--")
        handles.append(Line2D([], [], color=REFERENCE_COLOR, linewidth=1.6, linestyle="--",
                              label=text("reference_boundary", lang)))
    if art.get("X") is not None:
        X = art["X"]
        if not isinstance(X, list) or any(not isinstance(p, (list, tuple)) or len(p) != 2 for p in X):
            raise ArtifactError(Said("plot-points"))
        pts = np.asarray([_floats(list(p), "X[i]") for p in X]) if X else np.zeros((0, 2))
        y = _floats(art.get("y", [0] * len(X)), "y")
        if len(y) != len(pts):
            raise ArtifactError(Said("plot-labels", labels=len(y), points=len(pts)))
        for label, marker, color in ((0, "o", "#2166ac"), (1, "^", "#b2182b")):
            sel = y == label
            ax.scatter(pts[sel, 0], pts[sel, 1], s=10, marker=marker, c=color, edgecolors="white",
                       linewidths=0.3, zorder=4)
            handles.append(Line2D([], [], marker=marker, color=color, linestyle="",
                                  markersize=4, label=text(f"class_{label}", lang)))
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_title(_wrap(art.get("title", ""), BOUNDARY_TITLE_UNITS), parse_math=False)
    ax.set_xlabel(str(art.get("xlabel", "x0")), parse_math=False)
    ax.set_ylabel(str(art.get("ylabel", "x1")), parse_math=False)
    ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.8)
    return _png_data_uri(fig)


@functools.lru_cache(maxsize=512)
def _render_cached(key: str, lang: str) -> str:
    art = json.loads(key)
    kind = art.get("kind")
    if kind == "series":
        return _draw_lines(art, lang, markers=True)
    if kind == "curve":
        return _draw_lines(art, lang, markers=False)
    if kind == "boundary":
        import matplotlib

        with _DRAW_LOCK, matplotlib.rc_context(RC):
            return _draw_boundary(art, lang)
    raise ArtifactError(Said("plot-kind", kind=repr(kind)))


def render_artifact(artifact: dict, lang: str) -> str:
    """One artifact as a PNG data URI. Raises ArtifactError when the artifact cannot be drawn."""
    if not isinstance(artifact, dict):
        raise ArtifactError(Said("plot-not-object", type=type(artifact).__name__))
    try:
        key = json.dumps(artifact, sort_keys=True, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ArtifactError(Said("plot-not-json", error=str(exc))) from None
    return _render_cached(key, lang)


def score_histogram(percentages: list[float], lang: str) -> str:
    """Histogram of total scores in percent, ten bins from 0 to 100, as an SVG data URI."""
    values = np.clip(np.asarray(percentages, dtype=np.float64), 0, 100)
    edges = np.linspace(0, 100, 11)
    counts, _ = np.histogram(values, bins=edges)
    chart = svg.histogram(text("histogram_heading", lang), [int(c) for c in counts],
                          [float(e) for e in edges], text("histogram_x", lang),
                          text("histogram_y", lang), REFERENCE_COLOR)
    return svg.data_uri(chart)
