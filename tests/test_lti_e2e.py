"""`nngrade serve` as an LTI 1.3 tool, end to end in a real browser (headless Chromium through
selenium): a platform (tests/lti_platform.py) launches students and an instructor through OIDC
third-party login, the students hand in through the tool's form, the feedback page comes up, and
the platform's line items receive the scores: pending while the set's hidden tests are withheld,
the full grade once the instructor publishes the set on the class page. Deep linking, the page's
language from the launch's locale, and a launch inside the platform's frame with third-party
cookies blocked are checked the same way.

The platform is on "localhost", the tool on "127.0.0.1": two sites, so the tool in the
platform's frame is a third party, as on a real LMS.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import httpx
import pytest

from conftest import REPO
from lti_platform import platform_and_tool
from test_browser import headless_chromium

pytestmark = pytest.mark.slow

SET = "01_activations"
REFERENCE = REPO / "solutions" / SET / "activations.py"
# tanh_grad as 1 - y: the catalogued mistake "tanh-grad-linear" of set 01 (mistakes.py)
BROKEN_LINE = ("    return 1.0 - y ** 2\n", "    return 1.0 - y\n")
MISTAKE = "tanh-grad-linear"
WAIT_SECONDS = 120


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("handed-in")
    good = folder / "kim" / "activations.py"
    good.parent.mkdir()
    shutil.copy(REFERENCE, good)
    source = REFERENCE.read_text(encoding="utf-8")
    assert source.count(BROKEN_LINE[0]) == 1
    broken = folder / "lee" / "activations.py"
    broken.parent.mkdir()
    broken.write_text(source.replace(*BROKEN_LINE), encoding="utf-8")
    return {"kim": good, "lee": broken, "park": good}


@pytest.fixture(scope="module")
def lti(tmp_path_factory):
    # the roster id is the SIS id; the platform's user id (sub) is what scores are posted to
    with platform_and_tool(tmp_path_factory.mktemp("course"), "lis.person_sourcedid") as server:
        yield server


@pytest.fixture(scope="module")
def driver():
    # third-party cookies blocked, as Safari and Chrome's tracking protection do
    prefs = {"profile.block_third_party_cookies": True, "profile.cookie_controls_mode": 1}
    with headless_chromium("en-US", {"performance": "ALL"}, prefs) as drv:
        yield drv


def wait_for(predicate, seconds: float = WAIT_SECONDS, what: str = "", pause: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(pause)
    raise AssertionError(f"waited {seconds} s for {what}")


def hand_in(driver, lti, path: Path) -> str:
    """On the student's page (already open): choose the file, send the form, wait for the
    status page to turn into the feedback page. Returns the submission's address."""
    from selenium.webdriver.common.by import By
    assert driver.find_element(By.ID, "set").get_attribute("value") == SET     # the launch's set
    driver.find_element(By.ID, "files").send_keys(str(path))
    driver.find_element(By.ID, "submit").click()
    wait_for(lambda: "/r/" in driver.execute_script("return location.href"), 30, "the status page")
    address = driver.execute_script("return location.href")
    assert address.startswith(lti.base + "/r/"), address
    # the status page refreshes itself until the result is in
    wait_for(lambda: not driver.find_elements(By.ID, "status")
             and driver.find_elements(By.TAG_NAME, "h1"), what="the feedback page", pause=0.5)
    return address


def tool_answers(driver, lti) -> list[dict]:
    """The tool's answers the browser received since the log was last read, with their headers
    as they came over the wire (Chrome's performance log: the DevTools network events; a
    redirect's answer comes with the request it led to)."""
    urls, headers = {}, {}
    for entry in driver.get_log("performance"):
        event = json.loads(entry["message"])["message"]
        params, method = event.get("params") or {}, event.get("method")
        rid = params.get("requestId")
        if method == "Network.requestWillBeSent" and params.get("redirectResponse"):
            answer = params["redirectResponse"]
            urls.setdefault(f"{rid}:{answer['url']}", answer["url"])
            headers.setdefault(f"{rid}:{answer['url']}", set()).update(
                k.lower() for k in answer.get("headers") or {})
        elif method == "Network.responseReceived":
            urls[rid] = params["response"]["url"]
            headers.setdefault(rid, set()).update(k.lower() for k in params["response"].get("headers") or {})
        elif method == "Network.responseReceivedExtraInfo":
            headers.setdefault(rid, set()).update(k.lower() for k in params.get("headers") or {})
    return [{"path": url[len(lti.base):].split("?")[0], "headers": headers.get(key, set())}
            for key, url in urls.items() if url.startswith(lti.base)]


