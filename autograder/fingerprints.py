"""Fingerprints of the named mistakes on the public tests.

The student bundle holds no reference and no mistake model, yet ``nngrade check`` should still
name a mistake. So at release time every public test is run on every mistake model (in this
process: they are our own code), and the value each ``student.expect`` saw is kept when it differs
from what the reference gives. ``check`` then compares a student's value with these.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from nngrade.autograder.compare import same
from nngrade.autograder.paths import cache_dir
from nngrade.autograder.plugin import load_test_functions
from nngrade.autograder.probe import LocalBackend, StudentProbe, to_jsonable
from nngrade.autograder.sets import PUBLIC_TESTS, find_set


def public_tests(set_id: str, solutions_dir: Path | None = None):
    """(test name, function) pairs of a set's public test file, in file order (from the set's
    folder, or from ``solutions_dir/<set>/`` when given)."""
    s = find_set(set_id)
    path = (Path(solutions_dir) / s.id if solutions_dir else Path(s.folder)) / PUBLIC_TESTS
    if not path.is_file():
        return []
    return [(meta.name, fn) for meta, fn in
            load_test_functions(path, set_id, public=True, module_name=f"_public_{set_id}")]


def _record(set_id: str, test_name: str, fn, module) -> list:
    seen: list = []
    probe = StudentProbe(set_id, LocalBackend(module), test_name=test_name, recorder=seen,
                         diagnose=False)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(student=probe)
        except Exception:
            pass  # a model may fail part-way: what it showed before still counts
    return seen


def build_fingerprints(set_ids, solutions_dir: Path | None = None) -> dict:
    """{set: {test name: {expect index: [{"id", "value"}]}}}, JSON-serialisable."""
    from nngrade.autograder.mistakes import models_for
    from nngrade.autograder.reference import load_reference

    result: dict = {}
    for set_id in set_ids:
        set_id = find_set(set_id).id
        tests = public_tests(set_id, solutions_dir)
        if not tests:
            continue
        reference = load_reference(set_id)
        per_set: dict = {}
        for test_name, fn in tests:
            baseline = {i: got for _, i, got in _record(set_id, test_name, fn, reference)}
            entries: dict = {}
            for model in models_for(set_id):
                for _, index, got in _record(set_id, test_name, fn, model.module()):
                    if index in baseline and same(got, baseline[index], "analytic"):
                        continue
                    bucket = entries.setdefault(str(index), [])
                    if not any(e["id"] == model.id and same(got, e["_raw"], "analytic") for e in bucket):
                        bucket.append({"id": model.id, "value": to_jsonable(got), "_raw": got})
            for bucket in entries.values():
                for e in bucket:
                    e.pop("_raw")
            if entries:
                per_set[test_name] = entries
        result[set_id] = per_set
    return result



def cached_fingerprints(set_ids, grader_key: str) -> dict:
    """build_fingerprints, kept on disk per grader version (building takes seconds)."""
    import json
    from nngrade.autograder.atomic import write_atomic

    set_ids = [find_set(s).id for s in set_ids]
    path = cache_dir() / f"fingerprints-{grader_key}.json"
    data: dict = {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    missing = [s for s in set_ids if s not in data]
    if missing:
        data.update(build_fingerprints(missing))
        try:
            write_atomic(path, json.dumps(data))
        except OSError:
            pass  # a read-only home only costs the rebuild next time
    return {s: data.get(s, {}) for s in set_ids}
