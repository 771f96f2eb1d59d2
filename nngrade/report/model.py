"""What the templates show, built from results.json dicts (Gradescope's schema plus nngrade's
extra_data; see docs/ARCHITECTURE.md "Results").

`student_view` checks the parts a report relies on and raises ResultsError naming the student and
the field when one is malformed; optional parts (display_name, notes, artifacts, ...) may be absent.
`class_view` aggregates many students for the summary page and the LMS files.
"""
from __future__ import annotations

import json
import re
import logging
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from nngrade.report import plots
from nngrade.autograder.catalogue import Hint, load_hint
from nngrade.report.strings import text
from nngrade.autograder.sets import all_sets, set_ids
from nngrade.autograder.messages import Said, in_language
from nngrade.speech import cli as _cli, said_of

log = logging.getLogger(__name__)

SANDBOX_STRONG = "bwrap"
# Failure kinds (a test's extra_data.status) that mean the run went wrong, not the answer.
TROUBLE_STATES = ("grader-crash", "crashed", "timeout", "budget", "import-error")


class ResultsError(ValueError):
    """A results.json dict lacks a field the reports need, or holds a wrong type there."""


# ---------------------------------------------------------------- small helpers

def as_text(item) -> str:
    """A note or problem as one line of text: strings as they are, objects by their message."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for key in ("message", "text", "msg", "detail"):
            if isinstance(item.get(key), str):
                prefix = item.get("kind") or item.get("code")
                return f"{prefix}: {item[key]}" if isinstance(prefix, str) and prefix else item[key]
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def is_late(late) -> bool:
    """extra_data.late may be a bool, a number (days or seconds late) or an object; falsy means on time."""
    if isinstance(late, dict):
        return bool(late.get("late", bool(late)))
    return bool(late)


def set_title(set_id: str, lang: str) -> str:
    """The set's title from its catalogue (``set:title``), else set.toml's, else its id."""
    from nngrade.autograder import i18n
    for s in all_sets():
        if s.id == set_id:
            found = i18n.lookup("set:title", lang, s.folder) if s.folder is not None else None
            # a set without a catalogue: set.toml's title in the language, else its English one
            return found or getattr(s, f"title_{lang}", None) or s.title_en or set_id
    return set_id


def set_order(set_id: str) -> tuple[int, str]:
    ids = set_ids()
    return (ids.index(set_id), set_id) if set_id in ids else (len(ids), set_id)


def percent(score: float, max_score: float) -> float | None:
    return 100.0 * score / max_score if max_score else None


def _field_of(student: str, field: str) -> Said:
    """``results of <student>: <field>``, said in the reader's language."""
    return Said.joined([_cli("results-of", student=student), Said.plain(field)], ": ")


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ResultsError(_cli("results-not-number", where=where, value=repr(value)))
    return float(value)


# ---------------------------------------------------------------- one student

@dataclass
class PlotView:
    title: str
    kind: str
    uri: str | None          # PNG data URI; None when the artifact could not be drawn
    error: str = ""


@dataclass
class TestView:
    name: str
    number: str
    set_id: str
    function: str
    case: str
    score: float
    max_score: float
    passed: bool
    visible: bool
    output: str
    tags: list[str]
    state: str = ""          # the grader's extra_data.status ("missing", "mismatch", ...), if any
    plots: list[PlotView] = field(default_factory=list)
    explanation: str = ""    # output without the hints of its named mistakes (the page shows
                             # each hint once, in its mistake's section)

    @property
    def has_details(self) -> bool:
        return bool(self.explanation.strip() or self.tags or self.plots)

    @property
    def earned(self) -> bool:
        """Shown as passed: the test passed and, when it carries points, they were earned."""
        return self.passed and (self.max_score <= 0 or self.score > 0)

    @property
    def pointed(self) -> bool:
        return self.max_score > 0


