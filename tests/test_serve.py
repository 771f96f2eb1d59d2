"""`nngrade serve` for real: a server subprocess with warm job slots, uploads through the
student's page, the status page and results.json, the course's rules for attempts, the class
page, and a server killed with SIGKILL that loses nothing.

Set 01's hidden tests are "after_published": until the instructor publishes the set a student
sees the public tests only and no total.
"""
from __future__ import annotations

import contextlib

import io
import json
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from conftest import REPO, tool_env
from serve_util import Server, csrf_of, free_port, make_course, running, upload, wait_results

pytestmark = pytest.mark.slow

REFERENCE = (REPO / "solutions/01_activations/activations.py").read_bytes()
TANH_MISTAKE = (REPO / "tests/files/catalogue/tanh-grad-linear/a/activations.py").read_bytes() \
    if (REPO / "tests/files/catalogue/tanh-grad-linear/a/activations.py").exists() else None
SET = "01_activations"


def set_points() -> float:
    from nngrade.autograder.sets import find_set
    return float(sum(find_set(SET).points.values()))


def publish(client: httpx.Client, instructor: str, set_id: str = SET) -> httpx.Response:
    page = client.get(instructor)
    return client.post(instructor + "/publish", data={"csrf": csrf_of(page.text), "set": set_id,
                                                      "on": "1"})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("course"), "[serve]\nper_minute = 100\n")
    with running(course, jobs=1) as srv:
        yield srv


def test_upload_is_graded_and_results_wait_for_publishing(server):
    client = httpx.Client(timeout=30)
    page_url = server.link("kim")
    assert client.get(page_url).status_code == 200
    answer = upload(client, page_url, SET, [("activations.py", REFERENCE)])
    assert answer.status_code == 303
    status = answer.headers["location"]
    assert status.startswith(server.base + "/r/")
    results = wait_results(client, status)
    # before publishing: public tests only, every one passed, no total
    assert results["tests"] and all(t["visibility"] == "visible" for t in results["tests"])
    assert all(t["status"] == "passed" for t in results["tests"])
    assert "score" not in results and results["extra_data"]["withheld_tests"] > 0
    page = client.get(status.split("?")[0] + "?lang=en")
    # the page says tests are withheld and shows no total (its shown tests carry no points)
    assert page.status_code == 200 and "more tests count towards your grade" in page.text
    assert 'class="total"' not in page.text
    assert publish(client, server.instructor_link()).status_code == 200
    after = client.get(status.split("?")[0] + "/results.json").json()
    page = client.get(status.split("?")[0] + "?lang=en").text
    assert 'class="total"' in page and "more tests count towards" not in page
    assert after["score"] == pytest.approx(set_points())
    assert len(after["tests"]) > len(results["tests"])
    assert "withheld_tests" not in after["extra_data"]


def test_results_json_is_404_until_graded(tmp_path):
    """With the only job slot busy, a second submission waits: its results.json is 404, its page
    says it is being graded (202), and both are graded in the end."""
    course = make_course(tmp_path / "c", "[serve]\nper_minute = 100\n")
    slow = REFERENCE + b"\nimport time as _t\n_t.sleep(2.0)\n"
    with running(course, jobs=1) as srv:
        client = httpx.Client(timeout=30)
        first = upload(client, srv.link("a"), SET, [("activations.py", slow)]).headers["location"]
        second = upload(client, srv.link("b"), SET, [("activations.py", REFERENCE)]).headers["location"]
        assert client.get(second.split("?")[0] + "/results.json").status_code == 404
        pending = client.get(second)
        assert pending.status_code == 202 and 'http-equiv="refresh"' in pending.text
        for url in (first, second):
            assert all(t["status"] == "passed" for t in wait_results(client, url)["tests"])


def test_mistake_is_named_and_history_shows_attempts(server):
    if TANH_MISTAKE is None:
        pytest.skip("no tanh-grad-linear sample")
    client = httpx.Client(timeout=30)
    page_url = server.link("lee")
    status = upload(client, page_url, SET, [("activations.py", TANH_MISTAKE)]).headers["location"]
    results = wait_results(client, status)
    assert "tanh-grad-linear" in results["extra_data"]["mistakes"]
    status2 = upload(client, page_url, SET, [("activations.py", REFERENCE)]).headers["location"]
    wait_results(client, status2)
    page = client.get(page_url).text
    assert page.count("/r/") >= 2                  # both attempts listed with their links


def test_unknown_tokens_are_404(server):
    client = httpx.Client(timeout=30)
    for path in ("/s/nope", "/r/nope", "/r/nope/results.json", "/i/nope", "/nngrade.toml",
                 "/serve/nngrade.sqlite3", "/lti-private.pem", "/lti/jwks.json"):
        assert client.get(server.base + path).status_code == 404, path


def test_security_headers(server):
    answer = httpx.get(server.link("kim"))
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "form-action 'self'" in csp
    assert "default-src 'none'" in csp
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert "set-cookie" not in answer.headers


def test_healthz(server):
    answer = httpx.get(server.base + "/healthz")
    assert answer.status_code == 200 and answer.json()["slots"] == 1


