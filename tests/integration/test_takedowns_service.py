"""Takedown services through the app and a real database: creation per platform, sending, the answers,
history, audit, ledger and outbox, deadlines, and removal confirmed only by a re-check."""
from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import rfc8785
from sqlalchemy import select

from casework.extensions import db
from casework.jobs.builtin import url_rechecks
from casework.models import AuditEntry
from casework.models.ledger import Deposit
from casework.models.scheduling import Deadline, DomainEvent
from casework.models.takedowns import TakedownEvent
from casework.services import takedowns as service
from casework.services.rechecks import Fetched
from tests.signing_fixtures import signed_app, signing_pki  # noqa: F401
from tests.case_factories import NOW, system
from tests.takedown_factories import case_with_urls, platform, ready_to_send, sent_takedown


def nothing(*a):
    pass


@pytest.fixture
def setup(signed_app, ids):
    yt = platform("web_form", "us", domain="tube.example")
    wb = platform("email", "cn", domain="weibo.example")
    case = case_with_urls(ids["holder_a"], ["https://tube.example/watch?v=1", "https://tube.example/watch?v=2",
                                            "https://weibo.example/p/3", "https://elsewhere.example/x"])
    return {"yt": yt, "wb": wb, "case": case}


def deadlines_of(td, kind=None):
    """The takedown's deadlines: its own (counter-notice window) and its notice document's response deadline."""
    if kind == "takedown_response":
        stmt = select(Deadline).where(Deadline.source_type == "document", Deadline.source_id == str(td.document_id),
                                      Deadline.kind == "document_response")
    else:
        stmt = select(Deadline).where(Deadline.source_type == "takedown", Deadline.source_id == str(td.id))
        if kind:
            stmt = stmt.where(Deadline.kind == kind)
    return list(db.session.scalars(stmt))


def test_one_takedown_per_platform_with_that_platforms_urls(setup):
    created = service.create_for_case(setup["case"], actor=system(), now=NOW)
    by_platform = {td.platform_id: td for td in created}
    assert set(by_platform) == {setup["yt"].id, setup["wb"].id}
    yt, wb = by_platform[setup["yt"].id], by_platform[setup["wb"].id]
    assert [u.url_normalized for u in yt.urls] == ["https://tube.example/watch?v=1", "https://tube.example/watch?v=2"]
    assert [u.url_normalized for u in wb.urls] == ["https://weibo.example/p/3"]
    assert (yt.format, yt.lang, wb.format, wb.lang) == ("us", "en", "cn", "zh")
    assert yt.status == wb.status == "draft"
    # One under way per platform: a second is refused, and nothing is left to create for the case.
    with pytest.raises(service.TransitionRefused, match="already under way"):
        service.create_takedown(setup["case"], setup["yt"], actor=system(), now=NOW)
    with pytest.raises(service.TakedownError, match="no platform"):
        service.create_for_case(setup["case"], actor=system(), now=NOW)


def test_each_notice_names_only_its_platforms_urls_even_after_taking_the_case_data_again(setup):
    from casework.models.documents import Document
    from casework.services import documents

    created = {td.platform_id: td for td in service.create_for_case(setup["case"], actor=system(), now=NOW)}

    def named(td):
        doc = db.session.get(Document, td.document_id)
        return sorted(item["url"] for item in doc.context["infringing"])

    yt, wb = created[setup["yt"].id], created[setup["wb"].id]
    assert named(yt) == ["https://tube.example/watch?v=1", "https://tube.example/watch?v=2"]
    assert named(wb) == ["https://weibo.example/p/3"]
    documents.refresh(db.session.get(Document, wb.document_id), actor=system(), now=NOW)
    assert named(wb) == ["https://weibo.example/p/3"]


def test_a_platform_without_urls_of_the_case_is_refused(setup, ids):
    other = platform("email", "cn")
    with pytest.raises(service.TakedownError, match="no URL"):
        service.create_takedown(setup["case"], other, actor=system(), now=NOW)


def test_sending_by_web_form_needs_the_platforms_reference(setup):
    td = service.create_takedown(setup["case"], setup["yt"], actor=system(), now=NOW)
    ready_to_send(td)
    with pytest.raises(service.TakedownError, match="confirmation or reference"):
        service.send(td, actor=system(), now=NOW)
    assert td.status == "draft"
    service.send(td, actor=system(), now=NOW, reference="YT-CASE-7781")
    assert (td.status, td.sent_channel, td.platform_reference, td.sent_at) == ("sent", "web_form", "YT-CASE-7781", NOW)
    assert td.sent_recipient == "https://tube.example/copyright"


