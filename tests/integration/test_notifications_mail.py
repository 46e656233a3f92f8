"""Notification e-mail through a real SMTP server (aiosmtpd on 127.0.0.1): nothing before the change
commits (a rolled-back change sends nothing), daily digests gather a day's items, failed sends are
retried later and never lose the notification or the change."""
from __future__ import annotations

import email
import email.policy
import socket
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from casework.extensions import db
from casework.jobs.notifications import notification_mail, notifications_dispatch
from casework.jobs.runner import run_job
from casework.models.cases import Case
from casework.models.notifications import Notification
from casework.services import notifications
from casework.services.actor import Actor
from casework.workflow import transition
from tests.case_factories import NOW, case_at, make_work, system
from tests.conftest import committed_app


def nothing(fraction, message):
    pass


class Smtp:
    """A local SMTP server that keeps what it receives; `refuse` makes it answer 451 to every message."""

    def __init__(self):
        self.messages = []
        self.refuse = False
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 mailbox busy, try again later"
        self.messages.append(envelope)
        return "250 OK"

    def texts(self) -> list[str]:
        """Each message's subject and body, decoded."""
        out = []
        for m in self.messages:
            message = email.message_from_bytes(m.content, policy=email.policy.default)
            out.append(f"{message['Subject']}\n{message.get_content()}")
        return out

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp(app):
    server = Smtp()
    saved = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, MAIL_FROM="casework@test.example")
    yield server
    app.config.update(saved)
    server.stop()


def prefer(user, kind, delivery, email=True, inbox=True):
    notifications.set_preference(user, kind, notifications.Preference(delivery, email, inbox),
                                 actor=Actor.system("tests"), now=NOW)


@pytest.mark.no_transaction
def test_mail_goes_out_only_after_the_change_commits(fresh_database, tmp_path):
    server = Smtp()
    try:
        with committed_app(fresh_database, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=server.port,
                           MAIL_FROM="casework@test.example") as app, app.app_context():
            ids = app.config["PEOPLE"]
            case = case_at("review", [make_work(ids["holder_a"], "Poster")], title="Poster copied")
            db.session.commit()
            case_id = case.id

            # A stage change that rolls back: no event survives, so nothing is ever sent.
            transition(db.session.get(Case, case_id), "letter", actor=system(), now=NOW)
            db.session.rollback()
            assert run_job("notifications", now=NOW).status == "ok"
            assert run_job("notification_mail", now=NOW).status == "ok"
            assert server.messages == []
            assert db.session.scalar(select(func.count(Notification.id))) == 0

            # The same change committed: still nothing until the jobs run, then one mail to the creator.
            transition(db.session.get(Case, case_id), "letter", actor=system(), now=NOW, note="internal words")
            db.session.commit()
            assert server.messages == []
            run_job("notifications", now=NOW + timedelta(seconds=30))
            assert server.messages == []  # an inbox row now, the mail is the next job's work
            run_job("notification_mail", now=NOW + timedelta(seconds=60))
            assert [m.rcpt_tos for m in server.messages] == [["creator@test.example"]]
            text = server.texts()[0]
            assert "We are writing to the infringer" in text and "Poster copied" in text
            assert "internal words" not in text and f"http://localhost/portal/cases/{case_id}" in text
            # Sent once: the next runs send nothing more.
            run_job("notifications", now=NOW + timedelta(minutes=2))
            run_job("notification_mail", now=NOW + timedelta(minutes=2))
            assert len(server.messages) == 1
            row = db.session.scalars(select(Notification)).one()
            assert row.emailed_at == NOW + timedelta(seconds=60) and row.attempts == 1 and row.next_attempt_at is None
    finally:
        server.stop()


