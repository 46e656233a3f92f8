"""Sending a signed document and what came back.

    record_sending(doc, *, channel, recipient, actor, now, response_days=None, note="") -> Sending
    send_by_email(doc, *, recipient, actor, now, response_days=None, subject=None, body=None) -> Sending
    record_answer(doc, *, note, actor, now) / record_no_answer(doc, *, actor, now, note="")

Only a signed document that names every required element is sent. The first sending moves it to
``sent`` and opens a response deadline (a Deadline row the scheduler reminds about); an answer, or
the decision that none came, closes that deadline. E-mail leaves after the commit with the signed
PDF attached; the sending row then says whether the SMTP server accepted it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import update
from sqlalchemy.orm import Session

from casework.extensions import db
from casework.models.documents import SENDING_CHANNELS, Document, Sending
from casework.services import audit, deadlines, events, mail
from casework.services.actor import Actor
from casework.services.documents.context import response_days as default_days
from casework.services.documents.lifecycle import (DocumentError, DocumentStateError, MissingElements,
                                                   context_of, missing, pdf_bytes)

__all__ = ["record_sending", "send_by_email", "record_answer", "record_no_answer", "RESPONSE_DEADLINE_KIND"]

log = logging.getLogger(__name__)
RESPONSE_DEADLINE_KIND = "document_response"
MAX_RESPONSE_DAYS = 365
_EMAIL_CHECK = None


def _valid_email(value: str) -> bool:
    from casework.services.accounts import AccountError, normalize_email

    try:
        normalize_email(value)
    except AccountError:
        return False
    return True


def record_sending(doc: Document, *, channel: str, recipient: str, actor: Actor, now: datetime,
                   response_days: Optional[int] = None, note: str = "", delivery: str = "recorded") -> Sending:
    """Record that a signed document went out (by post or a platform's form; e-mail: send_by_email)."""
    if not doc.is_signed or doc.status in ("answered", "no_answer"):
        raise DocumentStateError(f"only a signed document can be sent; this one is {doc.status}")
    gaps = missing(doc)
    if gaps:
        raise MissingElements(doc.kind, gaps, doc.lang)
    if channel not in SENDING_CHANNELS:
        raise DocumentError(f"channel must be one of {', '.join(SENDING_CHANNELS)}", "channel")
    recipient = (recipient or "").strip()
    if not recipient or len(recipient) > 500:
        raise DocumentError("say who it was sent to (at most 500 characters)", "recipient")
    if channel == "email" and not _valid_email(recipient):
        raise DocumentError(f"{recipient!r} is not an e-mail address", "recipient")
    if response_days is not None and not (isinstance(response_days, int) and 1 <= response_days <= MAX_RESPONSE_DAYS):
        raise DocumentError(f"response_days must be between 1 and {MAX_RESPONSE_DAYS}", "response_days")
    sending = Sending(document=doc, channel=channel, recipient=recipient, at=now, actor_id=actor.user_id,
                      actor_label=actor.label, note=(note or "")[:5000], delivery=delivery)
    db.session.add(sending)
    first = doc.status == "signed"
    if first:
        days = response_days or default_days(context_of(doc), doc.signed_at.date() if doc.signed_at else None)
        doc.status, doc.sent_channel, doc.sent_to, doc.sent_at = "sent", channel, recipient[:500], now
        doc.response_due_at = now + timedelta(days=days)
        deadlines.create(kind=RESPONSE_DEADLINE_KIND, due_at=doc.response_due_at, actor=actor, now=now,
                         case=doc.case, title=f"Answer to {doc.file_number}", source_type="document",
                         source_id=doc.id)
    doc.updated_at = now
    db.session.flush()
    events.emit("document.sent", {"document_id": doc.id, "case_id": doc.case_id, "kind": doc.kind,
                                  "channel": channel, "sending_id": sending.id}, case_id=doc.case_id, now=now)
    if doc.case is not None:
        from casework.services.cases import add_event

        add_event(doc.case, "document_sent", f"{doc.file_number} by {channel} to {recipient}"[:10000], actor=actor,
                  now=now, data={"document": doc.id, "channel": channel})
    audit.record(actor, "document.send", doc, f"{doc.file_number} by {channel} to {recipient}", now=now)
    return sending


def _delivery_recorder(sending_id: int):
    """After the commit: write the SMTP outcome on the sending row in a session of its own."""
    def record(ok: bool, error: str) -> None:
        try:
            with Session(bind=db.engine) as s:
                if s.get_bind().dialect.name == "sqlite":
                    s.connection().exec_driver_sql("PRAGMA busy_timeout=2000")
                s.execute(update(Sending).where(Sending.id == sending_id)
                          .values(delivery="delivered" if ok else "failed", error=error[:2000]))
                s.commit()
        except Exception as exc:  # the outcome is also in the log; never break the request over it
            log.warning("could not record the delivery of sending %s: %s", sending_id, exc)
    return record


def send_by_email(doc: Document, *, recipient: str, actor: Actor, now: datetime, response_days: Optional[int] = None,
                  subject: Optional[str] = None, body: Optional[str] = None, note: str = "") -> Sending:
    """Send the signed PDF by e-mail after the commit, and record the sending (delivery: queued)."""
    if not mail.configured():
        raise DocumentError("e-mail is not configured (SMTP_HOST): record a sending by post or form instead",
                            "channel")
    sending = record_sending(doc, channel="email", recipient=recipient, actor=actor, now=now,
                             response_days=response_days, note=note, delivery="queued")
    content = pdf_bytes(doc)
    ctx = context_of(doc)
    issuer = (ctx.get("issuer") or {}).get("name", "")
    subject = (subject or f"{doc.file_number} {issuer}").strip()[:300]
    body = body or (f"Please find attached our signed document {doc.file_number}.\n"
                    f"SHA-256 of the PDF: {doc.sha256}\nVerify it at: {ctx['verification_url']}\n")
    mail.send_after_commit([sending.recipient], subject, body,
                           attachments=[(f"{doc.file_number}.pdf", "application/pdf", content)],
                           on_result=_delivery_recorder(sending.id))
    return sending


def _close(doc: Document, status: str, note: str, *, actor: Actor, now: datetime) -> Document:
    if doc.status != "sent":
        raise DocumentStateError(f"only a sent document can be answered or closed without an answer; this one is {doc.status}")
    doc.status, doc.answer_note, doc.updated_at = status, (note or "").strip()[:20000], now
    if status == "answered":
        doc.answered_at = now
    deadlines.complete_for_source("document", doc.id, actor=actor, now=now, kind=RESPONSE_DEADLINE_KIND)
    events.emit(f"document.{status}", {"document_id": doc.id, "case_id": doc.case_id, "kind": doc.kind},
                case_id=doc.case_id, now=now)
    if doc.case is not None:
        from casework.services.cases import add_event

        add_event(doc.case, f"document_{status}", f"{doc.file_number}: {doc.answer_note}"[:10000], actor=actor,
                  now=now, data={"document": doc.id})
    audit.record(actor, f"document.{status}", doc, doc.answer_note[:500], now=now)
    return doc


def record_answer(doc: Document, *, note: str, actor: Actor, now: datetime) -> Document:
    if not (note or "").strip():
        raise DocumentError("say what the answer was", "note")
    return _close(doc, "answered", note, actor=actor, now=now)


def record_no_answer(doc: Document, *, actor: Actor, now: datetime, note: str = "") -> Document:
    return _close(doc, "no_answer", note, actor=actor, now=now)
