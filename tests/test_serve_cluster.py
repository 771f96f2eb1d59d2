"""`nngrade serve --cluster`: uploads graded by the job slots of real Dask workers (a `dask
scheduler` and `dask worker` processes on 127.0.0.1), with the same results as the service's own
slots, and a worker killed mid-submission costing nothing."""
from __future__ import annotations

import httpx
import pytest

from cluster_util import DaskCluster
from conftest import REPO
from serve_util import make_course, running, upload, wait_results

pytestmark = pytest.mark.slow

REFERENCE = (REPO / "solutions/01_activations/activations.py").read_bytes()
SET = "01_activations"


def comparable(results: dict) -> list:
    return [(t["name"], t["status"], t["score"]) for t in results["tests"]]


def test_served_on_dask_workers(tmp_path):
    course = make_course(tmp_path / "c", "[serve]\nper_minute = 100\n")
    cluster = DaskCluster(tmp_path / "dask", workers=1)
    try:
        cluster.wait_for_workers(1)
        with running(course, args=("--cluster", cluster.address)) as srv:
            client = httpx.Client(timeout=30)
            health = client.get(srv.base + "/healthz").json()
            assert health["slots"] >= 1
            slow = REFERENCE + b"\nimport time as _t\n_t.sleep(3.0)\n"
            first = upload(client, srv.link("a"), SET, [("activations.py", slow)]).headers["location"]
            # the only worker dies with its slot mid-submission; one that joins later grades it
            import time
            time.sleep(2.0)
            DaskCluster.kill(cluster.workers[0])
            cluster.add_worker()
            second = upload(client, srv.link("b"), SET, [("activations.py", REFERENCE)]).headers["location"]
            on_cluster = [wait_results(client, url, 120) for url in (first, second)]
        with running(course) as local:
            client = httpx.Client(timeout=30)
            here = wait_results(client, upload(client, local.link("c"), SET,
                                               [("activations.py", REFERENCE)]).headers["location"])
        for results in on_cluster:
            assert comparable(results) == comparable(here)
            assert all(t["status"] == "passed" for t in results["tests"])
    finally:
        cluster.stop()
