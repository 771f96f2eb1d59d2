"""Feedback pages, feedback.md and the class summary, from the hand-made results in
tests/files/report/ (student_kim: Korean, failing visible and hidden tests, every artifact kind,
notes, problems, rlimit sandbox, late; student_lee: everything passed under bwrap;
student_hostile: HTML and script in names, output and problems)."""
from __future__ import annotations

import base64
import copy
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image

from nngrade.autograder import catalogue
from nngrade.report import (
    ResultsError,
    plots,
    write_class_reports,
    write_student_reports,
)
from nngrade.report.render import code_fence, format_points, md_inline
from nngrade.report.strings import all_keys, table

FILES = Path(__file__).parent / "files" / "report"
DATA_URI = re.compile(r'src="data:image/(?:png|svg\+xml);base64,([A-Za-z0-9+/=]+)"')
PNG_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
SVG_URI = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def load(name: str) -> dict:
    return json.loads((FILES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def hint_dir(tmp_path, monkeypatch):
    """A catalogue of our own, so the tests do not depend on the catalogue's wording."""
    path = tmp_path / "locale"
    path.mkdir()
    (path / "en.po").write_text(
        'msgid "hint:delta-sign:title"\nmsgstr "Output delta without the minus"\n\n'
        'msgid "hint:delta-sign:text"\n'
        'msgstr "Differentiate E = 1/2 (t - y)^2 with respect to y, sign included."\n\n'
        'msgid "hint:tanh-grad-linear:title"\nmsgstr "tanh_grad as 1 - y"\n\n'
        'msgid "hint:tanh-grad-linear:text"\nmsgstr "The derivative of tanh is 1 - y squared."\n',
        encoding="utf-8")
    (path / "ko.po").write_text(
        'msgid "hint:delta-sign:title"\nmsgstr "출력 델타의 마이너스 누락"\n\n'
        'msgid "hint:delta-sign:text"\nmsgstr "E = 1/2 (t - y)^2 를 y로 미분하고 부호를 확인하세요."\n',
        encoding="utf-8")
    monkeypatch.setattr(catalogue, "hint_files", lambda: (path,))
    catalogue.clear_cache()
    yield path
    catalogue.clear_cache()


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.event_attrs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.event_attrs += [name for name, _ in attrs if name.startswith("on")]

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


def render(tmp_path, name: str, lang: str) -> tuple[str, str]:
    html, md = write_student_reports(load(name), tmp_path / name / lang, lang)
    return html.read_text(encoding="utf-8"), md.read_text(encoding="utf-8")


# ------------------------------------------------------------------ escaping

def test_hostile_student_text_is_escaped_in_feedback_page(tmp_path, hint_dir):
    """Do a <script> in the output, an <img onerror> and an <iframe> in a problem stay text?"""
    html, _ = render(tmp_path, "student_hostile", "en")
    tags = parse(html)
    assert "script" not in tags.tags and "iframe" not in tags.tags
    assert not tags.event_attrs, f"event handler attributes in the page: {tags.event_attrs}"
    assert {t for t in tags.tags if t == "img"} == set()          # no plots, so no <img> at all
    text = "".join(tags.text)
    assert "<script>alert('x')</script>" in text                 # the student sees what was printed
    assert "</pre><b>bold</b> & \"quotes\"" in text
    assert "Park <script>alert(1)</script>" in text
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_hostile_student_text_is_escaped_in_summary(tmp_path, hint_dir):
    everyone = [load(n) for n in ("student_kim", "student_lee", "student_hostile")]
    paths = write_class_reports(everyone, tmp_path, "en")
    html = paths["summary"].read_text(encoding="utf-8")
    tags = parse(html)
    assert "script" not in tags.tags and "iframe" not in tags.tags and not tags.event_attrs
    assert "submission crashed: <iframe src=javascript:alert(1)>" in "".join(tags.text)


def test_pages_forbid_scripts_by_content_security_policy(tmp_path, hint_dir):
    html, _ = render(tmp_path, "student_kim", "ko")
    assert "default-src 'none'; img-src data:" in html


# ------------------------------------------------------------------ plots

def test_every_artifact_kind_is_embedded_as_a_small_image(tmp_path, hint_dir):
    """The Korean sample's curve, XOR series and MNIST series are SVG documents (no script, no
    link, under 20 KB), its decision boundary a PNG of at most 60 KB."""
    html, _ = render(tmp_path, "student_kim", "ko")
    pngs = [base64.b64decode(b64) for b64 in PNG_URI.findall(html)]
    svgs = [base64.b64decode(b64).decode("utf-8") for b64 in SVG_URI.findall(html)]
    assert len(pngs) == 1 and len(svgs) == 3
    for png in pngs:
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(png) <= 60_000, f"a plot of {len(png)} bytes"
        Image.open(io.BytesIO(png)).verify()
    assert Image.open(io.BytesIO(pngs[0])).size == (460, 380)
    for text in svgs:
        root = ElementTree.fromstring(text)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert (root.get("width"), root.get("height")) == ("560", "320")
        assert len(text) <= 20_000, f"a plot of {len(text)} bytes"
        tags = {element.tag.split("}")[1] for element in root.iter()}
        assert not tags & {"script", "image", "foreignObject", "a", "use"}
        assert "href" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")


def _svg(uri: str) -> ElementTree.Element:
    assert uri.startswith("data:image/svg+xml;base64,")
    return ElementTree.fromstring(base64.b64decode(uri.split(",", 1)[1]))


def _line_paths(root: ElementTree.Element, color: str) -> list[str]:
    return [e.get("d") for e in root.iter("{http://www.w3.org/2000/svg}path")
            if e.get("stroke") == color and e.get("d", "").count("L")]


def test_a_line_is_drawn_where_its_values_are():
    """y = x on [0, 10] from (0, 0) to (10, 10): the student's line runs from the lower left
    corner of the plotting area to the upper right one, through every point in order."""
    art = {"kind": "curve", "title": "t", "x": [0, 5, 10], "series": {"student": [0, 5, 10]}}
    root = _svg(plots.render_artifact(art, "en"))
    (d,) = _line_paths(root, plots.STUDENT_COLOR)
    points = [tuple(map(float, p.split())) for p in d[1:].split("L")]
    assert len(points) == 3
    (x0, y0), (x1, y1), (x2, y2) = points
    assert x0 < x1 < x2 and y0 > y1 > y2                    # SVG's y grows downwards
    assert x1 == pytest.approx((x0 + x2) / 2) and y1 == pytest.approx((y0 + y2) / 2)
    labels = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"0", "2", "4", "6", "8", "10"} <= set(labels)    # round ticks on both axes


def test_plot_survives_nan_short_series_and_dollar_signs():
    """A crashed run's short series with null/nan values and a '$' in a title still draw: the
    gap breaks the line, the title is text as written."""
    art = {"kind": "series", "title": "cost in $ and $x$ <b>", "x": [0, 1, 2, 3, 4],
           "series": {"student": [1.0, 0.5, None, 0.2, 0.1], "reference": [1.0, 0.5, 0.25, 0.1]},
           "logy": True}
    root = _svg(plots.render_artifact(art, "ko"))
    assert len(_line_paths(root, plots.STUDENT_COLOR)) == 2     # [1, 0.5] and [0.2, 0.1]
    assert len(_line_paths(root, plots.REFERENCE_COLOR)) == 1
    labels = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "cost in $ and $x$ <b>" in labels
    assert {"1", "0.1"} <= set(labels)                           # decades on the log axis


def test_the_score_histogram_counts_each_bin():
    """Scores 5, 15, 15, 95 and 100 (100 is in the last bin): bars of 1, 2 and 2."""
    root = _svg(plots.score_histogram([5, 15, 15, 95, 100], "en"))
    bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect")
            if e.get("fill") == plots.REFERENCE_COLOR]
    heights = sorted(float(b.get("height")) for b in bars)
    assert len(bars) == 3
    assert heights[0] == pytest.approx(heights[1] / 2) and heights[1] == pytest.approx(heights[2])


