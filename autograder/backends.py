"""The bridge from the probe API to a student's sandboxed process.

One sandbox session per student holds all of that student's modules; each set's tests talk to
their module through a :class:`SandboxModuleBackend`, which turns the sandbox's replies into the
probe's :class:`Outcome` (status, decoded value, located error, arguments after the call).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from nngrade.autograder.messages import Said, say
from nngrade.autograder.plugin import StudentJob
from nngrade.autograder.probe import ObjectProxy, Outcome
from nngrade.autograder.sets import find_set

if TYPE_CHECKING:   # the sandbox package needs Linux; `check` elsewhere runs on autograder/plain.py
    from nngrade.autograder.sandbox import Limits, SandboxPool

# Wall-clock seconds one call may take, unless the set's [limits] call_timeout_seconds says more.
DEFAULT_CALL_TIMEOUT = 10.0
IMPORT_TIMEOUT = 10.0
# A notebook's cells run one by one within IMPORT_TIMEOUT: one slow demo cell is stopped after
# this long, so it does not take the time of the cells after it.
CELL_TIMEOUT = 3.0
# job.info key: the failed cells of the student's notebooks, for the report's notes
CELL_FAILURES = "cell_failures"


def training_budget(s, course_budget: float | None = None) -> float | None:
    """CPU seconds a set's trainer may use: the course's figure, else the set's own default;
    None for sets that train nothing ([limits] training_budget_cpu_seconds)."""
    default = s.limits.get("training_budget_cpu_seconds")
    if default is None:
        return None
    return float(course_budget) if course_budget else float(default)


def limits_for(set_ids, training_budget_cpu: float | None = None) -> Limits:
    """Limits of one student's session: the most generous any chosen set needs."""
    from nngrade.autograder.sandbox import Limits

    limits = Limits()
    for s in (find_set(i) for i in set_ids):
        if s.limits.get("address_space_mb"):
            limits.address_space_mb = max(limits.address_space_mb, int(s.limits["address_space_mb"]))
        if s.limits.get("reply_mb"):
            # what may come back per student: trained parameters, predictions, arguments after calls
            limits.reply_mb = max(limits.reply_mb, int(s.limits["reply_mb"]))
        budget = training_budget(s, training_budget_cpu)
        if budget is not None:
            # the trainer's budget plus a little for the set's other tests in the same process
            limits.cpu_seconds = max(limits.cpu_seconds, int(budget) + 15)
            limits.budget = max(limits.budget, budget * 2 + 120)
    return limits


def call_timeout(s, limits: Limits | None = None) -> float:
    """Wall clock of one call of the set's code; a trainer's is never shorter than its CPU limit allows."""
    seconds = s.call_timeout or DEFAULT_CALL_TIMEOUT
    if limits is not None and s.limits.get("training_budget_cpu_seconds") is not None:
        seconds = max(seconds, 1.5 * limits.cpu_seconds + 30)
    return seconds


class SandboxStudent:
    """One student's sandbox session, shared by every set's tests."""

    def __init__(self, pool: SandboxPool, job: StudentJob, limits: Limits | None = None,
                 timeouts: dict[str, float] | None = None):
        self.job = job
        self.limits = limits
        self.timeouts = dict(timeouts or {})
        # A helper module whose name the sandbox cannot hold (over 100 characters) is left
        # out: importing it then fails in that one place instead of sinking every set.
        files = {m: src for m, src in job.modules.items() if m.isidentifier() and len(m) <= 100}
        self.session = pool.session(files=files, file_names=job.file_names, limits=limits,
                                    cells=job.cells)
        # module -> None once imported, or the failure every later call of it reports at once:
        # a module that hangs at import costs one timeout, not the student's whole budget
        self.imports: dict[str, Outcome | None] = {}
        self.cell_failures: list[dict] = job.info.setdefault(CELL_FAILURES, [])

    def for_set(self, set_id: str) -> "SandboxModuleBackend":
        s = find_set(set_id)
        return SandboxModuleBackend(self.session, s.module,
                                    self.timeouts.get(s.id) or call_timeout(s, self.limits),
                                    submitted=s.module in self.job.modules,
                                    imports=self.imports, cell_failures=self.cell_failures,
                                    file_name=self.file_name(set_id))

    def file_name(self, set_id: str) -> str:
        module = find_set(set_id).module
        return self.job.file_names.get(module, f"{module}.py")

    def close(self) -> None:
        self.session.close()


def _plain_args(args):
    """Proxies of remote objects travel as their handles."""
    return [a._handle if isinstance(a, ObjectProxy) else a for a in args]