def results_of(address: str) -> dict:
    answer = httpx.get(address.split("?")[0] + "/results.json", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_students_launch_hand_in_and_the_platform_gets_pending_scores(lti, driver, files):
    from selenium.webdriver.common.by import By
    platform = lti.platform
    addresses = {}
    for student in ("kim", "lee"):
        driver.get(platform.launch_url(student, locale="en-US"))
        wait_for(lambda: driver.find_elements(By.ID, "files"), 30, "the student's page")
        assert driver.current_url.startswith(lti.base + "/s/")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        assert student in driver.find_element(By.TAG_NAME, "body").text   # the SIS id, mapped
        addresses[student] = hand_in(driver, lti, files[student])
    # the public tests are shown, and name lee's mistake; the 12 hidden tests wait for publishing
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "tanh_grad uses 1 - y instead of 1 - y squared" in body, body[:3000]
    assert "12 more tests" in body

    for student in ("kim", "lee"):
        posted = platform.wait_scores(student, gradingProgress="PendingManual")
        score = posted[-1]["score"]
        assert posted[-1]["lineitem"] == "li-01"
        assert score["userId"] == platform.sub_of(student)
        assert score["activityProgress"] == "Submitted"
        assert "scoreGiven" not in score and "scoreMaximum" not in score    # withheld until published
        # the comment links the attempt's feedback page on the tool
        link = addresses[student].split("?")[0]
        assert link in score["comment"] and link.startswith(lti.base + "/r/"), score["comment"]
        assert httpx.get(link, timeout=30).status_code == 200
    # the comment names the mistake the shown (public) tests found, as the feedback page does
    lee = platform.scores_for("lee")[-1]["score"]["comment"]
    kim = platform.scores_for("kim")[-1]["score"]["comment"]
    assert f"({MISTAKE})" in lee and "tanh_grad" in lee, lee
    assert MISTAKE not in kim, kim
    # no points line while withheld (it would read 0 / 0), the note on the 12 hidden tests instead
    assert "0 / 0" not in lee and "12 more tests count towards your grade" in lee, lee
    assert "score" not in results_of(addresses["lee"])
    assert results_of(addresses["lee"])["extra_data"]["withheld_tests"] == 12


def test_a_korean_launch_in_the_platforms_frame_with_third_party_cookies_blocked(lti, driver, files):
    from selenium.webdriver.common.by import By
    platform = lti.platform
    driver.get_log("performance")                 # only this launch's answers are looked at
    driver.get(platform.launch_url("park", locale="ko-KR", frame=True))
    frame = driver.find_element(By.ID, "tool")
    driver.switch_to.frame(frame)
    try:
        wait_for(lambda: driver.find_elements(By.ID, "files"), 30, "the student's page in the frame")
        # the tool's page is the frame's, a site other than the platform's page around it
        assert driver.execute_script("return location.origin") == lti.base
        assert driver.execute_script("return window.top !== window.self")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
        assert "제출" in driver.find_element(By.TAG_NAME, "body").text
        address = hand_in(driver, lti, files["park"])
        assert "lang=ko" in address
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
        assert "채점 결과" in driver.find_element(By.TAG_NAME, "body").text
    finally:
        driver.switch_to.default_content()
    # the tool never asked for a cookie: none of its answers in the launch (login, launch, the
    # student's page) set one, so blocking them cannot matter (the upload's answers are checked
    # for Set-Cookie in tests/attacks/test_serve_attacks.py)
    answers = tool_answers(driver, lti)
    paths = [a["path"] for a in answers]
    assert {"/lti/login", "/lti/launch"} <= set(paths) and any(p.startswith("/s/") for p in paths), paths
    assert not [a for a in answers if "set-cookie" in a["headers"]], answers
    score = platform.wait_scores("park", gradingProgress="PendingManual")[-1]["score"]
    assert address.split("?")[0] in score["comment"]
    assert "scoreGiven" not in score


def test_the_instructor_publishes_and_the_platform_gets_full_grades(lti, driver, files):
    from selenium.webdriver.common.by import By
    platform = lti.platform
    driver.get(platform.launch_url("prof", role="Instructor", locale="en"))
    wait_for(lambda: driver.find_elements(By.ID, "class"), 30, "the class page")
    assert "/i/" in driver.current_url
    table = driver.find_element(By.ID, "class").text
    for student in ("kim", "lee", "park"):
        assert student in table
    pending_before = {s: len(platform.scores_for(s)) for s in ("kim", "lee", "park")}
    driver.find_element(By.XPATH, f"//form[input[@name='set' and @value='{SET}']]//button").click()
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "[role=status]"), 30, "the publish notice")
    assert SET in driver.find_element(By.CSS_SELECTOR, "[role=status]").text

    rows = {r["student"]: r for r in _latest_rows(lti)}
    for student in ("kim", "lee", "park"):
        posted = platform.wait_scores(student, gradingProgress="FullyGraded")
        assert len(platform.scores_for(student)) > pending_before[student]
        score = posted[-1]["score"]
        document = json.loads(rows[student]["result"])
        assert score["userId"] == platform.sub_of(student)
        assert score["activityProgress"] == "Completed"
        assert score["scoreGiven"] == pytest.approx(document["score"])
        assert score["scoreMaximum"] == pytest.approx(100.0)
        # what the student now sees is what the gradebook got
        shown = results_of(f"{lti.base}/r/{rows[student]['token']}")
        assert shown["score"] == pytest.approx(score["scoreGiven"])
        assert f"{lti.base}/r/{rows[student]['token']}" in score["comment"]
    kim = platform.scores_for("kim")[-1]["score"]
    lee = platform.scores_for("lee")[-1]["score"]
    assert kim["scoreGiven"] == pytest.approx(100.0) and MISTAKE not in kim["comment"]
    # tanh_grad's 10 points lost, and the comment names the catalogued mistake
    assert lee["scoreGiven"] == pytest.approx(90.0), lee
    assert f"({MISTAKE})" in lee["comment"] and "tanh_grad" in lee["comment"], lee["comment"]
    # the feedback page the comment links now names it too
    lee_page = httpx.get(lee["comment"].rsplit("\n", 1)[-1], timeout=30).text
    assert "tanh_grad uses 1 - y instead of 1 - y squared" in lee_page
    assert platform.refusals == []


