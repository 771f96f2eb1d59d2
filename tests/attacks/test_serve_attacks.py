"""Attacks on `nngrade serve`, by class: reaching another student's work, forms sent from
elsewhere, uploads that exhaust memory or disk, names that are markup or paths, the service's
secrets, a forged Host, a student acting as the instructor, and student code reading the store.

Each class is tried against one real server (uvicorn, warm job slots, the sandbox) with a
control that the honest request of the same shape works.
"""
from __future__ import annotations

import io
import re
import secrets
import sqlite3
import zipfile
from pathlib import Path

import httpx
import pytest

from conftest import REPO
from serve_util import csrf_of, make_course, running, upload, wait_results

pytestmark = pytest.mark.slow

REFERENCE = (REPO / "solutions/01_activations/activations.py").read_bytes()
SET = "01_activations"
CAP_MIB = 1


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("course"),
                         f"[serve]\nper_minute = 1000\nmax_upload_mib = {CAP_MIB}\nmax_files = 5\n")
    with running(course, jobs=1) as srv:
        srv.client = httpx.Client(timeout=60)
        yield srv


def stored(server) -> int:
    with sqlite3.connect(server.course / "serve" / "nngrade.sqlite3") as con:
        return con.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def salt_of(server) -> str:
    return re.search(r'salt = "([^"]+)"', (server.course / "nngrade.toml").read_text()).group(1)


# ---- another student's work ------------------------------------------------------------------

def test_guessing_tokens_finds_nothing(server):
    c = server.client
    mine = upload(c, server.link("victim"), SET, [("activations.py", REFERENCE)]).headers["location"]
    wait_results(c, mine)
    for _ in range(50):
        guess = secrets.token_urlsafe(24)
        for path in (f"/r/{guess}", f"/r/{guess}/results.json", f"/s/{guess}", f"/i/{guess}"):
            assert c.get(server.base + path).status_code == 404
    # the store's row numbers are never addresses
    for number in range(1, 5):
        assert c.get(f"{server.base}/r/{number}/results.json").status_code == 404
    # a student's own page lists only their own attempts
    other_page = c.get(server.link("attacker")).text
    assert mine.split("/r/")[1].split("?")[0] not in other_page
    assert c.get(mine.split("?")[0] + "/results.json").status_code == 200     # control


# ---- forms sent from elsewhere ---------------------------------------------------------------

def test_forms_without_this_pages_token_are_refused(server):
    c = server.client
    victim, attacker = server.link("victim"), server.link("attacker")
    before = stored(server)
    files = [("files", ("activations.py", REFERENCE))]
    assert c.post(victim, data={"set": SET}, files=files).status_code == 403
    assert c.post(victim, data={"set": SET, "csrf": "0" * 64}, files=files).status_code == 403
    # the attacker's own (valid) token does not work on the victim's page
    token = csrf_of(c.get(attacker).text)
    assert c.post(victim, data={"set": SET, "csrf": token}, files=files).status_code == 403
    # the right token from another origin
    token = csrf_of(c.get(victim).text)
    assert c.post(victim, data={"set": SET, "csrf": token}, files=files,
                  headers={"Origin": "https://evil.example"}).status_code == 403
    assert stored(server) == before
    instructor = server.instructor_link()
    assert c.post(instructor + "/regrade", data={"csrf": token}).status_code == 403
    assert c.post(instructor + "/publish", data={"csrf": token, "set": SET, "on": "1"}).status_code == 403
    assert upload(c, victim, SET, [("activations.py", REFERENCE)]).status_code == 303   # control


# ---- uploads that exhaust memory or disk -------------------------------------------------------

