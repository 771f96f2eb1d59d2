"""The service's durable store: students, their links, submissions, results, LTI state.

SQLite in the course folder (``COURSE/serve/nngrade.sqlite3``), in WAL mode with full
synchronous commits: a submission is on disk before the student is told it was received, so a
server killed at any moment and started again loses nothing and grades what was pending.
Uploaded files are kept as rows (name as text, bytes as a blob): a stored name is never a path.

One connection, used under a lock: the service's threads (requests, job slots, grade passback)
each hold it only for a statement or two.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY,
    link TEXT UNIQUE NOT NULL,          -- the personal page's unguessable token
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT UNIQUE NOT NULL,         -- the status page's unguessable token
    student TEXT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    set_id TEXT NOT NULL,
    received REAL NOT NULL,
    late INTEGER NOT NULL DEFAULT 0,
    lang TEXT NOT NULL,
    state TEXT NOT NULL,                -- pending | graded
    tries INTEGER NOT NULL DEFAULT 0,   -- grading attempts that ended with a dead job slot
    result TEXT,                        -- the results document (JSON)
    graded REAL
);
CREATE INDEX IF NOT EXISTS submissions_state ON submissions(state, id);
CREATE INDEX IF NOT EXISTS submissions_student ON submissions(student, set_id, id);
CREATE TABLE IF NOT EXISTS files (
    submission INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (submission, position)
);
CREATE TABLE IF NOT EXISTS published (set_id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS lti_states (
    state TEXT PRIMARY KEY, nonce TEXT NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS lti_nonces (nonce TEXT PRIMARY KEY, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS lti_targets (   -- where a student's grade of a set is posted
    student TEXT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    set_id TEXT NOT NULL,
    lineitem TEXT NOT NULL,
    user_id TEXT NOT NULL,              -- the platform's `sub` for this student
    scopes TEXT NOT NULL,
    PRIMARY KEY (student, set_id)
);
CREATE TABLE IF NOT EXISTS passback (      -- scores waiting to be posted to the platform
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    tries INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    last_error TEXT,
    done REAL
);
CREATE TABLE IF NOT EXISTS sessions (      -- an instructor's launch, for the class pages
    token TEXT PRIMARY KEY, role TEXT NOT NULL, expires REAL NOT NULL
);
"""


