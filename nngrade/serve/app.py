"""The web service's routes (Starlette): the student's page and upload, the status and feedback
pages, results.json, the instructor's class page, /healthz, and the LTI 1.3 endpoints (lti.py).

Who may see what is decided by unguessable tokens in the path (no cookies, so the pages work
inside an LMS frame with third-party cookies blocked): a student's link opens their page and
their submissions only; a submission's token opens that submission only; the instructor's link
(or an instructor's launch) opens the class. Every form carries a token derived from the page's
own token (CSRF), and a POST from another origin is refused. Public addresses come from the
course's base URL, never from the request's Host header.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from nngrade.autograder.messages import in_language
from nngrade.serve import policy
from nngrade.speech import cli

log = logging.getLogger("nngrade.serve")

MiB = 1024 * 1024


class Service:
    """What the routes share: the course, the store, the grader, the LTI tool (or None)."""

    def __init__(self, course, store, grader, base_url: str, lti=None):
        self.course, self.store, self.grader, self.lti = course, store, grader, lti
        self.passback = None             # passback.Passback, when LTI is set up
        self.base_url = base_url.rstrip("/")
        self.csrf_key = store.secret("csrf").encode()
        self.instructor_link = store.secret("instructor")

    @property
    def sets(self) -> list:
        """The course's sets as they are now (a regrade reads course sets again)."""
        from nngrade.autograder.sets import find_set
        return [find_set(s) for s in self.course.sets]

    def set_choices(self, lang: str) -> list:
        from types import SimpleNamespace
        return [SimpleNamespace(id=s.id, title=s.title_ko if lang == "ko" else s.title_en,
                                max=float(sum(s.points.values()))) for s in self.sets]

    # ---- addresses and tokens -----------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def csrf(self, page_token: str, purpose: str) -> str:
        return hmac.new(self.csrf_key, f"{purpose}:{page_token}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, page_token: str, purpose: str, given) -> bool:
        return isinstance(given, str) and hmac.compare_digest(self.csrf(page_token, purpose), given)

    def origin_ok(self, request: Request) -> bool:
        """A POST's Origin (sent by every current browser) must be the service's own."""
        origin = request.headers.get("origin")
        if origin is None:
            return True
        own = urlsplit(self.base_url)
        return origin == f"{own.scheme}://{own.netloc}"

    def lang_of(self, request: Request, default: str | None = None) -> str:
        from nngrade.report.strings import known
        asked = request.query_params.get("lang")
        return asked if asked and known(asked) else (default or self.course.lang)


# ---- rendering ----------------------------------------------------------------------------------

def page(template: str, lang: str, status: int = 200, **context) -> HTMLResponse:
    from nngrade.report.render import _common, _render
    return HTMLResponse(_render(template, **_common(lang), **context), status_code=status)


def message(lang: str, status: int, heading_key: str, text) -> HTMLResponse:
    from nngrade.report.strings import text as ui
    return page("serve/message.html.j2", lang, status, heading=ui(heading_key, lang),
                text=in_language(text, lang) if not isinstance(text, str) else text)


def not_found(lang: str) -> HTMLResponse:
    return message(lang, 404, "serve_not_found", cli("serve-not-found"))


# ---- the student's page -------------------------------------------------------------------------

def _history(service: Service, student: str, lang: str) -> list[dict]:
    rows = service.store.attempts(student)
    counted_ids = set()
    for s in service.sets:
        chosen = policy.counted(service.course, [r for r in rows if r["set_id"] == s.id])
        if chosen is not None:
            counted_ids.add(chosen["id"])
    published = service.store.published()
    history = []
    for r in reversed(rows):
        score = ""
        if r["state"] == "graded":
            document = json.loads(r["result"])
            due = policy.due_timestamp(service.course, r["set_id"])
            if policy.withholds_total(document, r["set_id"], published, due):
                score = "—"
            else:
                score = _points(document, r["set_id"])
        history.append({"set_id": r["set_id"], "received": policy.shown_time(service.course, r["received"]),
                        "score": score, "late": bool(r["late"]), "counted": r["id"] in counted_ids,
                        "state": _state_text(r["state"], lang), "link": service.url(f"/r/{r['token']}?lang={lang}")})
    return history


def _points(document: dict, set_id: str) -> str:
    sets = (document.get("extra_data") or {}).get("sets") or {}
    entry = sets.get(set_id) or {}
    score = document.get("score", entry.get("score", 0.0))
    return f"{score:g} / {entry.get('max_score', 0.0):g}"


def _state_text(state: str, lang: str) -> str:
    from nngrade.report.strings import text as ui
    return ui("serve_state_graded" if state == "graded" else "serve_state_pending", lang)


def _rules(service: Service, lang: str) -> list[str]:
    course = service.course
    lines = []
    for s in service.sets:
        due = policy.due_timestamp(course, s.id)
        if due is not None:
            lines.append(in_language(cli("serve-rule-due", set=s.id, when=policy.shown_time(course, due),
                                         policy=cli(f"serve-late-{course.late_policy}")), lang))
    lines.append(in_language(cli("serve-rule-attempts", count=course.serve_attempts)
                             if course.serve_attempts else cli("serve-rule-any-attempts"), lang))
    if course.serve_cooldown_seconds:
        lines.append(in_language(cli("serve-rule-cooldown", seconds=f"{course.serve_cooldown_seconds:g}"), lang))
    lines.append(in_language(cli(f"serve-rule-counts-{course.serve_counts}"), lang))
    return lines


def student_page(service: Service, link: str, student: str, lang: str, refusal=None,
                 chosen: str | None = None, status: int = 200) -> HTMLResponse:
    return page("serve/student.html.j2", lang, status, course_name=service.course.name,
                student=student, sets=service.set_choices(lang), chosen=chosen or (service.sets[0].id if service.sets else ""),
                action=service.url(f"/s/{link}?lang={lang}"), csrf=service.csrf(link, "upload"),
                max_mib=f"{service.course.serve_max_upload_mib:g}", max_files=service.course.serve_max_files,
                history=_history(service, student, lang), rules=_rules(service, lang),
                refusal=in_language(refusal, lang) if refusal is not None else None)


async def student_get(request: Request) -> Response:
    service: Service = request.app.state.service
    lang = service.lang_of(request)
    link = request.path_params["link"]
    student = service.store.student_of_link(link)
    if student is None:
        return not_found(lang)
    return student_page(service, link, student, lang, chosen=request.query_params.get("set"))


async def read_capped(request: Request, cap: int) -> bytes | None:
    """The request body, or None once it passes ``cap`` bytes (never more is read)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > cap):
        return None
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def student_post(request: Request) -> Response:
    service: Service = request.app.state.service
    course = service.course
    lang = service.lang_of(request)
    link = request.path_params["link"]
    student = service.store.student_of_link(link)
    if student is None:
        return not_found(lang)
    if not service.origin_ok(request):
        return message(lang, 403, "serve_refused", cli("serve-other-origin"))
    cap = int(course.serve_max_upload_mib * MiB)
    body = await read_capped(request, cap + 64 * 1024)      # room for the form's own fields
    if body is None:
        return student_page(service, link, student, lang, status=413,
                            refusal=cli("serve-too-large", mib=f"{course.serve_max_upload_mib:g}"))
    request._body = body                      # Starlette parses the form from this
    try:
        form = await request.form(max_files=course.serve_max_files, max_fields=8)
    except Exception:                         # a malformed body, or more parts than allowed
        return student_page(service, link, student, lang, status=400,
                            refusal=cli("serve-bad-form", files=course.serve_max_files))
    if not service.csrf_ok(link, "upload", form.get("csrf")):
        return message(lang, 403, "serve_refused", cli("serve-bad-csrf"))
    set_id = form.get("set")
    if set_id not in {s.id for s in service.sets}:
        return student_page(service, link, student, lang, status=400, refusal=cli("serve-no-set"))
    parts = []
    for item in form.getlist("files"):
        if isinstance(item, str):
            continue
        data = await item.read()
        if data or item.filename:
            parts.append((item.filename or "", data))
    if not parts:
        return student_page(service, link, student, lang, status=400, chosen=set_id,
                            refusal=cli("serve-no-files"))
    if sum(len(d) for _, d in parts) > cap:
        return student_page(service, link, student, lang, status=413, chosen=set_id,
                            refusal=cli("serve-too-large", mib=f"{course.serve_max_upload_mib:g}"))
    now = time.time()
    refused = policy.may_submit(course, service.store, student, set_id, now)
    if refused is not None:
        return student_page(service, link, student, lang, status=429, chosen=set_id,
                            refusal=cli(refused.key, **refused.args))
    added = service.store.add_submission(student, set_id, parts, lang,
                                         policy.is_late(course, set_id, now), now)
    service.grader.enqueue(added["id"])
    return RedirectResponse(service.url(f"/r/{added['token']}?lang={lang}"), status_code=303)


# ---- a submission's pages -------------------------------------------------------------------------

def _visible(service: Service, row) -> dict:
    document = json.loads(row["result"])
    due = policy.due_timestamp(service.course, row["set_id"])
    return policy.students_view(document, row["set_id"], service.store.published(), due)


def feedback_html(service: Service, document: dict, set_id: str, lang: str) -> str:
    """The feedback page of what the student may see; a note says what is still withheld."""
    from nngrade.report.model import student_view
    from nngrade.report.render import render_feedback_html
    shown = dict(document, extra_data=dict(document.get("extra_data") or {}))
    withheld = shown["extra_data"].get("withheld_tests")
    if withheld:
        shown["score"] = round(sum(t.get("score", 0.0) for t in shown["tests"]), 6)
        shown["extra_data"]["notes"] = list(shown["extra_data"].get("notes") or []) + [
            in_language(cli("serve-withheld", count=withheld), lang)]
        shown["extra_data"]["sets"] = {set_id: {"score": shown["score"], "max_score": round(
            sum(t.get("max_score", 0.0) for t in shown["tests"]), 6)}}
    return render_feedback_html(student_view(shown, lang))


async def submission_page(request: Request) -> Response:
    service: Service = request.app.state.service
    row = service.store.submission(request.path_params["token"])
    lang = service.lang_of(request, row["lang"] if row is not None else None)
    if row is None:
        return not_found(lang)
    if row["state"] != "graded":
        return page("serve/status.html.j2", lang, 202, set_id=row["set_id"],
                    received=policy.shown_time(service.course, row["received"]))
    return HTMLResponse(feedback_html(service, _visible(service, row), row["set_id"], lang))


async def submission_results(request: Request) -> Response:
    service: Service = request.app.state.service
    row = service.store.submission(request.path_params["token"])
    if row is None or row["state"] != "graded":
        return JSONResponse({"error": "not graded" if row is not None else "not found"}, status_code=404)
    return JSONResponse(_visible(service, row))


# ---- the instructor's page ------------------------------------------------------------------------

def _instructor_ok(service: Service, token: str) -> bool:
    return hmac.compare_digest(token, service.instructor_link) or \
        service.store.session_role(token) == "instructor"


def class_page(service: Service, token: str, lang: str, said=None) -> HTMLResponse:
    rows = []
    all_rows = service.store.query("SELECT * FROM submissions ORDER BY id")
    students = sorted({r["student"] for r in all_rows})
    for student in students:
        mine = [r for r in all_rows if r["student"] == student]
        cells = []
        for s in service.sets:
            attempts = [r for r in mine if r["set_id"] == s.id]
            chosen = policy.counted(service.course, attempts)
            if not attempts:
                cells.append(None)
            elif chosen is None:
                cells.append({"score": "…", "attempts": len(attempts), "late": False,
                              "link": service.url(f"/i/{token}/r/{attempts[-1]['token']}")})
            else:
                cells.append({"score": _points(json.loads(chosen["result"]), s.id),
                              "attempts": len(attempts), "late": bool(chosen["late"]),
                              "link": service.url(f"/i/{token}/r/{chosen['token']}?lang={lang}")})
        rows.append({"student": student, "cells": cells})
    return page("serve/instructor.html.j2", lang, course_name=service.course.name,
                sets=[s.id for s in service.sets], rows=rows, published=service.store.published(),
                pending=len(service.store.pending()), action=service.url(f"/i/{token}"),
                csrf=service.csrf(token, "instructor"),
                said=in_language(said, lang) if said is not None else None)


async def instructor_get(request: Request) -> Response:
    service: Service = request.app.state.service
    lang = service.lang_of(request)
    token = request.path_params["token"]
    if not _instructor_ok(service, token):
        return not_found(lang)
    return class_page(service, token, lang)


async def instructor_submission(request: Request) -> Response:
    """An instructor sees the whole result, withheld tests included."""
    service: Service = request.app.state.service
    lang = service.lang_of(request)
    if not _instructor_ok(service, request.path_params["token"]):
        return not_found(lang)
    row = service.store.submission(request.path_params["sub"])
    if row is None or row["state"] != "graded":
        return not_found(lang)
    from nngrade.report.model import student_view
    from nngrade.report.render import render_feedback_html
    return HTMLResponse(render_feedback_html(student_view(json.loads(row["result"]), lang)))


async def _instructor_form(request: Request):
    service: Service = request.app.state.service
    token = request.path_params["token"]
    if not _instructor_ok(service, token) or not service.origin_ok(request):
        return service, token, None
    body = await read_capped(request, 64 * 1024)
    if body is None:
        return service, token, None
    request._body = body
    form = await request.form(max_files=0, max_fields=8)
    if not service.csrf_ok(token, "instructor", form.get("csrf")):
        return service, token, None
    return service, token, form


async def instructor_publish(request: Request) -> Response:
    service, token, form = await _instructor_form(request)
    lang = service.lang_of(request)
    if form is None or form.get("set") not in {s.id for s in service.sets}:
        return message(lang, 403, "serve_refused", cli("serve-bad-csrf"))
    on = form.get("on") == "1"
    service.store.publish(form["set"], on)
    if on and service.store.queue_set_passbacks(form["set"]) and service.passback is not None:
        service.passback.nudge()
    return class_page(service, token, lang,
                      said=cli("serve-published" if on else "serve-unpublished", set=form["set"]))


async def instructor_regrade(request: Request) -> Response:
    service, token, form = await _instructor_form(request)
    lang = service.lang_of(request)
    if form is None:
        return message(lang, 403, "serve_refused", cli("serve-bad-csrf"))
    service.grader.reload()                   # the suites as they are now on disk
    count = service.store.regrade_all()
    for sid in service.store.pending():
        service.grader.enqueue(sid)
    return class_page(service, token, lang, said=cli("serve-regrading", count=count))


async def healthz(request: Request) -> Response:
    service: Service = request.app.state.service
    body = {"slots": service.grader.ready_count(), "of": service.grader.jobs,
            "pending": len(service.store.pending())}
    return JSONResponse(body, status_code=200 if service.grader.healthy() else 503)


# ---- headers ----------------------------------------------------------------------------------------

class SecurityHeaders:
    """Every answer's security headers, as HTTP headers: a policy that lets the upload form post
    to the service and the LMS frame the pages (its origin only), a referrer only to the service
    itself (paths carry tokens; "no-referrer" would also make browsers send `Origin: null` on the
    upload form, which the origin check must refuse), nothing cached, no sniffing."""

    def __init__(self, app, base_url: str, platform_origins: list[str]):
        self.app = app
        allowed = " ".join(["'self'", *platform_origins])
        self.headers = [
            (b"content-security-policy",
             (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
              f"form-action {allowed}; frame-ancestors {allowed}").encode()),
            (b"referrer-policy", b"same-origin"),
            (b"x-content-type-options", b"nosniff"),
            (b"cache-control", b"no-store"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if base_url.startswith("https://"):
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [h for h in message.get("headers", [])
                                      if h[0].lower() not in {k for k, _ in self.headers}] + self.headers
            await send(message)
        await self.app(scope, receive, with_headers)


def create_app(service: Service) -> Starlette:
    routes = [
        Route("/healthz", healthz),
        Route("/s/{link}", student_get, methods=["GET"]),
        Route("/s/{link}", student_post, methods=["POST"]),
        Route("/r/{token}", submission_page),
        Route("/r/{token}/results.json", submission_results),
        Route("/i/{token}", instructor_get),
        Route("/i/{token}/r/{sub}", instructor_submission),
        Route("/i/{token}/publish", instructor_publish, methods=["POST"]),
        Route("/i/{token}/regrade", instructor_regrade, methods=["POST"]),
    ]
    origins = []
    if service.lti is not None:
        routes += service.lti.routes()
        origins = service.lti.platform_origins()

    async def missing(request, exc):
        return not_found(service.lang_of(request))

    app = Starlette(routes=routes, exception_handlers={404: missing})
    app.state.service = service
    return SecurityHeaders(app, service.base_url, origins)
