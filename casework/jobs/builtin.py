"""The jobs this domain schedules: deadline reminders and escalations, URL re-checks.

Thin: each calls a service with `Actor.job(name)` and the `now` it is given, and returns a line
for the jobs page.
"""
from __future__ import annotations

from casework.jobs import job
from casework.services import deadlines, rechecks
from casework.services.actor import Actor

RECHECK_LIMIT = 500


@job("deadline_reminders")
def deadline_reminders(*, now, progress) -> str:
    rows = deadlines.remind_due(actor=Actor.job("deadline_reminders"), now=now)
    return f"{len(rows)} reminder(s) sent"


@job("deadline_escalations")
def deadline_escalations(*, now, progress) -> str:
    rows = deadlines.escalate_overdue(actor=Actor.job("deadline_escalations"), now=now)
    return f"{len(rows)} overdue deadline(s) escalated"


@job("url_rechecks")
def url_rechecks(*, now, progress, fetcher=None) -> str:
    rows = rechecks.due_case_urls(now, limit=RECHECK_LIMIT)
    counts = rechecks.recheck_case_urls(rows, actor=Actor.job("url_rechecks"), now=now, fetcher=fetcher,
                                        progress=progress)
    return f"{len(rows)} URL(s) checked: " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none due")


@job("watched_url_rechecks")
def watched_url_rechecks(*, now, progress, fetcher=None) -> str:
    rows = rechecks.due_watched_urls(now, limit=RECHECK_LIMIT)
    counts = rechecks.recheck_watched(rows, actor=Actor.job("watched_url_rechecks"), now=now, fetcher=fetcher,
                                      progress=progress)
    return (f"{counts['checked']} watched URL(s) checked, {counts['new_content']} with new content, "
            f"{counts['detections']} new detection(s)")