def test_plot_png_has_no_metadata_chunks():
    """No tEXt/iTXt/tIME chunk: nothing in the PNG changes from one run to the next."""
    art = next(a for t in load("student_kim")["tests"]
               for a in (t.get("extra_data") or {}).get("artifacts", []) if a["kind"] == "boundary")
    png = base64.b64decode(plots.render_artifact(art, "en").split(",", 1)[1])
    pos, chunks = 8, []
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        chunks.append(png[pos + 4:pos + 8])
        pos += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(chunks)


def test_malformed_artifact_leaves_a_note_instead_of_a_plot(tmp_path, hint_dir):
    results = load("student_kim")
    results["tests"][2]["extra_data"]["artifacts"] = [{"kind": "curve", "title": "broken", "x": [0, 1]},
                                                      {"kind": "pie", "title": "unknown kind"}]
    html, _ = write_student_reports(results, tmp_path, "en")
    page = html.read_text(encoding="utf-8")
    assert page.count("This plot could not be drawn") == 2
    assert "unknown artifact kind" in page
    assert len(DATA_URI.findall(page)) == 3    # the other three still drawn


# ------------------------------------------------------------------ determinism

def test_same_results_give_byte_identical_pages(tmp_path, hint_dir):
    """Rendering twice, with the plot cache emptied in between, writes the same bytes."""
    results = load("student_kim")
    a_html, a_md = write_student_reports(copy.deepcopy(results), tmp_path / "a", "ko")
    plots._render_cached.cache_clear()
    b_html, b_md = write_student_reports(copy.deepcopy(results), tmp_path / "b", "ko")
    assert a_html.read_bytes() == b_html.read_bytes()
    assert a_md.read_bytes() == b_md.read_bytes()
    everyone = [load(n) for n in ("student_kim", "student_lee", "student_hostile")]
    one = write_class_reports(everyone, tmp_path / "c1", "ko")
    two = write_class_reports(list(reversed(everyone)), tmp_path / "c2", "ko")
    for key in ("summary", "canvas", "moodle"):
        assert one[key].read_bytes() == two[key].read_bytes(), key


