"""Attacks on the LTI 1.3 tool of `nngrade serve`, by class: launch tokens that are forged
(another key, alg none, HS256 with the platform's public key as secret), replayed, for another
deployment, audience or issuer, expired, with a nonce or a state the tool never issued, the wrong
message type, a learner asking for deep linking; and guessing the addresses of other students'
work after a launch.

One real server (uvicorn, warm job slots, the sandbox) is registered with one real platform
(tests/lti_platform.py, uvicorn in a thread); every refusal is set beside the honest request of
the same shape, which is accepted.
"""
from __future__ import annotations

import html
import re
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from conftest import REPO
from lti_platform import CLAIM, new_key, platform_and_tool, running_platform
from serve_util import upload, wait_results

pytestmark = pytest.mark.slow

REFERENCE = (REPO / "solutions/01_activations/activations.py").read_bytes()
SET = "01_activations"


@pytest.fixture(scope="module")
def lti(tmp_path_factory):
    with platform_and_tool(tmp_path_factory.mktemp("course")) as server:
        server.client = httpx.Client(timeout=60)
        yield server


# ---- the flow, step by step ----------------------------------------------------------------------

def login(server, user: str = "kim", **launch) -> dict:
    """Third-party initiated login: the tool answers with the authentication request to the
    platform, whose state and nonce it keeps server side."""
    answer = server.client.get(server.platform.login_initiation(user, **launch), follow_redirects=False)
    assert answer.status_code == 302, answer.text
    assert "set-cookie" not in answer.headers          # nothing of the launch lives in a cookie
    location = answer.headers["location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return {"location": location, **query}


def post_launch(server, id_token: str, state: str) -> httpx.Response:
    return server.client.post(server.base + "/lti/launch", data={"id_token": id_token, "state": state},
                              follow_redirects=False)


def through_platform(server, user: str = "kim", **launch) -> tuple[str, str]:
    """The id_token and state as the platform's authorization endpoint posts them."""
    started = login(server, user, **launch)
    page = server.client.get(started["location"])
    assert page.status_code == 200, (page.text, server.platform.refusals)
    token = html.unescape(re.search(r"name='id_token' value='([^']+)'", page.text).group(1))
    state = html.unescape(re.search(r"name='state' value='([^']+)'", page.text).group(1))
    assert state == started["state"]
    return token, state


def forged(server, user: str = "kim", **forge) -> httpx.Response:
    """A real login's state with a token minted (and forged) outside the platform's flow."""
    started = login(server, user)
    nonce = forge.pop("nonce", started["nonce"])
    return post_launch(server, server.platform.id_token(user, nonce, **forge), started["state"])


def refused(answer: httpx.Response, status: int, words: str) -> None:
    text = html.unescape(answer.text)
    assert answer.status_code == status, (answer.status_code, text[-600:])
    assert words in text, text[-600:]
    assert "location" not in answer.headers


# ---- the honest launch ------------------------------------------------------------------------------

def test_the_honest_launch_is_accepted_without_cookies(lti):
    token, state = through_platform(lti, "kim")
    answer = post_launch(lti, token, state)
    assert answer.status_code == 303, answer.text
    assert "set-cookie" not in answer.headers
    location = answer.headers["location"]
    assert location.startswith(lti.base + "/s/") and "set=01_activations" in location
    page = lti.client.get(location)
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert '<html lang="en">' in page.text
    assert lti.platform.sub_of("kim") in page.text        # the roster id is the `sub` claim here


def test_the_login_from_another_platform_is_refused(lti):
    url = lti.platform.login_initiation("kim").replace("iss=http", "iss=https")
    answer = lti.client.get(url, follow_redirects=False)
    refused(answer, 400, "platform the course is not registered with")
    url = lti.platform.login_initiation("kim").replace("client_id=nngrade-tool-1", "client_id=other-tool")
    refused(lti.client.get(url, follow_redirects=False), 400, "another tool registration")


# ---- forged tokens ------------------------------------------------------------------------------------

def test_a_token_signed_by_another_key_is_refused(lti):
    # the attacker names the platform's own kid, so the tool checks the signature with the
    # platform's key and it does not match
    refused(forged(lti, key=new_key()), 401, "id_token is not valid")
    # under a kid the platform never published: no key to check it with
    refused(forged(lti, key=new_key(), kid="attacker-key"), 401, "signing key could not be found")
    assert post_launch(lti, *through_platform(lti)).status_code == 303          # control


def test_alg_none_and_hs256_with_the_public_key_are_refused(lti):
    refused(forged(lti, alg="none"), 401, "id_token is not valid")
    refused(forged(lti, alg="HS256"), 401, "id_token is not valid")
    assert forged(lti).status_code == 303          # control: the same minting, signed RS256


def test_claims_changed_are_refused(lti):
    now = int(time.time())
    cases = [
        ({"change": {CLAIM + "deployment_id": "deployment-2"}}, "deployment 'deployment-2'"),
        ({"change": {"aud": "another-tool"}}, "id_token is not valid"),
        ({"change": {"aud": ["another-tool", "nngrade-tool-1"], "azp": "another-tool"}}, "(azp)"),
        ({"change": {"iss": "https://evil.example"}}, "id_token is not valid"),
        ({"change": {"exp": now - 3600, "iat": now - 3900}}, "id_token is not valid"),
        ({"change": {"iat": now + 3600, "exp": now + 3900}}, "id_token is not valid"),
        ({"drop": ("exp",)}, "id_token is not valid"),
        ({"drop": ("sub",)}, "id_token is not valid"),
        ({"nonce": "a-nonce-this-login-never-sent"}, "nonce this login sent"),
        ({"nonce": None}, "id_token is not valid"),                   # no nonce claim at all
        ({"change": {CLAIM + "message_type": "LtiSubmissionReviewRequest"}}, "message type"),
        ({"change": {CLAIM + "version": "1.1"}}, "not LTI 1.3.0"),
    ]
    for forge, words in cases:
        refused(forged(lti, **forge), 401, words)
    assert forged(lti).status_code == 303                                        # control


def test_a_replayed_token_is_refused(lti):
    token, state = through_platform(lti, "kim")
    assert post_launch(lti, token, state).status_code == 303
    refused(post_launch(lti, token, state), 401, "(state)")             # the same post again
    fresh = login(lti, "kim")                                         # a new login's state
    refused(post_launch(lti, token, fresh["state"]), 401, "nonce this login sent")
    # the state of that refused try is spent too: it cannot be tried with another token
    refused(post_launch(lti, lti.platform.id_token("kim", fresh["nonce"]), fresh["state"]), 401, "(state)")


def test_a_state_never_issued_is_refused(lti):
    started = login(lti, "kim")
    token = lti.platform.id_token("kim", started["nonce"])
    refused(post_launch(lti, token, secrets.token_urlsafe(24)), 401, "(state)")
    refused(post_launch(lti, token, ""), 401, "(state)")
    assert post_launch(lti, token, started["state"]).status_code == 303          # control


def test_a_learner_cannot_ask_for_deep_linking(lti):
    answer = post_launch(lti, *through_platform(lti, "kim", message="LtiDeepLinkingRequest"))
    refused(answer, 403, "Only an instructor")
    assert "JWT" not in answer.text
    # control: the instructor's request gets the set picker with a signed response per set
    answer = post_launch(lti, *through_platform(lti, "prof", role="Instructor",
                                                message="LtiDeepLinkingRequest"))
    assert answer.status_code == 200 and 'id="pick-01_activations"' in answer.text
    assert lti.platform.deep_link_return_url in answer.text


def test_a_learner_launch_never_opens_the_class_page(lti):
    location = post_launch(lti, *through_platform(lti, "kim")).headers["location"]
    assert "/i/" not in location
    instructor = post_launch(lti, *through_platform(lti, "prof", role="Instructor"))
    assert instructor.status_code == 303 and "/i/" in instructor.headers["location"]   # control
    # a learner who claims the instructor role in a forged token is stopped at the signature
    refused(forged(lti, key=new_key(), role="Instructor"), 401, "id_token is not valid")


# ---- other students' work --------------------------------------------------------------------------

def test_guessed_addresses_and_other_students_links_open_nothing(lti):
    c = lti.client
    victim_page = post_launch(lti, *through_platform(lti, "victim")).headers["location"]
    attacker_page = post_launch(lti, *through_platform(lti, "attacker")).headers["location"]
    assert urlsplit(victim_page).path != urlsplit(attacker_page).path
    status = upload(c, victim_page.split("?")[0], SET, [("activations.py", REFERENCE)]).headers["location"]
    results = wait_results(c, status, 120)
    victim_token = urlsplit(status).path.split("/r/")[1]
    for _ in range(30):
        guess = secrets.token_urlsafe(24)
        for path in (f"/r/{guess}", f"/r/{guess}/results.json", f"/s/{guess}", f"/i/{guess}",
                     f"/i/{guess}/r/{victim_token}"):
            assert c.get(lti.base + path).status_code == 404, path
    # the attacker's own page lists nothing of the victim's, and the victim's link opens only
    # the victim's own submission
    mine = c.get(attacker_page).text
    assert victim_token not in mine and lti.platform.sub_of("victim") not in mine
    # a student link is not a class-page token
    attacker_link = urlsplit(attacker_page).path.rsplit("/", 1)[1]
    assert c.get(f"{lti.base}/i/{attacker_link}").status_code == 404
    assert c.get(f"{lti.base}/i/{attacker_link}/r/{victim_token}").status_code == 404
    assert c.get(f"{lti.base}/r/{attacker_link}/results.json").status_code == 404
    # control: the victim's submission token opens their results
    assert c.get(status.split("?")[0] + "/results.json").json()["tests"] == results["tests"]
    assert victim_token in c.get(victim_page).text


def test_the_platform_refused_nothing_the_tool_sent(lti):
    """Everything the tool asked of the platform in these tests was well formed."""
    assert lti.platform.refusals == []


@pytest.fixture
def other_platform():
    with running_platform(client_id="nngrade-tool-1") as platform:
        yield platform


def test_a_token_from_another_platform_with_the_same_client_id_is_refused(lti, other_platform):
    other_platform.tool_base = lti.base
    started = login(lti, "kim")
    # the other platform names itself, and is not the course's issuer
    token = other_platform.id_token("kim", started["nonce"])
    refused(post_launch(lti, token, started["state"]), 401, "id_token is not valid")
    # it claims the course's issuer and its own key under the course platform's kid
    started = login(lti, "kim")
    token = other_platform.id_token("kim", started["nonce"], kid=lti.platform.kid,
                                    change={"iss": lti.platform.issuer})
    refused(post_launch(lti, token, started["state"]), 401, "id_token is not valid")


def test_the_pages_may_be_framed_by_the_platform_only(lti):
    policy = lti.client.get(lti.base + "/healthz").headers["content-security-policy"]
    ancestors = policy.split("frame-ancestors", 1)[1].split(";")[0].split()
    assert ancestors == ["'self'", lti.platform.issuer]


def test_a_canvas_course_site_may_frame_the_tool_and_take_deep_links():
    """Canvas names itself canvas.instructure.com and logs in at sso.canvaslms.com, but frames
    the tool and takes the deep-linking response on the school's own site, where its token URL
    is."""
    from types import SimpleNamespace

    from nngrade.serve.lti import Tool
    course = SimpleNamespace(lti_issuer="https://canvas.instructure.com",
                             lti_auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
                             lti_auth_token_url="https://school.instructure.com/login/oauth2/token")
    origins = Tool.platform_origins(SimpleNamespace(course=course))
    assert "https://school.instructure.com" in origins
    assert "https://evil.example" not in origins and len(origins) == 3
