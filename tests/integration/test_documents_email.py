"""Sending a signed document by e-mail: a real SMTP server (aiosmtpd) on 127.0.0.1 receives the message
only after the commit, with the signed PDF attached; a rollback sends nothing; a refused delivery is
recorded on the sending."""
from __future__ import annotations

import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller

from casework.extensions import db
from casework.models.documents import Document, Sending
from casework.services import documents as docs
from tests.case_factories import NOW, system
from tests.integration.test_documents_lifecycle import letter_case
from tests.signing_fixtures import signed_app, signing_pki  # noqa: F401  (fixtures)


class Inbox:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(signed_app):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: signed_app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM")}
    signed_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="letters@casework.example")
    try:
        yield inbox
    finally:
        signed_app.config.update(saved)
        controller.stop()


def signed_letter(ids) -> Document:
    case = letter_case(ids["holder_a"])
    doc = docs.create_document(case, "cease_desist", "en", actor=system(), now=NOW)
    docs.approve(doc, actor=system(), now=NOW)
    docs.sign(doc, actor=system(), now=NOW)
    db.session.commit()
    return doc


def wait_for(inbox: Inbox, n: int = 1) -> None:
    deadline = time.monotonic() + 5
    while len(inbox.messages) < n and time.monotonic() < deadline:
        time.sleep(0.02)


def test_the_signed_pdf_arrives_only_after_the_commit(smtp, ids):
    doc = signed_letter(ids)
    sending = docs.send_by_email(doc, recipient="legal@copyshop.example", actor=system(), now=NOW)
    assert sending.delivery == "queued" and doc.status == "sent" and doc.sent_channel == "email"
    time.sleep(0.2)
    assert smtp.messages == []  # nothing leaves before the commit
    db.session.commit()
    wait_for(smtp)
    (sender, recipients, raw), = smtp.messages
    assert sender == "letters@casework.example" and recipients == ["legal@copyshop.example"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert doc.file_number in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{doc.file_number}.pdf"
    assert attachment.get_content() == docs.pdf_bytes(doc)
    assert doc.sha256 in message.get_body(("plain",)).get_content()
    db.session.expire_all()
    assert db.session.get(Sending, sending.id).delivery == "delivered"


def test_a_rolled_back_sending_sends_nothing(smtp, ids):
    doc = signed_letter(ids)
    docs.send_by_email(doc, recipient="legal@copyshop.example", actor=system(), now=NOW)
    db.session.rollback()
    time.sleep(0.3)
    assert smtp.messages == []
    assert db.session.get(Document, doc.id).status == "signed"


def test_sending_from_the_page(smtp, login_as, ids):
    doc = signed_letter(ids)
    page = login_as("legal")
    resp = page.post(f"/documents/{doc.id}/send", data={"channel": "email", "recipient": "owner@copyshop.example"})
    assert resp.status_code == 302
    wait_for(smtp)
    assert [m[1] for m in smtp.messages] == [["owner@copyshop.example"]]
    bad = page.post(f"/documents/{doc.id}/send", data={"channel": "email", "recipient": "nobody"}, follow_redirects=True)
    assert "not an e-mail address" in bad.get_data(as_text=True)
    assert len(smtp.messages) == 1


def test_a_refused_delivery_is_recorded(signed_app, ids):
    doc = signed_letter(ids)
    signed_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    try:
        sending = docs.send_by_email(doc, recipient="legal@copyshop.example", actor=system(), now=NOW)
        db.session.commit()
    finally:
        signed_app.config.update(SMTP_HOST="", SMTP_PORT=25)
    db.session.expire_all()
    row = db.session.get(Sending, sending.id)
    assert row.delivery == "failed" and "Connection" in row.error


def test_without_smtp_email_is_refused_and_post_is_offered(signed_app, ids):
    doc = signed_letter(ids)
    with pytest.raises(docs.DocumentError) as refused:
        docs.send_by_email(doc, recipient="legal@copyshop.example", actor=system(), now=NOW)
    assert "not configured" in str(refused.value)
    assert doc.status == "signed"