@dataclass
class SetView:
    id: str
    title: str
    score: float
    max_score: float
    tests: list[TestView]

    @property
    def percent(self) -> float | None:
        return percent(self.score, self.max_score)

    @property
    def passed_count(self) -> int:
        """Tests whose points were earned, of those that carry points (public examples carry
        none: they are the student's own check)."""
        return sum(t.earned for t in self.pointed_tests)

    @property
    def pointed_tests(self) -> list[TestView]:
        return [t for t in self.tests if t.pointed]

    @property
    def failing_first(self) -> list[TestView]:
        return sorted(self.tests, key=lambda t: t.earned)

    @property
    def load_error(self) -> str:
        """The module could not be loaded, so every test failed alike: said once for the set."""
        failed = [t for t in self.tests if not t.passed]
        if failed and len(failed) == len(self.tests) and all(t.state == "import-error" for t in failed):
            return (failed[0].explanation.strip().splitlines() or [""])[0]
        return ""

    @property
    def missing(self) -> bool:
        """Every test failed because the module was not submitted: say so once, not per test."""
        return bool(self.tests) and all(t.state == "missing" for t in self.tests)

    @property
    def missing_message(self) -> str:
        return self.tests[0].output.strip().splitlines()[0] if self.missing and self.tests[0].output.strip() else ""


@dataclass
class MistakeView:
    hint: Hint
    tests: list[str]          # test names where the mistake was named

    @property
    def id(self) -> str:
        return self.hint.id


@dataclass
class StudentView:
    student: str
    display_name: str
    lang: str
    score: float
    max_score: float
    sets: list[SetView]
    mistakes: list[MistakeView]
    sandbox_level: str
    sandbox_layers: list[str]
    notes: list[str]
    problems: list[str]
    data_note: str
    trouble: list[str]               # crashes, timeouts, import errors: for the class summary
    late: bool
    late_penalty: float | None       # fraction taken off the total, when the course's policy did
    raw_score: float | None          # the total before that penalty
    grader_version: str
    submission_digest: str
    results: dict = field(repr=False, default_factory=dict)
    missing: bool = False            # on the roster, nothing handed in: 0 in every set
    seeds: list[str] = field(default_factory=list)   # which textbook chapter each seed named is

    @property
    def percent(self) -> float | None:
        return percent(self.score, self.max_score)

    @property
    def sandbox_weak(self) -> bool:
        return self.sandbox_level != SANDBOX_STRONG

    @property
    def mistake_titles(self) -> dict[str, str]:
        return {m.id: m.hint.title for m in self.mistakes}

    @property
    def tests(self) -> list[TestView]:
        return [t for s in self.sets for t in s.tests]

    @property
    def failed_tests(self) -> list[TestView]:
        """Failed tests of the sets that were submitted (a missing module is reported per set)."""
        return [t for s in self.sets if not s.missing for t in s.tests if not t.passed]

    @property
    def missing_sets(self) -> list[SetView]:
        return [s for s in self.sets if s.missing]

    def set_score(self, set_id: str) -> tuple[float, float] | None:
        for s in self.sets:
            if s.id == set_id:
                return s.score, s.max_score
        return None


def _sandbox(extra: dict) -> tuple[str, list[str]]:
    box = extra.get("sandbox")
    if isinstance(box, str):
        return box, []
    if isinstance(box, dict):
        level = box.get("level")
        layers = box.get("layers") or []
        if isinstance(layers, dict):                       # {"bwrap": true, ...}
            layers = [k for k, on in layers.items() if on]
        names = []
        for layer in layers if isinstance(layers, list) else []:
            if isinstance(layer, dict):                    # {"name", "active", "detail"}
                if layer.get("active", True) and layer.get("name"):
                    names.append(str(layer["name"]))
            else:
                names.append(str(layer))
        return (level if isinstance(level, str) and level else "unknown"), names
    return "unknown", []