def test_a_notice_already_sent_from_its_document_page_is_not_sent_twice(setup):
    from casework.models.documents import Document, Sending
    from casework.services import documents

    td = service.create_takedown(setup["case"], setup["yt"], actor=system(), now=NOW)
    ready_to_send(td)
    doc = db.session.get(Document, td.document_id)
    documents.record_sending(doc, channel="platform_form", recipient="https://tube.example/copyright",
                             actor=system(), now=NOW)
    service.send(td, actor=system(), now=NOW + timedelta(hours=1), reference="YT-42")
    assert (td.status, td.sent_at, td.platform_reference) == ("sent", NOW, "YT-42")
    assert len(list(db.session.scalars(select(Sending).where(Sending.document_id == doc.id)))) == 1


def test_each_move_is_history_audit_deposit_and_outbox_event(setup):
    td = sent_takedown(setup["case"], setup["yt"])
    service.acknowledge(td, actor=system(), now=NOW + timedelta(hours=20), reference="T-1")
    events = list(db.session.scalars(select(TakedownEvent).where(TakedownEvent.takedown_id == td.id)
                                     .order_by(TakedownEvent.id)))
    assert [(e.from_status, e.to_status) for e in events] == [(None, "draft"), ("draft", "sent"),
                                                               ("sent", "acknowledged")]
    for e in events:  # each row's deposit can be recomputed from the row: hashes of its note and data
        deposit = db.session.scalar(select(Deposit).where(Deposit.index == e.deposit_index))
        assert deposit is not None and deposit.subject == f"takedown:{td.id}" and deposit.kind == "case_event"
        document = json.loads(deposit.document)
        assert (document["from"], document["to"], document["event"]) == (e.from_status, e.to_status, e.id)
        assert document["note_sha256"] == hashlib.sha256(e.note.encode()).hexdigest()
        assert document["data_sha256"] == hashlib.sha256(rfc8785.dumps(e.data)).hexdigest()
        assert deposit.sha256 == hashlib.sha256(rfc8785.dumps(document)).hexdigest()
    outbox = list(db.session.scalars(select(DomainEvent).where(DomainEvent.type == "takedown.status_changed")
                                     .order_by(DomainEvent.seq)))
    assert [e.data for e in outbox][-2:] == [
        {"takedown_id": td.id, "case_id": td.case_id, "platform_id": td.platform_id, "from": "draft", "to": "sent"},
        {"takedown_id": td.id, "case_id": td.case_id, "platform_id": td.platform_id, "from": "sent",
         "to": "acknowledged"}]
    actions = list(db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "takedown.transition",
                                                                       AuditEntry.object_id == str(td.id))))
    assert actions == ["draft -> sent", "sent -> acknowledged"]
    assert td.first_response_at == NOW + timedelta(hours=20)


def test_the_table_refuses_moves_and_leaves_nothing_written(setup):
    td = sent_takedown(setup["case"], setup["yt"])
    service.refuse(td, actor=system(), now=NOW + timedelta(days=1), reason="not a copy of the work")
    before = db.session.scalar(select(TakedownEvent.id).order_by(TakedownEvent.id.desc()).limit(1))
    for verb, kw in ((service.acknowledge, {}), (service.restore, {}), (service.withdraw, {"reason": "x"})):
        with pytest.raises(service.TransitionRefused, match="cannot move from refused"):
            verb(td, actor=system(), now=NOW + timedelta(days=2), **kw)
    assert db.session.scalar(select(TakedownEvent.id).order_by(TakedownEvent.id.desc()).limit(1)) == before
    assert td.status == "refused" and td.refusal_reason == "not a copy of the work"


def test_answers_need_their_text_and_a_sane_time(setup):
    td = sent_takedown(setup["case"], setup["yt"])
    with pytest.raises(service.TakedownError, match="reason"):
        service.refuse(td, actor=system(), now=NOW, reason="  ")
    with pytest.raises(service.TakedownError, match="in the future"):
        service.acknowledge(td, actor=system(), now=NOW, at=NOW + timedelta(days=1))
    with pytest.raises(service.TakedownError, match="before the notice was sent"):
        service.acknowledge(td, actor=system(), now=NOW, at=NOW - timedelta(days=1))
    assert td.status == "sent"


