"""Scoring: test outcomes of one student → results.json in Gradescope's schema."""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

from nngrade import __version__
from nngrade.autograder import catalogue
from nngrade.autograder.atomic import write_atomic
from nngrade.autograder.messages import say
from nngrade.autograder.sets import ExerciseSet

# Fields whose values change from run to run; everything else in results.json is deterministic.
TIMING_FIELDS = ("execution_time", "graded_at")


@dataclass
class TestOutcome:
    name: str                 # "<set>/<function>/<case>"
    set_id: str
    function: str
    case: str
    max_score: float
    visibility: str           # "visible" | "after_published"
    passed: bool = False
    summary: str = ""         # what was wrong, safe for hidden tests
    details: list[str] = field(default_factory=list)  # expected values etc. (visible tests only)
    tags: tuple[str, ...] = ()
    explanations: tuple[tuple[str, ...], ...] = ()   # mistakes that explain it only together
    artifacts: list[dict] = field(default_factory=list)
    status: str = ""          # failure kind: mismatch, exception, timeout, not-submitted, ...
    grader_error: str | None = None  # a fault of the suite, shown to instructors

    def output(self, lang: str) -> str:
        if self.passed:
            return ""
        lines = [self.summary]
        if self.visibility == "visible":
            lines += self.details
        for tag in self.tags:
            lines.append("")
            where = (self.function, self.set_id)
            lines.append(say("named-mistake", lang, title=catalogue.title(tag, lang, where), id=tag))
            text = catalogue.hint(tag, lang, where)
            if text:
                lines.append(text.strip())
        return "\n".join(line for line in lines if line is not None).strip()


def build_results(student_id: str, outcomes: list[TestOutcome], sets: tuple[ExerciseSet, ...], *,
                  lang: str, extra: dict | None = None, overrides: dict | None = None,
                  execution_time: float | None = None) -> dict:
    """The results.json document. ``overrides`` maps a test name to the points an instructor set."""
    overrides = overrides or {}
    tests = []
    per_set = {s.id: {"score": 0.0, "max_score": 0.0} for s in sets}
    for number, o in enumerate(outcomes, start=1):
        score = float(o.max_score) if o.passed else 0.0
        extra_data = {"set": o.set_id, "function": o.function, "case": o.case}
        if o.name in overrides:
            score = float(overrides[o.name])
            extra_data["override"] = True
        artifacts = o.artifacts if o.visibility == "visible" else [_without_reference(a)
                                                                      for a in o.artifacts]
        if artifacts:
            extra_data["artifacts"] = artifacts
        if o.grader_error:
            extra_data["grader_error"] = o.grader_error
        if o.status and not o.passed:
            extra_data["status"] = o.status
        if any(len(ids) > 1 for ids in o.explanations):
            extra_data["explained_by"] = [list(ids) for ids in o.explanations]
        tests.append({
            "name": o.name,
            "number": str(number),
            "score": score,
            "max_score": float(o.max_score),
            "status": "passed" if o.passed else "failed",
            "output": o.output(lang),
            "tags": list(o.tags),
            "visibility": o.visibility,
            "extra_data": extra_data,
        })
        if o.set_id in per_set:
            per_set[o.set_id]["score"] += score
            per_set[o.set_id]["max_score"] += float(o.max_score)
    total = round(sum(t["score"] for t in tests), 6)
    # the data a trainer was graded on (the MNIST suite puts it on its training plot)
    data_notes = [a["data_note"] for o in outcomes for a in o.artifacts if a.get("data_note")]
    mistakes = student_mistakes([explanations_of(t) for t in tests])
    document = {
        "score": total,
        "output": "",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "student": student_id,
            "sets": {k: {"score": round(v["score"], 6), "max_score": v["max_score"]}
                     for k, v in per_set.items()},
            "mistakes": mistakes,
            "grader_version": __version__,
            "lang": lang,
            **(extra or {}),
        },
    }
    if data_notes:
        document["extra_data"]["data_note"] = data_notes[0]
    if execution_time is not None:
        document["execution_time"] = round(execution_time, 3)
    return document


