"""`nngrade check`: a student runs the public tests on their own files, through the same sandbox.

It works from the student bundle (no reference solutions, no hidden suites): expected values are
the seeds' own numbers written in the public tests, and named mistakes come from fingerprints
precomputed at release time. Where the sandbox cannot run (Windows, macOS) or cannot start, and
with NNGRADE_SANDBOX=plain, the tests call the student's code in a plain child process with a
time limit per call (autograder/plain.py), and the output says so once.
"""
from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

from nngrade import speech
from nngrade.autograder import i18n
from nngrade.autograder.messages import in_language, say
from nngrade.paths import PACKAGE_DIR
from nngrade.autograder.sets import PUBLIC_TESTS, SETS, ExerciseSet, find_set
from nngrade.speech import cli, said_of
from nngrade.terminal import shown

FINGERPRINTS_FILE = PACKAGE_DIR / "fingerprints.json"
SKIP_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", "node_modules", ".venv", "venv"}


def collect_sources(root: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """Module name → source of every .py file under root; the shallowest of two namesakes wins."""
    root = Path(root)
    found: dict[str, tuple[int, str, Path]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if not name.endswith(".py") or name.startswith("test_"):
                continue
            module = name[:-3]
            if not module.isidentifier():
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root)
            rank = (len(rel.parts), str(rel))
            if module not in found or rank < found[module][:2]:
                found[module] = (*rank, path)
    modules = {m: p.read_bytes() for m, (_, _, p) in found.items()}
    names = {m: str(p.relative_to(root)) for m, (_, _, p) in found.items()}
    return modules, names


def public_test_file(s: ExerciseSet, root: Path) -> Path | None:
    """The set's public tests: beside the student's files (ROOT/<set>/, ROOT/assignments/<set>/,
    ROOT/, ROOT/../<set>/), else in the bundle's assignments/ of the working folder, else the
    set's own folder (the kit's solutions/<set>/, an installed bundle's nngrade/sets/<set>/)."""
    candidates = [root / s.id / PUBLIC_TESTS, root / "assignments" / s.id / PUBLIC_TESTS,
                  root / PUBLIC_TESTS, root.parent / s.id / PUBLIC_TESTS,
                  Path.cwd() / "assignments" / s.id / PUBLIC_TESTS]
    if s.folder is not None:
        candidates.append(s.file(PUBLIC_TESTS))
    for candidate in candidates:
        if candidate.is_file() and (candidate.parent.name == s.id or _declares_set(candidate, s)):
            return candidate
    return None


def _declares_set(path: Path, s: ExerciseSet) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    return f'SET = "{s.id}"' in text or f"SET = '{s.id}'" in text


def load_fingerprints() -> dict:
    if FINGERPRINTS_FILE.is_file():
        return json.loads(FINGERPRINTS_FILE.read_text(encoding="utf-8"))
    return {}


def _fingerprints_for(sets) -> dict:
    found = load_fingerprints()
    missing = [s.id for s in sets if s.id not in found]
    if missing:
        try:  # in the instructor's kit, compute them from the mistake models (cached)
            from nngrade.autograder.fingerprints import cached_fingerprints
            from nngrade.grade import grader_digest
        except ImportError:
            return found
        found.update(cached_fingerprints(missing, grader_digest()))
    return found


PLAIN = "plain"       # NNGRADE_SANDBOX=plain: no sandbox, as on Windows and macOS


def open_pool(plain: bool | None = None, preload_plotting: bool = True):
    """The sandbox, or a plain child process where the sandbox cannot run or start.

    plain: True forces the plain process, False the sandbox; None decides from the platform and
    NNGRADE_SANDBOX (a level named there is used or fails, never replaced)."""
    from nngrade.autograder.plain import PlainPool

    forced = os.environ.get("NNGRADE_SANDBOX") or None
    if plain is None and forced == PLAIN:
        plain = True
    if plain:
        return PlainPool("NNGRADE_SANDBOX=plain" if forced == PLAIN else cli("check-asked-plain"))
    if not sys.platform.startswith("linux"):
        system = platform.system() or sys.platform
        if forced:
            raise ValueError(cli("check-forced-needs-linux", level=repr(forced), system=system,
                                 plain=PLAIN))
        if plain is False:
            raise ValueError(cli("check-needs-linux", system=system))
        return PlainPool(cli("check-plain-needs-linux", system=system))
    from nngrade.autograder.sandbox import LEVELS, SandboxPool, SandboxUnavailable
    if forced is not None and forced not in LEVELS:
        raise ValueError(cli("sandbox-level", level=repr(forced), levels=", ".join((*LEVELS, PLAIN))))
    try:
        return SandboxPool(slot=0, preload_plotting=preload_plotting)
    except SandboxUnavailable as e:
        if forced or plain is False:
            raise
        return PlainPool(cli("check-sandbox-cannot-start", why=said_of(e)))


def run_check(set_name: str | None, path: Path, lang: str | None = None, console=None,
              plain: bool | None = None) -> int:
    from rich.console import Console

    from nngrade.autograder.plotting import names_a_plotting_library

    console = console or Console(highlight=False)
    lang = lang or speech.current()
    root = Path(path).resolve()
    if not root.is_dir():
        raise ValueError(cli("check-not-folder", path=root))
    modules, names = collect_sources(root)
    if set_name:
        sets = (find_set(set_name),)
    else:
        sets = tuple(s for s in SETS if s.module in modules)
        if not sets:
            raise ValueError(cli("check-no-module", path=root))
    tests = []
    for s in sets:
        test_file = public_test_file(s, root)
        if test_file is None:
            raise ValueError(cli("check-no-public-tests", set=s.id, path=root))
        tests.append(test_file)

    # The sandbox is open before pytest starts: pytest sets environment variables as it runs,
    # which races with C code reading the environment in another thread (a crash in libc's
    # getenv), so it is started here, in this thread.
    pool = open_pool(plain, names_a_plotting_library(modules.values()))
    from nngrade.autograder.backends import SandboxStudent
    from nngrade.autograder.plain import sandbox_probes
    from nngrade.autograder.plugin import GradingPlugin, StudentJob
    from nngrade.autograder.suite_session import run_suites
    fingerprints = _fingerprints_for(sets)
    sandbox_probes()     # before pytest imports the public tests, which use it (Windows too)

    outcomes_seen: list = []
    jobs = [StudentJob("me", modules, names)]
    plugin = GradingPlugin(next_job=lambda: jobs.pop() if jobs else None,
                           open_student=lambda job: SandboxStudent(pool, job),
                           on_done=lambda job, outcomes, secs: outcomes_seen.extend(outcomes),
                           lang=lang, fingerprints=fingerprints)
    try:
        run_suites(tests, plugin)
    finally:
        pool.close()
    return print_outcomes(console, outcomes_seen, lang, pool.describe())


def print_outcomes(console, outcomes, lang: str, sandbox: dict) -> int:
    from nngrade.autograder import catalogue

    failed = 0
    current_set = None
    if sandbox.get("level") == PLAIN:
        why = "; ".join(in_language(n, lang) for n in sandbox.get("notes") or [])
        console.print(f"[yellow]{_plain_note(lang, why)}[/yellow]")
    for o in outcomes:
        if o.set_id != current_set:
            current_set = o.set_id
            s = find_set(o.set_id)
            title = i18n.gettext("set:title", lang, s.folder)
            console.print(f"\n[bold]{s.id}[/bold]  {shown(title, markup=True)}")
        if o.passed:
            console.print(f"  [green]✓[/green] {o.function} [dim]({o.case})[/dim]")
            continue
        failed += 1
        console.print(f"  [red]✗ {o.function}[/red] [dim]({o.case})[/dim]")
        console.print(f"    {shown(o.summary)}", markup=False)
        for line in o.details:
            console.print(f"    {shown(line)}", markup=False)
        for tag in o.tags:
            # the id in brackets, escaped: rich would take "[delta-sign]" for a style and drop it
            console.print(f"    [yellow]→ {shown(catalogue.title(tag, lang), markup=True)} "
                          f"{shown(f'[{tag}]', markup=True)}[/yellow]")
            hint = catalogue.hint(tag, lang).strip()
            if hint:
                console.print(f"      {shown(hint)}", markup=False)
    passed = len(outcomes) - failed
    colour = "green" if not failed else "red"
    line = say("cli:check-passed", lang, passed=passed, total=len(outcomes))
    level = say("cli:check-sandbox", lang, level=sandbox.get("level", "?"))
    console.print(f"\n[{colour}]{shown(line, markup=True)}[/{colour}]"
                  f"  [dim]{shown(level, markup=True)}[/dim]")
    return 0 if not failed else 1


def _plain_note(lang: str, why: str) -> str:
    from nngrade.autograder.backends import DEFAULT_CALL_TIMEOUT

    limit = f"{DEFAULT_CALL_TIMEOUT:g}"
    return shown(say("cli:check-no-sandbox", lang, why=why, limit=limit), markup=True)
