"""Rendering: one jinja2 Environment for every page, and the writers of the report files.

HTML templates (`*.html.j2`) are autoescaped: student output, names and notes may hold HTML and
always show as text. `feedback.md.j2` is not autoescaped; student text goes into code fences there.
Files are written atomically (temporary file, then rename) so an interrupted run never leaves a
half-written page behind.
"""
from __future__ import annotations

import functools
from collections import Counter
import re
from pathlib import Path

import jinja2

from nngrade.autograder.atomic import write_atomic
from nngrade import __version__
from nngrade.paths import TEMPLATES_DIR
from nngrade.report import model, plots
from nngrade.report.strings import LANGS, known, table

FEEDBACK_HTML = "feedback.html"
FEEDBACK_MD = "feedback.md"
SUMMARY_HTML = "summary.html"
GRADES_CSV = "grades.csv"
MOODLE_CSV = "moodle.csv"


def format_points(value) -> str:
    """7.0 -> "7", 7.25 -> "7.25", 7.3333 -> "7.33": points as people write them."""
    if value is None:
        return "-"
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_percent(value) -> str:
    if value is None:
        return "-"
    return f"{float(value):.0f} %"


def code_fence(text: str) -> str:
    """`text` in a Markdown code fence longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text.rstrip()}\n{fence}"


# Characters that can start markup inside a line: code, links, HTML, table cells, and `*`/`_`
# where they could open or close emphasis (not between two word characters, as in tanh_grad).
_MD_SPECIAL = re.compile(r"[\\`\[\]<>|]|(?<!\w)[*_]|[*_](?!\w)")


def md_inline(text: str) -> str:
    """One line of untrusted text made inert for Markdown (no links, emphasis, HTML or cells),
    escaping as little as possible so the text still reads well in a plain-text comment box."""
    text = " ".join(str(text).split())
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def clip_lines(text: str, limit: int, more: str) -> str:
    """The first `limit` lines of `text`, then `more` (formatted with n = lines left out)."""
    lines = text.rstrip().splitlines()
    if len(lines) <= limit:
        return text
    return "\n".join(lines[:limit] + [more.format(n=len(lines) - limit)])


@functools.lru_cache(maxsize=None)
def environment(templates_dir: str | None = None) -> jinja2.Environment:
    """The one Environment (template cache included) shared by every page of a run."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir or str(TEMPLATES_DIR)),
        # Escaping is on for everything but Markdown templates (safe default for new templates).
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"),
                                            disabled_extensions=("md.j2",),
                                            default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pts"] = format_points
    env.filters["pct"] = format_percent
    env.filters["fence"] = code_fence
    env.filters["md"] = md_inline
    env.filters["clip"] = clip_lines
    return env


def _render(template: str, **context) -> str:
    env = environment()
    tmpl = env.get_template(template)
    return tmpl.render(**context)


def _write_atomic(path: Path, text: str) -> None:
    write_atomic(path, text)


def _check_lang(lang: str | None, results: dict | None = None) -> str:
    if lang is None and results is not None:
        lang = (results.get("extra_data") or {}).get("lang")
    lang = lang or "en"
    if not known(lang):
        from nngrade.speech import cli
        raise ValueError(cli("report-language", lang=repr(lang), langs=", ".join(LANGS)))
    return lang


def _common(lang: str) -> dict:
    return {"lang": lang, "ui": table(lang), "kit_version": __version__}


def render_feedback_html(view: model.StudentView) -> str:
    return _render("feedback.html.j2", s=view, **_common(view.lang))


def render_feedback_md(view: model.StudentView) -> str:
    return _render("feedback.md.j2", s=view, **_common(view.lang))


def write_student_reports(results: dict, out_dir: Path, lang: str | None = None) -> tuple[Path, Path]:
    """Write `out_dir/feedback.html` and `out_dir/feedback.md` for one student's results.json dict.

    lang: "ko" or "en"; None takes the results' own `extra_data.lang`. Returns the two paths.
    Raises model.ResultsError when the results lack a field the pages need.
    """
    lang = _check_lang(lang, results)
    view = model.student_view(results, lang)
    out_dir = Path(out_dir)
    html_path, md_path = out_dir / FEEDBACK_HTML, out_dir / FEEDBACK_MD
    _write_atomic(html_path, render_feedback_html(view))
    _write_atomic(md_path, render_feedback_md(view))
    return html_path, md_path


def render_summary_html(cls: model.ClassView, roster=None, pages: dict | None = None) -> str:
    """``pages``: student id -> the link to their feedback page, relative to the summary."""
    from nngrade.lms import roster_lookup, roster_name

    lookup = roster_lookup(roster)
    handed_in = [s for s in cls.students if not s.missing]
    histogram = plots.score_histogram([s.percent for s in handed_in if s.percent is not None],
                                      cls.lang) if handed_in else None
    names = {s.student: roster_name(lookup, s.student, s.display_name) for s in cls.students}
    return _render("summary.html.j2", c=cls, histogram=histogram, names=names, pages=pages or {},
                   **_common(cls.lang))


def feedback_links(out_dir: Path, students) -> dict[str, str]:
    """student id -> OUT-relative link of each feedback page that exists."""
    from urllib.parse import quote

    from nngrade.grade import safe_dir_name
    links = {}
    for student in students:
        folder = safe_dir_name(student)
        if (Path(out_dir) / folder / FEEDBACK_HTML).is_file():
            links[student] = f"{quote(folder)}/{FEEDBACK_HTML}"
    return links


def write_class_reports(all_results: list[dict], out_dir: Path, lang: str | None = None, roster=None,
                        sets=None) -> dict[str, Path]:
    """Write `summary.html`, `grades.csv` (Canvas) and `moodle.csv` (Moodle) for a class.

    roster: None, an nngrade.roster.Roster, a mapping student id -> entry, or a list of entries
    (objects or dicts with name, canvas_id, sis_user_id, sis_login_id, section; optional email,
    username, id_number); see nngrade.lms.roster_lookup.
    sets: the set ids (or ExerciseSet objects) to report; None = every set in the results.
    lang: "ko" or "en"; None takes the language most of the results were graded in.
    Returns {"summary": path, "canvas": path, "moodle": path}.
    """
    from nngrade import lms

    if lang is None:
        langs = Counter((r.get("extra_data") or {}).get("lang") for r in all_results if isinstance(r, dict))
        lang = max(sorted(l for l in langs if l in LANGS), key=langs.__getitem__, default="en")
    lang = _check_lang(lang)
    # the roster's students who handed nothing in: 0 everywhere, marked missing
    all_results = [*all_results, *lms.missing_students(all_results, roster, sets, lang)]
    cls = model.class_view(all_results, lang, sets)
    out_dir = Path(out_dir)
    paths = {"summary": out_dir / SUMMARY_HTML, "canvas": out_dir / GRADES_CSV,
             "moodle": out_dir / MOODLE_CSV}
    pages = feedback_links(out_dir, [s.student for s in cls.students])
    _write_atomic(paths["summary"], render_summary_html(cls, roster, pages))
    lms.write_canvas_csv(paths["canvas"], all_results, roster, cls.set_ids)
    lms.write_moodle_csv(paths["moodle"], all_results, roster, cls.set_ids)
    return paths
