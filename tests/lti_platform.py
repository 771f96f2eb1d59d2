"""An LTI 1.3 platform (an LMS stand-in) for the tests, written on PyJWT and cryptography alone,
apart from the kit's own LTI code, so that both sides are not the same reading of the specs.

It follows IMS Security Framework 1.0, LTI Core 1.3, Deep Linking 2.0 and Assignment and Grade
Services 2.0:

- ``GET /launch?user=..&role=Learner|Instructor&locale=..&message=..&set=..&lineitem=..`` starts
  OIDC third-party login initiation: it redirects the browser to the tool's login URL with
  ``iss``, ``login_hint``, ``target_link_uri``, ``lti_message_hint``, ``client_id`` and
  ``lti_deployment_id`` (``frame=1``: a page of the platform that holds the launch in an iframe,
  as an LMS that embeds the tool does);
- ``GET /auth`` is the OIDC authorization endpoint: it checks the tool's authentication request
  (client_id, a registered redirect_uri, response_type id_token, response_mode form_post, scope
  openid, prompt none, a nonce and a state, the login_hint and lti_message_hint it sent) and
  answers a page that posts ``id_token`` and ``state`` to the redirect_uri;
- ``GET /jwks`` is the platform's key set;
- ``POST /token`` is the OAuth 2 client-credentials grant with a JWT client assertion (RFC 7523),
  checked against the tool's key set (fetched from the tool), ``aud`` the token URL;
- ``POST /lineitems/<id>/scores`` takes a score (bearer token with the score scope, content
  type application/vnd.ims.lis.v1.score+json) and keeps it in ``scores``;
- ``POST /deep_link_return`` takes the tool's LtiDeepLinkingResponse (signature by the tool's
  key set, ``aud`` the platform's issuer, the deployment id, the content items) and keeps it in
  ``deep_links``.

Every refusal is kept in ``refusals`` with its reason, so a test sees why the tool was refused.
``id_token(...)`` makes a launch token directly, and can forge it (another key, alg none, HS256
with the public key as secret, any claim changed or left out) for the attack tests.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import json
import secrets
import socket
import threading
import time
from urllib.parse import urlencode

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
ROLES = {
    "Learner": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
                "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"],
    "Instructor": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
                   "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty"],
}
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def unsigned(header: dict, payload: dict) -> str:
    """``alg: none``: header and payload, an empty signature."""
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}."


def hs256(header: dict, payload: dict, secret: bytes) -> str:
    """HMAC-signed by hand: PyJWT refuses a PEM key as an HMAC secret, an attacker does not."""
    head = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    return f"{head}.{b64url(hmac.new(secret, head.encode(), hashlib.sha256).digest())}"


class Refused(Exception):
    pass


class Platform:
    """One platform, one tool registration (client id), one deployment."""

    def __init__(self, client_id: str = "nngrade-tool-1", deployment_id: str = "deployment-1",
                 host: str = "localhost", port: int | None = None):
        self.client_id, self.deployment_id = client_id, deployment_id
        self.port = port or free_port()
        # "localhost" and the tool's "127.0.0.1" are two sites: the tool inside the platform's
        # frame is a third party, as on a real LMS.
        self.issuer = f"http://{host}:{self.port}"
        self.key = new_key()
        self.kid = "platform-key-2024"
        self.tool_base: str | None = None
        self.scores: list[dict] = []
        self.deep_links: list[dict] = []
        self.refusals: list[str] = []
        self.id_tokens: list[dict] = []          # every launch token the platform sent
        self._launches: dict[str, dict] = {}      # lti_message_hint -> what the launch is
        self._access_tokens: dict[str, dict] = {}
        self._assertion_ids: set[str] = set()
        self._dl_data: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None

    # ---- addresses ---------------------------------------------------------------------------

    @property
    def auth_url(self) -> str:
        return self.issuer + "/auth"

    @property
    def token_url(self) -> str:
        return self.issuer + "/token"

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/jwks"

    @property
    def deep_link_return_url(self) -> str:
        return self.issuer + "/deep_link_return"

    def lineitem(self, name: str) -> str:
        return f"{self.issuer}/lineitems/{name}"

    def launch_url(self, user: str, role: str = "Learner", locale: str = "en",
                   message: str = "LtiResourceLinkRequest", set_id: str = "01_activations",
                   lineitem: str = "li-01", frame: bool = False) -> str:
        query = {"user": user, "role": role, "locale": locale, "message": message, "set": set_id,
                 "lineitem": lineitem, "frame": "1" if frame else "0"}
        return f"{self.issuer}/launch?{urlencode(query)}"

    def course_toml(self, student_claim: str = "sub") -> str:
        """The course file's [lti] table for this platform (what an admin copies from the LMS)."""
        return (f'[lti]\nissuer = "{self.issuer}"\nclient_id = "{self.client_id}"\n'
                f'deployment_ids = ["{self.deployment_id}"]\nauth_login_url = "{self.auth_url}"\n'
                f'auth_token_url = "{self.token_url}"\nkey_set_url = "{self.jwks_url}"\n'
                f'student_claim = "{student_claim}"\n')

    # ---- users -------------------------------------------------------------------------------

    @staticmethod
    def sub_of(user: str) -> str:
        """The platform's opaque, stable user id (never the roster id)."""
        return "u-" + hashlib.sha256(user.encode()).hexdigest()[:20]

    def scores_for(self, user: str) -> list[dict]:
        with self._lock:
            return [s for s in self.scores if s["score"].get("userId") == self.sub_of(user)]

    # ---- the launch --------------------------------------------------------------------------

    def login_initiation(self, user: str, role: str = "Learner", locale: str = "en",
                         message: str = "LtiResourceLinkRequest", set_id: str = "01_activations",
                         lineitem: str = "li-01") -> str:
        """The tool's login URL with the parameters of a third-party initiated login."""
        hint = secrets.token_urlsafe(12)
        with self._lock:
            self._launches[hint] = {"user": user, "role": role, "locale": locale,
                                    "message": message, "set": set_id, "lineitem": lineitem}
        query = {"iss": self.issuer, "login_hint": user, "target_link_uri": self.tool_base + "/lti/launch",
                 "lti_message_hint": hint, "client_id": self.client_id,
                 "lti_deployment_id": self.deployment_id}
        return f"{self.tool_base}/lti/login?{urlencode(query)}"

    def claims(self, user: str, nonce: str | None, role: str = "Learner", locale: str = "en",
               message: str = "LtiResourceLinkRequest", set_id: str = "01_activations",
               lineitem: str = "li-01") -> dict:
        now = int(time.time())
        payload = {
            "iss": self.issuer, "aud": self.client_id, "sub": self.sub_of(user),
            "iat": now, "exp": now + 300, "nonce": nonce,
            "name": user.title(), "email": f"{user}@example.edu",
            CLAIM + "message_type": message,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": (self.tool_base or "") + "/lti/launch",
            CLAIM + "roles": ROLES[role],
            CLAIM + "context": {"id": "course-1", "label": "NN101", "title": "Neural networks"},
            CLAIM + "launch_presentation": {"locale": locale, "document_target": "iframe",
                                            "return_url": self.issuer + "/course"},
            CLAIM + "lis": {"person_sourcedid": user, "course_section_sourcedid": "NN101-A"},
            CLAIM + "tool_platform": {"guid": "platform-test-guid", "name": "Test LMS"},
        }
        if nonce is None:
            payload.pop("nonce")
        if message == "LtiResourceLinkRequest":
            payload[CLAIM + "resource_link"] = {"id": f"rl-{set_id}", "title": set_id}
            payload[CLAIM + "custom"] = {"set": set_id}
            payload[AGS] = {"scope": [LINEITEM_SCOPE, RESULT_SCOPE, SCORE_SCOPE],
                            "lineitems": self.issuer + "/lineitems",
                            "lineitem": self.lineitem(lineitem)}
        elif message == "LtiDeepLinkingRequest":
            data = secrets.token_urlsafe(12)
            with self._lock:
                self._dl_data[data] = user
            payload[DL + "deep_linking_settings"] = {
                "deep_link_return_url": self.deep_link_return_url,
                "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False, "auto_create": True, "data": data}
        return payload

    def id_token(self, user: str = "kim", nonce: str | None = "", *, key=None, kid: str | None = None,
                 alg: str = "RS256", change: dict | None = None, drop: tuple[str, ...] = (),
                 **launch) -> str:
        """A signed launch token; the keywords forge it (``key`` another RSA key, ``alg`` "none"
        or "HS256" (the platform's public key as the HMAC secret), ``change`` claims set to other
        values, ``drop`` claims left out)."""
        payload = self.claims(user, nonce, **launch)
        payload.update(change or {})
        for name in drop:
            payload.pop(name, None)
        header = {"typ": "JWT", "alg": alg, "kid": kid or self.kid}
        if alg == "none":
            return unsigned(header, payload)
        if alg == "HS256":
            return hs256(header, payload, public_pem(self.key))
        return jwt.encode(payload, key or self.key, algorithm=alg, headers={"kid": header["kid"]})

    # ---- the routes ----------------------------------------------------------------------------

    def _refuse(self, status: int, why: str) -> Response:
        with self._lock:
            self.refusals.append(why)
        return JSONResponse({"error": why}, status_code=status)

    async def launch(self, request: Request) -> Response:
        q = request.query_params
        if q.get("frame") == "1":
            inner = str(request.url.include_query_params(frame="0"))
            return HTMLResponse(
                "<!DOCTYPE html><html lang='en'><head><title>Test LMS course</title></head><body>"
                f"<h1>Test LMS</h1><iframe id='tool' name='tool' src='{html.escape(inner)}' "
                "style='width:1000px;height:800px' allow='clipboard-write'></iframe></body></html>")
        url = self.login_initiation(q["user"], q.get("role", "Learner"), q.get("locale", "en"),
                                    q.get("message", "LtiResourceLinkRequest"),
                                    q.get("set", "01_activations"), q.get("lineitem", "li-01"))
        return RedirectResponse(url, status_code=302)

    async def auth(self, request: Request) -> Response:
        """OIDC authentication request (Security Framework 5.1.1.2), checked field by field."""
        q = dict(request.query_params)
        if request.method == "POST":
            q.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                    "prompt": "none", "client_id": self.client_id}
        for name, value in expected.items():
            if name == "scope" and "openid" in q.get("scope", "").split():
                continue
            if q.get(name) != value:
                return self._refuse(400, f"{name} is {q.get(name)!r}, not {value!r}")
        if q.get("redirect_uri") != (self.tool_base or "") + "/lti/launch":
            return self._refuse(400, f"redirect_uri {q.get('redirect_uri')!r} is not registered")
        for name in ("nonce", "state"):
            if not q.get(name):
                return self._refuse(400, f"no {name}")
        with self._lock:
            launch = self._launches.pop(q.get("lti_message_hint", ""), None)
        if launch is None:
            return self._refuse(400, "lti_message_hint not one this platform sent (or used twice)")
        if q.get("login_hint") != launch["user"]:
            return self._refuse(400, "login_hint does not match the launch")
        token = self.id_token(launch["user"], q["nonce"], role=launch["role"], locale=launch["locale"],
                              message=launch["message"], set_id=launch["set"], lineitem=launch["lineitem"])
        with self._lock:
            self.id_tokens.append({"id_token": token, "state": q["state"], "user": launch["user"]})
        target = html.escape(q["redirect_uri"])
        return HTMLResponse(
            "<!DOCTYPE html><html lang='en'><head><title>Launching</title></head><body>"
            f"<form id='launch' method='post' action='{target}'>"
            f"<input type='hidden' name='id_token' value='{html.escape(token)}'>"
            f"<input type='hidden' name='state' value='{html.escape(q['state'])}'>"
            "<noscript><button type='submit'>Continue</button></noscript></form>"
            "<script>document.getElementById('launch').submit();</script></body></html>")

    async def jwks(self, request: Request) -> Response:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return JSONResponse({"keys": [jwk]})

    async def _tool_key(self, token: str):
        """The tool's signing key for ``token``, by kid, from the tool's own key set."""
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(self.tool_base + "/lti/jwks.json")
        answer.raise_for_status()
        keys = jwt.PyJWKSet.from_dict(answer.json())
        kid = jwt.get_unverified_header(token).get("kid")
        for key in keys.keys:
            if key.key_id == kid:
                return key.key
        raise Refused(f"no key {kid!r} in the tool's key set")

    async def token(self, request: Request) -> Response:
        """Client credentials with a signed JWT assertion (RFC 7523, Security Framework 4.1)."""
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return self._refuse(400, "grant_type is not client_credentials")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return self._refuse(400, "client_assertion_type is not jwt-bearer")
        assertion = str(form.get("client_assertion") or "")
        try:
            key = await self._tool_key(assertion)
            claims = jwt.decode(assertion, key, algorithms=["RS256"], audience=self.token_url,
                                issuer=self.client_id,
                                options={"require": ["iss", "sub", "aud", "iat", "exp", "jti"]})
        except (Refused, jwt.PyJWTError, httpx.HTTPError) as exc:
            return self._refuse(401, f"client_assertion refused: {exc}")
        if claims["sub"] != self.client_id:
            return self._refuse(401, "client_assertion sub is not the client id")
        with self._lock:
            if claims["jti"] in self._assertion_ids:
                return self._refuse(401, "client_assertion jti used before")
            self._assertion_ids.add(claims["jti"])
        asked = str(form.get("scope") or "").split()
        allowed = [s for s in asked if s in (SCORE_SCOPE, LINEITEM_SCOPE, RESULT_SCOPE)]
        if not allowed:
            return self._refuse(400, f"no scope this tool may have in {asked!r}")
        access = secrets.token_urlsafe(24)
        with self._lock:
            self._access_tokens[access] = {"scopes": allowed, "expires": time.time() + 3600}
        return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                             "scope": " ".join(allowed)})

    async def scores_post(self, request: Request) -> Response:
        """AGS Score publish service: POST {lineitem}/scores."""
        auth = request.headers.get("authorization", "")
        with self._lock:
            grant = self._access_tokens.get(auth[len("Bearer "):]) if auth.startswith("Bearer ") else None
        if grant is None or grant["expires"] < time.time():
            return self._refuse(401, "scores: no valid bearer token")
        if SCORE_SCOPE not in grant["scopes"]:
            return self._refuse(403, "scores: the token lacks the score scope")
        if request.headers.get("content-type", "").split(";")[0].strip() != SCORE_TYPE:
            return self._refuse(415, f"scores: content type {request.headers.get('content-type')!r}")
        try:
            score = json.loads(await request.body())
        except ValueError:
            return self._refuse(400, "scores: not JSON")
        missing = [k for k in ("userId", "timestamp", "activityProgress", "gradingProgress")
                   if k not in score]
        if missing:
            return self._refuse(400, f"scores: missing {missing}")
        if "scoreGiven" in score and "scoreMaximum" not in score:
            return self._refuse(400, "scores: scoreGiven without scoreMaximum")
        if score["activityProgress"] not in ("Initialized", "Started", "InProgress", "Submitted",
                                             "Completed"):
            return self._refuse(400, f"scores: activityProgress {score['activityProgress']!r}")
        if score["gradingProgress"] not in ("FullyGraded", "Pending", "PendingManual", "Failed",
                                            "NotReady"):
            return self._refuse(400, f"scores: gradingProgress {score['gradingProgress']!r}")
        with self._lock:
            self.scores.append({"lineitem": request.path_params["item"], "score": score,
                                "received": time.time()})
        return Response(status_code=204)

    async def deep_link_return(self, request: Request) -> Response:
        """Deep Linking 2.0, the response message: checked as a platform must."""
        form = await request.form()
        token = str(form.get("JWT") or "")
        try:
            key = await self._tool_key(token)
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.issuer,
                                issuer=self.client_id, options={"require": ["iss", "aud", "iat", "exp", "nonce"]})
            if claims.get(CLAIM + "message_type") != "LtiDeepLinkingResponse":
                raise Refused("message_type is not LtiDeepLinkingResponse")
            if claims.get(CLAIM + "version") != "1.3.0":
                raise Refused("version is not 1.3.0")
            if claims.get(CLAIM + "deployment_id") != self.deployment_id:
                raise Refused("deployment_id is not this deployment's")
            with self._lock:
                asker = self._dl_data.pop(claims.get(DL + "data"), None)
            if asker is None:
                raise Refused("data is not the deep-linking request's (or used twice)")
            items = claims.get(DL + "content_items")
            if not isinstance(items, list) or len(items) != 1:
                raise Refused("not one content item (accept_multiple is false)")
            item = items[0]
            if item.get("type") != "ltiResourceLink":
                raise Refused(f"content item type {item.get('type')!r}")
            if not str(item.get("url", "")).startswith(self.tool_base):
                raise Refused(f"content item url {item.get('url')!r} is not the tool's")
            if not (item.get("custom") or {}).get("set"):
                raise Refused("content item has no custom set")
            maximum = (item.get("lineItem") or {}).get("scoreMaximum")
            if not isinstance(maximum, (int, float)) or maximum <= 0:
                raise Refused(f"lineItem scoreMaximum {maximum!r}")
        except (Refused, jwt.PyJWTError, httpx.HTTPError) as exc:
            with self._lock:
                self.refusals.append(f"deep link refused: {exc}")
            return HTMLResponse(f"<p id='refused'>{html.escape(str(exc))}</p>", status_code=400)
        with self._lock:
            self.deep_links.append({"claims": claims, "item": item, "by": asker})
        return HTMLResponse("<!DOCTYPE html><html lang='en'><head><title>Added</title></head><body>"
                            f"<p id='added'>{html.escape(item.get('title', ''))}</p>"
                            f"<p id='set'>{html.escape(item['custom']['set'])}</p></body></html>")

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/launch", self.launch),
            Route("/auth", self.auth, methods=["GET", "POST"]),
            Route("/jwks", self.jwks),
            Route("/token", self.token, methods=["POST"]),
            Route("/lineitems/{item}/scores", self.scores_post, methods=["POST"]),
            Route("/deep_link_return", self.deep_link_return, methods=["POST"]),
        ])

    # ---- running -------------------------------------------------------------------------------

    def start(self) -> "Platform":
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        thread = threading.Thread(target=self._server.run, name="lti-platform", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the LTI platform did not start")
            time.sleep(0.05)
        self._thread = thread
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def wait_scores(self, user: str, count: int = 1, seconds: float = 60.0, **where) -> list[dict]:
        """The scores posted for ``user`` once there are ``count`` of them matching ``where``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [s for s in self.scores_for(user)
                     if all(s["score"].get(k) == v for k, v in where.items())]
            if len(found) >= count:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no {count} score(s) {where} for {user} in {seconds} s: "
                             f"{self.scores_for(user)}; refusals: {self.refusals}")


@contextlib.contextmanager
def running_platform(**kwargs):
    platform = Platform(**kwargs).start()
    try:
        yield platform
    finally:
        platform.stop()


@contextlib.contextmanager
def platform_and_tool(folder, student_claim: str = "sub"):
    """The test platform and a real `nngrade serve` (one warm slot, set 01) registered with it,
    the rate limit raised for the tests; yields the tool's Server with ``.platform`` set."""
    from serve_util import Server, make_course
    with running_platform() as platform:
        port = free_port()
        platform.tool_base = f"http://127.0.0.1:{port}"
        course = make_course(folder, platform.course_toml(student_claim=student_claim)
                             + "\n[serve]\nper_minute = 1000\n", sets=("01",))
        server = Server(course, port, jobs=1).start()
        server.platform = platform
        try:
            yield server
        finally:
            server.kill()
