"""`nngrade serve` under a stream of uploads: latency from upload to results.json, throughput,
the backlog, and the server's memory, at several arrival rates; prints a table, optionally
writes RESULTS.md.

    python benchmarks/bench_serve.py                            # rates 0.5 1 2 3 4 8 16 32 48, 60 s each
    python benchmarks/bench_serve.py --rates 1 2 --seconds 20   # a short run
    python benchmarks/bench_serve.py --write                    # also replace this section of RESULTS.md

A real `nngrade serve` is started as a subprocess (`--jobs 2` by default) on a fresh course made
by `nngrade init`, its sets limited to 01, 03, 04, 09 and 10 (no MNIST) and `[serve] per_minute`
raised so that the rate limit never refuses the benchmark's students. A pool of students
(`nngrade link`, 200 by default) hand in; each rate's uploads arrive as a Poisson process
(exponential gaps from a seeded generator) for --seconds, each upload one set in turn, the
reference solution or (every --mistake-every-th) the same file with one catalogued mistake.
Every upload is its own asyncio task: it POSTs the student page's form, expects 303, then polls
the status page's results.json every --poll seconds; its latency is from the start of the POST
to the first 200. After each window the benchmark waits until every upload of the rate is
graded before the next rate starts, so the rates do not overlap.

Per rate: uploads sent, answered 303, graded, lost (a 303 whose results.json never came; must be
0), wrong verdicts (a reference file not passing every shown test, or a mistake passing all),
p50/p95/max latency, throughput (results that came within the window, per second of window), the
backlog at the end of the window, both as the client sees it (uploads started and not yet graded:
past the HTTP server's capacity the POSTs themselves queue, before the store counts them) and as
the server's pending count (/healthz), and the RSS summed over the server's process tree (the
server, its warm slots and their sandboxes; psutil, or /proc) at the start of the window and
after the rate is drained. A rate is called saturated when the client's backlog still grew over
the second half of the window and the throughput fell short of the rate by more than 10 %.
After the last rate the class page (`nngrade link COURSE --instructor`) and the SQLite store are
read: nothing may be pending.

Each student's page is read once before measuring, for its form's csrf field (derived from the
page's link, so the same for every upload), as a browser has the page open before it uploads.
The client shares the machine with the server (its polling costs the server requests, and CPU),
so on a small machine the figures are an upper bound of what a student would wait; far past
saturation the client's own event loop falls behind too, and its throughput figure with it.
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

import httpx  # noqa: E402

import bench_load  # noqa: E402
from results_md import RESULTS, replace_section  # noqa: E402
from serve_util import Server, csrf_of, free_port, make_course  # noqa: E402

SETS = ("01_activations", "03_loss", "04_backprop", "09_perceptron", "10_compgraph")
GOAL_RATE, GOAL_P50, GOAL_P95 = 1.0, 1.0, 2.0
STALL_SECONDS = 90.0       # a drain with no result for this long gives up (the rest are lost)


@dataclass
class Upload:
    student: str
    set_id: str
    mistake: str | None
    sent: float = 0.0                 # perf_counter at the start of the POST
    status: int | None = None         # the POST's answer
    graded: float | None = None       # perf_counter of the first 200 of results.json
    error: str | None = None
    verdict_ok: bool | None = None

    @property
    def latency(self) -> float | None:
        return None if self.graded is None else self.graded - self.sent


@dataclass
class RateRun:
    rate: float
    seconds: float
    uploads: list[Upload] = field(default_factory=list)
    window_start: float = 0.0
    backlog_samples: list[tuple[float, int]] = field(default_factory=list)      # t, server's pending
    waiting_samples: list[tuple[float, int]] = field(default_factory=list)      # t, client's backlog
    rss_start: int = 0
    rss_end: int = 0
    rss_peak: int = 0
    backlog_end: int = 0              # the server's pending uploads
    outstanding_end: int = 0          # uploads started and not yet graded (a POST not yet answered too)
    lost: int = 0


# ---- what is handed in ------------------------------------------------------------------------


def submission_files(set_id: str, mistake: str | None) -> list[tuple[str, bytes]]:
    source = bench_load.reference(set_id)
    if mistake is not None:
        _, find, replace = next(m for m in bench_load.MISTAKES[set_id] if m[0] == mistake)
        source = source.replace(find, replace, 1)
    return [(f"{bench_load.MODULES[set_id]}.py", source.encode())]


def plan(count: int, mistake_every: int, start: int) -> list[tuple[str, str | None]]:
    """(set, mistake or None) for the next `count` uploads: the sets in turn, every
    mistake_every-th one with the set's first catalogued mistake."""
    out = []
    for i in range(start, start + count):
        set_id = SETS[i % len(SETS)]
        wrong = mistake_every and i % mistake_every == mistake_every - 1
        out.append((set_id, bench_load.MISTAKES[set_id][0][0] if wrong else None))
    return out