def test_killed_server_loses_nothing(tmp_path):
    """Uploads acknowledged with 303 survive SIGKILL of the whole server (slots and sandboxes
    too); the restarted server grades them, each once."""
    course = make_course(tmp_path / "c", "[serve]\nper_minute = 100\n")
    port = free_port()
    srv = Server(course, port, jobs=1).start()
    client = httpx.Client(timeout=30)
    slow = REFERENCE + b"\nimport time as _t\n_t.sleep(1.0)\n"
    statuses = []
    for i in range(6):
        answer = upload(client, srv.link(f"s{i}"), SET, [("activations.py", slow)])
        assert answer.status_code == 303
        statuses.append(answer.headers["location"])
    srv.kill()                                   # mid-grading: most are still pending
    db = course / "serve" / "nngrade.sqlite3"
    with sqlite3.connect(db) as con:
        states = dict(con.execute("SELECT state, COUNT(*) FROM submissions GROUP BY state").fetchall())
    assert sum(states.values()) == 6 and states.get("pending", 0) >= 1
    srv = Server(course, port, jobs=1).start()
    try:
        for url in statuses:
            assert all(t["status"] == "passed" for t in wait_results(client, url, 120)["tests"])
        with sqlite3.connect(db) as con:
            rows = con.execute("SELECT state, COUNT(*) FROM submissions GROUP BY state").fetchall()
        assert rows == [("graded", 6)]
    finally:
        srv.kill()


def test_attempts_cooldown_and_rate_limits(tmp_path):
    course = make_course(tmp_path / "c", "[serve]\nattempts = 2\nper_minute = 3\n"
                                         "cooldown_seconds = 0\n", sets=("01", "03"))
    with running(course, jobs=1) as srv:
        client = httpx.Client(timeout=30)
        page = srv.link("kim")
        assert upload(client, page, SET, [("activations.py", REFERENCE)]).status_code == 303
        assert upload(client, page, SET, [("activations.py", REFERENCE)]).status_code == 303
        third = upload(client, page, SET, [("activations.py", REFERENCE)])
        assert third.status_code == 429 and "2" in third.text
        # another set is not limited by this one's attempts, but by the rate per minute
        assert upload(client, page, "03_loss", [("loss.py", b"x = 1\n")]).status_code == 303
        fourth = upload(client, page, "03_loss", [("loss.py", b"x = 1\n")])
        assert fourth.status_code == 429
        with sqlite3.connect(course / "serve" / "nngrade.sqlite3") as con:
            assert con.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 3


def test_cooldown(tmp_path):
    course = make_course(tmp_path / "c", "[serve]\ncooldown_seconds = 30\nper_minute = 100\n")
    with running(course, jobs=1) as srv:
        client = httpx.Client(timeout=30)
        page = srv.link("kim")
        assert upload(client, page, SET, [("activations.py", REFERENCE)]).status_code == 303
        again = upload(client, page, SET, [("activations.py", REFERENCE)])
        assert again.status_code == 429


def test_due_date_in_course_zone_marks_late_and_penalty(tmp_path):
    """A due date an hour ago in Asia/Seoul: the upload is late, and the penalty is taken off."""
    import datetime
    from zoneinfo import ZoneInfo
    seoul = datetime.datetime.now(ZoneInfo("Asia/Seoul")) - datetime.timedelta(hours=1)
    local = seoul.replace(tzinfo=None).isoformat(timespec="seconds")
    course = make_course(tmp_path / "c", f'[serve]\ntimezone = "Asia/Seoul"\nper_minute = 100\n'
                                         f'[serve.due]\n"01" = {local}\n', sets=("01", "03"))
    text = (course / "nngrade.toml").read_text().replace('policy = "none"', 'policy = "penalty"') \
        .replace("penalty = 0\n", "penalty = 0.25\n")
    (course / "nngrade.toml").write_text(text)
    with running(course, jobs=1) as srv:
        client = httpx.Client(timeout=30)
        page = srv.link("kim")
        status = upload(client, page, SET, [("activations.py", REFERENCE)]).headers["location"]
        wait_results(client, status)
        assert publish(client, srv.instructor_link()).status_code == 200
        results = client.get(status.split("?")[0] + "/results.json").json()
        assert results["extra_data"]["late"] is True
        assert results["score"] == pytest.approx(set_points() * 0.75)
        assert "KST" in client.get(page).text     # the due date shown on the course's clock


@pytest.mark.parametrize("counts, expected", [("best", "full"), ("last", "partial")])
def test_best_or_last_attempt_counts(tmp_path, counts, expected):
    if TANH_MISTAKE is None:
        pytest.skip("no tanh-grad-linear sample")
    course = make_course(tmp_path / "c", f'[serve]\ncounts = "{counts}"\nper_minute = 100\n')
    with running(course, jobs=1) as srv:
        client = httpx.Client(timeout=30)
        page = srv.link("kim")
        for source in (REFERENCE, TANH_MISTAKE):
            wait_results(client, upload(client, page, SET, [("activations.py", source)]).headers["location"])
        instructor = srv.instructor_link()
        publish(client, instructor)
        html = client.get(instructor).text
        full = f"{set_points():g} / {set_points():g}"
        assert (full in html) == (expected == "full")


