"""LTI 1.3: the tool side of OIDC login, launch validation, deep linking and the tool's key set.

One platform per course (the course file's [lti] table). The launch's id_token is checked with
PyJWT against the platform's JWKS (signature, ``iss``, ``aud``, ``exp``, ``iat``), then for the
nonce this service sent at login (each nonce taken once: a replayed token is refused), the
deployment id, the message type and LTI version. The state is kept server side with its nonce,
so a launch works in a frame with third-party cookies blocked.

A student's launch maps to the roster id through the configured claim (``sub``, ``email`` or any
claim name, e.g. the SIS id in ``https://purl.imsglobal.org/spec/lti/claim/lis`` as
``lis.person_sourcedid``), records where the set's grade goes (the AGS line item) and sends the
student to their page in the launch's language. An instructor's launch opens the class page.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from nngrade.speech import cli

log = logging.getLogger("nngrade.serve")

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
INSTRUCTOR_ROLES = ("membership#Instructor", "membership#ContentDeveloper", "institution/person#Administrator",
                    "membership#Administrator", "system/person#Administrator")
LOGIN_SECONDS = 600.0          # a login's state and nonce are good this long
SESSION_SECONDS = 8 * 3600.0   # an instructor's launch opens the class pages this long
LEEWAY_SECONDS = 60


class LaunchError(ValueError):
    """A launch refused; the message says which check failed."""


def load_private_key(course):
    """The tool's RSA key (made at first start, mode 0600, beside the course file)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    path = Path(course.path).parent / course.lti_private_key_file
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    if path.stat().st_mode & 0o077:
        raise ValueError(cli("serve-key-mode", path=path))
    try:
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError:
        raise ValueError(cli("serve-key-unreadable", path=path)) from None


def public_jwk(private_key) -> dict:
    import jwt
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    jwk.update({"use": "sig", "alg": "RS256", "kid": key_id(jwk)})
    return jwk


def key_id(jwk: dict) -> str:
    """RFC 7638 thumbprint: the same key always has the same kid."""
    import base64
    import hashlib
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")


def claim(payload: dict, name: str):
    """A launch claim by name: a top-level one (``sub``, ``email``), a full claim URL, or a
    dotted path into the LTI claims (``lis.person_sourcedid``)."""
    if name in payload:
        return payload[name]
    head, _, rest = name.partition(".")
    value = payload.get(CLAIM + head) if not head.startswith("http") else payload.get(head)
    for part in (rest.split(".") if rest else []):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def page_lang(payload: dict, default: str) -> str:
    from nngrade.report.strings import known
    locale = str((payload.get(CLAIM + "launch_presentation") or {}).get("locale") or "")
    lang = locale.replace("_", "-").split("-")[0].lower()
    return lang if lang and known(lang) else default