def test_oversized_uploads_are_refused_before_storing(server):
    c = server.client
    page = server.link("big")
    before = stored(server)
    big = b"#" * (CAP_MIB * 1024 * 1024 + 100_000)
    assert upload(c, page, SET, [("activations.py", big)]).status_code == 413
    # no Content-Length (chunked, 300 MiB): the server keeps no more than the cap of it
    token = csrf_of(c.get(page).text)
    boundary = "b0undary"

    def chunks():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
               f"--{boundary}\r\nContent-Disposition: form-data; name=\"set\"\r\n\r\n{SET}\r\n"
               f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.py\"\r\n"
               f"Content-Type: text/plain\r\n\r\n").encode()
        for _ in range(300 * 16):
            yield b"#" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    peak_before = peak_rss_mib(server.proc.pid)
    answer = c.post(page, content=chunks(),
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert answer.status_code == 413
    assert peak_rss_mib(server.proc.pid) - peak_before < 64
    many = [(f"m{i}.py", b"x = 1\n") for i in range(6)]
    assert upload(c, page, SET, many).status_code == 400
    assert stored(server) == before
    assert upload(c, page, SET, [("activations.py", REFERENCE)]).status_code == 303   # control


def test_zip_bomb_is_refused_by_intake_and_graded(server):
    c = server.client
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("activations.py", REFERENCE)
        z.writestr("bomb/zeros.py", b"\0" * (300 * 1024 * 1024))     # ~300 KB compressed
    assert len(buffer.getvalue()) < CAP_MIB * 1024 * 1024
    status = upload(c, server.link("bomber"), SET, [("hw.zip", buffer.getvalue())]).headers["location"]
    results = wait_results(c, status, 120)
    assert all(t["status"] == "passed" for t in results["tests"])      # the honest file graded
    problems = " ".join(results["extra_data"].get("problems") or [])
    assert "zeros.py" in problems
    assert httpx.get(server.base + "/healthz").status_code == 200


# ---- names that are markup or paths -----------------------------------------------------------

def test_file_names_are_text_never_markup_or_paths(server, tmp_path):
    c = server.client
    page = server.link("names")
    hostile = ['<script>alert(1)</script>activations.py', '"><img src=x onerror=alert(1)>.py',
               "../../../../../../tmp/pwned-serve.py", "..\\..\\pwned-serve-win.py",
               "/etc/pwned-serve-abs.py", "name\r\nSet-Cookie: x=1.py"]
    files = [(name, b"x = 1\n") for name in hostile] [:4] + [("activations.py", REFERENCE)]
    answer = upload(c, page, SET, files)
    assert answer.status_code == 303 and "set-cookie" not in answer.headers
    wait_results(c, answer.headers["location"])
    feedback = c.get(answer.headers["location"]).text
    assert "&lt;img src=x onerror=alert(1)&gt;.py" in feedback     # the name is shown, as text
    for text in (feedback, c.get(page).text):
        assert "<script>alert" not in text and "<img src=x" not in text
    # results.json is data for programs, never a page a browser renders
    data = c.get(answer.headers["location"].split("?")[0] + "/results.json")
    assert data.headers["content-type"].startswith("application/json")
    for where in (Path("/tmp"), Path("/etc"), server.course, REPO):
        assert not list(where.glob("pwned-serve*")), where
    answer = upload(c, page, SET, [(hostile[4], b"x = 1\n"), (hostile[5], b"x = 1\n")])
    assert answer.status_code == 303 and "set-cookie" not in {k.lower() for k in answer.headers}


# ---- the service's secrets ---------------------------------------------------------------------

def test_secrets_are_never_served(server):
    c = server.client
    salt = salt_of(server)
    for path in ("/nngrade.toml", "/serve/nngrade.sqlite3", "/lti-private.pem", "/..%2fnngrade.toml",
                 "/r/..%2F..%2Fnngrade.toml", "/s/%2e%2e/nngrade.toml", "/static/../nngrade.toml"):
        answer = c.get(server.base + path)
        assert answer.status_code == 404 and salt not in answer.text, path
    status = upload(c, server.link("kim"), SET, [("activations.py", REFERENCE)]).headers["location"]
    wait_results(c, status)
    for url in (status, status.split("?")[0] + "/results.json", server.link("kim")):
        assert salt not in c.get(url).text


def test_a_forged_host_header_does_not_move_links(server):
    c = server.client
    page = server.link("host")
    token = csrf_of(c.get(page).text)
    answer = c.post(page, data={"csrf": token, "set": SET},
                    files=[("files", ("activations.py", REFERENCE))],
                    headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(server.base + "/r/")
    html = c.get(page, headers={"Host": "evil.example"}).text
    assert "evil.example" not in html


def test_a_student_link_is_not_the_class_page(server):
    c = server.client
    student_token = server.link("kim").rsplit("/", 1)[1]
    assert c.get(f"{server.base}/i/{student_token}").status_code == 404
    assert c.get(server.instructor_link()).status_code == 200       # control


# ---- student code reading the store --------------------------------------------------------------

def test_student_code_cannot_read_the_store_or_course(server):
    c = server.client
    db = server.course / "serve" / "nngrade.sqlite3"
    course_file = server.course / "nngrade.toml"
    probe = REFERENCE + f"""

def _steal():
    found = []
    for path in ({str(db)!r}, {str(course_file)!r}):
        try:
            with open(path, "rb") as f:
                found.append(f.read(200).hex())
        except OSError as e:
            found.append("blocked:" + type(e).__name__)
    return found

_STOLEN = _steal()

def relu(x):
    raise ValueError("|".join(_STOLEN))
""".encode()
    status = upload(c, server.link("thief"), SET, [("activations.py", probe)]).headers["location"]
    results = wait_results(c, status)
    text = str(results)
    assert "blocked:" in text                       # the probe ran and was refused
    assert b"SQLite format".hex() not in text and salt_of(server).encode().hex()[:16] not in text
