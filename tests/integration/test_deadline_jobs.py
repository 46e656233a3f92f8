"""Jobs called directly with a fixed `now`: reminders, escalations (audit, outbox, e-mail), URL re-checks."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.jobs.builtin import (deadline_escalations, deadline_reminders, url_rechecks,
                                   watched_url_rechecks)
from casework.models import AuditEntry
from casework.models.cases import CaseEvent, CaseUrl, UrlCheck
from casework.models.monitoring import Detection
from casework.models.scheduling import DomainEvent
from casework.services import cases as case_service
from casework.services import deadlines, monitoring
from casework.services.rechecks import Fetched
from tests.case_factories import NOW, case_at, make_work, system


def nothing(fraction, message):
    pass


@pytest.fixture
def case(ids, people):
    work = make_work(ids["holder_a"], "Poster A")
    return case_at("takedown", [work], owner=people["legal"])


def test_reminders_once_for_deadlines_due_soon(case):
    soon = deadlines.create(kind="response", title="Platform reply", due_at=NOW + timedelta(hours=10), case=case,
                            actor=system(), now=NOW)
    later = deadlines.create(kind="hearing", title="Hearing", due_at=NOW + timedelta(days=20), case=case,
                             actor=system(), now=NOW)
    assert deadline_reminders(now=NOW, progress=nothing) == "1 reminder(s) sent"
    assert soon.reminded_at == NOW and later.reminded_at is None
    assert deadline_reminders(now=NOW + timedelta(minutes=15), progress=nothing) == "0 reminder(s) sent"


def test_escalation_flags_audits_and_emits_once(case):
    late = deadlines.create(kind="response", title="Platform reply", due_at=NOW - timedelta(hours=1), case=case,
                            actor=system(), now=NOW)
    done = deadlines.create(kind="response", title="Answered", due_at=NOW - timedelta(hours=1), case=case,
                            actor=system(), now=NOW)
    deadlines.complete(done, actor=system(), now=NOW)
    assert deadline_escalations(now=NOW, progress=nothing) == "1 overdue deadline(s) escalated"
    assert late.escalated_at == NOW and done.escalated_at is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "deadline.escalate",
                                                      AuditEntry.object_id == str(late.id))) is not None
    events = db.session.scalars(select(DomainEvent).where(DomainEvent.type == "deadline.overdue")).all()
    assert [e.data["deadline_id"] for e in events] == [late.id] and events[0].case_id == case.id
    assert deadline_escalations(now=NOW + timedelta(hours=1), progress=nothing).startswith("0 ")


def test_escalation_mails_through_the_notification_jobs_when_smtp_is_configured(app, case):
    """The escalation itself sends nothing; the notification jobs tell the case owner from the outbox."""
    from aiosmtpd.controller import Controller

    from casework.jobs.notifications import notification_mail, notifications_dispatch

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT")}
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        deadlines.create(kind="response", title="Platform reply", due_at=NOW - timedelta(hours=1), case=case,
                         actor=system(), now=NOW)
        deadline_escalations(now=NOW, progress=nothing)
        db.session.commit()
        time.sleep(0.2)
        assert inbox.messages == []  # the job itself mails nobody
        notifications_dispatch(now=NOW, progress=nothing)
        notification_mail(now=NOW, progress=nothing)
        overdue = [m for m in inbox.messages if b"Overdue: Platform reply" in m.content]
        assert len(overdue) == 1 and overdue[0].rcpt_tos == ["legal@test.example"]  # the case owner
    finally:
        app.config.update(saved)
        controller.stop()


def test_url_rechecks_record_each_check_and_status_changes(case):
    gone = case_service.add_url(case, "https://gone.example/a", actor=system(), now=NOW)
    same = case_service.add_url(case, "https://same.example/a", actor=system(), now=NOW)
    answers = {"https://gone.example/a": Fetched(200, "a" * 64, 10), "https://same.example/a": Fetched(200, "b" * 64, 5)}
    message = url_rechecks(now=NOW, progress=nothing, fetcher=lambda url: answers[url])
    assert message == "2 URL(s) checked: 2 active"
    assert gone.baseline_sha256 == "a" * 64 and gone.last_checked_at == NOW
    # Not due again within six hours; then the first page is removed and the second changes.
    assert url_rechecks(now=NOW + timedelta(hours=1), progress=nothing, fetcher=answers.get).startswith("0 URL(s)")
    answers.update({"https://gone.example/a": Fetched(404, "c" * 64, 3), "https://same.example/a": Fetched(200, "d" * 64, 5)})
    later = NOW + timedelta(hours=7)
    url_rechecks(now=later, progress=nothing, fetcher=lambda url: answers[url])
    assert (gone.status, gone.removed_at, gone.last_status_code) == ("removed", later, 404)
    assert same.status == "changed"
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id,
                                                            CaseEvent.kind.like("url_%"))).all()
    assert sorted(kinds) == ["url_added", "url_added", "url_changed", "url_removed"]
    assert db.session.scalar(select(CaseEvent.deposit_index).where(CaseEvent.kind == "url_removed")) is not None
    changes = db.session.scalars(select(DomainEvent).where(DomainEvent.type == "case_url.status_changed")).all()
    assert {(e.data["to"], e.data["status_code"]) for e in changes} == {("removed", 404), ("changed", 200)}
    assert len(db.session.scalars(select(UrlCheck).where(UrlCheck.case_url_id == gone.id)).all()) == 2
    # It comes back: restored, not removed any more.
    answers["https://gone.example/a"] = Fetched(200, "a" * 64, 10)
    url_rechecks(now=later + timedelta(hours=7), progress=nothing, fetcher=lambda url: answers[url])
    assert gone.status == "active" and gone.removed_at is None


def test_unreachable_urls_and_closed_cases(ids, case):
    row = case_service.add_url(case, "https://down.example/", actor=system(), now=NOW)
    closed = case_at("closed", [make_work(ids["holder_a"])])
    case_service.add_url(closed, "https://closed.example/", actor=system(), now=NOW)
    seen = []

    def fetch(url):
        seen.append(url)
        return Fetched(None, None, None, "connection refused")

    url_rechecks(now=NOW, progress=nothing, fetcher=fetch)
    assert seen == ["https://down.example/"]  # closed cases are not watched
    assert row.status == "unreachable" and row.last_error == "connection refused"


def test_watched_urls_with_new_content_become_detections(ids):
    work = make_work(ids["holder_a"], "Poster A")
    watched = monitoring.watch_url(work.id, "https://reuploads.example/channel", actor=system(), now=NOW)
    answer = {"value": Fetched(200, "1" * 64, 100)}
    assert "1 new detection(s)" in watched_url_rechecks(now=NOW, progress=nothing, fetcher=lambda u: answer["value"])
    detection = db.session.scalar(select(Detection).where(Detection.work_id == work.id))
    assert detection.source == "recheck" and detection.url_normalized == "https://reuploads.example/channel"
    # Same content later: nothing new. Different content: still one detection per work and URL.
    assert "0 with new content" in watched_url_rechecks(now=NOW + timedelta(hours=7), progress=nothing,
                                                        fetcher=lambda u: answer["value"])
    answer["value"] = Fetched(200, "2" * 64, 100)
    assert "0 new detection(s)" in watched_url_rechecks(now=NOW + timedelta(hours=14), progress=nothing,
                                                        fetcher=lambda u: answer["value"])
    assert watched.last_sha256 == "2" * 64


def test_url_rechecks_fetch_for_real_through_the_outbound_guard(app, case):
    """A server on loopback (allowed in tests by ALLOW_PRIVATE_URLS): 200 stays active, 404 is removed."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/still-here":
                body = b"<html>the infringing copy</html>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        here = case_service.add_url(case, f"{base}/still-here", actor=system(), now=NOW)
        gone = case_service.add_url(case, f"{base}/taken-down", actor=system(), now=NOW)
        assert app.config["ALLOW_PRIVATE_URLS"]
        url_rechecks(now=NOW, progress=nothing)
        import hashlib

        assert here.status == "active" and here.last_status_code == 200
        assert here.baseline_sha256 == hashlib.sha256(b"<html>the infringing copy</html>").hexdigest()
        assert gone.status == "removed" and gone.last_status_code == 404
    finally:
        server.shutdown()


def test_private_addresses_are_refused_when_not_allowed(app, case):
    row = case_service.add_url(case, "http://127.0.0.1:9/admin", actor=system(), now=NOW)
    app.config["ALLOW_PRIVATE_URLS"] = False
    try:
        url_rechecks(now=NOW, progress=nothing)
    finally:
        app.config["ALLOW_PRIVATE_URLS"] = True
    assert row.status == "unreachable" and row.last_status_code is None
    assert "127.0.0.1" in row.last_error or "private" in row.last_error.lower() or "refused" in row.last_error.lower()
