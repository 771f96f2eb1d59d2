"""The probe API that public tests and hidden suites are written in.

A test receives ``student``, a :class:`StudentProbe` bound to one student and one exercise set.
``student.module`` stands for the student's module: calling ``student.module.sigmoid(a)`` sends the
call to the student's sandboxed process and returns the decoded plain-data result. The same probe
can stand on a trusted module instead (the reference, or a mistake model), which is how expected
values are computed and how mistakes are named: a *scenario* (a function of a module) is run on
the reference, on the student and, when the two differ, on every mistake model of the set.
"""
from __future__ import annotations

import copy
import hashlib
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from nngrade.autograder.compare import (Difference, compare, format_value, plain_bytes, same,
                                        shape_of)
from nngrade.autograder.messages import in_language, say
from nngrade.autograder.replies import IMPORT_CHANGES
from nngrade.autograder.sets import ExerciseSet, find_set

# Attributes of student objects that are read as data (everything else is a method call).
DATA_ATTRIBUTES = frozenset({"params"})


# --------------------------------------------------------------------------------------------
# Failures a test raises


class GradingFailure(AssertionError):
    """A failed check: ``summary`` is safe to show for hidden tests; ``details`` hold expected values."""

    def __init__(self, summary: str, details: list[str] | None = None, tags: tuple[str, ...] = (),
                 kind: str = "mismatch"):
        super().__init__(summary)
        self.summary = summary
        self.details = list(details or [])
        self.tags = tuple(tags)
        self.kind = kind
        # The diagnosis as alternatives: each a tuple of ids that explain the result together
        # (empty: every tag explains it on its own).
        self.explanations: tuple[tuple[str, ...], ...] = ()


class StudentError(GradingFailure):
    """The student's code could not answer a call (exception, timeout, crash, missing, ...)."""

    def __init__(self, summary: str, status: str, error_type: str | None = None,
                 details: list[str] | None = None):
        super().__init__(summary, details, kind=status)
        self.status = status
        self.error_type = error_type


# --------------------------------------------------------------------------------------------
# What one call did


# The global state a student's import may change and the sandbox restores (sandbox/child.py),
# each with the kit catalogue's key of its words.
IMPORT_CHANGE_KEYS = {c: f"import-changed-{c}" for c in IMPORT_CHANGES}


@dataclass
class Outcome:
    """The answer of a backend to one call, whatever the backend."""
    status: str                       # "ok" or a failure status of the sandbox
    value: Any = None
    error_type: str | None = None
    error_text: str | None = None     # message for the student (already located: file, line)
    args_after: list | None = None
    kwargs_after: dict | None = None
    warnings: list = field(default_factory=list)   # [(category, message)]
    stdout: str = ""
    changed_at_import: tuple = ()     # NumPy error handling or warnings the import changed
    calls: list | None = None         # a traced call's inner calls: [name, args, kwargs, result]


@dataclass
class CallRecord:
    target: str                       # "sigmoid", "MLP", "MLP.forward"
    args: list
    kwargs: dict
    outcome: Outcome

    def describe(self) -> str:
        parts = [format_value(a, 300) for a in self.args]
        parts += [f"{k}={format_value(v, 300)}" for k, v in self.kwargs.items()]
        return f"{self.target}({', '.join(parts)})"


def _is_probe_function(x) -> bool:
    return type(x).__module__.endswith("sandbox.probes")


