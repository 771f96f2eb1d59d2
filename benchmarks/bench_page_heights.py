"""How tall the demo students' feedback pages are at two revisions, at a laptop and a phone width.

    python benchmarks/bench_page_heights.py BEFORE_REV [--after-rev HEAD] [--lang ko] [--jobs 1]

For each revision: a detached git worktree in /tmp/nngrade-heights-<hash>, a venv in
/tmp/nngrade-heights-venv-<hash> holding only that worktree's nngrade (editable, no deps; the
dependencies are this interpreter's site-packages, named in a .pth file), and that revision's
`nngrade demo --out /tmp/nngrade-heights-demo-<hash> --lang ko --force` (--force only where
the revision's demo has it). Every */feedback.html under the demo's output is opened in headless
Chromium (selenium, /usr/bin/chromium and /usr/bin/chromedriver) with the viewport set to 1280
and 390 CSS px wide (900 tall), and document.documentElement.scrollHeight / scrollWidth are
read; a page overflows sideways when scrollWidth > the viewport's width.

Prints a Markdown table matched by student folder (a folder at one revision only: "—") and the
medians. Run it with the kit's venv, whose site-packages give both revisions their dependencies.
The worktrees and venvs are removed at the end; the demo outputs are left in /tmp.
"""
from __future__ import annotations

import argparse
import os
import shutil
import site
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WIDTHS = (1280, 390)
VIEWPORT_HEIGHT = 900
DASH = "—"


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout.strip()


def short_hash(rev: str) -> str:
    return git("rev-parse", "--short=7", f"{rev}^{{commit}}")


class Revision:
    """One revision's worktree, venv and demo output."""

    def __init__(self, rev: str):
        self.rev = rev
        self.hash = short_hash(rev)
        self.full = git("rev-parse", f"{rev}^{{commit}}")
        self.subject = git("show", "-s", "--format=%s", self.full)
        self.tree = Path(f"/tmp/nngrade-heights-{self.hash}")
        self.venv = Path(f"/tmp/nngrade-heights-venv-{self.hash}")
        self.out = Path(f"/tmp/nngrade-heights-demo-{self.hash}")
        self.demo_cmd: list[str] = []
        self.demo_seconds = 0.0
        self.error: str | None = None

    def setup(self) -> None:
        self.cleanup()
        git("worktree", "add", "--detach", str(self.tree), self.full)
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
        py = str(self.venv / "bin" / "python")
        purelib = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        # Dependencies: this interpreter's site-packages, after the new venv's own. Directories
        # named in a .pth are only appended to sys.path (their own .pth files are not read), so
        # an editable nngrade installed there stays out of the way.
        parent = dict.fromkeys(site.getsitepackages() + [sysconfig.get_paths()["purelib"]])
        Path(purelib, "_nngrade_heights_deps.pth").write_text("\n".join(parent) + "\n")
        # The build backend (setuptools, as pyproject.toml asks) comes through pip's own sources.
        done = subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps",
                               "--disable-pip-version-check", "-e", str(self.tree)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"pip install -e {self.tree} failed:\n{done.stdout}{done.stderr}")
        where = subprocess.run([py, "-c", "import nngrade; print(nngrade.__file__)"],
                               capture_output=True, text=True, check=True, cwd="/").stdout.strip()
        if not Path(where).resolve().is_relative_to(self.tree.resolve()):
            raise RuntimeError(f"{self.venv} imports nngrade from {where}, not from {self.tree}")

    def run_demo(self, lang: str, jobs: int | None) -> None:
        exe = str(self.venv / "bin" / "nngrade")
        helptext = subprocess.run([exe, "demo", "--help"], capture_output=True, text=True).stdout
        cmd = [exe, "demo", "--out", str(self.out), "--lang", lang]
        if "--force" in helptext:
            cmd.append("--force")
        if jobs is not None and "--jobs" in helptext:
            cmd += ["--jobs", str(jobs)]
        self.demo_cmd = cmd
        shutil.rmtree(self.out, ignore_errors=True)
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.tree, timeout=1800)
        self.demo_seconds = time.perf_counter() - t0
        if done.returncode != 0:
            self.error = (f"`{' '.join(cmd)}` exited {done.returncode}:\n"
                          + (done.stdout[-3000:] + done.stderr[-3000:]).strip())

    def pages(self) -> dict[str, Path]:
        if not self.out.is_dir():
            return {}
        found = {}
        for page in sorted(self.out.rglob("feedback.html")):
            name = page.parent.relative_to(self.out).as_posix()
            found[name] = page
        return found

    def cleanup(self) -> None:
        if self.tree.exists() or self.hash in git("worktree", "list"):
            subprocess.run(["git", "worktree", "remove", "--force", str(self.tree)], cwd=REPO,
                           capture_output=True, text=True)
            subprocess.run(["git", "worktree", "prune"], cwd=REPO, capture_output=True)
        shutil.rmtree(self.tree, ignore_errors=True)
        shutil.rmtree(self.venv, ignore_errors=True)


def start_chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # A driver path given explicitly keeps selenium-manager from looking for (or downloading) one.
    os.environ["SE_OFFLINE"] = "true"
    profile = tempfile.mkdtemp(prefix="nngrade-heights-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900",
                 "--hide-scrollbars", "--lang=ko-KR"):
        options.add_argument(flag)
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(30)
    return drv, profile