def _test_view(t, i: int, who: str, lang: str, draw: bool, output_lang: str) -> TestView:
    where = _cli("results-test-number", student=who, index=i)
    if not isinstance(t, dict):
        raise ResultsError(_cli("results-not-object", where=where))
    name = t.get("name")
    if not isinstance(name, str) or not name:
        raise ResultsError(_cli("results-no-name", where=where))
    where = _cli("results-test", student=who, name=repr(name))
    extra = t.get("extra_data") or {}
    if not isinstance(extra, dict):
        raise ResultsError(_cli("results-field-object", where=where, field="extra_data"))
    parts = name.split("/")
    set_id = extra.get("set") or parts[0]
    function = extra.get("function") or (parts[1] if len(parts) > 1 else "")
    case = extra.get("case") or (parts[2] if len(parts) > 2 else "")
    score = _number(t.get("score", 0), Said.joined([where, Said.plain("score")], ": "))
    max_score = _number(t.get("max_score", 0), Said.joined([where, Said.plain("max_score")], ": "))
    status = t.get("status")
    if status not in ("passed", "failed", None):
        raise ResultsError(_cli("results-status", where=where, status=repr(status)))
    passed = status == "passed" if status else score >= max_score
    tags = t.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(x, str) for x in tags):
        raise ResultsError(_cli("results-tags", where=where))
    output = t.get("output") or ""
    if not isinstance(output, str):
        raise ResultsError(_cli("results-output", where=where))
    view = TestView(
        name=name, number=str(t.get("number", "")), set_id=str(set_id), function=str(function),
        case=str(case), score=score, max_score=max_score, passed=passed,
        visible=t.get("visibility", "visible") == "visible", output=output,
        tags=list(dict.fromkeys(tags)),
        state=str(extra.get("status") or ""),
        explanation=without_hints(output, tags, output_lang),
    )
    artifacts = extra.get("artifacts") or []
    if not isinstance(artifacts, list):
        raise ResultsError(_cli("results-field-list", where=where, field="extra_data.artifacts"))
    for art in artifacts:
        title = str(art.get("title", "")) if isinstance(art, dict) else ""
        kind = str(art.get("kind", "")) if isinstance(art, dict) else ""
        if not draw:
            continue
        try:
            view.plots.append(PlotView(title, kind, plots.render_artifact(art, lang)))
        except plots.ArtifactError as exc:
            # A malformed artifact is a grader bug; the page still says what the test found.
            log.warning("%s", _cli("results-artifact", where=where, error=said_of(exc)).to(lang))
            view.plots.append(PlotView(title, kind, None, in_language(said_of(exc), lang)))
    return view


# "seed 001", "시드 001", "seeds 000 and 001": the textbook chapters the texts refer to
SEED_NAMED = re.compile(r"(?:[Ss]eeds?|시드)\s+(00[0-4])")


def _places(tests) -> tuple[str, ...]:
    """Where a mistake was seen, for a hint worded for that place: its one function, or else
    its one set; nothing when it was seen across sets."""
    tests = list(tests)
    functions = {t.function for t in tests}
    sets = {t.set_id for t in tests}
    return ((*functions,) if len(functions) == 1 else ()) + ((*sets,) if len(sets) == 1 else ())


def without_hints(output: str, tags, lang: str) -> str:
    """A test's output without the "Likely mistake: ..." blocks and their hints, which results.json
    repeats in each test (Gradescope shows tests one by one) and the page shows once."""
    from nngrade.autograder.messages import say
    starts = []
    for language in dict.fromkeys((lang, "en", "ko")):
        try:
            starts.append(say("named-mistake", language, title="\0", id="\0").split("\0")[0])
        except KeyError:
            pass
    blocks = output.split("\n\n")
    kept = [b for b in blocks if not (tags and any(b.startswith(p) for p in starts if p))]
    return "\n\n".join(kept).strip()


