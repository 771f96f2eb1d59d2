"""A Canvas stand-in on loopback for the publish tests: the endpoints `nngrade publish canvas`
uses, answering as Canvas's REST API documentation says (Courses, Assignments, Submissions,
Submission Comments, File Uploads), and the upload host on a second port.

What it holds to, from the documentation:
- every /api/v1 request carries `Authorization: Bearer <token>`; a wrong or missing token gets
  401 with a WWW-Authenticate header and {"errors": [{"message": ...}]};
- an unknown course, assignment, user or file is 404 {"errors": [{"message": "The specified
  resource does not exist."}]};
- file upload step 1 (POST .../submissions/:user/comments/files with name and size) answers
  upload_url (the other port) and upload_params; step 2 must POST multipart/form-data with every
  upload param unchanged and `file` as the last part, and without the token; it answers a 3XX
  redirect to .../files/:id/create_success?uuid=... (mode "redirect") or 201 Created with a
  Location and the file's JSON (mode "created"); step 3 is an authenticated GET of Location;
- a comment may attach only files uploaded through that submission's comments/files endpoint;
- PUT .../submissions/:user takes submission[posted_grade] (points, or a percentage of the
  assignment's points_possible with "%") and comment[text_comment], comment[file_ids][].
"""
from __future__ import annotations

import email.parser
import email.policy
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


@dataclass
class Comment:
    text: str
    file_ids: list[int]


