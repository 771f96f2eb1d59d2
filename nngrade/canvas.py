"""`nngrade publish canvas OUT`: each student's score of each set, a comment naming the mistakes
found in it, and their feedback page attached, posted to that set's Canvas assignment through
Canvas's REST API (the canvasapi client).

The course file's [canvas] table names the site, the course and an assignment per set:

    [canvas]
    url = "https://canvas.example.edu"
    course_id = 1234
    token_file = "canvas-token"          # optional; relative to the course folder, mode 0600

    [canvas.assignments]
    "04" = 5678                          # a set, as --sets names it

The token comes from the environment variable NNGRADE_CANVAS_TOKEN, else from token_file, which
must be readable by its owner alone; it never comes from the command line, and `--dry-run`
prints it masked. Students are Canvas users by the roster's ID column (`--roster`), else by a
student id of digits (what `--format canvas` gives: the download's user id).

Per student and set (Canvas's API documentation: Submissions, Submission Comments, File Uploads):
  GET  /api/v1/courses/:c/assignments/:a/submissions/:u?include[]=submission_comments
       the same comment already there and the same score: nothing is posted (a rerun is safe)
  POST /api/v1/courses/:c/assignments/:a/submissions/:u/comments/files   name, size, content_type
       -> upload_url and upload_params (step 1 of the file upload)
  POST upload_url, multipart: upload_params as given, `file` last, no token (step 2: the upload
       host may be another server)
  3XX: GET Location with the token; 201: the file is done, its JSON in the body or at Location
       (step 3)
  PUT  /api/v1/courses/:c/assignments/:a/submissions/:u   submission[posted_grade],
       comment[text_comment], comment[file_ids][]
The score is posted in points when the assignment's points possible equal the set's maximum,
else as a percentage, which Canvas scales to the assignment's points.
"""
from __future__ import annotations

import json
import os
import stat
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from nngrade import comments, lms
from nngrade.config import Course, load_course
from nngrade.errors import printable, some
from nngrade.speech import cli, os_reason, said_of, spoken, tell

TOKEN_ENV = "NNGRADE_CANVAS_TOKEN"
PAGE_NAME = "feedback.html"
TIMEOUT = 60          # seconds for the upload host; canvasapi's own requests have none


class CanvasError(ValueError):
    """A problem that stops the whole run (configuration, token, an unreachable site)."""


# ---------------------------------------------------------------- configuration and token

@dataclass
class Target:
    url: str
    course_id: int
    assignments: dict[str, int]       # set id -> assignment id, the sets to post
    course_file: Path


def target(course: Course, set_ids: list[str]) -> Target:
    where = printable(course.path)
    for key, value in (("url", course.canvas_url), ("course_id", course.canvas_course_id)):
        if value is None:
            example = 'url = "https://canvas.example.edu"' if key == "url" else "course_id = 1234"
            raise CanvasError(cli("canvas-needs-key", path=where, key=key, example=example))
    unmapped = [s for s in set_ids if s not in course.canvas_assignments]
    if unmapped:
        raise CanvasError(cli("canvas-unmapped", path=where, sets=", ".join(unmapped),
                              first=unmapped[0]))
    return Target(course.canvas_url.rstrip("/"), course.canvas_course_id,
                  {s: course.canvas_assignments[s] for s in set_ids}, Path(course.path))


@dataclass
class Token:
    value: str
    source: str

    def masked(self) -> str:
        return tell("canvas-masked-token", count=len(self.value), source=self.source)