def _copy_args(value):
    """Deep copies of plain data; probe functions and proxies are kept as they are."""
    if _is_probe_function(value) or isinstance(value, ObjectProxy):
        return value
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy_args(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_args(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_args(v) for v in value)
    return copy.deepcopy(value)


# --------------------------------------------------------------------------------------------
# Backends: where the calls go


class LocalBackend:
    """Runs calls on a trusted module in this process (the reference or a mistake model).

    Arguments are copied going in and results coming out, as the transport does for a student,
    so a model that mutates its input behaves here exactly as a student's code would."""

    def __init__(self, module):
        self.module = module
        self._objects: dict[int, Any] = {}

    def _bind(self, value):
        if _is_probe_function(value) and hasattr(value, "bind"):
            return value.bind(self.module)
        if isinstance(value, ObjectProxy):
            return self._objects[value._handle.id]
        if isinstance(value, list):
            return [self._bind(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._bind(v) for v in value)
        if isinstance(value, dict):
            return {k: self._bind(v) for k, v in value.items()}
        return value

    def _run(self, fn, args, kwargs) -> Outcome:
        args = [self._bind(_copy_args(a)) for a in args]
        kwargs = {k: self._bind(_copy_args(v)) for k, v in kwargs.items()}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = fn(*args, **kwargs)
            except NotImplementedError as exc:
                return Outcome("exception", error_type="NotImplementedError", error_text=str(exc))
            except Exception as exc:  # a mistake model may raise, like a student's code
                return Outcome("exception", error_type=type(exc).__name__,
                               error_text=f"{type(exc).__name__}: {exc}")
        return Outcome("ok", self._export(value), args_after=[_copy_args(a) for a in args],
                       kwargs_after={k: _copy_args(v) for k, v in kwargs.items()},
                       warnings=[(w.category.__name__, str(w.message)) for w in caught])

    def _export(self, value):
        if isinstance(value, (np.ndarray, dict, list, tuple)):
            return _copy_args(value)
        if isinstance(value, np.generic):
            return value.item()
        if value is None or isinstance(value, (int, float, bool, str)):
            return value
        handle = len(self._objects) + 1
        self._objects[handle] = value
        return ObjectHandle(handle, type(value).__name__)

    def call(self, name, args, kwargs) -> Outcome:
        fn = getattr(self.module, name, None)
        if fn is None:
            return Outcome("missing", error_text=name)
        return self._run(fn, args, kwargs)

    def trace(self, name, args, kwargs, watch) -> Outcome:
        """As the sandbox's trace: the module's functions in ``watch`` record their calls."""
        fn = getattr(self.module, name, None)
        if fn is None:
            return Outcome("missing", error_text=name)
        namespace, calls = vars(self.module), []
        originals = {w: namespace[w] for w in watch if callable(namespace.get(w))}

        def recorder(label, inner):
            def recorded(*a, **k):
                result = inner(*a, **k)
                calls.append([label, _copy_args(list(a)), _copy_args(dict(k)), self._export(result)])
                return result
            return recorded

        namespace.update({w: recorder(w, f) for w, f in originals.items()})
        try:
            outcome = self._run(fn, args, kwargs)
        finally:
            namespace.update(originals)
        outcome.calls = calls
        return outcome

    def method(self, handle, name, args, kwargs) -> Outcome:
        return self._run(getattr(self._objects[handle.id], name), args, kwargs)

    def getattr(self, handle, name) -> Outcome:
        try:
            return Outcome("ok", self._export(getattr(self._objects[handle.id], name)))
        except AttributeError as exc:
            return Outcome("exception", error_type="AttributeError", error_text=str(exc))

    def setitem(self, handle, attr, key, value) -> Outcome:
        getattr(self._objects[handle.id], attr)[key] = _copy_args(value)
        return Outcome("ok")


@dataclass(frozen=True)
class ObjectHandle:
    id: int
    type_name: str


# --------------------------------------------------------------------------------------------
# Proxies: what a test sees as ``student.module``


class ModuleProxy:
    def __init__(self, probe: "StudentProbe", backend):
        object.__setattr__(self, "_probe", probe)
        object.__setattr__(self, "_backend", backend)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return FunctionProxy(self._probe, self._backend, name)


class FunctionProxy:
    def __init__(self, probe, backend, name):
        self._probe, self._backend, self._name = probe, backend, name

    def __call__(self, *args, **kwargs):
        return self._probe._invoke(self._backend, "call", self._name, None, list(args), kwargs)

    def traced(self, *args, watch: tuple[str, ...], **kwargs):
        """(value, calls): the call, with the calls it made to the module's functions in
        ``watch``, each [name, args, kwargs, result], in order (xor_gate built from the gates)."""
        return self._probe._invoke(self._backend, "trace", self._name, None, list(args), kwargs,
                                   watch=tuple(watch))


class ObjectProxy:
    """An object living in the backend (a student's MLP, MulLayer ...)."""

    def __init__(self, probe, backend, handle, type_name: str):
        object.__setattr__(self, "_probe", probe)
        object.__setattr__(self, "_backend", backend)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type", type_name)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in DATA_ATTRIBUTES:
            return self._probe._invoke(self._backend, "getattr", name, self._handle, [], {},
                                       self._type)
        return MethodProxy(self, name)

    def __repr__(self):
        return f"<{self._type} object>"


class MethodProxy:
    def __init__(self, obj: ObjectProxy, name: str):
        self._obj, self._name = obj, name

    def __call__(self, *args, **kwargs):
        o = self._obj
        return o._probe._invoke(o._backend, "method", self._name, o._handle, list(args), kwargs,
                                o._type)


def assign(obj, attr: str, key, value) -> None:
    """``obj.<attr>[key] = value`` on a student's (or reference's) object, e.g. MLP.params."""
    if isinstance(obj, ObjectProxy):
        obj._probe._invoke(obj._backend, "setitem", attr, obj._handle, [key, value], {}, obj._type)
    else:
        getattr(obj, attr)[key] = value


# --------------------------------------------------------------------------------------------
# The probe


def student_seed(salt: str, student_id: str, set_id: str) -> int:
    """The per-student seed: sha256 of the course salt, the student id and the set."""
    digest = hashlib.sha256(f"{salt}\x00{student_id}\x00{set_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


class StudentProbe:
    """One student's code for one set, as a test sees it."""

    def __init__(self, exercise_set: ExerciseSet | str | None, backend, *, student_id: str = "student",
                 salt: str = "", lang: str = "en", test_name: str = "", file_name: str | None = None,
                 fingerprints: dict | None = None, recorder: list | None = None,
                 diagnose: bool = True, options: dict | None = None):
        self.set = find_set(exercise_set) if isinstance(exercise_set, str) else exercise_set
        self.backend = backend
        self.student_id = student_id
        self.lang = lang
        self.test_name = test_name
        set_id = self.set.id if self.set else ""
        self.file_name = file_name or (f"{self.set.module}.py" if self.set else "module")
        self.seed = student_seed(salt, student_id, set_id)
        # one stream per test, so adding a test never changes another test's inputs
        self.rng = np.random.default_rng([self.seed, zlib.crc32(test_name.encode())])
        self.module = ModuleProxy(self, backend)
        self.calls: list[CallRecord] = []
        self.tags: list[str] = []
        self.artifacts: list[dict] = []
        self.fingerprints = fingerprints or {}
        self._recorder = recorder   # when set, expect() records what it saw instead of failing
        self._expect_count = 0
        self._diagnose = diagnose
        self.options = options or {}

    # ---- calls -------------------------------------------------------------------------------

    def _invoke(self, backend, op, name, handle, args, kwargs, type_name=None, watch=()):
        target = name if handle is None else f"{type_name or 'object'}.{name}"
        if op == "call":
            outcome = backend.call(name, args, kwargs)
        elif op == "trace":
            outcome = backend.trace(name, args, kwargs, watch)
        elif op == "method":
            outcome = backend.method(handle, name, args, kwargs)
        elif op == "getattr":
            outcome = backend.getattr(handle, name)
        else:
            outcome = backend.setitem(handle, name, args[0], args[1])
        record = CallRecord(target, args, kwargs, outcome)
        if backend is self.backend:
            self.calls.append(record)
        if outcome.status != "ok":
            raise self._student_error(record)
        value = outcome.value
        if isinstance(value, ObjectHandle) or _is_sandbox_handle(value):
            return ObjectProxy(self, backend, value, _handle_type(value))
        if op == "trace":
            return value, list(outcome.calls or [])
        return value

    def _student_error(self, record: CallRecord) -> StudentError:
        o = record.outcome
        name = record.target
        lang = self.lang
        if o.status == "missing" and o.error_type == "not-submitted":
            text = say("not-submitted", lang, file=self.file_name)
        elif o.status == "missing":
            text = say("missing", lang, file=self.file_name, name=name.split(".")[-1])
        elif o.status == "import-error" and o.error_type in ("import-timeout",
                                                             "import-timeout-notebook"):
            text = say(o.error_type, lang, file=self.file_name, error=o.error_text)
        elif o.status == "import-error":
            text = say("import-error", lang, file=self.file_name, error=o.error_text)
        elif o.status == "exception" and o.error_type == "NotImplementedError":
            text = say("not-implemented", lang, name=name)
        elif o.status == "exception":
            text = say("exception", lang, name=name, error=o.error_text)
        elif o.status == "timeout":
            text = say("timeout", lang, name=name,
                       detail=in_language(o.error_text or say("time-limit", lang), lang).rstrip("."))
        elif o.status == "budget":
            text = say("budget", lang, name=name)
        elif o.status == "bad-value":
            text = say("bad-value", lang, name=name, error=o.error_text)
        else:
            text = say("crashed", lang, name=name, error=o.error_text or o.status)
        details = [f"{say('calls', lang)}: {record.describe()}"]
        if o.stdout:
            details.append(f"{say('printed', lang)}:\n{o.stdout[:1000]}")
        return StudentError(text, o.status, o.error_type, details)

    # ---- checks for public tests (literal expected values) -------------------------------------

    def expect(self, got, expected, *, tol: str = "analytic", what: str = "value") -> None:
        """Fail unless ``got`` matches the literal ``expected`` within the tolerance."""
        index = self._expect_count
        self._expect_count += 1
        if self._recorder is not None:
            self._recorder.append((self.test_name, index, got))
            return
        diff = compare(got, expected, tol)
        if diff is None:
            return
        tags = self._fingerprint_tags(index, got, tol)
        raise self._mismatch(what, diff, got, expected, tags)

    def _fingerprint_tags(self, index: int, got, tol: str) -> tuple[str, ...]:
        """Ids whose precomputed result on this public check equals the student's value."""
        entries = self.fingerprints.get(self.test_name, {}).get(str(index), [])
        found = []
        for entry in entries:
            if entry["id"] not in found and same(got, from_jsonable(entry["value"]), tol):
                found.append(entry["id"])
        return tuple(found)

    def expect_type(self, got, expected_type, *, what: str = "value") -> None:
        if self._recorder is not None:
            return
        types = expected_type if isinstance(expected_type, tuple) else (expected_type,)
        if expected_type is float:
            types = (float, int)
        ok = isinstance(got, types) and not (bool not in types and isinstance(got, bool)
                                             and int in types)
        if not ok:
            names = _type_name(types[0])
            for t in types[1:]:
                names = say("either", self.lang, first=names, second=_type_name(t))
            self.fail(say("wrong-type", self.lang, what=what, expected=names, got=_type_name(type(got))))

    def expect_shape(self, got, shape, *, what: str = "value") -> None:
        if self._recorder is not None:
            return
        got_shape = shape_of(got)
        if got_shape != tuple(shape):
            tags = ("weights-transposed",) if (got_shape and tuple(reversed(got_shape)) == tuple(shape)
                                               and len(shape) == 2 and shape[0] != shape[1]) else ()
            self.fail(say("wrong-shape", self.lang, what=what, expected=tuple(shape), got=got_shape),
                      tags=tags)

    def expect_true(self, condition, *, what: str) -> None:
        if self._recorder is None and not condition:
            self.fail(what)

    def expect_no_mutation(self, *, what: str = "arguments must not change",
                           tag: str = "mutates-input") -> None:
        """Fail when any call of this test changed one of its arguments in place."""
        if self._recorder is not None:
            return
        for record in self.calls:
            changed = _mutated_argument(record)
            if changed is not None:
                self.fail(f"{what}. " + say("mutated", self.lang, name=record.target, arg=changed),
                          details=[f"{say('calls', self.lang)}: {record.describe()}"], tags=(tag,) if tag else ())

    def expect_no_warning(self, *, what: str, tag: str | None = None,
                          categories=("RuntimeWarning",)) -> None:
        if self._recorder is not None:
            return
        for record in self.calls:
            for category, message in record.outcome.warnings:
                if category in categories:
                    text = f"{what}. " + say("warning", self.lang, name=record.target,
                                             category=category, message=message)
                    changed = record.outcome.changed_at_import
                    if changed:
                        text += " " + say("changed-at-import", self.lang,
                                          what=", ".join(say(IMPORT_CHANGE_KEYS[c], self.lang)
                                                         for c in changed))
                    self.fail(text, tags=(tag,) if tag else ())

    def text(self, msgid: str, **fields) -> str:
        """A suite's sentence in the student's language: ``msgid`` is the English text (with
        ``{name}`` placeholders), looked up in the set's catalogue (locale/<lang>.po), then the
        shared and the kit's ones."""
        from nngrade.autograder import i18n
        folder = self.set.folder if self.set is not None else None
        return i18n.gettext(msgid, self.lang, folder, **fields)

    def fail(self, message: str, *, tags=(), details: list[str] | None = None):
        raise GradingFailure(message, details, tuple(tags) + tuple(self.tags))

    def tag(self, mistake_id: str) -> None:
        if mistake_id not in self.tags:
            self.tags.append(mistake_id)

    def artifact(self, kind: str, **data) -> None:
        """Plot data for the report (kept small: lists of numbers)."""
        self.artifacts.append({"kind": kind, **to_jsonable(data)})

    # ---- checks for hidden suites (expected values from the reference) --------------------------

    def check(self, scenario: Callable, *, reference, tol: str = "analytic", what: str = "value",
              models: list | None = None):
        """Run ``scenario(m)`` on the reference and on the student; compare; name the mistake.

        ``scenario`` must be deterministic (draw its inputs before, not inside). Returns the
        student's value. ``reference`` is the reference module; ``models`` the mistake models to
        replay on a mismatch (default: every model of the set)."""
        expected = run_scenario(scenario, reference)
        if expected.error is not None:
            raise RuntimeError(f"the reference failed on this scenario: {expected.error}")
        first_call = len(self.calls)
        # The student's answers to this scenario may take a few times the reference's bytes.
        limited = hasattr(self.backend, "reply_allowance")
        if limited:
            self.backend.reply_allowance = max(SCENARIO_FLOOR_BYTES,
                                               SCENARIO_FACTOR * expected.nbytes)
        try:
            got = scenario(self.module)
            error = None
        except StudentError as exc:
            got, error = None, exc
        finally:
            if limited:
                self.backend.reply_allowance = None
        if error is None:
            diff = compare(got, expected.value, tol)
            if diff is None:
                return got
        if error is not None and error.status != "exception":
            raise error  # not implemented, timeout, crash, missing: nothing to diagnose
        if error is not None and error.error_type == "NotImplementedError":
            raise error
        explained = self.diagnose(scenario, expected, got, error, tol, models) if self._diagnose else ()
        tags = tuple(dict.fromkeys(i for ids in explained for i in ids))
        if error is not None:
            failure = StudentError(error.summary, error.status, error.error_type,
                                   error.details).with_tags(tags)
        else:
            failure = self._mismatch(what, diff, got, expected.value, tags, self.calls[first_call:])
        failure.explanations = explained
        raise failure

    def diagnose(self, scenario, expected: "ScenarioResult", got, error, tol: str,
                 models: list | None = None) -> tuple[tuple[str, ...], ...]:
        """The explanations of the student's result: each a tuple of mistake ids whose models,
        together, reproduce it and not the reference's result. One mistake is tried first; only
        when none explains the result, two at once (a declared combination of one function, or
        the models of two different functions installed together)."""
        from nngrade.autograder import mistakes   # grading side only
        singles = models if models is not None else mistakes.models_for(self.set.id)
        found: list[tuple[str, ...]] = []
        changing = []       # models whose result differs from the reference's: half of a pair
        for model in singles:
            if (model.id,) in found:
                continue
            result = run_scenario(scenario, model.module())
            if _matches(result, expected, got, error, tol):
                found.append((model.id,))
            elif not (result.error is None and same(result.value, expected.value, tol)):
                changing.append(model)
        if found or models is not None:
            return tuple(found)
        for model in mistakes.combinations_for(self.set.id):
            if model.ids not in found and \
                    _matches(run_scenario(scenario, model.module()), expected, got, error, tol):
                found.append(model.ids)
        tried = 0
        for i, first in enumerate(changing):
            for second in changing[i + 1:]:
                ids = tuple(sorted({first.id, second.id}))
                if len(ids) < 2 or ids in found or set(first.replaces) & set(second.replaces):
                    continue
                tried += 1
                if tried > MAX_PAIRS:
                    return tuple(found)
                result = run_scenario(scenario, mistakes.stacked(first, second))
                if _matches(result, expected, got, error, tol):
                    found.append(ids)
        return tuple(found)

    def _mismatch(self, what, diff: Difference, got, expected, tags, calls=None) -> GradingFailure:
        lang = self.lang
        summary = say("mismatch", lang, what=what, summary=diff.text(show_expected=False, lang=lang))
        details = diff.detail_lines(lang)
        calls = calls if calls is not None else self.calls
        if calls:
            details.append(f"{say('calls', lang)}: " + "; ".join(c.describe() for c in calls[-3:]))
        details.append(f"{say('expected', lang)}: {format_value(expected)}")
        details.append(f"{say('obtained', lang)}: {format_value(got)}")
        return GradingFailure(summary, details, tuple(tags) + tuple(self.tags))


def _with_tags(self: GradingFailure, tags) -> GradingFailure:
    self.tags = tuple(dict.fromkeys(tuple(self.tags) + tuple(tags)))
    return self


GradingFailure.with_tags = _with_tags


@dataclass
class ScenarioResult:
    value: Any = None
    error: str | None = None
    error_type: str | None = None
    nbytes: int = 0            # what the calls returned (values and arguments after), on the wire


# Pairs of mistake models replayed on one mismatch, at most (only when no single model explains it).
MAX_PAIRS = 60

# A student's answers to one scenario may take this many times the reference's bytes (and at
# least the floor): a wrong but honest answer fits, a flood is refused before it arrives.
SCENARIO_FACTOR = 4
SCENARIO_FLOOR_BYTES = 1 << 20


def run_scenario(scenario: Callable, module) -> ScenarioResult:
    """Run a scenario on a trusted module through a local backend (copies in and out)."""
    probe = StudentProbe(None, LocalBackend(module), diagnose=False)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = ScenarioResult(scenario(probe.module))
        except StudentError as exc:
            return ScenarioResult(error=exc.summary, error_type=exc.error_type or exc.status)
        except Exception as exc:
            return ScenarioResult(error=f"{type(exc).__name__}: {exc}", error_type=type(exc).__name__)
    result.nbytes = sum(plain_bytes(c.outcome.value) + plain_bytes(c.outcome.args_after or [])
                        + plain_bytes(c.outcome.kwargs_after or {}) + 4096 for c in probe.calls)
    return result


def _matches(result: ScenarioResult, expected: ScenarioResult, got, error, tol) -> bool:
    if result.error is None and same(result.value, expected.value, tol):
        return False  # this model is indistinguishable from correct work on these inputs
    if error is not None:
        # an exception matches only an exception of the same type (a typo's NameError is no
        # transposed weight's ValueError)
        return result.error is not None and result.error_type == error.error_type
    if result.error is not None:
        return False
    if same(got, result.value, tol):
        return True
    got_shape, exp_shape, model_shape = shape_of(got), shape_of(expected.value), shape_of(result.value)
    return got_shape is not None and got_shape != exp_shape and got_shape == model_shape


def _mutated_argument(record: CallRecord) -> str | None:
    after = record.outcome.args_after
    if after is not None:
        for i, (before, now) in enumerate(zip(record.args, after)):
            if _is_probe_function(before) or isinstance(before, ObjectProxy):
                continue
            if not _identical(before, now):
                return f"#{i + 1}"
    kw_after = record.outcome.kwargs_after or {}
    for k, before in record.kwargs.items():
        if k in kw_after and not _is_probe_function(before) and not _identical(before, kw_after[k]):
            return k
    return None


def _identical(a, b) -> bool:
    try:
        return compare(b, a, "exact") is None
    except TypeError:
        return a == b


def _type_name(t) -> str:
    return {np.ndarray: "numpy.ndarray", float: "float", int: "int", dict: "dict", list: "list",
            tuple: "tuple", str: "str", bool: "bool", type(None): "None"}.get(t, getattr(t, "__name__", str(t)))


def _is_sandbox_handle(value) -> bool:
    return type(value).__name__ == "Handle" and "autograder" in type(value).__module__


def _handle_type(value) -> str:
    return value.type_name if isinstance(value, ObjectHandle) else str(value.type)


# --------------------------------------------------------------------------------------------
# JSON form of plain values (fingerprints, artifacts)


def to_jsonable(value):
    if isinstance(value, np.ndarray):
        return {"$array": to_jsonable(value.tolist()), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, float):
        if value != value:
            return {"$f": "nan"}
        if value in (float("inf"), float("-inf")):
            return {"$f": "inf" if value > 0 else "-inf"}
        return value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"$tuple": [to_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if value is None or isinstance(value, (int, str, bool)):
        return value
    return {"$unsupported": type(value).__name__}


def from_jsonable(value):
    if isinstance(value, dict):
        if "$array" in value:
            return np.array(from_jsonable(value["$array"]), dtype=np.dtype(value["dtype"]))
        if "$f" in value:
            return float(value["$f"])
        if "$tuple" in value:
            return tuple(from_jsonable(v) for v in value["$tuple"])
        return {k: from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_jsonable(v) for v in value]
    return value