def test_a_daily_digest_gathers_the_days_items(smtp, people, ids):
    creator = people["creator"]
    prefer(creator, "case_stage", "digest")
    db.session.commit()
    cases = [case_at("review", [make_work(ids["holder_a"])], title=f"Case {n}") for n in range(3)]
    for n, case in enumerate(cases):  # 08:00, 10:00, 12:00 on the first day
        transition(case, "letter", actor=system(), now=NOW + timedelta(hours=2 * n))
    db.session.commit()
    notifications_dispatch(now=NOW + timedelta(hours=5), progress=nothing)
    rows = db.session.scalars(select(Notification).where(Notification.user_id == creator.id)).all()
    digest_at = datetime(2026, 6, 2, 7, 0, tzinfo=timezone.utc)  # the next day's digest hour
    assert len(rows) == 3 and {r.mail for r in rows} == {"digest"} and {r.next_attempt_at for r in rows} == {digest_at}
    notification_mail(now=NOW + timedelta(hours=6), progress=nothing)
    assert smtp.messages == []  # not before the digest hour

    late = case_at("review", [make_work(ids["holder_a"])], title="Case next day")
    transition(late, "letter", actor=system(), now=digest_at + timedelta(hours=1))  # after the digest: next one
    db.session.commit()
    notification_mail(now=digest_at, progress=nothing)
    assert len(smtp.messages) == 1 and smtp.messages[0].rcpt_tos == ["creator@test.example"]
    text = smtp.texts()[0]
    assert "daily digest: 3 notification" in text
    assert all(f"Case {n}" in text for n in range(3)) and "Case next day" not in text
    notifications_dispatch(now=digest_at + timedelta(hours=2), progress=nothing)
    notification_mail(now=digest_at + timedelta(hours=2), progress=nothing)
    assert len(smtp.messages) == 1  # the next day's item waits for the next digest
    notification_mail(now=digest_at + timedelta(days=1), progress=nothing)
    assert len(smtp.messages) == 2 and "Case next day" in smtp.texts()[1]
    assert "daily digest: 1 notification" in smtp.texts()[1]


def test_a_failed_send_is_retried_later_and_loses_nothing(app, smtp, people, ids):
    case = case_at("review", [make_work(ids["holder_a"])], title="Poster copied")
    transition(case, "letter", actor=system(), now=NOW)
    db.session.commit()
    notifications_dispatch(now=NOW, progress=nothing)
    smtp.refuse = True
    out = notification_mail(now=NOW, progress=nothing)
    assert "1 failed" in out and smtp.messages == []
    row = db.session.scalars(select(Notification).where(Notification.user_id == ids["creator"])).one()
    assert row.attempts == 1 and row.emailed_at is None and "451" in row.last_error
    assert row.next_attempt_at == NOW + notifications.FIRST_RETRY
    assert case.stage == "letter" and row.in_inbox and row.read_at is None  # the change and the inbox row stay

    smtp.refuse = False
    notification_mail(now=NOW + timedelta(seconds=30), progress=nothing)
    assert smtp.messages == []  # not due yet
    with socket.socket() as probe:  # now no server answers at all: a refused connection is retried too
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config["SMTP_PORT"] = closed_port
    notification_mail(now=NOW + notifications.FIRST_RETRY, progress=nothing)
    assert row.attempts == 2 and row.next_attempt_at == NOW + notifications.FIRST_RETRY * 3
    assert "ConnectionRefusedError" in row.last_error

    app.config["SMTP_PORT"] = smtp.port
    notification_mail(now=row.next_attempt_at, progress=nothing)
    assert [m.rcpt_tos for m in smtp.messages] == [["creator@test.example"]]
    assert row.attempts == 3 and row.emailed_at == NOW + notifications.FIRST_RETRY * 3
    assert row.next_attempt_at is None and row.last_error == ""


def test_retries_stop_after_the_last_attempt(smtp, ids):
    case = case_at("review", [make_work(ids["holder_a"])], title="Poster copied")
    transition(case, "letter", actor=system(), now=NOW)
    db.session.commit()
    notifications_dispatch(now=NOW, progress=nothing)
    smtp.refuse = True
    when = NOW
    row = db.session.scalars(select(Notification)).one()
    for _ in range(notifications.MAX_ATTEMPTS):
        notification_mail(now=when, progress=nothing)
        when = row.next_attempt_at or when
    assert row.attempts == notifications.MAX_ATTEMPTS and row.next_attempt_at is None and row.emailed_at is None
    assert row.in_inbox  # given up by e-mail, still in the inbox