def read_token(course: Course) -> Token:
    """NNGRADE_CANVAS_TOKEN, else [canvas] token_file (owner-only); never echoed."""
    value = os.environ.get(TOKEN_ENV, "").strip()
    if value:
        return Token(value, TOKEN_ENV)
    where = printable(course.path)
    if not course.canvas_token_file:
        raise CanvasError(cli("canvas-no-token", env=TOKEN_ENV, path=where))
    path = Path(course.canvas_token_file).expanduser()
    if not path.is_absolute():
        path = Path(course.path).parent / path
    try:
        info = path.stat()
    except OSError as exc:
        raise CanvasError(cli("canvas-token-unreadable", path=printable(path),
                              reason=os_reason(exc), course=where)) from None
    if not stat.S_ISREG(info.st_mode):
        raise CanvasError(cli("canvas-token-not-file", path=printable(path), course=where))
    if info.st_mode & 0o077:
        raise CanvasError(cli("canvas-token-shared", path=printable(path),
                              mode=f"{stat.S_IMODE(info.st_mode):04o}"))
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise CanvasError(cli("canvas-token-owner", path=printable(path)))
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CanvasError(cli("cannot-be-read", path=printable(path), reason=said_of(exc))) from None
    if not value or len(value.split()) != 1:
        raise CanvasError(cli("canvas-token-empty", path=printable(path)))
    return Token(value, printable(path))


# ---------------------------------------------------------------- what is posted

@dataclass
class Post:
    student: str
    name: str
    user_id: str
    set_id: str
    assignment_id: int
    score: float
    max_score: float
    text: str
    page: Path | None             # None: nothing to attach (no submission, or no page)


@dataclass
class Plan:
    posts: list[Post]
    skipped: list[str] = field(default_factory=list)     # students without a Canvas user id


def plan(out: Path, course: Course, roster=None, sets=None) -> tuple[Target, Plan]:
    from nngrade.grade import safe_dir_name
    from nngrade.moodle import class_results, graded_sets
    results = class_results(out)
    set_ids = graded_sets(out, results, sets)
    where = target(course, set_ids)
    lookup = lms.roster_lookup(roster)
    everyone = [*results, *lms.missing_students(results, roster, set_ids,
                                                 results[0]["extra_data"].get("lang") or "en")]
    posts, skipped = [], []
    for r in everyone:
        extra = r["extra_data"]
        student = str(extra["student"])
        entry = lookup(student)
        user_id = lms._field(entry, "canvas_id") or (student if student.isdigit() and entry is None else None)
        name = lms.roster_name(lookup, student, extra.get("display_name"))
        if user_id is None:
            skipped.append(student)
            continue
        page = Path(out) / safe_dir_name(student) / PAGE_NAME
        page = page if page.is_file() and not lms.is_missing(r) else None
        comment = comments.comment_for(r, set_ids)
        for line in comment.sets:
            one = comments.Comment(comment.lang, [line], comment.late, comment.missing)
            posts.append(Post(student, name, user_id, line.id, where.assignments[line.id],
                              line.score, line.max_score,
                              comments.as_text(one, page_attached=page is not None), page))
    return where, Plan(posts, skipped)


def _grade(post: Post, points_possible) -> str:
    same = points_possible is not None and abs(float(points_possible) - post.max_score) < 1e-9
    if same or not post.max_score:
        return lms.format_points(post.score)
    return f"{100.0 * post.score / post.max_score:.2f}".rstrip("0").rstrip(".") + "%"


# ---------------------------------------------------------------- the run

def publish(out: Path, course_file: Path, roster: Path | None = None, dry_run: bool = False,
            sets=None, stream=None) -> int:
    """Post every student's sets; 0 when all went through, 1 when some student failed."""
    stream = stream or sys.stdout
    course = load_course(course_file)
    roster_data = None
    if roster is not None:
        from nngrade.roster import read_roster
        roster_data = read_roster(roster)
    where, todo = plan(out, course, roster_data, sets)
    token = read_token(course)
    for student in todo.skipped:
        print(tell("canvas-skipped", student=printable(student)), file=stream)
    if dry_run:
        return _dry_run(where, todo, token, stream)
    return _send(where, todo, token, stream)


def _api(where: Target, path: str) -> str:
    return f"{where.url}/api/v1/{path}"


def _submission_path(where: Target, post: Post) -> str:
    return f"courses/{where.course_id}/assignments/{post.assignment_id}/submissions/{post.user_id}"