# ------------------------------------------------------------------ content and languages

def test_korean_and_english_pages_use_their_own_ui_strings(tmp_path, hint_dir):
    ko_html, ko_md = render(tmp_path, "student_kim", "ko")
    en_html, en_md = render(tmp_path, "student_kim", "en")
    assert '<html lang="ko">' in ko_html and '<html lang="en">' in en_html
    assert "확인된 실수" in ko_html and "Named mistakes" not in ko_html
    assert "Named mistakes" in en_html and "확인된 실수" not in en_html
    # hints in the chosen language, the other language when one is missing
    assert "출력 델타의 마이너스 누락" in ko_html and "부호를 확인하세요" in ko_html
    assert "Output delta without the minus" in en_html and "sign included" in en_html
    assert "tanh_grad as 1 - y" in ko_html       # no title_ko: the English title is used
    # a mistake without a hint file is still named, by its id
    assert "momentum-stores-gradient" in ko_html
    assert "# 채점 결과: 김민준 (2024001)" in ko_md
    assert "# Grading feedback: 김민준 (2024001)" in en_md


def test_korean_font_is_named_first_in_pages():
    html = (Path(__file__).parents[1] / "templates" / "base.html.j2").read_text(encoding="utf-8")
    assert re.search(r'font-family:\s*"Noto Sans CJK KR"', html)


def test_visible_test_shows_input_expected_and_obtained(tmp_path, hint_dir):
    html, md = render(tmp_path, "student_kim", "ko")
    text = "".join(parse(html).text)
    for line in ("입력 y = [-0.5, 0.0, 0.25, 0.9]", "기대값 = [0.75, 1.0, 0.9375, 0.19]",
                 "실제값 = [1.5, 1.0, 0.75, 0.1]"):
        assert line in text and line in md
    # the hidden test says it is hidden and shows what was wrong
    assert "비공개 테스트: 무엇이 틀렸는지만" in text
    assert "무작위 입력에서 출력층 델타의 부호가 반대입니다" in text