def verdict_ok(document: dict, mistake: str | None) -> bool:
    tests = document.get("tests") or []
    passed = bool(tests) and all(t.get("status") == "passed" for t in tests)
    return passed if mistake is None else not passed


# ---- the server's memory and backlog ------------------------------------------------------------


def tree_rss(pid: int) -> int:
    """Bytes of RSS summed over pid and all its descendants."""
    try:
        import psutil
    except ImportError:
        return _proc_tree_rss(pid)
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def _proc_tree_rss(pid: int) -> int:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, pp in parents.items():
            if pp == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for p in tree:
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
    return total


async def pending(client: httpx.AsyncClient, base: str) -> int:
    return (await client.get(base + "/healthz")).json()["pending"]


# ---- one rate -----------------------------------------------------------------------------------


class Load:
    def __init__(self, server: Server, links: dict[str, str], csrf: dict[str, str], poll: float,
                 seed: int, mistake_every: int):
        self.server, self.links, self.csrf, self.poll = server, links, csrf, poll
        self.rng = random.Random(seed)
        self.mistake_every = mistake_every
        self.count = 0                # uploads planned so far (the rotation of sets goes on)
        self.students = sorted(links)
        self.giving_up = False
        self.outstanding = 0

    async def send(self, client: httpx.AsyncClient, up: Upload) -> None:
        self.outstanding += 1
        try:
            await self._send(client, up)
        finally:
            self.outstanding -= 1

    async def _send(self, client: httpx.AsyncClient, up: Upload) -> None:
        link = self.links[up.student]
        files = [("files", (n, b)) for n, b in submission_files(up.set_id, up.mistake)]
        up.sent = time.perf_counter()
        try:
            answer = await client.post(link, data={"csrf": self.csrf[up.student], "set": up.set_id},
                                       files=files, follow_redirects=False)
        except httpx.HTTPError as exc:
            up.error = f"POST: {type(exc).__name__}: {exc}"
            return
        up.status = answer.status_code
        if answer.status_code != 303:
            up.error = f"POST answered {answer.status_code}"
            return
        url = answer.headers["location"].split("?")[0] + "/results.json"
        while not self.giving_up:
            try:
                got = await client.get(url)
            except httpx.HTTPError as exc:
                up.error = f"GET: {type(exc).__name__}: {exc}"
                await asyncio.sleep(self.poll)
                continue
            if got.status_code == 200:
                up.graded = time.perf_counter()
                up.error = None
                up.verdict_ok = verdict_ok(got.json(), up.mistake)
                return
            if got.status_code != 404:
                up.error = f"results.json answered {got.status_code}"
            await asyncio.sleep(self.poll)

    def next_uploads(self, count: int) -> list[Upload]:
        made = [Upload(self.rng.choice(self.students), s, m)
                for s, m in plan(count, self.mistake_every, self.count)]
        self.count += count
        return made

    async def warm_up(self, client: httpx.AsyncClient, count: int) -> list[Upload]:
        ups = self.next_uploads(count)
        await asyncio.gather(*(self.send(client, u) for u in ups))
        return ups

    async def run_rate(self, client: httpx.AsyncClient, rate: float, seconds: float) -> RateRun:
        run = RateRun(rate, seconds)
        gaps, t = [], 0.0
        while True:
            t += self.rng.expovariate(rate)
            if t >= seconds:
                break
            gaps.append(t)
        run.uploads = self.next_uploads(len(gaps))
        pid = self.server.proc.pid
        run.rss_start = run.rss_peak = tree_rss(pid)
        run.window_start = start = time.perf_counter()
        tasks = []

        async def sample():
            while True:
                now = time.perf_counter() - start
                run.backlog_samples.append((now, await pending(client, self.server.base)))
                run.rss_peak = max(run.rss_peak, tree_rss(pid))
                await asyncio.sleep(1.0)

        async def count_waiting():
            # local only: a busy server must not thin out these samples
            while True:
                run.waiting_samples.append((time.perf_counter() - start, self.outstanding))
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        counter = asyncio.create_task(count_waiting())
        for at, up in zip(gaps, run.uploads):
            delay = start + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.send(client, up)))
        await asyncio.sleep(max(0.0, start + seconds - time.perf_counter()))
        run.outstanding_end = self.outstanding
        run.waiting_samples.append((seconds, run.outstanding_end))
        counter.cancel()
        run.backlog_end = await pending(client, self.server.base)
        run.backlog_samples.append((seconds, run.backlog_end))
        # drain: every upload of this rate graded, or no progress for STALL_SECONDS
        last_progress, done_before = time.perf_counter(), -1
        while True:
            done = sum(t.done() for t in tasks)
            if done == len(tasks):
                break
            if done != done_before:
                last_progress, done_before = time.perf_counter(), done
            elif time.perf_counter() - last_progress > STALL_SECONDS:
                self.giving_up = True
                await asyncio.gather(*tasks)
                self.giving_up = False
                break
            await asyncio.sleep(0.2)
        sampler.cancel()
        run.rss_end = tree_rss(pid)
        run.rss_peak = max(run.rss_peak, run.rss_end)
        run.lost = sum(1 for u in run.uploads if u.status == 303 and u.graded is None)
        return run


