"""Grade passback: each graded attempt of a student with a line item posts the set's counted
grade to the platform (LTI Assignment and Grade Services), with a comment naming the mistakes and
linking the feedback page. Waiting scores are rows of the store, so a platform that is down, or a
server restarted, only delays them; each is tried again with a growing pause.

While the set is not published and the result has withheld tests, the platform gets the attempt
as submitted and pending (no score): the total is not shown in the gradebook before it is on the
feedback page. Publishing the set posts everyone's counted grade.
"""
from __future__ import annotations

import json
import logging
import threading
import time

from nngrade.autograder.messages import in_language
from nngrade.serve import policy
from nngrade.speech import cli

log = logging.getLogger("nngrade.serve")

POLL_SECONDS = 0.5
MAX_PAUSE_SECONDS = 3600.0


def score_message(service, row, counted_row) -> dict:
    """The AGS score for the set of ``row``: the counted attempt's grade (or pending)."""
    from nngrade.comments import as_text, comment_for
    set_id = row["set_id"]
    target = service.store.target(row["student"], set_id)
    document = json.loads(counted_row["result"])
    due = policy.due_timestamp(service.course, set_id)
    published = service.store.published()
    maximum = next(float(sum(s.points.values())) for s in service.sets if s.id == set_id)
    link = service.url(f"/r/{counted_row['token']}?lang={counted_row['lang']}")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    if policy.withholds_total(document, set_id, published, due):
        shown = policy.students_view(document, set_id, published, due)
        shown["extra_data"]["sets"] = {}
        # the shown tests carry no points: the note on what is withheld stands for the total
        withheld = shown["extra_data"].get("withheld_tests") or 0
        note = in_language(cli("serve-withheld", count=withheld), counted_row["lang"] or service.course.lang)
        comment = note + "\n" + as_text(comment_for(dict(shown, score=0.0), [set_id]))
        return {"userId": target["user_id"], "timestamp": stamp, "activityProgress": "Submitted",
                "gradingProgress": "PendingManual", "comment": f"{comment}\n{link}".strip()}
    got = (document.get("extra_data") or {}).get("sets", {}).get(set_id, {})
    score = float(document.get("score", got.get("score", 0.0)))
    comment = as_text(comment_for(document, [set_id]))
    return {"userId": target["user_id"], "timestamp": stamp, "scoreGiven": round(score, 6),
            "scoreMaximum": maximum or float(got.get("max_score", 0.0)),
            "activityProgress": "Completed", "gradingProgress": "FullyGraded",
            "comment": f"{comment}\n{link}"}


class Passback:
    def __init__(self, service):
        self.service = service
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="grade-passback", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()

    def nudge(self) -> None:
        self.wake.set()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            for item in self.service.store.due_passbacks():
                if self.stopping.is_set():
                    return
                self._send(item)
            self.wake.wait(POLL_SECONDS)
            self.wake.clear()

    def _send(self, item) -> None:
        store = self.service.store
        row = store.submission_by_id(item["submission"])
        target = store.target(row["student"], row["set_id"]) if row is not None else None
        if row is None or target is None:
            store.passback_done(item["id"], None, None)
            return
        counted_row = policy.counted(self.service.course, store.attempts(row["student"], row["set_id"]))
        try:
            self.service.lti.post_score(target["lineitem"], score_message(self.service, row, counted_row))
        except Exception as exc:     # the platform down, a refused token: kept, tried again
            pause = min(MAX_PAUSE_SECONDS, 5.0 * 2 ** item["tries"])
            log.warning("grade passback for %s failed (%s); again in %.0f s", row["student"], exc, pause)
            store.passback_done(item["id"], f"{type(exc).__name__}: {exc}"[:500], pause)
            return
        store.passback_done(item["id"], None, None)
