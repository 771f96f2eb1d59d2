"""`nngrade serve`: grading on submission, feedback in seconds, grades back to the LMS.

    store.py     the durable store (SQLite in COURSE/serve/): links, submissions, results, LTI
    grading.py   warm job slots (the class run's slot loop in processes of their own)
    cluster_grading.py  the same on Dask workers (--cluster)
    policy.py    due dates, late, attempts, cooldown, which attempt counts, what students see
    app.py       the routes (Starlette): student page, upload, status and feedback, class page
    lti.py       LTI 1.3: OIDC login, launch validation, deep linking, the tool's JWKS
    passback.py  Assignment and Grade Services: scores and comments to the platform

Needs the ``serve`` extra (starlette, uvicorn, python-multipart, PyJWT with cryptography, httpx).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from nngrade.speech import cli

SERVE_DIR = "serve"                   # COURSE/serve/: the store
DB_NAME = "nngrade.sqlite3"
RETENTION_CHECK_SECONDS = 6 * 3600.0

log = logging.getLogger("nngrade.serve")


def require_serve_extra() -> None:
    try:
        import jwt  # noqa: F401
        import python_multipart  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ValueError(cli("serve-needs-extra")) from None


def store_path(course, db: str | None) -> Path:
    """The SQLite file: ``--db sqlite:///PATH`` or COURSE/serve/nngrade.sqlite3."""
    if db is None:
        return Path(course.path).resolve().parent / SERVE_DIR / DB_NAME
    if db.startswith("sqlite:///"):
        return Path(db[len("sqlite:///"):])
    raise ValueError(cli("serve-db-url", url=db))


def base_url_of(course, host: str, port: int) -> str:
    return course.serve_base_url or f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"


def build_service(course, *, db: str | None = None, jobs: int = 0, base_url: str | None = None,
                  sandbox_level: str | None = None, mnist_dir: str | None = None, http=None,
                  cluster=None):
    """The service's parts, started: store, warm slots (here, or the job slots of the Dask
    workers of ``cluster``, a ClusterTarget), LTI tool and passback when configured."""
    from nngrade.serve.app import Service
    from nngrade.serve.grading import Grader
    from nngrade.serve.store import Store
    store = Store(store_path(course, db))
    course_dir = str(Path(course.path).resolve().parent)
    jobs = jobs or course.serve_jobs or os.cpu_count() or 1
    if cluster is not None:
        from nngrade.serve.cluster_grading import ClusterGrader
        grader = ClusterGrader(course, store, cluster, hide=[course_dir], mnist_dir=mnist_dir,
                               sandbox_level=sandbox_level)
    else:
        grader = Grader(course, store, jobs, hide=[course_dir], mnist_dir=mnist_dir,
                        sandbox_level=sandbox_level)
    service = Service(course, store, grader, base_url or base_url_of(course, "127.0.0.1", 8000))
    if course.lti_issuer:
        import httpx
        from nngrade.serve.lti import Tool
        from nngrade.serve.passback import Passback
        service.lti = Tool(service, http=http or httpx.Client(timeout=20.0))
        service.passback = Passback(service)
        grader.on_graded = lambda sid: service.passback.nudge()
    grader.start()
    if service.passback is not None:
        service.passback.start()
    _keep_retention(service)
    return service


def _keep_retention(service) -> None:
    """Submissions older than [serve] keep_days are deleted, at start and every few hours."""
    def sweep():
        while not service.grader.stopping:
            removed = service.store.delete_older_than(service.course.serve_keep_days * 86400.0)
            if removed:
                log.info("deleted %d submissions older than %d days", removed,
                         service.course.serve_keep_days)
            time.sleep(RETENTION_CHECK_SECONDS)
    threading.Thread(target=sweep, name="retention", daemon=True).start()


def serve(course, host: str = "127.0.0.1", port: int = 8000, db: str | None = None,
          jobs: int = 0, sandbox_level: str | None = None, mnist_dir: str | None = None,
          cluster=None) -> int:
    require_serve_extra()
    import uvicorn
    from nngrade.serve.app import create_app
    service = build_service(course, db=db, jobs=jobs, base_url=base_url_of(course, host, port),
                            sandbox_level=sandbox_level, mnist_dir=mnist_dir, cluster=cluster)
    from nngrade.speech import tell
    print(tell("serve-listening", url=service.base_url, slots=service.grader.jobs,
              db=service.store.path), flush=True)
    try:
        uvicorn.run(create_app(service), host=host, port=port, log_level="warning",
                    access_log=False, timeout_graceful_shutdown=5)
    finally:
        service.grader.stop()
        if service.passback is not None:
            service.passback.stop()
    return 0


def open_store(course, db: str | None = None):
    from nngrade.serve.store import Store
    path = store_path(course, db)
    return Store(path)


def student_link(course, student: str, base_url: str | None = None, db: str | None = None) -> str:
    store = open_store(course, db)
    try:
        token = store.student_link(student)
    finally:
        store.close()
    return f"{(base_url or base_url_of(course, '127.0.0.1', 8000)).rstrip('/')}/s/{token}"


def instructor_link(course, base_url: str | None = None, db: str | None = None) -> str:
    store = open_store(course, db)
    try:
        token = store.secret("instructor")
    finally:
        store.close()
    return f"{(base_url or base_url_of(course, '127.0.0.1', 8000)).rstrip('/')}/i/{token}"


def forget_student(course, student: str, db: str | None = None) -> int:
    store = open_store(course, db)
    try:
        return store.forget_student(student)
    finally:
        store.close()