# ---- setup --------------------------------------------------------------------------------------


def make_links(server: Server, count: int) -> dict[str, str]:
    """Students s000.. and their pages (`nngrade link`); the first alone, as it creates the store."""
    names = [f"s{i:03d}" for i in range(count)]
    links = {names[0]: server.link(names[0])}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        links.update(zip(names[1:], pool.map(server.link, names[1:])))
    return links


def store_states(course: Path) -> dict[str, int]:
    with sqlite3.connect(course / "serve" / "nngrade.sqlite3") as con:
        return dict(con.execute("SELECT state, COUNT(*) FROM submissions GROUP BY state").fetchall())


def class_page_pending(server: Server) -> int | None:
    """The 'submissions waiting' count the instructor's class page shows."""
    html = httpx.get(server.instructor_link() + "?lang=en", timeout=60).text
    m = re.search(r"submissions waiting: (\d+)", html)
    return int(m.group(1)) if m else None


def sandbox_level() -> str:
    from nngrade.autograder.sandbox import SandboxPool
    pool = SandboxPool(slot=9, preload_plotting=False)
    try:
        return pool.level
    finally:
        pool.close()


# ---- report -------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The q-quantile by the nearest-rank rule (no interpolation, so p95 of few is a real wait)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 1)) - 1))]


def figures(run: RateRun) -> dict:
    lat = [u.latency for u in run.uploads if u.latency is not None]
    end = run.window_start + run.seconds
    in_window = sum(1 for u in run.uploads if u.graded is not None and u.graded <= end)
    half = [o for t, o in run.waiting_samples if t >= run.seconds / 2]
    growing = len(half) >= 2 and half[-1] - half[0] >= max(3, 0.1 * run.rate * run.seconds / 2)
    throughput = in_window / run.seconds
    return {
        "sent": len(run.uploads), "accepted": sum(u.status == 303 for u in run.uploads),
        "graded": len(lat), "lost": run.lost,
        "refused": sum(1 for u in run.uploads if u.status is not None and u.status != 303),
        "failed": sum(1 for u in run.uploads if u.status is None),
        "wrong": sum(u.verdict_ok is False for u in run.uploads),
        "p50": statistics.median(lat) if lat else float("nan"),
        "p95": pct(lat, 0.95) if lat else float("nan"),
        "max": max(lat) if lat else float("nan"),
        "throughput": throughput, "backlog": run.backlog_end,
        "backlog_max": max((b for _, b in run.backlog_samples), default=0),
        "outstanding": run.outstanding_end,
        "outstanding_max": max((o for _, o in run.waiting_samples), default=0),
        "saturated": growing and throughput < 0.9 * run.rate,
        "rss_start": run.rss_start, "rss_end": run.rss_end, "rss_peak": run.rss_peak,
    }