def test_response_deadline_created_on_sending_and_cleared_by_the_answer(setup):
    td = sent_takedown(setup["case"], setup["yt"])  # US: 7 days by default
    [due] = deadlines_of(td, "takedown_response")
    assert due.status == "open" and due.due_at == NOW + timedelta(days=7) and due.case_id == td.case_id
    service.acknowledge(td, actor=system(), now=NOW + timedelta(days=1))
    assert due.status == "done" and due.done_at == NOW + timedelta(days=1)


def test_per_platform_response_days(setup, ids):
    assert service.response_days(setup["wb"]) == 3 and service.response_days(setup["yt"]) == 7  # CN, US defaults
    service.set_response_days(setup["yt"], 5, actor=system(), now=NOW)
    assert service.response_days(setup["yt"]) == 5
    with pytest.raises(service.TakedownError):
        service.set_response_days(setup["yt"], 0, actor=system(), now=NOW)
    td = sent_takedown(setup["case"], setup["yt"])
    assert deadlines_of(td, "takedown_response")[0].due_at == NOW + timedelta(days=5)
    service.set_response_days(setup["yt"], None, actor=system(), now=NOW)
    assert service.response_days(setup["yt"]) == 7


def test_a_cn_notice_without_preliminary_proof_is_not_sent(setup):
    """The documents' own completeness check: art. 14 wants preliminary proof (certificate, evidence)."""
    from casework.models.documents import Document
    from casework.services import documents

    td = service.create_takedown(setup["case"], setup["wb"], actor=system(), now=NOW)
    doc = db.session.get(Document, td.document_id)
    assert doc.kind == "takedown_notice_cn" and doc.lang == "zh"
    assert "preliminary_proof_evidence" in documents.missing(doc)
    with pytest.raises(service.TransitionRefused, match="cannot be sent"):
        service.send(td, actor=system(), now=NOW, reference="x")
    assert td.status == "draft" and td.sent_at is None


def test_counter_notice_window_created_and_cleared(setup):
    td = sent_takedown(setup["case"], setup["yt"])
    received = NOW + timedelta(days=3)
    service.record_counter_notice(td, actor=system(), now=received + timedelta(hours=1), at=received,
                                  content="I own a licence for this clip. (signed) J. Doe")
    [window] = deadlines_of(td, "counter_notice_window")
    assert window.due_at == service.add_business_days(received, 10) and window.status == "open"
    assert deadlines_of(td, "takedown_response")[0].status == "done"
    service.restore(td, actor=system(), now=received + timedelta(days=15))
    assert window.status == "done" and td.status == "restored" and td.restored_at == received + timedelta(days=15)


def test_withdrawing_clears_every_open_deadline(setup):
    td = sent_takedown(setup["case"], setup["yt"])
    service.withdraw(td, actor=system(), now=NOW + timedelta(days=1), reason="settled with the uploader")
    assert all(d.status == "done" for d in deadlines_of(td) + deadlines_of(td, "takedown_response"))
    assert deadlines_of(td, "takedown_response") and td.withdrawn_at == NOW + timedelta(days=1)


def test_the_platforms_word_alone_does_not_remove(setup):
    td = sent_takedown(setup["case"], setup["yt"])
    service.record_platform_removal(td, actor=system(), now=NOW + timedelta(hours=5))
    assert td.status == "sent" and td.removed_at is None
    assert td.platform_reported_removed_at == NOW + timedelta(hours=5)
    assert td.first_response_at == NOW + timedelta(hours=5)
    assert deadlines_of(td, "takedown_response")[0].status == "done"
    with pytest.raises(service.TakedownError, match="unknown takedown status|cannot move"):
        service.move(td, "removed_x", actor=system(), now=NOW)


def test_recheck_moves_to_removed_only_when_every_url_is_gone(setup):
    td = sent_takedown(setup["case"], setup["yt"])
    answers = {"https://tube.example/watch?v=1": Fetched(404, None, 0),
               "https://tube.example/watch?v=2": Fetched(200, "a" * 64, 10)}
    fetch = lambda url: answers.get(url, Fetched(200, "b" * 64, 10))  # noqa: E731
    first = NOW + timedelta(days=1)
    url_rechecks(now=first, progress=nothing, fetcher=fetch)
    assert td.status == "sent"
    answers["https://tube.example/watch?v=2"] = Fetched(410, None, 0)
    second = first + timedelta(hours=7)
    url_rechecks(now=second, progress=nothing, fetcher=fetch)
    assert td.status == "removed" and td.removed_at == second and td.first_response_at == second
    last = db.session.scalar(select(TakedownEvent).where(TakedownEvent.takedown_id == td.id)
                             .order_by(TakedownEvent.id.desc()).limit(1))
    assert (last.from_status, last.to_status, last.actor_label) == ("sent", "removed", "url_rechecks")
    assert deadlines_of(td, "takedown_response")[0].status == "done"