class Tool:
    def __init__(self, service, http=None):
        import jwt
        self.service = service
        course = service.course
        self.course = course
        self.private_key = load_private_key(course)
        self.jwk = public_jwk(self.private_key)
        self.jwks_client = jwt.PyJWKClient(course.lti_key_set_url, cache_keys=True, lifespan=300)
        self.http = http

    def platform_origins(self) -> list[str]:
        """Where the platform's pages are: they frame the tool and take the deep-linking form.
        On Canvas the issuer (canvas.instructure.com) and the login (sso.canvaslms.com) are not
        the course's site; its token URL is, so its origin is listed too."""
        origins = []
        for url in (self.course.lti_issuer, self.course.lti_auth_login_url, self.course.lti_auth_token_url):
            parts = urlsplit(url or "")
            if parts.scheme and parts.netloc and f"{parts.scheme}://{parts.netloc}" not in origins:
                origins.append(f"{parts.scheme}://{parts.netloc}")
        return origins

    def routes(self) -> list[Route]:
        return [Route("/lti/login", self.login, methods=["GET", "POST"]),
                Route("/lti/launch", self.launch, methods=["POST"]),
                Route("/lti/jwks.json", self.jwks)]

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.jwk]})

    # ---- OIDC login initiation ----------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            form = await request.form(max_files=0, max_fields=20)
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        lang = self.service.lang_of(request)
        from nngrade.serve.app import message
        if params.get("iss") != self.course.lti_issuer:
            return message(lang, 400, "serve_refused", cli("lti-wrong-issuer"))
        if params.get("client_id") not in (None, self.course.lti_client_id):
            return message(lang, 400, "serve_refused", cli("lti-wrong-client"))
        if not params.get("login_hint"):
            return message(lang, 400, "serve_refused", cli("lti-no-login-hint"))
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.service.store.add_login_state(state, nonce, LOGIN_SECONDS)
        query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                 "prompt": "none", "client_id": self.course.lti_client_id,
                 "redirect_uri": self.service.url("/lti/launch"),
                 "login_hint": params["login_hint"], "state": state, "nonce": nonce}
        if params.get("lti_message_hint"):
            query["lti_message_hint"] = params["lti_message_hint"]
        return RedirectResponse(f"{self.course.lti_auth_login_url}?{urlencode(query)}", status_code=302)

    # ---- the launch ----------------------------------------------------------------------------

    def validate(self, id_token: str, state: str) -> dict:
        import jwt
        nonce = self.service.store.take_login_state(state or "")
        if nonce is None:
            raise LaunchError(cli("lti-bad-state"))
        try:
            key = self.jwks_client.get_signing_key_from_jwt(id_token)
            payload = jwt.decode(id_token, key.key, algorithms=["RS256"],
                                 audience=self.course.lti_client_id, issuer=self.course.lti_issuer,
                                 leeway=LEEWAY_SECONDS,
                                 options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]})
        except jwt.PyJWKClientError as exc:
            raise LaunchError(cli("lti-no-key", error=str(exc))) from None
        except jwt.PyJWTError as exc:
            raise LaunchError(cli("lti-bad-token", error=str(exc))) from None
        aud = payload["aud"]
        if isinstance(aud, list) and len(aud) > 1 and payload.get("azp") != self.course.lti_client_id:
            raise LaunchError(cli("lti-bad-azp"))
        if payload.get("nonce") != nonce:
            raise LaunchError(cli("lti-bad-nonce"))
        if not self.service.store.use_nonce(nonce, float(payload["exp"]) + LEEWAY_SECONDS):
            raise LaunchError(cli("lti-replayed"))
        deployment = payload.get(CLAIM + "deployment_id")
        if deployment not in self.course.lti_deployment_ids:
            raise LaunchError(cli("lti-bad-deployment", deployment=repr(deployment)))
        if payload.get(CLAIM + "version") != "1.3.0":
            raise LaunchError(cli("lti-bad-version", version=repr(payload.get(CLAIM + "version"))))
        kind = payload.get(CLAIM + "message_type")
        if kind not in ("LtiResourceLinkRequest", "LtiDeepLinkingRequest"):
            raise LaunchError(cli("lti-bad-message-type", kind=repr(kind)))
        return payload

    async def launch(self, request: Request) -> Response:
        from nngrade.serve.app import message, page, read_capped
        lang = self.service.lang_of(request)
        body = await read_capped(request, 256 * 1024)
        if body is None:
            return message(lang, 413, "serve_refused", cli("lti-bad-token", error="too large"))
        request._body = body
        form = await request.form(max_files=0, max_fields=10)
        try:
            payload = self.validate(str(form.get("id_token") or ""), str(form.get("state") or ""))
        except LaunchError as exc:
            log.warning("launch refused: %s", exc)
            return message(lang, 401, "serve_refused", exc.args[0] if exc.args else str(exc))
        lang = page_lang(payload, self.course.lang)
        roles = payload.get(CLAIM + "roles") or []
        instructor = any(str(r).endswith(suffix) for r in roles for suffix in INSTRUCTOR_ROLES)
        if payload[CLAIM + "message_type"] == "LtiDeepLinkingRequest":
            if not instructor:
                return message(lang, 403, "serve_refused", cli("lti-not-instructor"))
            return page("serve/deep_link.html.j2", lang, sets=self.deep_link_items(payload),
                        return_url=(payload.get(DL_CLAIM + "deep_linking_settings") or {}).get(
                            "deep_link_return_url", ""))
        if instructor:
            session = self.service.store.add_session("instructor", SESSION_SECONDS)
            return RedirectResponse(self.service.url(f"/i/{session}?lang={lang}"), status_code=303)
        student = claim(payload, self.course.lti_student_claim)
        if not isinstance(student, str) or not student.strip():
            return message(lang, 400, "serve_refused",
                           cli("lti-no-student-claim", claim=self.course.lti_student_claim))
        student = student.strip()
        set_id = str((payload.get(CLAIM + "custom") or {}).get("set") or "")
        known_sets = {s.id for s in self.service.sets}
        link = self.service.store.student_link(student)
        ags = payload.get(AGS_CLAIM) or {}
        if set_id in known_sets and ags.get("lineitem") and SCORE_SCOPE in (ags.get("scope") or []):
            self.service.store.set_target(student, set_id, ags["lineitem"], payload["sub"],
                                          list(ags.get("scope") or []))
        query = {"lang": lang, **({"set": set_id} if set_id in known_sets else {})}
        return RedirectResponse(self.service.url(f"/s/{link}?{urlencode(query)}"), status_code=303)

    # ---- deep linking ----------------------------------------------------------------------------

    def deep_link_items(self, payload: dict) -> list[dict]:
        import jwt
        settings = payload.get(DL_CLAIM + "deep_linking_settings") or {}
        items = []
        lang = page_lang(payload, self.course.lang)
        for s in self.service.set_choices(lang):
            now = int(time.time())
            response = {
                "iss": self.course.lti_client_id, "aud": payload["iss"], "iat": now, "exp": now + 600,
                "nonce": secrets.token_urlsafe(16),
                CLAIM + "deployment_id": payload.get(CLAIM + "deployment_id"),
                CLAIM + "message_type": "LtiDeepLinkingResponse",
                CLAIM + "version": "1.3.0",
                DL_CLAIM + "content_items": [{
                    "type": "ltiResourceLink", "title": f"{s.id} · {s.title}",
                    "url": self.service.url("/lti/launch"), "custom": {"set": s.id},
                    "lineItem": {"scoreMaximum": s.max, "label": f"{s.id} · {s.title}",
                                 "resourceId": s.id}}],
            }
            if settings.get("data") is not None:
                response[DL_CLAIM + "data"] = settings["data"]
            token = jwt.encode(response, self.private_key, algorithm="RS256",
                               headers={"kid": self.jwk["kid"]})
            items.append({"id": s.id, "title": s.title, "jwt": token})
        return items

    # ---- grade passback (Assignment and Grade Services) -----------------------------------------

    def access_token(self, scopes: list[str]) -> str:
        import jwt
        now = int(time.time())
        assertion = jwt.encode({"iss": self.course.lti_client_id, "sub": self.course.lti_client_id,
                                "aud": self.course.lti_auth_token_url, "iat": now, "exp": now + 300,
                                "jti": secrets.token_urlsafe(16)},
                               self.private_key, algorithm="RS256", headers={"kid": self.jwk["kid"]})
        answer = self.http.post(self.course.lti_auth_token_url, data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion, "scope": " ".join(scopes)})
        answer.raise_for_status()
        return answer.json()["access_token"]

    def post_score(self, lineitem: str, score: dict) -> None:
        token = self.access_token([SCORE_SCOPE])
        parts = urlsplit(lineitem)
        url = parts._replace(path=parts.path.rstrip("/") + "/scores").geturl()
        answer = self.http.post(url, content=json.dumps(score), headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/vnd.ims.lis.v1.score+json"})
        answer.raise_for_status()


