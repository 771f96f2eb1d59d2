"""Does every sentence a student reads come from the catalogues? A pseudo-locale, made here from
the English catalogues (each text wrapped in ⟦ ⟧, placeholders kept), is registered as a
language; a student with catalogued mistakes is graded and their page and feedback.md rendered
in it. Any English word left outside ⟦ ⟧ — other than data: identifiers, test names, numbers,
ids — is a string that bypassed the catalogues."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from nngrade.autograder import i18n
from nngrade.autograder.mistakes import models_for
from nngrade.autograder.results import build_results
from nngrade.autograder.sets import find_set
from nngrade.report import write_student_reports

from nngrade.autograder.plugin import GradingPlugin, StudentJob
from nngrade.autograder.suite_session import TrustedStudent, run_suites, suite_paths
from nngrade.autograder.sets import SETS

PSEUDO = "qps"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def pseudo(text: str) -> str:
    """⟦text⟧ with its {placeholders} outside the brackets, so filled values are data."""
    pieces, last = [], 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > last:
            pieces.append(f"⟦{text[last:m.start()]}⟧")
        pieces.append(m.group())
        last = m.end()
    if last < len(text):
        pieces.append(f"⟦{text[last:]}⟧")
    # backticks mark code: kept outside the brackets, so a filled-in value between them is data
    return "".join(pieces).replace("`", "⟧`⟦").replace("⟦⟧", "")


@pytest.fixture(scope="module")
def pseudo_locale(tmp_path_factory):
    sets = [find_set(s) for s in ("01_activations", "04_backprop", "09_perceptron")]
    entries: dict[str, str] = {}
    folders = [i18n.KIT_LOCALE, i18n.SHARED_LOCALE, *(s.folder / i18n.LOCALE_FOLDER for s in sets)]
    for folder in folders:
        english = i18n.read_catalogue(folder / "en.po")
        for po in sorted(folder.glob("*.po")):
            for msgid in i18n.read_catalogue(po):
                # a key's English is in en.po; a sentence's msgid is its English
                entries.setdefault(msgid, english.get(msgid, msgid))
    catalog = Catalog(locale=None)
    for msgid, text in entries.items():
        catalog.add(msgid, pseudo(text))
    path = tmp_path_factory.mktemp("pseudo") / f"{PSEUDO}.po"
    with open(path, "wb") as f:
        write_po(f, catalog)
    i18n.register(PSEUDO, path)
    yield sets
    i18n.unregister(PSEUDO)


class _Text(HTMLParser):
    """The page's text, without what it marks as data (class "mono": ids, test names, values)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip, self._open = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        data = tag in ("style", "code", "title") or "mono" in (attrs.get("class") or "").split()
        if tag not in ("img", "meta", "br", "input", "link"):
            self._open.append(data)
            self._skip += data
        if tag == "img":
            self.parts.append(attrs.get("alt", ""))

    def handle_endtag(self, tag):
        if tag not in ("img", "meta", "br", "input", "link") and self._open:
            self._skip -= self._open.pop()

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _leftover_words(text: str, data_words: set[str], names: str = "") -> list[str]:
    text = re.sub(r"^\s*```\w*\s*$", " ", text, flags=re.M)       # Markdown fences
    outside = re.sub(r"⟦[^⟧]*⟧", " ", text, flags=re.S)
    outside = re.sub(r"`[^`]*`", " ", outside)
    words = re.findall(r"[A-Za-z][A-Za-z'-]{2,}", outside)
    return [w for w in words if w not in data_words and w.lower() not in data_words
            and w not in names]


def test_every_sentence_on_the_page_comes_from_a_catalogue(pseudo_locale, tmp_path):
    sets = tuple(pseudo_locale)
    students = {}
    for s, mistake in zip(sets, ("sigmoid-overflow", "delta-sign", "threshold-sign")):
        (model, *_) = [m for m in models_for(s.id) if m.id == mistake]
        students.setdefault("s", {})[s.id] = model.module()
    results = {}
    plugin = GradingPlugin(next_job=iter([StudentJob("s", {}), None]).__next__,
                           open_student=lambda job: TrustedStudent(students["s"]),
                           on_done=lambda job, outcomes, secs: results.update(s=outcomes),
                           salt="pseudo", lang=PSEUDO)
    run_suites(suite_paths(sets, public=True, hidden=True), plugin)
    outcomes = results["s"]
    document = build_results("s", outcomes, sets, lang=PSEUDO)
    html, md = write_student_reports(document, tmp_path, PSEUDO)
    # data: what the page shows as it is (names of functions, tests, cases, sets, ids, modules)
    data = {"nngrade", "sha", "bwrap", "rlimit", "unshare", "unknown", "png", "NaN", "nan", "inf",
            "array"}   # sandbox levels, and how values are printed: array(3,) [...]
    for t in document["tests"]:
        data |= set(re.findall(r"[A-Za-z][\w'-]*", t["name"]))
    for s in sets:
        data |= {s.module, s.short, *re.findall(r"[A-Za-z]\w*", " ".join(s.functions))}
    data |= {w for m in document["extra_data"]["mistakes"] for w in (m, *m.split("-"))}
    for module in students["s"].values():           # parameter names shown in "Calls made"
        for fn in vars(module).values():
            if callable(fn) and hasattr(fn, "__code__"):
                data |= set(fn.__code__.co_varnames[:fn.__code__.co_argcount])
    data = {piece for word in data for piece in (word, *re.split(r"[_\W]+", word)) if piece}
    parser = _Text()
    parser.feed(html.read_text(encoding="utf-8"))
    names = " ".join(t["name"] for t in document["tests"])     # test names and cases are data
    page_words = _leftover_words(" ".join(parser.parts), data, names)
    assert page_words == [], f"page words outside the catalogues: {sorted(set(page_words))[:40]}"
    md_words = _leftover_words(md.read_text(encoding="utf-8"), data, names)
    assert md_words == [], f"feedback.md words outside the catalogues: {sorted(set(md_words))[:40]}"


@pytest.mark.parametrize("exercise_set", SETS, ids=[s.id for s in SETS])
def test_a_sets_title_in_its_catalogue_is_the_one_in_set_toml(exercise_set):
    for lang, title in (("en", exercise_set.title_en), ("ko", exercise_set.title_ko)):
        po = exercise_set.folder / i18n.LOCALE_FOLDER / f"{lang}.po"
        assert i18n.read_catalogue(po).get("set:title") == title, (po, title)