def test_regrade_everyone(server):
    client = httpx.Client(timeout=30)
    instructor = server.instructor_link()
    page = client.get(instructor)
    answer = client.post(instructor + "/regrade", data={"csrf": csrf_of(page.text)})
    assert answer.status_code == 200
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and httpx.get(server.base + "/healthz").json()["pending"]:
        time.sleep(0.2)
    assert httpx.get(server.base + "/healthz").json()["pending"] == 0


def test_forget_deletes_a_students_data(tmp_path):
    course = make_course(tmp_path / "c", "[serve]\nper_minute = 100\n")
    marker = b"# a line only this student wrote: 7f3a9c\n"
    with running(course, jobs=1) as srv:
        client = httpx.Client(timeout=30)
        page = srv.link("kim")
        status = upload(client, page, SET, [("activations.py", REFERENCE + marker)]).headers["location"]
        wait_results(client, status)
        done = subprocess.run([sys.executable, "-m", "nngrade", "forget", str(course), "kim"],
                              capture_output=True, text=True, env=tool_env())
        assert done.returncode == 0 and "1" in done.stdout
        assert client.get(status).status_code == 404
        assert client.get(page).status_code == 404
    for path in (course / "serve").iterdir():
        assert marker not in path.read_bytes(), path


def test_korean_pages(server):
    client = httpx.Client(timeout=30)
    page = client.get(server.link("kim") + "?lang=ko").text
    assert '<html lang="ko">' in page and "제출" in page
    page = client.get(server.link("kim") + "?lang=en").text
    assert '<html lang="en">' in page and "Submit" in page


def test_zip_and_notebook_uploads_use_the_class_intake(server):
    client = httpx.Client(timeout=30)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("homework/week1/activations.py", REFERENCE)
    status = upload(client, server.link("zip-student"), SET, [("hw.zip", buffer.getvalue())]).headers["location"]
    results = wait_results(client, status)
    assert all(t["status"] == "passed" for t in results["tests"])
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REFERENCE.decode())])
    status = upload(client, server.link("nb-student"), SET,
                    [("activations.ipynb", nbformat.writes(nb).encode())]).headers["location"]
    results = wait_results(client, status)
    assert all(t["status"] == "passed" for t in results["tests"])


def test_config_errors_name_the_key(tmp_path):
    for table, bad in (("[serve]\ntimezone = \"Mars/Olympus\"\n", "timezone"),
                       ("[serve]\nbase_url = \"http://example.edu\"\n", "base_url"),
                       ("[serve.due]\n\"01\" = \"next friday\"\n", "due"),
                       ("[serve]\ncounts = \"mean\"\n", "counts")):
        course = make_course(tmp_path / bad, table)
        done = subprocess.run([sys.executable, "-m", "nngrade", "link", str(course), "kim"],
                              capture_output=True, text=True, env=tool_env())
        assert done.returncode == 2, done.stdout
        assert bad in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("where", ["own slots", "dask workers"])
def test_regrade_reads_changed_suites(tmp_path, where):
    """An instructor changes a course set's points while the service runs; "regrade" grades
    every submission again with the set as it is now (on Dask workers: a new run there, whose
    slots check the changed course files)."""
    with contextlib.ExitStack() as stack:
        args = ()
        if where == "dask workers":
            from cluster_util import DaskCluster
            cluster = DaskCluster(tmp_path / "dask", workers=1)
            stack.callback(cluster.stop)
            cluster.wait_for_workers(1)
            args = ("--cluster", cluster.address)
        regrade_after_the_suites_change(tmp_path, args)


def regrade_after_the_suites_change(tmp_path, args):
    course = make_course(tmp_path / "c", "[serve]\nper_minute = 100\n", sets=())
    subprocess.run([sys.executable, "-m", "nngrade", "new-set", str(course), "11_maxout"],
                   check=True, capture_output=True, env=tool_env())
    config = course / "nngrade.toml"
    config.write_text(config.read_text().replace("sets = []", 'sets = ["11_maxout"]'))
    reference = (course / "solutions/11_maxout/maxout.py").read_bytes()
    with running(course, jobs=1, args=args) as srv:
        client = httpx.Client(timeout=30)
        status = upload(client, srv.link("kim"), "11_maxout", [("maxout.py", reference)]).headers["location"]
        wait_results(client, status)
        instructor = srv.instructor_link()
        publish(client, instructor, "11_maxout")
        results_url = status.split("?")[0] + "/results.json"
        assert client.get(results_url).json()["score"] == pytest.approx(100)
        toml = course / "solutions/11_maxout/set.toml"
        toml.write_text(toml.read_text().replace('"leaky_relu/random" = 60', '"leaky_relu/random" = 30'))
        page = client.get(instructor)
        assert client.post(instructor + "/regrade", data={"csrf": csrf_of(page.text)}).status_code == 200
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and client.get(results_url).json().get("score") != 70:
            time.sleep(0.2)
        assert client.get(results_url).json()["score"] == pytest.approx(70)
