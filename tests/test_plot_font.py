"""Do the report plots show Korean on any machine, with the font the kit ships and nothing else?"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from nngrade.report import plots, write_student_reports
from nngrade.report.strings import table

FILES = Path(__file__).parent / "files" / "report"

# Runs in a process that sees no font but matplotlib's own (DejaVu, no Hangul). fontconfig gets a
# configuration naming no folder and matplotlib an empty cache folder; matplotlib also walks
# /usr/share/fonts by itself, so what that walk found is dropped before anything is drawn.
HIDDEN_FONTS_CHILD = r"""
import json, os, sys, warnings
import matplotlib
from matplotlib import font_manager

own = os.path.realpath(matplotlib.get_data_path())
font_manager.fontManager.ttflist = [
    f for f in font_manager.fontManager.ttflist if os.path.realpath(f.fname).startswith(own)]

from matplotlib.backends import backend_agg

used = set()
real_get_font = backend_agg.get_font

def recording_get_font(paths, *args, **kwargs):
    for p in paths if isinstance(paths, (list, tuple)) else [paths]:
        used.add(os.path.realpath(os.fspath(getattr(p, "path", p))))
    return real_get_font(paths, *args, **kwargs)

backend_agg.get_font = recording_get_font

# control: with the system fonts hidden, Hangul in matplotlib's default font is missing glyphs
from matplotlib.figure import Figure
fig = Figure()
fig.suptitle("결정 경계")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    backend_agg.FigureCanvasAgg(fig).draw()
control = [str(w.message) for w in caught if "missing from font" in str(w.message)]
used.clear()

warnings.filterwarnings("error", message=".*glyph")    # a missing glyph now fails the run
from nngrade.report import plots
doc = json.load(open(sys.argv[1], encoding="utf-8"))
drawn = 0
for test in doc["tests"]:
    for art in (test.get("extra_data") or {}).get("artifacts") or []:
        try:
            plots.render_artifact(art, "ko")
        except plots.ArtifactError:
            continue
        drawn += 1
plots.score_histogram([12.5, 50, 75, 75, 100], "ko")
print(json.dumps({"control": control, "drawn": drawn, "used": sorted(used),
                  "cjk_fonts_seen": sorted({f.name for f in font_manager.fontManager.ttflist
                                           if "CJK" in f.name or "Nanum" in f.name})}))
"""


def test_korean_plots_draw_with_the_system_fonts_hidden(tmp_path):
    """Hidden system fonts, a fresh font cache: every plot kind draws Korean with no missing
    glyph; what matplotlib draws (the decision boundary) is in the shipped font only."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    "<fontconfig></fontconfig>\n", encoding="utf-8")
    (tmp_path / "mpl").mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FONTCONFIG_FILE": str(conf),
           "MPLCONFIGDIR": str(tmp_path / "mpl"), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", HIDDEN_FONTS_CHILD, str(FILES / "student_kim.json")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["cjk_fonts_seen"] == []
    assert found["control"], "the control drew Hangul without a warning: system fonts not hidden"
    assert found["drawn"] >= 4                  # curve, boundary, series with a log axis, MNIST
    assert found["used"] == [str(plots.FONT_FILE.resolve())]


def _literals(path: Path) -> str:
    """The string literals of a Python file, docstrings left out (they never reach a plot)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return "".join(node.value for node in ast.walk(tree)
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)
                   and id(node) not in docstrings)


def test_the_font_has_every_character_the_kit_can_put_in_a_plot():
    """Plot titles and labels come from the suites' artifacts and the report strings."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(plots.FONT_FILE).getBestCmap()
    text = "".join(v for lang in ("ko", "en") for v in table(lang).values())
    text += "".join(_literals(p) for p in sorted((REPO / "solutions").glob("*/test_hidden.py")))
    missing = sorted({ch for ch in text if ch.isprintable() and ord(ch) not in cmap})
    assert not missing, f"add these to nngrade/data/fonts/make_font.py and rerun it: {missing}"
    assert all(ord(ch) in cmap for ch in "결정 경계 에포크별 학습 정확도 내 코드 참고 답안 ∂ − ≤ η")


def test_the_font_is_small_renamed_and_carries_its_licence():
    from fontTools.ttLib import TTFont

    size = plots.FONT_FILE.stat().st_size
    assert size < 450 * 1024, f"{size} bytes"
    font = TTFont(plots.FONT_FILE)
    assert font["name"].getDebugName(1) == "NNGrade Sans KR"     # a modified font has its own name
    assert "Open Font License" in font["name"].getDebugName(13)
    licence = (plots.FONT_FILE.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence


SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.skipif(not SOURCE.exists(), reason="fonts-noto-cjk not installed (CI installs it)")
def test_the_shipped_font_is_what_make_font_makes(tmp_path):
    """The committed file is the script's output: the same characters and glyph outlines."""
    from fontTools.ttLib import TTFont

    sys.path.insert(0, str(plots.FONT_FILE.parent))
    try:
        import make_font
    finally:
        sys.path.pop(0)
    made = TTFont(make_font.build(SOURCE, tmp_path / "made.otf"))
    shipped = TTFont(plots.FONT_FILE)
    assert made.getBestCmap() == shipped.getBestCmap()
    assert made.getGlyphOrder() == shipped.getGlyphOrder()
    glyph = made.getBestCmap()[ord("한")]
    assert (made["CFF "].cff.topDictIndex[0].CharStrings[glyph].bytecode
            == shipped["CFF "].cff.topDictIndex[0].CharStrings[glyph].bytecode)


def test_pages_use_the_readers_fonts(tmp_path):
    """The PNG plots are pictures, the SVG ones set their text in the page's own font list: the
    page stays in the reader's fonts (no web font)."""
    results = json.loads((FILES / "student_kim.json").read_text(encoding="utf-8"))
    html_path, _ = write_student_reports(results, tmp_path, "ko")
    html = html_path.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "data:image/svg+xml;base64," in html
    for web_font in ("@font-face", "font/otf", "font/woff", "application/font", ".otf"):
        assert web_font not in html


COLD_CHILD = r"""
import json, sys
from nngrade.report import write_student_reports

def page(keep):
    results = json.load(open(sys.argv[1], encoding="utf-8"))
    for t in results["tests"]:
        extra = t.get("extra_data") or {}
        extra["artifacts"] = [a for a in extra.get("artifacts") or [] if keep(a)]
    write_student_reports(results, sys.argv[2], "ko")
    return "matplotlib" in sys.modules

print(json.dumps([page(lambda a: False), page(lambda a: a["kind"] != "boundary"),
                  page(lambda a: True)]))
"""


def test_matplotlib_is_imported_only_for_a_page_with_a_decision_boundary(tmp_path):
    """Lines and curves are SVG drawn by the kit; only a decision boundary needs matplotlib."""
    done = subprocess.run([sys.executable, "-c", COLD_CHILD, str(FILES / "student_kim.json"),
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, False, True]