def student_view(results: dict, lang: str, *, draw: bool = True) -> StudentView:
    """Everything the feedback page and feedback.md show for one results.json dict."""
    if not isinstance(results, dict):
        raise ResultsError(_cli("results-not-json-object", type=type(results).__name__))
    extra = results.get("extra_data")
    if not isinstance(extra, dict):
        raise ResultsError(_cli("results-no-extra"))
    student = extra.get("student")
    if not isinstance(student, str) or not student:
        raise ResultsError(_cli("results-no-student"))
    tests = results.get("tests")
    if not isinstance(tests, list):
        raise ResultsError(_cli("results-field-list", where=_cli("results-of", student=student),
                                field="tests"))
    output_lang = extra.get("lang") if isinstance(extra.get("lang"), str) else lang
    views = [_test_view(t, i, student, lang, draw, output_lang) for i, t in enumerate(tests)]

    by_set: dict[str, list[TestView]] = defaultdict(list)
    for v in views:
        by_set[v.set_id].append(v)
    set_scores = extra.get("sets") or {}
    if not isinstance(set_scores, dict):
        raise ResultsError(_cli("results-field-object", where=_cli("results-of", student=student),
                                field="extra_data.sets"))
    sets = []
    for set_id in sorted(set(by_set) | set(set_scores), key=set_order):
        tests_of_set = by_set.get(set_id, [])
        given = set_scores.get(set_id)
        if isinstance(given, dict):
            score = _number(given.get("score", 0), _field_of(student, f"sets.{set_id}.score"))
            max_score = _number(given.get("max_score", 0), _field_of(student, f"sets.{set_id}.max_score"))
        else:
            score = sum(t.score for t in tests_of_set)
            max_score = sum(t.max_score for t in tests_of_set)
        sets.append(SetView(set_id, set_title(set_id, lang), score, max_score, tests_of_set))

    seen: dict[str, list[str]] = {}
    for v in views:
        for tag in v.tags:
            seen.setdefault(tag, []).append(v.name)
    declared = extra.get("mistakes")
    if isinstance(declared, list):
        # the grader's verdict: ids that inputs able to separate them ruled out are left out
        seen = {tag: names for tag, names in seen.items() if tag in declared}
    by_name = {v.name: v for v in views}
    mistakes = [MistakeView(load_hint(tag, lang, where=_places(by_name[n] for n in names)), names)
                for tag, names in seen.items()]

    max_total = sum(s.max_score for s in sets)
    score = results.get("score")
    score = sum(s.score for s in sets) if score is None else _number(score, _field_of(student, "score"))
    level, layers = _sandbox(extra)
    penalty = extra.get("late_penalty")
    fraction = raw_score = None
    if isinstance(penalty, dict) and isinstance(penalty.get("fraction"), (int, float)):
        fraction = float(penalty["fraction"])
        raw = penalty.get("raw_score")
        raw_score = float(raw) if isinstance(raw, (int, float)) else None
    states = Counter(t.state for t in views if not t.passed and t.state in TROUBLE_STATES)
    trouble = [text(f"trouble_{state}", lang).format(n=states[state]) for state in TROUBLE_STATES if states[state]]
    if extra.get("grader_crash"):
        trouble.insert(0, text("grader_crash", lang).format(reason=as_text(extra["grader_crash"]).strip()))
    notes = extra.get("notes") or []
    problems = extra.get("problems") or []
    if not isinstance(notes, list) or not isinstance(problems, list):
        raise ResultsError(_cli("results-field-list", where=_cli("results-of", student=student),
                                field="extra_data.notes, extra_data.problems"))
    shown = " ".join([*(v.explanation for v in views), *(m.hint.text for m in mistakes)])
    seeds = [text(f"seed_{n}", lang) for n in sorted(set(SEED_NAMED.findall(shown)))]
    return StudentView(
        seeds=seeds,
        student=student,
        display_name=str(extra.get("display_name") or student),
        lang=lang,
        score=score,
        max_score=max_total,
        sets=sets,
        mistakes=mistakes,
        sandbox_level=level,
        sandbox_layers=layers,
        notes=[as_text(n) for n in notes],
        problems=[as_text(p) for p in problems],
        data_note=as_text(extra["data_note"]) if extra.get("data_note") else "",
        trouble=trouble,
        late=is_late(extra.get("late")),
        late_penalty=fraction,
        raw_score=raw_score,
        grader_version=str(extra.get("grader_version", "")),
        submission_digest=str(extra.get("submission_digest", "")),
        results=results,
        missing=bool(extra.get("missing")),
    )