def new_token() -> str:
    return secrets.token_urlsafe(24)         # 192 bits


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                   timeout=30.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        try:
            self.path.chmod(0o600)                 # submissions and results: the service's alone
        except OSError:
            pass

    @contextmanager
    def transaction(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, args=()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- the service's own secrets -----------------------------------------------------------

    def secret(self, name: str) -> str:
        """A random secret made once and kept (the forms' CSRF key, the instructor's link)."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (f"secret:{name}",)).fetchone()
            if row:
                return row["value"]
            value = new_token()
            db.execute("INSERT INTO meta VALUES (?, ?)", (f"secret:{name}", value))
            return value

    # ---- students ------------------------------------------------------------------------------

    def student_link(self, student: str) -> str:
        """The student's personal token (made the first time it is asked for)."""
        with self.transaction() as db:
            row = db.execute("SELECT link FROM students WHERE id = ?", (student,)).fetchone()
            if row:
                return row["link"]
            link = new_token()
            db.execute("INSERT INTO students VALUES (?, ?, ?)", (student, link, time.time()))
            return link

    def student_of_link(self, link: str) -> str | None:
        rows = self.query("SELECT id FROM students WHERE link = ?", (link,))
        return rows[0]["id"] if rows else None

    def forget_student(self, student: str) -> int:
        """Everything kept of a student: their submissions, files, results, LTI targets. Returns
        how many submissions went."""
        with self.transaction() as db:
            count = db.execute("SELECT COUNT(*) FROM submissions WHERE student = ?",
                               (student,)).fetchone()[0]
            db.execute("DELETE FROM students WHERE id = ?", (student,))
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.execute("VACUUM")             # the deleted bytes leave the file too
        return count

    def delete_older_than(self, seconds: float) -> int:
        cutoff = time.time() - seconds
        with self.transaction() as db:
            return db.execute("DELETE FROM submissions WHERE received < ?", (cutoff,)).rowcount

    # ---- submissions ---------------------------------------------------------------------------

    def add_submission(self, student: str, set_id: str, parts: list[tuple[str, bytes]],
                       lang: str, late: bool, received: float | None = None) -> dict:
        """Stored and committed before this returns: then the student may be told."""
        token = new_token()
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO submissions (token, student, set_id, received, late, lang, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                (token, student, set_id, received or time.time(), int(late), lang))
            sid = cur.lastrowid
            db.executemany("INSERT INTO files VALUES (?, ?, ?, ?)",
                           [(sid, i, name, data) for i, (name, data) in enumerate(parts)])
        return {"id": sid, "token": token}

    def submission(self, token: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM submissions WHERE token = ?", (token,))
        return rows[0] if rows else None

    def submission_by_id(self, sid: int) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM submissions WHERE id = ?", (sid,))
        return rows[0] if rows else None

    def files(self, sid: int) -> list[tuple[str, bytes]]:
        return [(r["name"], bytes(r["data"])) for r in
                self.query("SELECT name, data FROM files WHERE submission = ? ORDER BY position",
                           (sid,))]

    def attempts(self, student: str, set_id: str | None = None) -> list[sqlite3.Row]:
        if set_id is None:
            return self.query("SELECT * FROM submissions WHERE student = ? ORDER BY id", (student,))
        return self.query("SELECT * FROM submissions WHERE student = ? AND set_id = ? ORDER BY id",
                          (student, set_id))

    def recent_count(self, student: str, since: float) -> int:
        return self.query("SELECT COUNT(*) FROM submissions WHERE student = ? AND received >= ?",
                          (student, since))[0][0]

    def pending(self) -> list[int]:
        return [r["id"] for r in self.query(
            "SELECT id FROM submissions WHERE state = 'pending' ORDER BY id")]

    def record_result(self, sid: int, document: dict) -> None:
        with self.transaction() as db:
            db.execute("UPDATE submissions SET state = 'graded', result = ?, graded = ? WHERE id = ?",
                       (json.dumps(document), time.time(), sid))
            target = db.execute(
                "SELECT 1 FROM lti_targets t JOIN submissions s ON s.student = t.student "
                "AND s.set_id = t.set_id WHERE s.id = ?", (sid,)).fetchone()
            if target:        # posted to the platform by the passback thread, tried until it takes
                db.execute("INSERT INTO passback (submission, next_try) VALUES (?, ?)",
                           (sid, time.time()))

    def count_try(self, sid: int) -> int:
        with self.transaction() as db:
            db.execute("UPDATE submissions SET tries = tries + 1 WHERE id = ?", (sid,))
            return db.execute("SELECT tries FROM submissions WHERE id = ?", (sid,)).fetchone()[0]

    def regrade_all(self) -> int:
        """Every graded submission back to pending (after the suites changed)."""
        with self.transaction() as db:
            return db.execute("UPDATE submissions SET state = 'pending', tries = 0 "
                              "WHERE state = 'graded'").rowcount

    def latest_results(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM submissions WHERE state = 'graded' ORDER BY id")

    def students(self) -> list[str]:
        return [r["id"] for r in self.query("SELECT id FROM students ORDER BY id")]

    # ---- publishing ------------------------------------------------------------------------------

    def published(self) -> set[str]:
        return {r["set_id"] for r in self.query("SELECT set_id FROM published")}

    def publish(self, set_id: str, on: bool) -> None:
        with self.transaction() as db:
            if on:
                db.execute("INSERT OR IGNORE INTO published VALUES (?, ?)", (set_id, time.time()))
            else:
                db.execute("DELETE FROM published WHERE set_id = ?", (set_id,))

    # ---- LTI -------------------------------------------------------------------------------------

    def add_login_state(self, state: str, nonce: str, seconds: float) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM lti_states WHERE expires < ?", (time.time(),))
            db.execute("INSERT INTO lti_states VALUES (?, ?, ?)", (state, nonce, time.time() + seconds))

    def take_login_state(self, state: str) -> str | None:
        """The nonce the login sent with this state; each state is good for one launch."""
        with self.transaction() as db:
            row = db.execute("SELECT nonce, expires FROM lti_states WHERE state = ?",
                             (state,)).fetchone()
            db.execute("DELETE FROM lti_states WHERE state = ?", (state,))
        if row is None or row["expires"] < time.time():
            return None
        return row["nonce"]

    def use_nonce(self, nonce: str, until: float) -> bool:
        """False when this nonce was seen before (a replayed id_token)."""
        with self.transaction() as db:
            db.execute("DELETE FROM lti_nonces WHERE expires < ?", (time.time(),))
            try:
                db.execute("INSERT INTO lti_nonces VALUES (?, ?)", (nonce, until))
            except sqlite3.IntegrityError:
                return False
        return True

    def set_target(self, student: str, set_id: str, lineitem: str, user_id: str,
                   scopes: list[str]) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO lti_targets VALUES (?, ?, ?, ?, ?)",
                       (student, set_id, lineitem, user_id, json.dumps(scopes)))

    def target(self, student: str, set_id: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM lti_targets WHERE student = ? AND set_id = ?",
                          (student, set_id))
        return rows[0] if rows else None

    def queue_set_passbacks(self, set_id: str) -> int:
        """Every student with a line item for the set gets their grade posted again (the set was
        just published)."""
        with self.transaction() as db:
            rows = db.execute(
                "SELECT MAX(s.id) AS id FROM submissions s JOIN lti_targets t ON s.student = t.student "
                "AND s.set_id = t.set_id WHERE s.set_id = ? AND s.state = 'graded' GROUP BY s.student",
                (set_id,)).fetchall()
            db.executemany("INSERT INTO passback (submission, next_try) VALUES (?, ?)",
                           [(r["id"], time.time()) for r in rows])
            return len(rows)

    def due_passbacks(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM passback WHERE done IS NULL AND next_try <= ? ORDER BY id",
                          (time.time(),))

    def passback_done(self, pid: int, error: str | None, retry_in: float | None) -> None:
        with self.transaction() as db:
            if error is None:
                db.execute("UPDATE passback SET done = ?, last_error = NULL WHERE id = ?",
                           (time.time(), pid))
            else:
                db.execute("UPDATE passback SET tries = tries + 1, last_error = ?, next_try = ? "
                           "WHERE id = ?", (error, time.time() + (retry_in or 60.0), pid))

    def passbacks(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM passback ORDER BY id")

    # ---- instructors' sessions -------------------------------------------------------------------

    def add_session(self, role: str, seconds: float) -> str:
        token = new_token()
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (token, role, time.time() + seconds))
        return token

    def session_role(self, token: str) -> str | None:
        rows = self.query("SELECT role, expires FROM sessions WHERE token = ?", (token,))
        return rows[0]["role"] if rows and rows[0]["expires"] > time.time() else None
