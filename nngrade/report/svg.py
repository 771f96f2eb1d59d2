"""Line charts and the score histogram as small SVG documents, drawn without matplotlib.

Importing matplotlib costs about half a second, more than grading one student: the charts most
pages show (a function's values, a loss curve, the class's score histogram) are lines and bars,
drawn here as plain SVG. An SVG inside the page's <img> runs no script and loads nothing; its
text is set in the reader's fonts, as the page's own text is (so Korean needs no font of the
grading machine). The same data gives the same bytes. Decision boundaries (filled contours) stay
with matplotlib (plots.py).
"""
from __future__ import annotations

import base64
import math
from html import escape

WIDTH, HEIGHT = 560, 320
FONT = ('"Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", '
        '"Segoe UI", sans-serif')
TITLE_SIZE, TEXT_SIZE, TICK_SIZE = 13, 11, 10
LINE_GAP = 16                     # px between two title lines
GRID_COLOR, AXIS_COLOR, TEXT_COLOR = "#d9d9d9", "#555555", "#222222"


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _num(value: float) -> str:
    """Coordinates with two decimals: enough for a 560-px figure, and the same text every time."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{value:.6g}"


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten."""
    if not high > low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    ticks = []
    k = first
    while k * step <= high + step * 1e-9:
        ticks.append(round(k * step, 12))
        k += 1
    return ticks


def _log_ticks(low: float, high: float) -> list[float]:
    """Powers of ten within [low, high] (low, high > 0); with fewer than two, 1-2-5 steps."""
    decades = list(range(math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9) + 1))
    if len(decades) >= 2:
        stride = max(1, math.ceil(len(decades) / 7))
        return [10.0 ** d for d in decades[::stride]]
    ticks = [m * 10.0 ** d for d in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
             for m in (1, 2, 5)]
    return [t for t in ticks if low <= t <= high] or [low, high]


class _Frame:
    """The plotting area and the mapping from data to pixels."""

    def __init__(self, x_range, y_range, logy: bool, top: float, left: float = 64,
                 right: float = 14, bottom: float = 44):
        self.left, self.right = left, WIDTH - right
        self.top, self.bottom = top, HEIGHT - bottom
        self.x0, self.x1 = x_range
        self.logy = logy
        y0, y1 = y_range
        self.y0, self.y1 = (math.log10(y0), math.log10(y1)) if logy else (y0, y1)

    def px(self, x: float) -> float:
        span = (self.x1 - self.x0) or 1.0
        return self.left + (x - self.x0) / span * (self.right - self.left)

    def py(self, y: float) -> float:
        value = math.log10(y) if self.logy else y
        span = (self.y1 - self.y0) or 1.0
        return self.bottom - (value - self.y0) / span * (self.bottom - self.top)


def _padded(low: float, high: float, logy: bool) -> tuple[float, float]:
    if logy:
        if low == high:
            return low / 2, high * 2
        ratio = (high / low) ** 0.05
        return low / ratio, high * ratio
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.05
    return low - pad, high + pad


def _text(x, y, content: str, size: int, anchor: str = "middle", extra: str = "") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}"'
            f'{extra}>{escape(content)}</text>')


def _title(lines: list[str]) -> list[str]:
    return [_text(WIDTH / 2, 20 + i * LINE_GAP, line, TITLE_SIZE, extra=' font-weight="bold"')
            for i, line in enumerate(lines)]


def _document(parts: list[str], description: str) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family=\'{FONT}\' fill="{TEXT_COLOR}">'
            f'<title>{escape(description)}</title><rect width="100%" height="100%" fill="white"/>')
    return head + "".join(parts) + "</svg>"


def _axes(frame: _Frame, xticks, yticks, xlabel: str, ylabel: str) -> list[str]:
    parts = []
    for t in yticks:
        y = frame.py(t)
        parts.append(f'<line x1="{_num(frame.left)}" x2="{_num(frame.right)}" y1="{_num(y)}" '
                     f'y2="{_num(y)}" stroke="{GRID_COLOR}" stroke-width="0.6"/>')
        parts.append(_text(frame.left - 6, y + 3.5, _label(t), TICK_SIZE, "end"))
    for t in xticks:
        x = frame.px(t)
        parts.append(f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{_num(frame.top)}" '
                     f'y2="{_num(frame.bottom)}" stroke="{GRID_COLOR}" stroke-width="0.6"/>')
        parts.append(_text(x, frame.bottom + 15, _label(t), TICK_SIZE))
    parts.append(f'<path d="M{_num(frame.left)} {_num(frame.top)}V{_num(frame.bottom)}'
                 f'H{_num(frame.right)}" fill="none" stroke="{AXIS_COLOR}" stroke-width="1"/>')
    if xlabel:
        parts.append(_text((frame.left + frame.right) / 2, HEIGHT - 8, xlabel, TEXT_SIZE))
    if ylabel:
        cy = (frame.top + frame.bottom) / 2
        parts.append(_text(14, cy, ylabel, TEXT_SIZE, extra=f' transform="rotate(-90 14 {_num(cy)})"'))
    return parts