# ---------------------------------------------------------------- the class

@dataclass
class TestRate:
    name: str
    set_id: str
    passed: int
    total: int

    @property
    def rate(self) -> float:
        return 100.0 * self.passed / self.total if self.total else 0.0


@dataclass
class MistakeShare:
    hint: Hint
    students: int
    share: float             # percent of the class

    @property
    def id(self) -> str:
        return self.hint.id


@dataclass
class SetAverage:
    id: str
    title: str
    mean: float
    max_score: float
    students: int

    @property
    def percent(self) -> float | None:
        return percent(self.mean, self.max_score)


@dataclass
class ClassView:
    lang: str
    students: list[StudentView]
    set_ids: list[str]
    set_averages: list[SetAverage]
    test_rates: list[TestRate]
    mistakes: list[MistakeShare]
    sandbox_levels: list[tuple[str, int]]
    late_count: int
    mean_percent: float | None
    median_percent: float | None
    data_notes: list[str]
    missing_count: int = 0           # roster students with no submission (in `students`, not in the figures)

    @property
    def problem_students(self) -> list[StudentView]:
        return [s for s in self.students if s.problems or s.notes or s.trouble]

    @property
    def weak_sandbox_levels(self) -> list[tuple[str, int]]:
        return [(level, n) for level, n in self.sandbox_levels if level != SANDBOX_STRONG]


def class_view(all_results: list[dict], lang: str, sets=None) -> ClassView:
    """Per-set averages, per-test pass rates, the commonest named mistakes and sandbox levels.

    Students marked missing (on the roster, nothing handed in) are listed with 0 but left out
    of every figure: the figures describe the work that was handed in."""
    listed = [student_view(r, lang, draw=False) for r in all_results]
    listed.sort(key=lambda s: s.student)
    students = [s for s in listed if not s.missing]
    if sets is None:
        set_ids = sorted({s.id for st in students for s in st.sets}, key=set_order)
    else:
        set_ids = [getattr(s, "id", s) for s in sets]

    averages = []
    for set_id in set_ids:
        got = [st.set_score(set_id) for st in students]
        got = [g for g in got if g is not None]
        if not got:
            continue
        averages.append(SetAverage(set_id, set_title(set_id, lang), statistics.fmean(g[0] for g in got),
                                   max(g[1] for g in got), len(got)))

    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    set_of: dict[str, str] = {}
    for st in students:
        for t in st.tests:
            if t.set_id not in set_ids:
                continue
            total[t.name] += 1
            passed[t.name] += t.passed
            set_of[t.name] = t.set_id
    rates = [TestRate(name, set_of[name], passed[name], total[name]) for name in total]
    rates.sort(key=lambda r: (r.rate, set_order(r.set_id), r.name))

    with_mistake: Counter[str] = Counter()
    for st in students:
        ids = {m.id for m in st.mistakes if any(name.split("/")[0] in set_ids for name in m.tests)}
        with_mistake.update(ids)
    n = len(students)
    mistakes = [MistakeShare(load_hint(tag, lang), count, 100.0 * count / n)
                for tag, count in with_mistake.items()]
    mistakes.sort(key=lambda m: (-m.students, m.id))

    levels = Counter(st.sandbox_level for st in students)
    percents = [p for p in (st.percent for st in students) if p is not None]
    return ClassView(
        lang=lang,
        students=listed,
        set_ids=set_ids,
        set_averages=averages,
        test_rates=rates,
        mistakes=mistakes,
        sandbox_levels=sorted(levels.items(), key=lambda kv: (-kv[1], kv[0])),
        late_count=sum(st.late for st in students),
        mean_percent=statistics.fmean(percents) if percents else None,
        median_percent=statistics.median(percents) if percents else None,
        data_notes=sorted({st.data_note for st in students if st.data_note}),
        missing_count=len(listed) - len(students),
    )