def test_scores_per_set_and_total(tmp_path, hint_dir):
    """Scores as the sample gives them: total 12 of 19, backprop 3 of 6."""
    html, md = render(tmp_path, "student_kim", "en")
    text = " ".join(" ".join(parse(html).text).split())
    assert "Total: 12 / 19 points (63 %)" in text
    # tests counted are those carrying points: the public example of 04 carries none
    assert "| 04_backprop Backpropagation and one SGD step | 3 / 6 | 1 / 2 |" in md


def test_sandbox_notes_problems_mnist_and_late_are_shown(tmp_path, hint_dir):
    kim_html, kim_md = render(tmp_path, "student_kim", "en")
    lee_html, _ = render(tmp_path, "student_lee", "en")
    assert "weaker sandbox (rlimit)" in kim_html and "weaker sandbox" in kim_md
    assert "weaker sandbox" not in lee_html
    assert "zip 항목 &#39;../../etc/passwd&#39;를 거부했습니다" in kim_html
    assert "hw/backprop.py를 사용했습니다" in kim_html
    assert "About the data" in kim_html and "About the data" not in lee_html
    assert "Late submission" in kim_html and "Late submission" not in lee_html
    assert "Every test passed." in lee_html


def test_late_penalty_is_explained(tmp_path, hint_dir):
    results = load("student_kim")
    results["extra_data"]["late_penalty"] = {"fraction": 0.2, "raw_score": 12}
    results["score"] = 9.6
    html, md = write_student_reports(results, tmp_path, "en")
    assert "Late penalty: 20 % off the total (before the penalty: 12 points)." in md.read_text()
    assert "9.6 / 19" in html.read_text()


def test_markdown_fences_hold_backticks_and_names_are_inert(tmp_path, hint_dir):
    results = load("student_hostile")
    results["tests"][0]["output"] = "got ```` four backticks\n```\nnot the end"
    _, md = write_student_reports(results, tmp_path, "en")
    text = md.read_text()
    assert "`````\ngot ```` four backticks\n```\nnot the end\n`````" in text
    assert "# Grading feedback: Park \\<script\\>alert(1)\\</script\\>" in text
    assert code_fence("a") == "```\na\n```"
    assert md_inline("tanh_grad [x](y) *em*") == "tanh_grad \\[x\\](y) \\*em\\*"


def test_strings_exist_in_both_languages_with_the_same_placeholders():
    for key, (en, ko) in all_keys().items():
        assert en.strip() and ko.strip(), key
        assert set(re.findall(r"{\w+}", en)) == set(re.findall(r"{\w+}", ko)), key
        assert not HANGUL.search(en), key
    assert table("ko")["passed"] == "통과"
    with pytest.raises(ValueError, match="unknown report language 'fr'"):
        table("fr")


def test_format_points():
    assert [format_points(v) for v in (7.0, 7.25, 1 / 3, 0, -0.0, 12.999)] == ["7", "7.25", "0.33", "0", "0", "13"]


# ------------------------------------------------------------------ bad input

def test_results_without_student_id_are_refused_by_name():
    with pytest.raises(ResultsError, match="extra_data.student"):
        write_student_reports({"tests": [], "extra_data": {}}, Path("/nonexistent"), "en")


def test_malformed_test_is_refused_naming_student_and_test(tmp_path):
    results = load("student_lee")
    results["tests"][3]["score"] = "three"
    with pytest.raises(ResultsError, match=r"2024002: test '04_backprop/output_delta/seed': score"):
        write_student_reports(results, tmp_path, "en")
    results = load("student_lee")
    del results["tests"][0]["name"]
    with pytest.raises(ResultsError, match=r"2024002: tests\[0\] has no name"):
        write_student_reports(results, tmp_path, "en")


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown report language 'de'"):
        write_student_reports(load("student_lee"), tmp_path, "de")


