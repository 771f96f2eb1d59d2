"""Running `nngrade serve` for real in tests: a subprocess with uvicorn on a free port, waited for
until /healthz answers 200, killed (SIGKILL when asked) at the end."""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conftest import tool_env

START_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_course(folder: Path, extra_toml: str = "", sets=("01",)) -> Path:
    """A course folder whose nngrade.toml has the given tables appended."""
    subprocess.run([sys.executable, "-m", "nngrade", "init", str(folder)], check=True,
                   capture_output=True, env=tool_env())
    path = folder / "nngrade.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^sets = .*$", "sets = [" + ", ".join(f'"{s}"' for s in sets) + "]", text)
    path.write_text(text + "\n" + extra_toml, encoding="utf-8")
    return folder


class Server:
    def __init__(self, course: Path, port: int, jobs: int = 1, env: dict | None = None,
                 log: Path | None = None, args: tuple = ()):
        self.course, self.port, self.jobs, self.args = course, port, jobs, tuple(args)
        self.base = f"http://127.0.0.1:{port}"
        self.env = tool_env(**(env or {}))
        self.log = log or course / f"serve-{port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Server":
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nngrade", "serve", str(self.course), "--port", str(self.port),
             "--jobs", str(self.jobs), *self.args], stdout=out, stderr=subprocess.STDOUT, env=self.env,
            start_new_session=True)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nngrade serve exited: {self.log.read_text(errors='replace')}")
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"nngrade serve did not become healthy: {self.log.read_text(errors='replace')}")

    def kill(self, sig=signal.SIGKILL) -> None:
        """The whole process group (the server, its slots, their sandboxes)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)
        self.proc = None

    def link(self, student: str) -> str:
        done = subprocess.run([sys.executable, "-m", "nngrade", "link", str(self.course), student,
                               "--base-url", self.base], check=True, capture_output=True,
                              text=True, env=self.env)
        return done.stdout.strip()

    def instructor_link(self) -> str:
        done = subprocess.run([sys.executable, "-m", "nngrade", "link", str(self.course),
                               "--instructor", "--base-url", self.base], check=True,
                              capture_output=True, text=True, env=self.env)
        return done.stdout.strip()


@contextlib.contextmanager
def running(course: Path, jobs: int = 1, env: dict | None = None, port: int | None = None,
            args: tuple = ()):
    server = Server(course, port or free_port(), jobs=jobs, env=env, args=args).start()
    try:
        yield server
    finally:
        server.kill(signal.SIGTERM)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def upload(client: httpx.Client, page_url: str, set_id: str, files: list[tuple[str, bytes]],
           **headers) -> httpx.Response:
    """Send files through the student's page the way its form does (no redirect followed)."""
    page = client.get(page_url)
    data = {"csrf": csrf_of(page.text), "set": set_id}
    return client.post(page_url, data=data, files=[("files", (n, b)) for n, b in files],
                       headers=headers, follow_redirects=False)


def wait_results(client: httpx.Client, status_url: str, seconds: float = 60.0) -> dict:
    url = status_url.split("?")[0] + "/results.json"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = client.get(url)
        if answer.status_code == 200:
            return answer.json()
        assert answer.status_code == 404, answer.text
        time.sleep(0.1)
    raise AssertionError(f"{url} not graded in {seconds} s")