def measure(drv, page: Path, width: int) -> dict:
    """scrollHeight and scrollWidth of `page` in a viewport `width` CSS px wide."""
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": width, "height": VIEWPORT_HEIGHT, "deviceScaleFactor": 1,
                         "mobile": False})
    drv.get(page.as_uri())
    # Wait for images and fonts, which change the layout once they arrive.
    drv.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const imgs = Array.from(document.images).filter(i => !i.complete)"
        "  .map(i => new Promise(r => { i.onload = i.onerror = r; }));"
        "Promise.all([document.fonts.ready, ...imgs]).then(() => "
        "  requestAnimationFrame(() => requestAnimationFrame(() => done(true))));")
    got = drv.execute_script(
        "const d = document.documentElement;"
        "return {h: d.scrollHeight, w: d.scrollWidth, inner: window.innerWidth};")
    if got["inner"] != width:
        raise RuntimeError(f"viewport is {got['inner']} px wide, not {width}")
    got["overflow"] = got["w"] > width
    return got


def fmt_height(m: dict | None) -> str:
    return DASH if m is None else f"{m['h']:,}"


def fmt_overflow(m: dict | None, width: int) -> str:
    if m is None:
        return DASH
    return f"yes ({m['w']} px)" if m["overflow"] else "no"


def median_cell(values: list[int]) -> str:
    return DASH if not values else f"{statistics.median(values):,.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before_rev")
    ap.add_argument("--after-rev", default="HEAD")
    ap.add_argument("--lang", default="ko", choices=("ko", "en"))
    ap.add_argument("--jobs", type=int, default=None,
                    help="passed to nngrade demo (default: the demo's own)")
    args = ap.parse_args(argv)

    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        print("needs /usr/bin/chromium and /usr/bin/chromedriver", file=sys.stderr)
        return 2
    revs = [Revision(args.before_rev), Revision(args.after_rev)]
    if revs[0].hash == revs[1].hash:
        print(f"{args.before_rev} and {args.after_rev} are the same commit", file=sys.stderr)
        return 2

    results: list[dict[str, dict[int, dict]]] = [{}, {}]
    drv = profile = None
    try:
        for rev in revs:
            print(f"[{rev.hash}] worktree + venv ...", file=sys.stderr, flush=True)
            rev.setup()
            print(f"[{rev.hash}] demo ...", file=sys.stderr, flush=True)
            rev.run_demo(args.lang, args.jobs)
            print(f"[{rev.hash}] demo took {rev.demo_seconds:.0f} s"
                  + (" (FAILED)" if rev.error else ""), file=sys.stderr, flush=True)
        drv, profile = start_chromium()
        for i, rev in enumerate(revs):
            for name, page in rev.pages().items():
                results[i][name] = {w: measure(drv, page, w) for w in WIDTHS}
    finally:
        if drv is not None:
            drv.quit()
        if profile:
            shutil.rmtree(profile, ignore_errors=True)
        for rev in revs:
            rev.cleanup()

    before, after = results
    print(f"Before: `{revs[0].rev}` = {revs[0].full[:12]} ({revs[0].subject[:80]})")
    print(f"After:  `{revs[1].rev}` = {revs[1].full[:12]} ({revs[1].subject[:80]})")
    for rev in revs:
        print(f"Demo at {rev.hash}: `{' '.join(rev.demo_cmd)}` ({rev.demo_seconds:.0f} s), "
              f"{len(rev.pages())} feedback pages")
        if rev.error:
            print(f"\n**Demo failed at {rev.hash}:**\n\n```\n{rev.error}\n```")
    print(f"\nViewport {VIEWPORT_HEIGHT} px tall; heights are document.documentElement.scrollHeight "
          "in CSS px; overflow = scrollWidth > viewport width.\n")
    print("| student folder | before 1280 px | after 1280 px | before 390 px | after 390 px "
          "| overflow at 390 px before / after |")
    print("|---|---:|---:|---:|---:|---|")
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        cells = [fmt_height(b and b[1280]), fmt_height(a and a[1280]),
                 fmt_height(b and b[390]), fmt_height(a and a[390]),
                 f"{fmt_overflow(b and b[390], 390)} / {fmt_overflow(a and a[390], 390)}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    med = [median_cell([m[w]["h"] for m in side.values()]) for w in WIDTHS for side in (before, after)]
    n_over = [sum(m[390]["overflow"] for m in side.values()) for side in (before, after)]
    print(f"| **median** ({len(before)} / {len(after)} pages) | " + " | ".join(med)
          + f" | {n_over[0]} / {n_over[1]} pages overflow |")
    over1280 = [sum(m[1280]["overflow"] for m in side.values()) for side in (before, after)]
    if any(over1280):
        print(f"\nOverflow at 1280 px: {over1280[0]} pages before, {over1280[1]} after.")
    only = [(n, "before") for n in sorted(set(before) - set(after))] + \
           [(n, "after") for n in sorted(set(after) - set(before))]
    for n, side in only:
        print(f"- `{n}`: only {side}")
    return 1 if any(r.error for r in revs) else 0


if __name__ == "__main__":
    sys.exit(main())