def test_language_defaults_to_the_results_own(tmp_path, hint_dir):
    html, _ = write_student_reports(load("student_kim"), tmp_path, None)
    assert '<html lang="ko">' in html.read_text()


# ------------------------------------------------------------------ hints

def _catalogue(folder, lang, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{lang}.po").write_text(text, encoding="utf-8")
    return folder


def test_hint_loader_falls_back_and_rejects_bad_files(tmp_path):
    good = _catalogue(tmp_path / "good", "en", 'msgid "hint:only-en:title"\nmsgstr "T"\n\n'
                                               'msgid "hint:only-en:text"\nmsgstr "H"\n')
    broken = _catalogue(tmp_path / "broken", "en", 'msgid "hint:broken:title"\ngarbage here\n')
    bad_id = _catalogue(tmp_path / "bad-id", "en", 'msgid "hint:Bad Id:title"\nmsgstr "T"\n')
    twice = _catalogue(tmp_path / "twice", "ko", 'msgid "hint:only-en:title"\nmsgstr "다시"\n')
    catalogue.clear_cache()
    h = catalogue.load_hint("only-en", "ko", (good,))
    assert (h.title, h.text, h.found) == ("T", "H", True)
    missing = catalogue.load_hint("no-such-mistake", "ko", (good,))
    assert (missing.title, missing.text, missing.found) == ("no-such-mistake", "", False)
    with pytest.raises(ValueError, match=r"broken/en\.po: not a readable gettext catalogue"):
        catalogue.load_hint("broken", "en", (broken,))
    with pytest.raises(catalogue.HintFileError, match=r"bad-id/en\.po: 'hint:Bad Id:title' must name"):
        catalogue.load_hint("x", "en", (bad_id,))
    with pytest.raises(catalogue.HintFileError, match=r"twice: hint:only-en is already described in .*good"):
        catalogue.load_hint("only-en", "en", (good, twice))
    catalogue.clear_cache()


# ------------------------------------------------------------------ class summary

def test_summary_shows_shares_pass_rates_and_problem_students(tmp_path, hint_dir):
    """Three students, one with delta-sign: 33 %. Pass rates sorted from the lowest."""
    everyone = [load(n) for n in ("student_kim", "student_lee", "student_hostile")]
    paths = write_class_reports(everyone, tmp_path, "en")
    assert {p.name for p in paths.values()} == {"summary.html", "grades.csv", "moodle.csv"}
    html = paths["summary"].read_text(encoding="utf-8")
    text = " ".join(" ".join(parse(html).text).split())
    assert "delta-sign: 33 %" in text
    assert "Output delta without the minus" in text
    rates = re.findall(r'<td class="mono small">([^<]+)</td><td class="num">(\d+) / (\d+)</td>', html)
    fractions = [int(p) / int(t) for _, p, t in rates]
    assert fractions == sorted(fractions) and len(rates) == 12
    assert rates[0][0] == "01_activations/softmax/random"       # 0 of 1 passed
    # students with problems: kim (refused zip entry) and the hostile one (crash), not lee
    problems = html.split("Students with problems", 1)[1].split("Sandbox levels used", 1)[0]
    assert "2024001" in problems and "2024002" not in problems and "&lt;b&gt;park&lt;/b&gt;" in problems
    assert "2 of the students were graded under a weaker sandbox" in text
    assert len(DATA_URI.findall(html)) == 1                      # the histogram


def test_summary_of_an_empty_class(tmp_path):
    paths = write_class_reports([], tmp_path, "ko")
    assert "요약할 채점 결과가 없습니다." in paths["summary"].read_text(encoding="utf-8")


def test_summary_uses_roster_names(tmp_path, hint_dir):
    roster = [{"name": "Kim, Minjun", "sis_user_id": "2024001", "section": "A"}]
    paths = write_class_reports([load("student_kim")], tmp_path, "en", roster=roster)
    assert "Kim, Minjun" in paths["summary"].read_text(encoding="utf-8")


def test_a_module_not_submitted_is_reported_once_per_set(tmp_path, hint_dir):
    """When every test of a set failed as 'missing', the pages say so once instead of per test."""
    results = load("student_lee")
    for t in results["tests"]:
        if t["extra_data"]["set"] == "01_activations":
            t.update(status="failed", score=0, output="activations.py was not submitted.\ncall: sigmoid(...)")
            t["extra_data"]["status"] = "missing"
    results["extra_data"]["sets"]["01_activations"]["score"] = 0
    html, md = write_student_reports(results, tmp_path, "en")
    page, text = html.read_text(), md.read_text()
    assert page.count("activations.py was not submitted.") == 1
    assert text.count("activations.py was not submitted.") == 1
    assert "**01_activations Activation functions**: activations.py was not submitted." in text
    assert "01_activations/sigmoid/random" not in text


def test_sandbox_layers_as_objects_are_named(tmp_path, hint_dir):
    results = load("student_lee")
    results["extra_data"]["sandbox"] = {"level": "bwrap", "layers": [
        {"name": "rlimits", "active": True, "detail": "..."}, {"name": "network", "active": False},
        {"name": "bwrap", "active": True}]}
    html, _ = write_student_reports(results, tmp_path, "en")
    assert "Sandbox: bwrap (rlimits, bwrap)" in html.read_text()


def test_long_output_is_clipped_in_markdown_only(tmp_path, hint_dir):
    results = load("student_hostile")
    results["tests"][0]["output"] = "\n".join(f"line {i}" for i in range(40))
    html, md = write_student_reports(results, tmp_path, "en")
    assert "line 11\n… 28 more lines in feedback.html\n```" in md.read_text()
    assert "line 39" in html.read_text()


def test_long_plot_titles_wrap_by_display_width():
    """Hangul counts double; "English / 한국어" titles split at the slash."""
    assert plots._wrap("short", 20) == "short"
    assert plots._wrap("Decision boundary / 결정 경계", 20) == "Decision boundary\n결정 경계"
    assert plots._wrap("가나다라 마바사아 자차카타", 10) == "가나다라\n마바사아\n자차카타"


def test_class_language_defaults_to_the_results_own(tmp_path, hint_dir):
    paths = write_class_reports([load("student_kim"), load("student_lee"), load("student_hostile")], tmp_path)
    assert '<html lang="ko">' in paths["summary"].read_text()      # two of three graded in Korean


def test_summary_lists_crashes_timeouts_and_grader_failures(tmp_path, hint_dir):
    """A student whose process died or ran out of time is listed among the students with problems."""
    lee = load("student_lee")
    for t, state in zip(lee["tests"][:3], ("crashed", "crashed", "timeout")):
        t.update(status="failed", score=0, output="died")
        t["extra_data"]["status"] = state
    lee["extra_data"]["grader_crash"] = "Traceback: KeyError 'x'"
    html = write_class_reports([lee], tmp_path, "en")["summary"].read_text()
    problems = html.split("Students with problems", 1)[1].split("Sandbox levels used", 1)[0]
    assert "the grader failed on this submission: Traceback: KeyError &#39;x&#39;" in problems
    assert "the student&#39;s process died in 2 test(s)" in problems
    assert "1 test(s) ran out of time" in problems


# ------------------------------------------------------------------ what the page starts with

def _graded_document(lang: str = "en") -> dict:
    """A real results.json: a hand-written student with one mistake named on several tests, and
    a second set whose module does not import."""
    from nngrade.autograder.mistakes import models_for
    from nngrade.autograder.results import build_results
    from nngrade.autograder.sets import find_set
    from test_lazy_students import _grade
    sets = (find_set("04_backprop"), find_set("01_activations"))
    (model,) = [m for m in models_for("04_backprop") if m.id == "delta-sign"]
    outcomes = _grade({"s": {"04_backprop": model.module()}}, sets, public=True)["s"]
    for o in outcomes:
        if o.set_id == "01_activations":
            o.status, o.summary = "import-error", ("activations.py could not be imported: "
                                                  "SyntaxError: invalid syntax (activations.py, line 3)")
    return build_results("s", outcomes, sets, lang=lang)


def test_each_hint_is_shown_once_and_a_load_error_once(tmp_path):
    document = _graded_document()
    hint = catalogue.load_hint("delta-sign", "en").text
    named = [t for t in document["tests"] if "delta-sign" in t["tags"]]
    assert len(named) >= 2 and all(hint in t["output"] for t in named)   # Gradescope: per test
    html, md = write_student_reports(document, tmp_path, "en")
    page, text = html.read_text(encoding="utf-8"), md.read_text(encoding="utf-8")
    assert page.count(hint) == 1 and text.count(hint.replace("*", "\\*")[:60]) == 1
    assert page.count("could not be imported") == 1
    # what went wrong comes before the per-set details
    assert page.index("could not be imported") < page.index('id="mistake-delta-sign"') \
        < page.index('id="set-04_backprop"')


def test_failing_tests_come_first_and_public_examples_show_no_points(tmp_path):
    html, _ = write_student_reports(_graded_document(), tmp_path, "en")
    page = html.read_text(encoding="utf-8")
    section = page[page.index('id="set-04_backprop"'):]
    first_passed = section.find('class="test passed"')
    assert first_passed == -1 or section.find('class="test failed"') < first_passed
    assert "0 / 0" not in page


def test_every_mistake_badge_links_to_an_explanation_on_the_page(tmp_path):
    html, _ = write_student_reports(_graded_document(), tmp_path, "en")
    page = html.read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="(mistake-[^"]+)"', page))
    links = set(re.findall(r'href="#(mistake-[^"]+)"', page))
    assert links and links <= anchors


