"""What a student reads in their LMS's comment box: the score of each set and the mistakes named
in it, in the language the results were graded in, as plain text (Canvas submission comments)
or HTML (Moodle's feedback comments are stored as HTML).

The scores are the gradebook's (nngrade.lms: late penalty applied, so the sets add up to the
total); the mistakes are the grader's student-level list (`extra_data.mistakes`), titled from the
hint catalogue, each under the sets whose tests named it.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from nngrade import lms
from nngrade.report import model
from nngrade.report.render import format_points
from nngrade.report.strings import text


@dataclass
class SetLine:
    id: str
    title: str
    score: float
    max_score: float
    mistakes: list[tuple[str, str]] = field(default_factory=list)    # (title, mistake id)


@dataclass
class Comment:
    lang: str
    sets: list[SetLine]
    late: bool
    missing: bool

    @property
    def score(self) -> float:
        return sum(s.score for s in self.sets)

    @property
    def max_score(self) -> float:
        return sum(s.max_score for s in self.sets)


def comment_for(results: dict, set_ids: list[str]) -> Comment:
    """The comment of one student's results over ``set_ids`` (sets not graded are left out)."""
    extra = results.get("extra_data") or {}
    lang = extra.get("lang") if extra.get("lang") in ("ko", "en") else "en"
    view = model.student_view(results, lang, draw=False)
    lines = []
    for set_id in set_ids:
        got = lms._set_points(results, set_id)
        if got is None:
            continue
        named = [(m.hint.title, m.id) for m in view.mistakes
                 if any(name.split("/")[0] == set_id for name in m.tests)]
        lines.append(SetLine(set_id, model.set_title(set_id, lang), got[0], got[1], named))
    return Comment(lang, lines, view.late, view.missing)


def _set_text(line: SetLine) -> str:
    """The set's line; no points when nothing of it carries any ("0 / 0" says nothing)."""
    if line.max_score <= 0:
        return f"{line.id} {line.title}"
    return f"{line.id} {line.title}: {format_points(line.score)} / {format_points(line.max_score)}"


def as_text(comment: Comment, page_attached: bool = False) -> str:
    """Plain text, one line per set and per named mistake."""
    lang = comment.lang
    if comment.missing:
        return text("comment_missing", lang)
    out = []
    if comment.late:
        out.append(text("late", lang))
    for line in comment.sets:
        out.append(_set_text(line))
        for title, mistake in line.mistakes:
            out.append(f"  - {title} ({mistake})")
    if not any(line.mistakes for line in comment.sets):
        out.append(text("no_mistakes", lang))
    if page_attached:
        out.append(text("comment_page_attached", lang))
    return "\n".join(out)


def as_html(comment: Comment) -> str:
    """The same as HTML: a paragraph per set, the mistakes named in it as a list."""
    lang, esc = comment.lang, html.escape
    if comment.missing:
        return f"<p>{esc(text('comment_missing', lang))}</p>"
    out = []
    if comment.late:
        out.append(f"<p><strong>{esc(text('late', lang))}</strong></p>")
    for line in comment.sets:
        out.append(f"<p>{esc(_set_text(line))}</p>")
        if line.mistakes:
            items = "".join(f"<li>{esc(title)} ({esc(mistake)})</li>" for title, mistake in line.mistakes)
            out.append(f"<ul>{items}</ul>")
    if not any(line.mistakes for line in comment.sets):
        out.append(f"<p>{esc(text('no_mistakes', lang))}</p>")
    return "".join(out)