@dataclass
class State:
    token: str
    course_id: int
    assignments: dict[int, float]                # id -> points_possible
    users: set[int]
    mode: str = "redirect"                       # step 2's answer: "redirect" or "created"
    api_requests: list[tuple[str, str]] = field(default_factory=list)
    upload_headers: list[dict[str, str]] = field(default_factory=list)
    pending: dict[str, dict] = field(default_factory=dict)     # upload key -> ticket
    files: dict[int, dict] = field(default_factory=dict)       # id -> {name, data, submission}
    grades: dict[tuple[int, int], float] = field(default_factory=dict)   # (assignment, user)
    comments: dict[tuple[int, int], list[Comment]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class StandIn:
    """Two loopback servers: the Canvas API (``url``) and its upload host."""

    def __init__(self, token: str, course_id: int, assignments: dict[int, float], users,
                 mode: str = "redirect"):
        self.state = State(token, course_id, dict(assignments), set(users), mode)
        self.api = ThreadingHTTPServer(("127.0.0.1", 0), _api_handler(self))
        self.upload = ThreadingHTTPServer(("127.0.0.1", 0), _upload_handler(self))
        self.url = f"http://127.0.0.1:{self.api.server_address[1]}"
        self.upload_url = f"http://127.0.0.1:{self.upload.server_address[1]}/files_api"
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True)
                         for s in (self.api, self.upload)]

    def __enter__(self) -> "StandIn":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        for s in (self.api, self.upload):
            s.shutdown()
            s.server_close()


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn

    def log_message(self, *args) -> None:
        pass

    def _reply(self, status: int, body=None, headers: dict | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


def _form(raw: bytes) -> list[tuple[str, str]]:
    return parse_qsl(raw.decode("utf-8"), keep_blank_values=True)


def _api_handler(standin: StandIn):
    st = standin.state

    class Api(_Handler):
        def _route(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = parse_qsl(parts.query, keep_blank_values=True)
            form = _form(self._body()) if method in ("POST", "PUT") else []
            with st.lock:
                st.api_requests.append((method, parts.path))
            if self.headers.get("Authorization") != f"Bearer {st.token}":
                return self._reply(401, {"errors": [{"message": "Invalid access token."}]},
                                   {"WWW-Authenticate": 'Bearer realm="canvas-lms"'})
            seg = parts.path.strip("/").split("/")
            if seg[:2] != ["api", "v1"]:
                return self._reply(404, NOT_FOUND)
            seg = seg[2:]
            if seg[:1] == ["files"] and len(seg) >= 2 and method == "GET":
                return self._file(seg, dict(query))
            if seg[:1] != ["courses"] or len(seg) < 2 or seg[1] != str(st.course_id):
                return self._reply(404, NOT_FOUND)
            if len(seg) == 2 and method == "GET":
                return self._reply(200, {"id": st.course_id, "name": "nn101",
                                         "course_code": "NN101", "workflow_state": "available"})
            if len(seg) < 4 or seg[2] != "assignments" or not seg[3].isdigit() \
                    or int(seg[3]) not in st.assignments:
                return self._reply(404, NOT_FOUND)
            aid = int(seg[3])
            if len(seg) == 4 and method == "GET":
                return self._reply(200, {"id": aid, "course_id": st.course_id, "name": f"a{aid}",
                                         "points_possible": st.assignments[aid],
                                         "grading_type": "points"})
            if len(seg) < 6 or seg[4] != "submissions" or not seg[5].isdigit() \
                    or int(seg[5]) not in st.users:
                return self._reply(404, NOT_FOUND)
            uid = int(seg[5])
            if len(seg) == 6 and method == "GET":
                return self._reply(200, self._submission(aid, uid, dict(query)))
            if len(seg) == 6 and method == "PUT":
                return self._grade(aid, uid, form)
            if seg[6:] == ["comments", "files"] and method == "POST":
                return self._ticket(aid, uid, dict(form))
            return self._reply(404, NOT_FOUND)

        def _submission(self, aid: int, uid: int, query: dict) -> dict:
            found = {"id": aid * 1000 + uid, "assignment_id": aid, "user_id": uid,
                     "score": st.grades.get((aid, uid)), "workflow_state": "submitted"}
            found["grade"] = None if found["score"] is None else str(found["score"])
            if query.get("include[]") == "submission_comments":
                found["submission_comments"] = [
                    {"id": n, "author_id": 1, "comment": c.text,
                     "attachments": [{"id": f, "display_name": st.files[f]["name"]} for f in c.file_ids]}
                    for n, c in enumerate(st.comments.get((aid, uid), []), start=1)]
            return found

        def _ticket(self, aid: int, uid: int, form: dict) -> None:
            if not form.get("name") or not form.get("size", "").isdigit():
                return self._reply(400, {"errors": [{"message": "name and size are required"}]})
            key = secrets.token_hex(8)
            with st.lock:
                st.pending[key] = {"name": form["name"], "size": int(form["size"]),
                                   "submission": (aid, uid),
                                   "params": {"key": key, "filename": form["name"],
                                              "content_type": form.get("content_type", ""),
                                              "signature": secrets.token_hex(12)}}
            return self._reply(200, {"upload_url": standin.upload_url,
                                     "upload_params": st.pending[key]["params"],
                                     "file_param": "file"})

        def _file(self, seg: list[str], query: dict) -> None:
            if not seg[1].isdigit() or int(seg[1]) not in st.files:
                return self._reply(404, NOT_FOUND)
            entry = st.files[int(seg[1])]
            if seg[2:] == ["create_success"]:
                if query.get("uuid") != entry["uuid"]:
                    return self._reply(400, {"errors": [{"message": "invalid uuid"}]})
                entry["confirmed"] = True
            elif seg[2:]:
                return self._reply(404, NOT_FOUND)
            return self._reply(200, _file_json(int(seg[1]), entry))

        def _grade(self, aid: int, uid: int, form: list[tuple[str, str]]) -> None:
            values = dict(form)
            file_ids = [int(v) for k, v in form if k == "comment[file_ids][]"]
            for f in file_ids:
                entry = st.files.get(f)
                if entry is None or entry["submission"] != (aid, uid) or not entry["confirmed"]:
                    return self._reply(400, {"errors": [{"message": f"file {f} cannot be attached"}]})
            grade = values.get("submission[posted_grade]")
            with st.lock:
                if grade is not None:
                    points = st.assignments[aid]
                    st.grades[(aid, uid)] = (float(grade[:-1]) * points / 100 if grade.endswith("%")
                                             else float(grade))
                if "comment[text_comment]" in values or file_ids:
                    st.comments.setdefault((aid, uid), []).append(
                        Comment(values.get("comment[text_comment]", ""), file_ids))
            return self._reply(200, self._submission(aid, uid, {}))

        def do_GET(self):
            self._route("GET")

        def do_POST(self):
            self._route("POST")

        def do_PUT(self):
            self._route("PUT")

    return Api


def _file_json(file_id: int, entry: dict) -> dict:
    return {"id": file_id, "display_name": entry["name"], "filename": entry["name"],
            "size": len(entry["data"]), "content-type": entry["content_type"],
            "url": f"/files/{file_id}/download"}


def _upload_handler(standin: StandIn):
    st = standin.state

    class Upload(_Handler):
        def do_POST(self):
            with st.lock:
                st.upload_headers.append(dict(self.headers))
            if "Authorization" in self.headers:        # the token is never sent here
                return self._reply(400, {"message": "unexpected Authorization header"})
            kind = self.headers.get("Content-Type", "")
            if not kind.startswith("multipart/form-data"):
                return self._reply(400, {"message": "multipart/form-data expected"})
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {kind}\r\n\r\n".encode() + self._body())
            parts = [(p.get_param("name", header="content-disposition"), p)
                     for p in message.iter_parts()]
            names = [n for n, _ in parts]
            if not names or names[-1] != "file":
                return self._reply(400, {"message": "file must be the last parameter"})
            given = {n: p.get_content() for n, p in parts[:-1]}
            ticket = st.pending.get(given.get("key", ""))
            if ticket is None or given != ticket["params"]:
                return self._reply(400, {"message": "the upload params were changed"})
            data = parts[-1][1].get_payload(decode=True)
            with st.lock:
                del st.pending[given["key"]]
                file_id = 9000 + len(st.files) + 1
                st.files[file_id] = {"name": ticket["name"], "data": data,
                                     "content_type": ticket["params"]["content_type"],
                                     "submission": ticket["submission"], "uuid": secrets.token_hex(6),
                                     "confirmed": st.mode == "created"}
            entry = st.files[file_id]
            if st.mode == "created":
                return self._reply(201, _file_json(file_id, entry),
                                   {"Location": f"{standin.url}/api/v1/files/{file_id}"})
            return self._reply(301, None, {"Location": f"{standin.url}/api/v1/files/{file_id}/"
                                                       f"create_success?uuid={entry['uuid']}"})

    return Upload
