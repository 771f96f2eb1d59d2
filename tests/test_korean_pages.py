"""Does a student graded in Korean read Korean: the suites' descriptions, the value differences,
the hints and the plots' words?

One hand-written submission with a catalogue mistake per set (tests/files/catalogue/<id>/a, the
kit's own files, imported here) is graded in process, once in Korean and once in English. In
Korean, a failed test's output may hold code (in backticks, identifiers of the set's reference
and of the submission), numbers, values, the mistake's id and the messages of Python's own
exceptions, but hardly an English word; the English page, counted the same way, is full of them
(so the count sees English where there is some).
"""
from __future__ import annotations

import importlib.util
import io
import keyword
import re
import tokenize
from pathlib import Path

import pytest

from nngrade.autograder.messages import say
from nngrade.autograder.plugin import GradingPlugin, StudentJob
from nngrade.autograder.results import build_results
from nngrade.autograder.sets import find_set
from nngrade.autograder.suite_session import TrustedStudent, run_suites, suite_paths

CATALOGUE = Path(__file__).resolve().parent / "files" / "catalogue"
# set -> a submission making one mistake of it (its "a" variant, one self-contained module)
SUBMISSIONS = {
    "01_activations": "softmax-unstable", "02_forward": "bias-missing", "03_loss": "bce-unclipped",
    "04_backprop": "delta-sign", "05_gradient_descent": "gd-off-by-one",
    "06_numerical_gradient": "forward-difference", "07_xor": "momentum-stores-gradient",
    "08_mnist": "weights-transposed-08", "09_perceptron": "xor-not-from-gates",
    "10_compgraph": "mul-backward-swapped",
}
SETS = tuple(find_set(s) for s in SUBMISSIONS)
ENGLISH_WORDS_ALLOWED = 2       # per failed test, outside code (a proper noun, an abbreviation)

CODE_SPAN = re.compile(r"`[^`\n]*`")
MISTAKE_ID = re.compile(r"\[[a-z0-9-]+\]")
QUOTED = re.compile(r"'[^'\s]*'|\"[^\"\s]*\"")
EXCEPTION = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning)\b:[^\n]*")   # Python's own words
WORD = re.compile(r"(?<![\w.])[A-Za-z]{3,}(?![\w(])")
NOT_WORDS = {"nan", "inf", "NaN", "True", "False", "None", "array", "NumPy", "MNIST", "IPython",
             "XOR"}


def _module(exercise_set, folder: str):
    path = CATALOGUE / folder / "a" / f"{exercise_set.module}.py"
    spec = importlib.util.spec_from_file_location(f"_korean_page_{exercise_set.module}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _identifiers() -> set[str]:
    """Every name of the sets' references and of the submissions: code, in any language."""
    names = set()
    for s in SETS:
        for path in (s.file(f"{s.module}.py"), CATALOGUE / SUBMISSIONS[s.id] / "a" / f"{s.module}.py"):
            source = path.read_text(encoding="utf-8")
            for tok in tokenize.generate_tokens(io.StringIO(source).readline):
                if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
                    names.add(tok.string)
    return names


def _grade(lang: str) -> dict:
    modules = {s.id: _module(s, SUBMISSIONS[s.id]) for s in SETS}
    found = {}
    plugin = GradingPlugin(next_job=iter([StudentJob("kim", {}), None]).__next__,
                           open_student=lambda job: TrustedStudent(modules),
                           on_done=lambda job, outcomes, secs: found.update(outcomes=outcomes),
                           salt="korean-pages", lang=lang,
                           options={"mnist_sample": True, "mnist_budget": 300})
    run_suites(suite_paths(SETS), plugin)
    return build_results("kim", found["outcomes"], SETS, lang=lang)


@pytest.fixture(scope="module")
def pages():
    return {lang: _grade(lang) for lang in ("ko", "en")}


def _shown(test: dict, lang: str) -> str:
    """What the page shows of a failed test that the suite and the kit wrote: its output without
    the values (the calls made, expected and obtained: reprs), and the words of its plots."""
    labels = tuple(say(k, lang) + ":" for k in ("calls", "expected", "obtained"))
    kept, skipping = [], False
    for line in test["output"].split("\n"):
        if line.startswith(labels):
            skipping = True
        elif not line.strip():
            skipping = False
        if not skipping:
            kept.append(line)
    for art in test.get("extra_data", {}).get("artifacts", []) or []:
        kept += [str(art.get(k, "")) for k in ("title", "xlabel", "ylabel", "data_note")]
    return "\n".join(kept)


def english_words(text: str, identifiers: set[str]) -> list[str]:
    """Latin-script words of 3+ letters outside code, values, ids and Python's exceptions."""
    for pattern in (CODE_SPAN, MISTAKE_ID, EXCEPTION, QUOTED):
        text = pattern.sub(" ", text)
    return [w for w in WORD.findall(text) if w not in identifiers and w not in NOT_WORDS]


def _failed(document: dict) -> list[dict]:
    """The failed tests, and those with a plot (a passed test may draw one)."""
    return [t for t in document["tests"]
            if t.get("output") or t.get("extra_data", {}).get("artifacts")]


def test_every_set_has_failures_to_read(pages):
    failed_sets = {t["name"].split("/")[0] for t in pages["ko"]["tests"] if t.get("output")}
    assert failed_sets == set(SUBMISSIONS)


def test_the_korean_page_says_the_suites_sentences_in_korean(pages):
    identifiers = _identifiers()
    english = {t["name"]: words for t in _failed(pages["ko"])
               if len(words := english_words(_shown(t, "ko"), identifiers)) > ENGLISH_WORDS_ALLOWED}
    assert english == {}


def test_the_count_sees_english_where_there_is_some(pages):
    """The same count on the English page: nearly every failed test has English words."""
    identifiers = _identifiers()
    failed = [t for t in pages["en"]["tests"] if t.get("output")]
    counted = [t for t in failed if len(english_words(_shown(t, "en"), identifiers)) > ENGLISH_WORDS_ALLOWED]
    assert len(counted) >= 0.9 * len(failed)


def test_value_differences_and_plot_words_are_korean(pages):
    text = "\n".join(t["output"] for t in pages["ko"]["tests"])
    assert "값이 다릅니다: 원소" in text and "허용 오차(" in text
    assert "values differ" not in text and "index | obtained" not in text
    arts = [a for t in pages["ko"]["tests"] for a in (t.get("extra_data", {}).get("artifacts") or [])]
    series = [a for a in arts if a.get("kind") == "series"]
    assert series and all(re.search(r"[\uac00-\ud7a3]", a["title"]) for a in series)
    assert {a.get("xlabel") for a in series} >= {"반복 횟수", "에포크"}
    mnist = [a for a in series if a.get("data_note")]
    assert mnist and "표본" in mnist[0]["data_note"] and "sample" not in mnist[0]["data_note"]


def test_the_same_tests_fail_in_both_languages(pages):
    """The language changes the words only: the same tests pass, fail and name the same ids."""
    def verdicts(doc):
        return [(t["name"], t["score"], tuple(t.get("extra_data", {}).get("mistakes") or ()))
                for t in doc["tests"]]
    assert verdicts(pages["ko"]) == verdicts(pages["en"])


def test_the_count_of_english_words_can_fail():
    sentence = "`sigmoid(a)`: values differ: 3 of 5 elements [softmax-axis] nan"
    assert english_words(sentence, {"sigmoid"}) == ["values", "differ", "elements"]
    assert english_words("`sigmoid(a)`: 값이 다릅니다 (0.5, nan) [softmax-axis]", set()) == []