def test_a_counter_noticed_url_answering_again_is_restored_by_the_recheck(setup):
    td = sent_takedown(setup["case"], setup["yt"])
    answers = {u.url_normalized: Fetched(404, None, 0) for u in td.urls}

    def fetch(url):
        return answers.get(url, Fetched(200, "d" * 64, 1))

    url_rechecks(now=NOW + timedelta(days=1), progress=nothing, fetcher=fetch)
    assert td.status == "removed"
    service.record_counter_notice(td, actor=system(), now=NOW + timedelta(days=2), content="mistaken identification")
    back = NOW + timedelta(days=15)
    answers[td.urls[0].url_normalized] = Fetched(200, "e" * 64, 1)
    url_rechecks(now=back, progress=nothing, fetcher=fetch)
    assert td.status == "restored" and td.restored_at == back
    assert [d.status for d in deadlines_of(td, "counter_notice_window")] == ["done"]


def test_a_draft_is_not_removed_by_a_recheck_and_is_not_sent_once_everything_is_gone(setup):
    td = service.create_takedown(setup["case"], setup["yt"], actor=system(), now=NOW)
    ready_to_send(td)
    url_rechecks(now=NOW + timedelta(days=1), progress=nothing, fetcher=lambda url: Fetched(404, None, 0))
    assert td.status == "draft" and td.removed_at is None
    with pytest.raises(service.TakedownError, match="already gone"):
        service.send(td, actor=system(), now=NOW + timedelta(days=1), reference="R")
    service.withdraw(td, actor=system(), now=NOW + timedelta(days=1), reason="removed before we sent it")
    assert td.status == "withdrawn" and td.sent_at is None


class Pages(BaseHTTPRequestHandler):
    codes = {"/gone": 404, "/gone-for-good": 410, "/still-here": 200}

    def do_GET(self):
        code = self.codes.get(self.path.split("?")[0], 404)
        body = b"<html>the infringing copy</html>" if code == 200 else b""
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback(app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    assert app.config["ALLOW_PRIVATE_URLS"]
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_recheck_through_a_real_server_confirms_404_and_410_but_not_200(signed_app, ids, loopback):
    plat = platform("api", "us", domain="127.0.0.1")
    gone_case = case_with_urls(ids["holder_a"], [f"{loopback}/gone", f"{loopback}/gone-for-good"])
    up_case = case_with_urls(ids["holder_a"], [f"{loopback}/still-here"])
    gone = sent_takedown(gone_case, plat, reference="API-1")
    up = sent_takedown(up_case, plat, reference="API-2")
    check = NOW + timedelta(days=2)
    url_rechecks(now=check, progress=nothing)
    assert gone.status == "removed" and gone.removed_at == check
    assert sorted(u.last_status_code for u in gone.urls) == [404, 410]
    assert up.status == "sent" and up.removed_at is None and up.urls[0].last_status_code == 200


def test_email_channel_sends_the_signed_pdf_after_the_commit(app, setup, ids):
    """A platform taking notices by e-mail: SMTP (aiosmtpd on loopback) gets the signed PDF attached."""
    import email
    import time

    from tests.integration.test_notifications_mail import Smtp

    plat = platform("email", "us", domain="mailtube.example")
    case = case_with_urls(ids["holder_a"], ["https://mailtube.example/v/1"])
    td = service.create_takedown(case, plat, actor=system(), now=NOW)
    ready_to_send(td)
    with pytest.raises(service.TransitionRefused, match="not configured"):  # no SMTP: refused, nothing sent
        service.send(td, actor=system(), now=NOW)
    assert td.status == "draft"
    server = Smtp()
    saved = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, MAIL_FROM="casework@test.example")
    try:
        service.send(td, actor=system(), now=NOW)
        assert server.messages == []  # not before the commit
        db.session.commit()
        for _ in range(100):
            if server.messages:
                break
            time.sleep(0.05)
        [envelope] = server.messages
        assert envelope.rcpt_tos == ["notices@mailtube.example"]
        message = email.message_from_bytes(envelope.content)
        [pdf] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
        assert pdf.get_payload(decode=True).startswith(b"%PDF")
    finally:
        app.config.update(saved)
        server.stop()
    assert (td.status, td.sent_channel, td.sent_recipient) == ("sent", "email", "notices@mailtube.example")