def _dry_run(where: Target, todo: Plan, token: Token, stream) -> int:
    print(tell("canvas-dry-run", url=where.url, token=token.masked()), file=stream)
    for post in todo.posts:
        sub = _submission_path(where, post)
        print(tell("canvas-dry-post", student=printable(post.student), name=printable(post.name),
                   user=post.user_id, set=post.set_id, assignment=post.assignment_id), file=stream)
        print(f"  GET  {_api(where, sub)}?include[]=submission_comments", file=stream)
        if post.page is not None:
            print(f"  POST {_api(where, sub + '/comments/files')}  name={PAGE_NAME} "
                  f"size={post.page.stat().st_size} content_type=text/html", file=stream)
            print("  POST <upload_url>  upload_params + file " + tell("canvas-dry-upload"),
                  file=stream)
        files = "  comment[file_ids][]=<the page>" if post.page is not None else ""
        print(f"  PUT  {_api(where, sub)}  submission[posted_grade]={lms.format_points(post.score)} "
              + tell("canvas-of", points=lms.format_points(post.max_score))
              + f"{files}  comment[text_comment]:", file=stream)
        for line in post.text.splitlines():
            print(f"       | {printable(line)}", file=stream)
    print(tell("canvas-dry-total", posts=len(todo.posts), skipped=len(todo.skipped)), file=stream)
    return 0


def _canvas(where: Target, token: Token):
    """canvasapi's client and its requester (for the upload's steps 1 and 3)."""
    try:
        from canvasapi import Canvas
        from canvasapi.requester import Requester
    except ImportError:
        raise CanvasError(cli("canvas-needs-canvasapi")) from None
    with warnings.catch_warnings():
        # plain http only reaches a loopback address (the course file's check): no warning
        warnings.simplefilter("ignore", UserWarning)
        return Canvas(where.url, token.value), Requester(where.url, token.value)


def _why(exc: Exception) -> str:
    from canvasapi.exceptions import CanvasException
    name = type(exc).__name__
    if isinstance(exc, CanvasException):
        message = getattr(exc, "message", str(exc))
        return f"{name}: {printable(str(message))[:200]}"
    return f"{name}: {printable(spoken(said_of(exc)))[:200]}"


def _send(where: Target, todo: Plan, token: Token, stream) -> int:
    canvas, requester = _canvas(where, token)
    import requests
    from canvasapi.exceptions import CanvasException, InvalidAccessToken, Unauthorized
    try:
        course = canvas.get_course(where.course_id)
        assignments = {aid: course.get_assignment(aid) for aid in sorted(set(where.assignments.values()))}
    except (InvalidAccessToken, Unauthorized) as exc:
        raise CanvasError(cli("canvas-token-refused", url=where.url, why=_why(exc))) from None
    except CanvasException as exc:
        raise CanvasError(cli("canvas-course-unreadable", url=where.url, course=where.course_id,
                              assignments=sorted(set(where.assignments.values())),
                              path=printable(where.course_file), why=_why(exc))) from None
    except requests.RequestException as exc:
        raise CanvasError(cli("canvas-unreachable", url=where.url, why=_why(exc))) from None
    for set_id, aid in where.assignments.items():
        possible = getattr(assignments[aid], "points_possible", None)
        maxima = {p.max_score for p in todo.posts if p.set_id == set_id}
        if possible is not None and maxima and any(abs(float(possible) - m) > 1e-9 for m in maxima):
            print(tell("canvas-percentages", set=set_id, assignment=aid,
                       points=lms.format_points(possible), maximum=lms.format_points(max(maxima))),
                  file=stream)
    posted = unchanged = 0
    failed = []
    for post in todo.posts:
        assignment = assignments[post.assignment_id]
        possible = getattr(assignment, "points_possible", None)
        grade = _grade(post, possible)
        try:
            done = _post_one(requester, where, assignment, post, grade, possible)
        except (InvalidAccessToken, Unauthorized) as exc:
            raise CanvasError(cli("canvas-token-refused", url=where.url, why=_why(exc))) from None
        except (CanvasException, requests.RequestException, UploadError) as exc:
            failed.append(post)
            print(tell("canvas-failed", student=printable(post.student), name=printable(post.name),
                       set=post.set_id, why=_why(exc)), file=stream)
            continue
        posted += done
        unchanged += not done
        print(tell("canvas-posted" if done else "canvas-unchanged", student=printable(post.student),
                   name=printable(post.name), set=post.set_id, grade=grade,
                   page=cli("canvas-page-attached") if done and post.page is not None else ""),
              file=stream)
    print(tell("canvas-total", posted=posted, unchanged=unchanged, failed=len(failed),
               skipped=len(todo.skipped),
               names=cli("canvas-failed-names", names=some(sorted({p.student for p in failed})))
               if failed else ""), file=stream)
    return 1 if failed or todo.skipped else 0


