"""`nngrade serve --cluster`: uploads graded by the job slots of real Dask workers (a `dask
scheduler` and `dask worker` processes on 127.0.0.1), with the same results as the service's own
slots; a worker killed mid-submission, or the scheduler itself restarted, costs nothing; a
scheduler that cannot be reached stops the start in one line."""
from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from cluster_util import DaskCluster, wait_for
from conftest import REPO, tool_env
from serve_util import free_port, make_course, running, upload, wait_results

pytestmark = pytest.mark.slow

REFERENCE = (REPO / "solutions/01_activations/activations.py").read_bytes()
SLOW = REFERENCE + b"\nimport time as _t\n_t.sleep(3.0)\n"     # still grading when killed
SET = "01_activations"


def comparable(results: dict) -> list:
    return [(t["name"], t["status"], t["score"]) for t in results["tests"]]


def graded_here(course) -> dict:
    with running(course) as local:
        client = httpx.Client(timeout=30)
        return wait_results(client, upload(client, local.link("c"), SET,
                                           [("activations.py", REFERENCE)]).headers["location"])


def test_a_worker_that_joins_after_the_only_one_died_grades_its_submission(tmp_path):
    course = make_course(tmp_path / "c", "[serve]\nper_minute = 100\n")
    cluster = DaskCluster(tmp_path / "dask", workers=1)
    try:
        cluster.wait_for_workers(1)
        with running(course, args=("--cluster", cluster.address)) as srv:
            client = httpx.Client(timeout=30)
            assert client.get(srv.base + "/healthz").json()["slots"] == 1
            first = upload(client, srv.link("a"), SET, [("activations.py", SLOW)]).headers["location"]
            time.sleep(2.0)
            DaskCluster.kill(cluster.workers[0])
            cluster.add_worker()
            second = upload(client, srv.link("b"), SET, [("activations.py", REFERENCE)]).headers["location"]
            on_cluster = [wait_results(client, url, 120) for url in (first, second)]
        here = graded_here(course)
        for results in on_cluster:
            assert comparable(results) == comparable(here)
            assert all(t["status"] == "passed" for t in results["tests"])
    finally:
        cluster.stop()


def test_a_restarted_scheduler_is_reached_again_and_nothing_is_lost(tmp_path):
    course = make_course(tmp_path / "c", "[serve]\nper_minute = 100\n")
    cluster = DaskCluster(tmp_path / "dask", workers=1)
    address = cluster.address
    port = int(address.rsplit(":", 1)[1])
    try:
        cluster.wait_for_workers(1)
        with running(course, args=("--cluster", address)) as srv:
            client = httpx.Client(timeout=30)
            first = upload(client, srv.link("a"), SET, [("activations.py", SLOW)]).headers["location"]
            time.sleep(1.5)
            DaskCluster.kill(cluster.scheduler)
            for worker in cluster.workers:
                DaskCluster.kill(worker)
            wait_for(lambda: httpx.get(srv.base + "/healthz").status_code == 503, 30,
                     "/healthz to say 503")
            # uploads go on being stored while the cluster is away
            second = upload(client, srv.link("b"), SET, [("activations.py", REFERENCE)])
            assert second.status_code == 303
            assert client.get(second.headers["location"].split("?")[0] + "/results.json").status_code == 404
            cluster.start_scheduler(port)
            cluster.add_worker()
            results = [wait_results(client, url, 120)
                       for url in (first, second.headers["location"])]
            assert httpx.get(srv.base + "/healthz").status_code == 200
        for result in results:
            assert all(t["status"] == "passed" for t in result["tests"]), result
    finally:
        cluster.stop()


def test_a_scheduler_that_does_not_answer_stops_the_start_in_one_line(tmp_path):
    course = make_course(tmp_path / "c")
    done = subprocess.run([sys.executable, "-m", "nngrade", "serve", str(course), "--port",
                           str(free_port()), "--cluster", f"tcp://127.0.0.1:{free_port()}"],
                          capture_output=True, text=True, env=tool_env(), timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "127.0.0.1" in lines[0], done.stderr