def test_the_summary_links_every_page_and_lists_students_before_the_test_rows(tmp_path):
    from nngrade.report import write_class_reports
    everyone = [load("student_kim"), load("student_lee")]
    for results in everyone:
        write_student_reports(results, tmp_path / results["extra_data"]["student"], "en")
    page = write_class_reports(everyone, tmp_path, "en")["summary"].read_text(encoding="utf-8")
    for results in everyone:
        student = results["extra_data"]["student"]
        link = f'href="{student}/feedback.html"'
        assert link in page
        assert (tmp_path / student / "feedback.html").is_file()
    assert page.index("Scores of every student") < page.index("Pass rate of each test")


def test_hidden_tests_show_no_reference_curve(tmp_path):
    from nngrade.autograder.reference import fresh_reference
    from nngrade.autograder.results import build_results
    from nngrade.autograder.sets import find_set
    from test_lazy_students import _grade
    s = find_set("01_activations")
    outcomes = _grade({"s": {s.id: fresh_reference(s.id)}}, (s,))["s"]
    assert any("reference" in a.get("series", {}) for o in outcomes for a in o.artifacts)
    document = build_results("s", outcomes, (s,), lang="en")
    drawn = [a for t in document["tests"] for a in t["extra_data"].get("artifacts", [])]
    assert drawn and all(t["visibility"] != "visible" for t in document["tests"]
                         if t["extra_data"].get("artifacts"))
    assert not any("reference" in a.get("series", {}) or "reference" in a.get("grid", {})
                   for a in drawn)


def test_a_seed_named_on_the_page_is_explained_once(tmp_path):
    from nngrade.autograder.mistakes import models_for
    from nngrade.autograder.results import build_results
    from nngrade.autograder.sets import find_set
    from test_lazy_students import _grade
    s = find_set("04_backprop")
    (model,) = [m for m in models_for(s.id) if m.id == "hidden-delta-no-derivative"]
    assert "시드 000" in catalogue.load_hint(model.id, "ko").text      # its hint names the seed
    outcomes = _grade({"s": {s.id: model.module()}}, (s,))["s"]
    html, md = write_student_reports(build_results("s", outcomes, (s,), lang="ko"), tmp_path, "ko")
    page = html.read_text(encoding="utf-8").replace("&#34;", '"')
    assert page.count('시드 000: 2-3-1 "치즈" 신경망을 다루는 교재의 장') == 1
    assert "시드 004:" not in page