class UploadError(Exception):
    pass


def _already_there(submission, post: Post, grade: str, possible) -> tuple[bool, bool]:
    """(the comment is there, Canvas has the score we would post)."""
    said = any((c.get("comment") or "").strip() == post.text.strip()
               for c in getattr(submission, "submission_comments", None) or [])
    score = getattr(submission, "score", None)
    expected = post.score
    if grade.endswith("%") and post.max_score:
        expected = post.score / post.max_score * float(possible or 0)
    same = score is not None and abs(float(score) - expected) < 0.005
    return said, same


def _post_one(requester, where: Target, assignment, post: Post, grade: str, possible) -> bool:
    """Post one student's set; False when Canvas already has this comment and this score."""
    submission = assignment.get_submission(post.user_id, include=["submission_comments"])
    said, same = _already_there(submission, post, grade, possible)
    if said and same:
        return False
    if said:
        submission.edit(submission={"posted_grade": grade})
        return True
    comment = {"text_comment": post.text}
    if post.page is not None:
        comment["file_ids"] = [_upload(requester, where, post)]
    submission.edit(submission={"posted_grade": grade}, comment=comment)
    return True


def _upload(requester, where: Target, post: Post) -> int:
    """Canvas's three-step upload of the page for a submission comment; the file's id.

    canvasapi's own Uploader follows the upload host's redirect without the token, which Canvas's
    documentation requires on the confirmation, and its upload_comment posts an empty comment of
    its own; so step 2 is one plain request and steps 1 and 3 go through canvasapi's requester."""
    import requests
    data = post.page.read_bytes()
    step1 = requester.request("POST", _submission_path(where, post) + "/comments/files",
                              name=PAGE_NAME, size=len(data), content_type="text/html")
    ticket = _json(step1.text)
    if not ticket.get("upload_url") or not isinstance(ticket.get("upload_params"), dict):
        raise UploadError(cli("canvas-no-upload-url", got=sorted(ticket)))
    # upload_params exactly as given (the request is signed), then the file last
    fields = [(str(k), "" if v is None else str(v)) for k, v in ticket["upload_params"].items()]
    answer = requests.post(ticket["upload_url"], data=fields,
                           files=[("file", (PAGE_NAME, data, "text/html"))],
                           allow_redirects=False, timeout=TIMEOUT)
    if 300 <= answer.status_code < 400 and answer.headers.get("Location"):
        found = _confirm(requester, where, urljoin(ticket["upload_url"], answer.headers["Location"]))
    elif answer.status_code == 201:
        found = _json(answer.text) if answer.text.strip() else {}
        if "id" not in found and answer.headers.get("Location"):
            found = _confirm(requester, where, urljoin(ticket["upload_url"], answer.headers["Location"]))
    else:
        raise UploadError(cli("canvas-upload-status", status=answer.status_code))
    if not isinstance(found.get("id"), int):
        raise UploadError(cli("canvas-upload-no-id"))
    return found["id"]


def _confirm(requester, where: Target, location: str) -> dict:
    """Step 3 goes back to Canvas with the token; never to another host."""
    mine, theirs = urlsplit(where.url), urlsplit(location)
    if (mine.scheme, mine.netloc) != (theirs.scheme, theirs.netloc):
        raise UploadError(cli("canvas-upload-other-site", site=printable(theirs.netloc)))
    return _json(requester.request("GET", _url=location).text)


def _json(text: str) -> dict:
    body = text.strip()
    if body.startswith("while(1);"):          # Canvas's guard against JSON hijacking
        body = body[len("while(1);"):]
    try:
        found = json.loads(body)
    except ValueError:
        raise UploadError(cli("canvas-not-json", body=repr(printable(body[:80])))) from None
    return found if isinstance(found, dict) else {}
