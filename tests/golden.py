"""Golden comparison of two versions of the kit: does a change leave grading exactly as it was?

    python tests/golden.py BEFORE [AFTER]        # git revisions; AFTER defaults to the work tree

Each version is installed the way a user gets it (a wheel built from that version's own
pyproject.toml, into a folder of its own), then both grade the same two classes:

- the demo class (`nngrade demo`: ten sets, set 08 on the shipped MNIST sample), and
- a synthetic class (benchmarks/bench_load.py of BEFORE: correct work, one catalogue mistake each,
  broken work, hostile submissions) on sets 01-07, 09 and 10, with one course file for both.

Every file of the two OUT folders is compared: results.json without its timing fields and without
the fields that are a digest of the grader's own files (they change whenever a file moves), and
every page, Markdown file and class file byte for byte. Exit 0 when all are identical; otherwise
each difference is printed, one line a file. Used to prove that a move or a rename of the kit's
files changes nothing a student or an instructor sees.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIMING_FIELDS = ("execution_time", "graded_at")
# Digests of the grader's own files: they differ between any two versions by design.
GRADER_DIGEST_FIELDS = ("grader_digest", "grader_fingerprint", "grading_key")
SYNTHETIC_STUDENTS = 24
SYNTHETIC_SETS = ("01", "02", "03", "04", "05", "06", "07", "09", "10")


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise SystemExit(f"golden: {' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return proc


def source_tree(rev: str | None, dest: Path) -> Path:
    """The files of a revision (None: the work tree, tracked and untracked-but-not-ignored)."""
    dest.mkdir(parents=True)
    if rev is None:
        listing = run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others",
                       "--exclude-standard"]).stdout
        for name in filter(None, listing.split("\0")):
            src = REPO / name
            if src.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
    else:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def install(tree: Path, target: Path) -> dict[str, str]:
    """Install the kit of ``tree`` into ``target``; the environment that runs that copy."""
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile",
         "--target", str(target), str(tree)])
    env = dict(os.environ)
    env["PYTHONPATH"] = str(target)
    env.pop("NNGRADE_SANDBOX", None)
    return env


def nngrade(env: dict[str, str], *args: str, cwd: Path) -> None:
    run([sys.executable, "-m", "nngrade", *args], env=env, cwd=cwd)


def build_synthetic_class(before_tree: Path, env: dict[str, str], subs: Path) -> None:
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('bench_load', {str(before_tree / 'benchmarks' / 'bench_load.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['bench_load'] = m\n"
        "spec.loader.exec_module(m)\n"
        f"m.write_class(m.plan_class({SYNTHETIC_STUDENTS}, seed=11, hostile=True), __import__('pathlib').Path({str(subs)!r}))\n")
    run([sys.executable, "-c", script], env=env, cwd=before_tree)


def comparable(path: Path) -> bytes:
    if path.name != "results.json":
        return path.read_bytes()
    data = json.loads(path.read_text(encoding="utf-8"))

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()
                    if k not in TIMING_FIELDS and k not in GRADER_DIGEST_FIELDS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return json.dumps(strip(data), indent=1, ensure_ascii=False).encode()


def compare_outs(a: Path, b: Path) -> list[str]:
    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*")
                if p.is_file() and not p.name.startswith(".")}
    fa, fb = files(a), files(b)
    problems = [f"only in before: {n}" for n in sorted(fa - fb)]
    problems += [f"only in after: {n}" for n in sorted(fb - fa)]
    problems += [f"differs: {n}" for n in sorted(fa & fb) if comparable(a / n) != comparable(b / n)]
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="git revision graded as the golden one")
    parser.add_argument("after", nargs="?", default=None, help="git revision (default: work tree)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="nngrade-golden-"))
    try:
        trees = {"before": source_tree(args.before, work / "src-before"),
                 "after": source_tree(args.after, work / "src-after")}
        envs = {k: install(t, work / f"kit-{k}") for k, t in trees.items()}
        subs = work / "synthetic"
        build_synthetic_class(trees["before"], envs["before"], subs)
        course = work / "course"
        nngrade(envs["before"], "init", str(course), "--name", "golden", "--lang", "en", cwd=work)
        problems = []
        for side, env in envs.items():
            nngrade(env, "demo", "--out", str(work / f"demo-{side}"), "--jobs", "2", cwd=work)
            nngrade(env, "grade", str(subs), "--out", str(work / f"class-{side}"), "--course",
                    str(course), "--jobs", "2", "--no-progress", "--sets", *SYNTHETIC_SETS, cwd=work)
        for name in ("demo", "class"):
            found = compare_outs(work / f"{name}-before", work / f"{name}-after")
            problems += [f"{name}: {p}" for p in found]
            count = sum(1 for _ in (work / f"{name}-before").rglob("*.*"))
            print(f"{name}: {count} files compared, {len(found)} differences")
        for p in problems:
            print(p)
        return 1 if problems else 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