def _without_reference(artifact: dict) -> dict:
    """A hidden test's plot without the reference's curve or boundary: what a hidden test shows
    must not give the expected values away."""
    artifact = dict(artifact)
    for key in ("series", "grid"):
        if isinstance(artifact.get(key), dict):
            artifact[key] = {k: v for k, v in artifact[key].items() if k != "reference"}
    return artifact


def explanations_of(test: dict) -> list[tuple[str, ...]]:
    """A results.json test's diagnosis as alternatives: each a tuple of mistake ids that explain
    its result together; a tag outside every listed combination explains it alone."""
    together = [tuple(ids) for ids in (test.get("extra_data") or {}).get("explained_by") or []]
    inside = {i for ids in together for i in ids}
    return together + [(tag,) for tag in test.get("tags") or [] if tag not in inside]


def student_mistakes(alternatives_per_test: list[list]) -> list[str]:
    """The mistakes a student made: the smallest set of ids that explains every diagnosed test.

    Each test brings its alternatives (a tuple of ids explaining it together, or one id; a bare
    id string counts as a one-id alternative). Some inputs cannot tell two mistakes apart (on
    a one-output seed example ``mse-mean`` and ``mse-missing-half`` give the same loss), so a
    test may have several; the inputs that separate them decide. When several smallest sets
    explain everything equally, nothing separates their ids, and all of them are listed."""
    tests = [[frozenset((a,) if isinstance(a, str) else a) for a in alts]
             for alts in alternatives_per_test if alts]
    ids = sorted({i for alts in tests for alt in alts for i in alt})
    if not tests:
        return []
    if len(ids) > MAX_EXACT_IDS:
        return _greedy_cover(tests)
    for size in range(1, len(ids) + 1):
        smallest = [set(c) for c in itertools.combinations(ids, size)
                    if all(any(alt <= set(c) for alt in alts) for alts in tests)]
        if smallest:
            return sorted(set().union(*smallest))
    return ids


# Above this many distinct ids on one student's tests the smallest cover is found greedily.
MAX_EXACT_IDS = 14


def _greedy_cover(tests: list[list[frozenset]]) -> list[str]:
    chosen: set[str] = set()
    left = list(tests)
    while left:
        best = max({alt for alts in left for alt in alts},
                   key=lambda alt: (sum(any(a <= chosen | alt for a in alts) for alts in left),
                                    -len(alt - chosen), sorted(alt)))
        chosen |= best
        left = [alts for alts in left if not any(a <= chosen for a in alts)]
    return sorted(chosen)


RESULTS_NAME = "results.json"


class Results:
    """One student's results.json (Gradescope's schema): the only code that writes or reads it."""

    def __init__(self, document: dict):
        self.document = document

    @property
    def student(self) -> str:
        return str(self.document.get("extra_data", {}).get("student", ""))

    @property
    def score(self) -> float:
        return float(self.document.get("score", 0.0))

    @property
    def grading_key(self) -> str | None:
        return self.document.get("extra_data", {}).get("grading_key")

    def write(self, path: Path) -> Path:
        """As the kit writes it (indent 1, UTF-8), atomically: a reader never sees half a file."""
        text = json.dumps(self.document, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
        return write_atomic(path, text)

    @classmethod
    def read(cls, path: Path) -> "Results | None":
        """The results at ``path``, or None when there are none (missing, half-written, not JSON)."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cls(document) if isinstance(document, dict) else None



def without_timing(document: dict) -> dict:
    """A copy without the declared timing fields (for determinism checks)."""
    clean = json.loads(json.dumps(document))
    for key in TIMING_FIELDS:
        clean.pop(key, None)
        clean.get("extra_data", {}).pop(key, None)
    return clean