def _latest_rows(lti) -> list[dict]:
    import sqlite3
    with sqlite3.connect(lti.course / "serve" / "nngrade.sqlite3") as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT student, token, result FROM submissions WHERE state = 'graded' "
                          "ORDER BY id").fetchall()
    latest = {}
    for r in rows:
        latest[r["student"]] = dict(r)
    return list(latest.values())


def test_deep_linking_adds_a_set_to_the_platform(lti, driver):
    from selenium.webdriver.common.by import By
    platform = lti.platform
    driver.get(platform.launch_url("prof", role="Instructor", message="LtiDeepLinkingRequest"))
    wait_for(lambda: driver.find_elements(By.ID, f"pick-{SET}"), 30, "the set picker")
    assert driver.current_url == lti.base + "/lti/launch"
    driver.find_element(By.ID, f"pick-{SET}").click()
    wait_for(lambda: driver.find_elements(By.ID, "added") or driver.find_elements(By.ID, "refused"),
             30, "the platform's answer")
    assert not driver.find_elements(By.ID, "refused"), platform.refusals
    assert driver.find_element(By.ID, "set").text == SET
    item = platform.deep_links[-1]["item"]
    assert platform.deep_links[-1]["by"] == "prof"
    assert item["custom"] == {"set": SET}
    assert item["lineItem"]["scoreMaximum"] == pytest.approx(100.0)
    assert item["url"] == lti.base + "/lti/launch"
    assert platform.deep_links[-1]["claims"]["aud"] == platform.issuer


def test_the_documented_lti_table_loads(tmp_path):
    """docs/LTI.md's [lti] example, added to a course file, loads as shown."""
    from nngrade.config import init_course, load_course
    from test_docs_commands import doc_toml
    path = init_course(tmp_path / "c")
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n" + doc_toml("lti"))
    course = load_course(path)
    assert course.lti_issuer == "https://moodle.example.edu"
    assert course.lti_deployment_ids == ("3",)
    assert course.lti_auth_token_url == "https://moodle.example.edu/mod/lti/token.php"
    assert course.lti_student_claim == "lis.person_sourcedid"