def machine() -> str:
    import numpy
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"Machine: {platform.system()} {platform.release()}, {os.cpu_count()} cores; Python "
            f"{platform.python_version()}, NumPy {numpy.__version__}. Load average at the start: {load}.")


def report(runs: list[RateRun], args, level: str, grading_s: float | None, after: dict,
           errors: list[str]) -> str:
    rows = [(r, figures(r)) for r in runs]
    mib = lambda b: f"{b / 2**20:.0f}"
    lines = [f"`nngrade serve --jobs {args.jobs}` ({level} sandbox), {args.students} students; "
             f"Poisson arrivals for {args.seconds:g} s per rate (seed {args.seed}), each upload "
             f"one of sets {', '.join(s[:2] for s in SETS)} in turn, every "
             f"{args.mistake_every}th with a catalogued mistake; results.json polled every "
             f"{args.poll * 1000:.0f} ms. Latency: start of the POST to the first 200 of "
             f"results.json, in seconds. Throughput: results that came within the window, per "
             f"second. Waiting: uploads the client had started and not yet got a result for, at "
             f"the end of the window (their most in the window); stored: of those, the ones the "
             f"server had stored as pending (/healthz). RSS: summed over the server's process tree, "
             f"MiB, at the start of the window → after the rate is drained (peak).", "",
             "| rate /s | sent | graded | lost | wrong | p50 | p95 | max | throughput /s | "
             "waiting | stored | RSS MiB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r, f in rows:
        extra = ""
        if f["refused"] or f["failed"]:
            extra = f" ({f['refused']} refused, {f['failed']} unanswered)"
        lines.append(
            f"| {r.rate:g} | {f['sent']}{extra} | {f['graded']} | {f['lost']} | {f['wrong']} | "
            f"{f['p50']:.2f} | {f['p95']:.2f} | {f['max']:.2f} | {f['throughput']:.2f} | "
            f"{f['outstanding']} ({f['outstanding_max']}) | {f['backlog']} ({f['backlog_max']}) | "
            f"{mib(f['rss_start'])} → {mib(f['rss_end'])} "
            f"({mib(f['rss_peak'])}) |")
    lines.append("")
    saturated = next((r.rate for r, f in rows if f["saturated"]), None)
    if grading_s is not None:
        lines.append(f"Grading one upload takes {grading_s * 1000:.0f} ms in a slot (mean "
                     f"`execution_time`), so {args.jobs} slots can take about "
                     f"{args.jobs / grading_s:.1f} uploads/s at most.")
    where = f"at {saturated:g} uploads/s" if saturated else "none of the rates measured"
    lines.append(f"Saturation: {where}"
                 f" (the first rate whose waiting uploads still grew over the window's second half, "
                 f"its throughput more than 10 % short of the rate).")
    goal = next(((r, f) for r, f in rows if r.rate == GOAL_RATE), None)
    if goal is not None and args.jobs == 2:
        _, f = goal
        met = f["p50"] <= GOAL_P50 and f["p95"] <= GOAL_P95
        lines.append(f"Goal (--jobs 2, 1 upload/s: p50 ≤ {GOAL_P50:g} s, p95 ≤ {GOAL_P95:g} s): "
                     f"{'met' if met else 'NOT met'} (p50 {f['p50']:.2f} s, p95 {f['p95']:.2f} s).")
    lost = sum(f["lost"] for _, f in rows)
    lines.append(f"After the run: the store holds {after['states']}; the class page shows "
                 f"{after['class_pending']} waiting, /healthz {after['healthz_pending']}; "
                 f"{lost} lost in all.")
    if errors:
        lines += ["", "Errors seen:", *[f"- {e}" for e in errors[:10]]]
    return "\n".join(lines)


# ---- main ---------------------------------------------------------------------------------------


async def measure(server: Server, links: dict[str, str], args) -> tuple[list[RateRun], list[Upload]]:
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        csrf = {}
        for student, link in links.items():
            csrf[student] = csrf_of((await client.get(link)).text)
        load = Load(server, links, csrf, args.poll, args.seed, args.mistake_every)
        warm = await load.warm_up(client, args.warm_up)
        runs = []
        for rate in args.rates:
            print(f"bench_serve: {rate:g} uploads/s for {args.seconds:g} s ...", file=sys.stderr,
                  flush=True)
            run = await load.run_rate(client, rate, args.seconds)
            f = figures(run)
            print(f"bench_serve:   sent {f['sent']}, graded {f['graded']}, lost {f['lost']}, "
                  f"p50 {f['p50']:.2f} s, p95 {f['p95']:.2f} s, waiting {f['outstanding']}, "
                  f"stored {f['backlog']}",
                  file=sys.stderr, flush=True)
            runs.append(run)
        return runs, warm


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", type=float, nargs="+", default=[0.5, 1, 2, 3, 4, 8, 16, 32, 48],
                    help="arrival rates, uploads per second")
    ap.add_argument("--seconds", type=float, default=60.0, help="window per rate")
    ap.add_argument("--jobs", type=int, default=2, help="the server's warm job slots")
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--poll", type=float, default=0.05, help="results.json polling interval, s")
    ap.add_argument("--warm-up", type=int, default=2 * len(SETS), help="uploads before measuring")
    ap.add_argument("--mistake-every", type=int, default=4,
                    help="every Nth upload has a catalogued mistake (0: none)")
    ap.add_argument("--seed", type=int, default=20260)
    ap.add_argument("--keep", default=None, help="make the course here and keep it")
    ap.add_argument("--write", action="store_true", help=f"write the table into {RESULTS.name}")
    args = ap.parse_args(argv)
    header = machine()
    level = sandbox_level()
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-serve-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp) / "course"
        course = make_course(folder, f"[serve]\nper_minute = {max(1000, args.students)}\n",
                             sets=SETS)
        server = Server(course, free_port(), jobs=args.jobs, log=Path(tmp) / "serve.log")
        links = make_links(server, args.students)
        server.start()
        try:
            runs, warm = asyncio.run(measure(server, links, args))
            after = {"states": store_states(course), "class_pending": class_page_pending(server),
                     "healthz_pending": httpx.get(server.base + "/healthz").json()["pending"]}
            with sqlite3.connect(course / "serve" / "nngrade.sqlite3") as con:
                times = [json.loads(r)["execution_time"] for (r,) in con.execute(
                    "SELECT result FROM submissions WHERE state = 'graded'")
                    if "execution_time" in json.loads(r)]
        finally:
            server.kill()
            log_text = (Path(tmp) / "serve.log").read_text(errors="replace")
    errors = sorted({u.error for r in runs for u in r.uploads if u.error}
                    | {u.error for u in warm if u.error})
    if any(u.graded is None for u in warm):
        errors.append(f"{sum(u.graded is None for u in warm)} warm-up uploads not graded")
    if re.search(r"Traceback|ERROR", log_text):
        errors.append("the server's log has errors: " + log_text[-1500:].replace("\n", " | "))
    body = header + "\n\n" + report(runs, args, level, statistics.mean(times) if times else None,
                                    after, errors)
    print(body)
    if args.write:
        replace_section("bench_serve", "The web service under load (benchmarks/bench_serve.py)", body)
        print(f"\nwritten to {RESULTS}", file=sys.stderr)
    lost = sum(r.lost for r in runs)
    return 1 if lost or after["states"].get("pending") else 0


if __name__ == "__main__":
    sys.exit(main())
