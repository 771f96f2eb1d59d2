"""Helpers of the cluster tests: throwaway TLS certificates, and a real Dask scheduler with
workers as separate processes on 127.0.0.1 (random ports), ended by pid."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DASK = str(Path(sys.executable).parent / "dask")


def make_tls(folder: Path) -> dict[str, Path]:
    """A CA and one certificate signed by it (scheduler, workers and client may share it: Dask
    checks the CA, not host names), as docs/CLUSTER.md makes them."""
    folder.mkdir(parents=True, exist_ok=True)
    run = lambda *args: subprocess.run(["openssl", *args], cwd=folder, check=True,
                                       capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        "/CN=nngrade test CA", "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=nngrade", "-keyout", "node.key",
        "-out", "node.csr")
    run("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-out", "node.pem")
    for key in ("ca.key", "node.key"):
        (folder / key).chmod(0o600)
    return {"ca": folder / "ca.pem", "cert": folder / "node.pem", "key": folder / "node.key"}


def tls_args(tls: dict | None) -> list[str]:
    if not tls:
        return []
    return ["--tls-ca-file", str(tls["ca"]), "--tls-cert", str(tls["cert"]),
            "--tls-key", str(tls["key"])]


class DaskCluster:
    """`dask scheduler` and `dask worker --nthreads 1` processes, each in a session of its own
    (so one can be killed with its job slot and sandbox); stop() ends what is left."""

    def __init__(self, folder: Path, workers: int = 2, tls: dict | None = None,
                 worker_env: list[dict] | None = None, env: dict | None = None):
        self.folder, self.tls = folder, tls
        folder.mkdir(parents=True, exist_ok=True)
        self.env = dict(env or os.environ)
        self.workers: list[subprocess.Popen] = []
        self.schedulers: list[subprocess.Popen] = []
        self.address = self.start_scheduler(0)
        for i in range(workers):
            self.add_worker((worker_env or [{}] * workers)[i] if worker_env else {})

    def start_scheduler(self, port: int) -> str:
        """A scheduler on ``port`` (0: any free one); its address. Called again with the port
        of one that was killed, it is that scheduler restarted."""
        import json
        info = self.folder / f"scheduler{len(self.schedulers)}.json"
        self.scheduler = self._start("scheduler", [
            DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard",
            "--scheduler-file", str(info), *(["--protocol", "tls"] if self.tls else []),
            *tls_args(self.tls)], self.env)
        self.schedulers.append(self.scheduler)
        deadline = time.monotonic() + 30
        while not info.exists() or not info.read_text().strip():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                self.stop()
                raise RuntimeError("the scheduler did not start: " + self.log("scheduler"))
            time.sleep(0.1)
        return json.loads(info.read_text())["address"]

    def _start(self, name: str, cmd: list[str], env: dict) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                cwd=self.folder, start_new_session=True)

    def add_worker(self, extra_env: dict | None = None) -> subprocess.Popen:
        name = f"w{len(self.workers) + 1}"
        proc = self._start(name, [DASK, "worker", self.address, "--nthreads", "1", "--host",
                                  "127.0.0.1", "--no-dashboard", "--name", name,
                                  "--death-timeout", "20", *tls_args(self.tls)],
                           {**self.env, **(extra_env or {})})
        self.workers.append(proc)
        return proc

    def wait_for_workers(self, n: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while sum("Registered to" in self.log(f"w{i + 1}") for i in range(len(self.workers))) < n:
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not register: " + self.log("w1")[-2000:])
            time.sleep(0.2)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @staticmethod
    def kill(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
        """The process and its session (nanny, worker, job slot, sandbox)."""
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def stop(self) -> None:
        for proc in [*self.workers, *self.schedulers]:
            if proc.poll() is None:
                self.kill(proc, signal.SIGTERM)
            if proc.poll() is None:
                self.kill(proc)
            # what the session left (a slot ends itself within a second of its worker)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def results_count(out: Path) -> int:
    return len(list(out.glob("*/results.json")))


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