def _segments(points: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """Runs of finite points: a NaN or an infinity breaks the line, as matplotlib's does."""
    runs, run = [], []
    for x, y in points:
        if math.isfinite(x) and math.isfinite(y):
            run.append((x, y))
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def line_chart(title_lines: list[str], x: list[float], series: list[dict], xlabel: str = "",
               ylabel: str = "", logy: bool = False, markers: bool = False) -> str:
    """series: [{"label", "y", "color", "width", "dash" (bool), "marker" ("circle" | "square")}],
    drawn in order (the last on top). Returns the SVG text."""
    top = 20 + len(title_lines) * LINE_GAP + 10
    cleaned = []
    for s in series:
        n = min(len(x), len(s["y"]))         # a run that stopped early: draw what is there
        pts = [(float(x[i]), float(s["y"][i])) for i in range(n)]
        if logy:
            pts = [(a, b if b > 0 else math.nan) for a, b in pts]
        cleaned.append((s, pts))
    finite = [p for _, pts in cleaned for p in pts if math.isfinite(p[0]) and math.isfinite(p[1])]
    xs = [p[0] for p in finite] or [0.0, 1.0]
    ys = [p[1] for p in finite] or ([1.0, 10.0] if logy else [0.0, 1.0])
    x_range = (min(xs), max(xs)) if min(xs) < max(xs) else _padded(min(xs), max(xs), False)
    y_range = _padded(min(ys), max(ys), logy)
    frame = _Frame(x_range, y_range, logy, top)
    xticks = [t for t in nice_ticks(*x_range) if x_range[0] <= t <= x_range[1]]
    yticks = (_log_ticks(*y_range) if logy else
              [t for t in nice_ticks(*y_range) if y_range[0] <= t <= y_range[1]])
    parts = _title(title_lines) + _axes(frame, xticks, yticks, xlabel, ylabel)
    parts.append(f'<clipPath id="area"><rect x="{_num(frame.left)}" y="{_num(frame.top)}" '
                 f'width="{_num(frame.right - frame.left)}" height="{_num(frame.bottom - frame.top)}"'
                 f'/></clipPath><g clip-path="url(#area)">')
    for s, pts in cleaned:
        dash = ' stroke-dasharray="7 4"' if s.get("dash") else ""
        opacity = ' stroke-opacity="0.8"' if s.get("dash") else ""
        for run in _segments(pts):
            d = "M" + "L".join(f"{_num(frame.px(a))} {_num(frame.py(b))}" for a, b in run)
            parts.append(f'<path d="{d}" fill="none" stroke="{s["color"]}" '
                         f'stroke-width="{s.get("width", 1.5)}"{dash}{opacity} '
                         f'stroke-linejoin="round"/>')
        if markers and len(pts) <= 40:
            for a, b in pts:
                if not (math.isfinite(a) and math.isfinite(b)):
                    continue
                cx, cy = frame.px(a), frame.py(b)
                if s.get("marker") == "square":
                    parts.append(f'<rect x="{_num(cx - 2.5)}" y="{_num(cy - 2.5)}" width="5" '
                                 f'height="5" fill="{s["color"]}"/>')
                else:
                    parts.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="2.6" '
                                 f'fill="{s["color"]}"/>')
    parts.append("</g>")
    pixels = [(frame.px(a), frame.py(b)) for a, b in finite]
    parts += _legend(frame, [(s["label"], s["color"], bool(s.get("dash"))) for s, _ in cleaned],
                     pixels)
    return _document(parts, " ".join(title_lines))


def _legend(frame: _Frame, entries, pixels=()) -> list[str]:
    """In the corner of the plotting area that covers the fewest data points, on a white box."""
    if not entries:
        return []
    longest = max(sum(2 if ord(c) > 0x2E7F else 1 for c in label) for label, _, _ in entries)
    width, height = 34 + longest * 6.2, 8 + 15 * len(entries)
    corners = [(frame.right - width - 6, frame.top + 6), (frame.left + 6, frame.top + 6),
               (frame.right - width - 6, frame.bottom - height - 6),
               (frame.left + 6, frame.bottom - height - 6)]

    def covered(corner):
        cx, cy = corner
        return sum(cx - 4 <= px <= cx + width + 4 and cy - 4 <= py <= cy + height + 4
                   for px, py in pixels)
    x, y = min(corners, key=covered)       # the first corner wins a tie: top right
    parts = [f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" '
             f'height="{_num(height)}" fill="white" fill-opacity="0.85" rx="3"/>']
    for i, (label, color, dash) in enumerate(entries):
        ly = y + 12 + 15 * i
        style = ' stroke-dasharray="7 4"' if dash else ""
        parts.append(f'<line x1="{_num(x + 6)}" x2="{_num(x + 26)}" y1="{_num(ly)}" y2="{_num(ly)}" '
                     f'stroke="{color}" stroke-width="2"{style}/>')
        parts.append(_text(x + 30, ly + 3.5, label, TICK_SIZE, "start"))
    return parts


def histogram(title: str, counts: list[int], edges: list[float], xlabel: str, ylabel: str,
              color: str) -> str:
    """Bars of counts over the bins given by edges (len(edges) == len(counts) + 1)."""
    top_count = max([1, *counts])
    frame = _Frame((edges[0], edges[-1]), (0, top_count * 1.15), False, top=20 + LINE_GAP + 10)
    step = max(1, math.ceil(top_count / 6))
    yticks = list(range(0, int(top_count * 1.15) + 1, step))
    parts = _title([title]) + _axes(frame, edges, yticks, xlabel, ylabel)
    for count, a, b in zip(counts, edges, edges[1:]):
        if count:
            x0, x1, y = frame.px(a), frame.px(b), frame.py(count)
            parts.append(f'<rect x="{_num(x0 + 1)}" y="{_num(y)}" width="{_num(x1 - x0 - 2)}" '
                         f'height="{_num(frame.bottom - y)}" fill="{color}"/>')
            parts.append(_text((x0 + x1) / 2, y - 4, str(count), TICK_SIZE))
    return _document(parts, title)