class SandboxModuleBackend:
    def __init__(self, session, module: str, timeout: float, submitted: bool = True,
                 imports: dict | None = None, cell_failures: list | None = None,
                 file_name: str | None = None):
        self.reply_allowance: int | None = None   # set by a scenario: bytes its answers may take
        self.session = session
        self.module = module
        self.timeout = timeout
        self.submitted = submitted
        self.imports = imports if imports is not None else {}
        self.cell_failures = cell_failures if cell_failures is not None else []
        self.file_name = file_name or f"{module}.py"

    def _import_failure(self) -> Outcome | None:
        """Import the module once; a hang or crash there answers every later call at once."""
        if self.module not in self.imports:
            reply = self.session.load(self.module, timeout=IMPORT_TIMEOUT,
                                      cell_seconds=CELL_TIMEOUT)
            if reply.status in ("timeout", "crashed", "budget"):
                outcome = self._outcome(reply)
                outcome.status = "import-error"
                if reply.status == "timeout":
                    # named so the student is told where demo code belongs (messages.py)
                    outcome.error_type = ("import-timeout-notebook" if is_notebook(self.file_name)
                                          else "import-timeout")
                else:
                    outcome.error_text = Said("import-unfinished", error=outcome.error_text)
                self.imports[self.module] = outcome
            else:
                self.imports[self.module] = None
                self.cell_failures.extend(cell_failure_record(self.file_name, c)
                                          for c in reply.cells)
        return self.imports[self.module]

    def _ask(self, request, *args, **kwargs) -> Outcome:
        """One request, its answer held to the scenario's byte allowance if one is set."""
        self.session.reply_allowance = self.reply_allowance
        try:
            reply = request(*args, **kwargs)
        finally:
            if self.reply_allowance is not None:
                self.reply_allowance = self.session.reply_allowance
            self.session.reply_allowance = None
        return self._outcome(reply)

    def _outcome(self, reply) -> Outcome:
        status, error = reply.status, reply.error
        error_type = error.type if error else None
        text = None
        if error is not None:
            text = error.message
            if status in ("exception", "import-error") and not text.startswith(error.type):
                text = f"{error.type}: {text}"
            if error.file and (error.line or status != "missing"):
                text = Said("located", error=text, where=error.where)
        if status == "missing" and error_type == "NotSubmitted":
            error_type = "not-submitted"
        return Outcome(status, reply.value, error_type, text, reply.args_after, reply.kwargs_after,
                       [tuple(w) for w in reply.warnings], reply.stdout, reply.changed_at_import,
                       reply.calls)

    def call(self, name, args, kwargs) -> Outcome:
        if not self.submitted:
            return Outcome("missing", error_type="not-submitted")
        failed = self._import_failure()
        if failed is not None:
            return failed
        if name[:1].isupper():  # a class of the contract (MLP, MulLayer): keep the object there
            return self._ask(self.session.new, self.module, name, _plain_args(args), kwargs,
                             timeout=self.timeout)
        return self._ask(self.session.call, self.module, name, _plain_args(args), kwargs,
                             timeout=self.timeout)

    def trace(self, name, args, kwargs, watch) -> Outcome:
        if not self.submitted:
            return Outcome("missing", error_type="not-submitted")
        failed = self._import_failure()
        if failed is not None:
            return failed
        return self._ask(self.session.trace, self.module, name, watch, _plain_args(args), kwargs,
                         timeout=self.timeout)

    def method(self, handle, name, args, kwargs) -> Outcome:
        return self._ask(self.session.method, handle, name, _plain_args(args), kwargs,
                             timeout=self.timeout)

    def getattr(self, handle, name) -> Outcome:
        return self._ask(self.session.getattr, handle, name)

    def setitem(self, handle, attr, key, value) -> Outcome:
        return self._ask(self.session.setitem, handle, attr, key, value)


def is_notebook(file_name: str) -> bool:
    return file_name.lower().endswith(".ipynb")


def cell_failure_record(file_name: str, failure) -> dict:
    """A failed cell as plain data (job.info, results): file, cell, status, what went wrong and
    where in the notebook it stopped."""
    error = failure.error
    record = {"file": file_name, "cell": failure.cell, "status": failure.status, "error": "",
              "line": None, "at_cell": None, "seconds": failure.seconds}
    if error is not None:
        record["error"] = (error.message if failure.status == "timeout"
                           else f"{error.type}: {error.message}")
        record["line"] = error.line
        record["at_cell"] = error.cell
    return record


def cell_notes(records: list[dict], lang: str) -> list[str]:
    """One note per failed cell, and one for the cells not run, in the course's language."""
    notes, skipped = [], {}
    for r in records:
        if r["status"] == "skipped":
            skipped.setdefault(r["file"], ([], r["seconds"]))[0].append(r["cell"])
            continue
        at = ""
        if r["line"] and r["at_cell"] in (None, r["cell"]):
            at = say("at-line", lang, line=r["line"])
        elif r["line"]:
            at = say("at-cell-line", lang, cell=r["at_cell"], line=r["line"])
        key = "cell-timeout" if r["status"] == "timeout" else "cell-failed"
        error = r["error"]
        if r["status"] == "timeout" and isinstance(r.get("seconds"), (int, float)):
            # the child's words, said here in the course's language: the cell's own time ran
            # out, or what was left of all cells' time
            error = say("cell-ran-longer" if r["seconds"] >= CELL_TIMEOUT else "cell-ran-until",
                        lang, seconds=float(r["seconds"]))
        notes.append(say(key, lang, file=r["file"], cell=r["cell"], error=error, at=at))
    for file, (cells, seconds) in skipped.items():
        notes.append(say("cells-not-run", lang, file=file, cells=", ".join(map(str, cells)),
                         seconds=f"{seconds or IMPORT_TIMEOUT:g}"))
    return notes
