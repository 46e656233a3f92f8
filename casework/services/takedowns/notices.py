"""Takedown notices: drafting one per platform, the one writer of status, sending, the platform's
answers, and removal confirmed by the URL re-check job.

Each move is a history row deposited in the ledger, an audit entry and a "takedown.status_changed"
outbox event, all in the caller's transaction; the counter-notice window is a Deadline row with
source "takedown" (the response deadline is the notice document's own).
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Optional

import rfc8785
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from casework.extensions import db
from casework.models.cases import Case, CaseUrl
from casework.models.monitoring import Platform
from casework.models.takedowns import TakedownEvent, TakedownNotice, takedown_url
from casework.services import audit, deadlines, events
from casework.services.actor import Actor
from casework.services.takedowns.states import (RESPONSES, TRANSITIONS, S, Status, TakedownError, TransitionRefused,
                                                allowed_targets)
from casework.services.takedowns.timing import counter_notice_due, response_days

log = logging.getLogger(__name__)
SOURCE = "takedown"
MAX_TEXT = 20_000


# --- creating ---------------------------------------------------------------------------------

def _open_takedown(case: Case, platform_id: int) -> Optional[TakedownNotice]:
    """A takedown of this case on this platform that is still going (not ended), if any."""
    ended = (S.REFUSED.value, S.RESTORED.value, S.WITHDRAWN.value)
    return db.session.scalar(select(TakedownNotice).where(TakedownNotice.case_id == case.id,
                                                          TakedownNotice.platform_id == platform_id,
                                                          TakedownNotice.status.not_in(ended)).limit(1))


def _pending_urls(case: Case, platform_id: int) -> list[CaseUrl]:
    return list(db.session.scalars(select(CaseUrl).where(CaseUrl.case_id == case.id,
                                                         CaseUrl.platform_id == platform_id,
                                                         CaseUrl.status != "removed").order_by(CaseUrl.id)))


def eligible_platforms(case: Case) -> list[Platform]:
    """Platforms with URLs of this case still up and no takedown under way there."""
    ids = list(db.session.scalars(select(CaseUrl.platform_id).where(
        CaseUrl.case_id == case.id, CaseUrl.platform_id.is_not(None), CaseUrl.status != "removed").distinct()))
    platforms = [db.session.get(Platform, pid) for pid in sorted(ids)]
    return [p for p in platforms if _open_takedown(case, p.id) is None]


def _notice_fields(platform: Platform) -> dict:
    """The notice's recipient is this platform, at the address its channel takes."""
    fields = {"recipient.name": platform.name}
    if platform.channel_address:
        fields["recipient.email" if platform.takedown_channel == "email" else "recipient.address"] = \
            platform.channel_address
    return fields


def create_takedown(case: Case, platform: Platform, *, actor: Actor, now: datetime,
                    lang: Optional[str] = None) -> TakedownNotice:
    """A draft takedown of the case's URLs on `platform`, with its notice drafted in the platform's format."""
    if case.stage == "closed":
        raise TransitionRefused("the case is closed: no new takedowns")
    if platform is None:
        raise TakedownError("choose a platform")
    if _open_takedown(case, platform.id) is not None:
        raise TransitionRefused(f"a takedown to {platform.name} is already under way for this case")
    urls = _pending_urls(case, platform.id)
    if not urls:
        raise TakedownError(f"the case has no URL on {platform.name} that is still up")
    fmt = platform.notice_format
    lang = lang or ("en" if fmt == "us" else "zh")
    if lang not in ("en", "zh"):
        raise TakedownError("the notice language is en or zh")
    td = TakedownNotice(case_id=case.id, platform_id=platform.id, format=fmt, lang=lang, status=S.DRAFT.value,
                        created_at=now, created_by_id=actor.user_id, updated_at=now)
    db.session.add(td)
    db.session.flush()
    db.session.execute(takedown_url.insert(), [{"takedown_id": td.id, "case_url_id": u.id} for u in urls])
    from casework.services import documents

    try:
        doc = documents.create_document(case, f"takedown_notice_{fmt}", lang, actor=actor, now=now,
                                        fields=_notice_fields(platform), urls=urls)
    except documents.DocumentError as exc:
        raise TakedownError(f"the notice could not be drafted: {exc}") from None
    td.document_id = doc.id
    db.session.flush()
    db.session.expire(td, ["urls"])
    _history(td, None, S.DRAFT, actor=actor, now=now, note="", data={"urls": [u.id for u in urls]})
    audit.record(actor, "takedown.create", td, f"case {case.id} -> {platform.name} ({len(urls)} URL(s))", now=now)
    return td


def create_for_case(case: Case, *, actor: Actor, now: datetime, lang: Optional[str] = None) -> list[TakedownNotice]:
    """One takedown per platform that hosts URLs of the case and has none under way."""
    platforms = eligible_platforms(case)
    if not platforms:
        raise TakedownError("no platform of this case is left without a takedown (or no URL is on a known platform)")
    return [create_takedown(case, p, actor=actor, now=now, lang=lang) for p in platforms]


# --- the one writer of status -----------------------------------------------------------------

def _event_document(td: TakedownNotice, ev: TakedownEvent) -> dict:
    """What a history row's deposit says; only ids, states and hashes (the ledger is public): the note's
    UTF-8 and the data's RFC 8785 form, so anyone holding the row can recompute the entry."""
    return {"type": "takedown_event", "takedown": td.id, "case": td.case_id, "platform": td.platform_id,
            "event": ev.id, "kind": ev.kind, "at": events.rfc3339(ev.at), "actor": ev.actor_ref,
            "from": ev.from_status, "to": ev.to_status,
            "note_sha256": hashlib.sha256((ev.note or "").encode("utf-8")).hexdigest(),
            "data_sha256": hashlib.sha256(rfc8785.dumps(ev.data or {})).hexdigest()}


def _history(td: TakedownNotice, from_status: Optional[Status], to_status: Status, *, actor: Actor, now: datetime,
             note: str = "", data: Optional[dict] = None, kind: str = "status_changed") -> TakedownEvent:
    from casework.services.ledger import deposit_json

    ev = TakedownEvent(takedown_id=td.id, at=now, kind=kind, from_status=from_status.value if from_status else None,
                       to_status=to_status.value, actor_label=actor.label, actor_ref=actor.ledger_name[:300],
                       note=(note or "")[:MAX_TEXT], data=data or {})
    db.session.add(ev)
    db.session.flush()
    ev.deposit_index = deposit_json(kind="case_event", document=_event_document(td, ev), subject=f"takedown:{td.id}",
                                    actor=actor, now=now).index
    return ev


def move(td: TakedownNotice, to, *, actor: Actor, now: datetime, note: str = "", values: Optional[dict] = None,
         data: Optional[dict] = None, answered_at: Optional[datetime] = None) -> TakedownEvent:
    """Move a takedown to `to` if the table allows it, with its column `values`; the only writer of status.

    `answered_at` is when the platform answered (a person may record an answer later than it came).
    """
    target = Status.parse(to)
    current = Status.parse(td.status)
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in allowed_targets(current)) or "none: this takedown has ended"
        raise TransitionRefused(f"a takedown cannot move from {current.value} to {target.value} (allowed: {allowed})")
    changes = {"status": target.value, "updated_at": now, **(values or {})}
    if target in RESPONSES and td.first_response_at is None and td.sent_at is not None:
        changes["first_response_at"] = answered_at or now
    db.session.flush()
    result = db.session.execute(update(TakedownNotice)
                                .where(TakedownNotice.id == td.id, TakedownNotice.status == current.value)
                                .values(**changes).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(td, ["status"])
        raise TransitionRefused(f"the takedown was moved to {td.status} meanwhile; reload and try again")
    for key, value in changes.items():
        set_committed_value(td, key, value)
    ev = _history(td, current, target, actor=actor, now=now, note=note, data=data)
    events.emit("takedown.status_changed", {"takedown_id": td.id, "case_id": td.case_id,
                                            "platform_id": td.platform_id, "from": current.value,
                                            "to": target.value}, case_id=td.case_id, now=now)
    audit.record(actor, "takedown.transition", td, f"{current.value} -> {target.value}" + (f": {note}" if note else ""),
                 now=now)
    _deadlines_after(td, current, target, actor=actor, now=now)
    return ev


def _deadlines_after(td: TakedownNotice, current: Status, target: Status, *, actor: Actor, now: datetime) -> None:
    platform = td.platform
    if target in RESPONSES or target == S.WITHDRAWN:
        _close_document(td, target, actor=actor, now=now)
    if target == S.COUNTER_NOTICE:
        deadlines.create(kind="counter_notice_window", due_at=counter_notice_due(td.format, td.counter_notice_at),
                         case=td.case, actor=actor, now=now, source_type=SOURCE, source_id=td.id,
                         title=f"{platform.name}: file suit and tell the platform, or it restores (#{td.id})")
    if target in (S.RESTORED, S.WITHDRAWN):
        deadlines.complete_for_source(SOURCE, td.id, actor=actor, now=now, kind="counter_notice_window")


def _text(value, what: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise TakedownError(f"{what} is required")
    if len(value) > limit:
        raise TakedownError(f"{what} is longer than {limit} characters")
    return value


def _when(at: Optional[datetime], now: datetime, what: str, *, not_before: Optional[datetime] = None) -> datetime:
    """A time the user reports (when the platform answered): not in the future, not before the notice went."""
    if at is None:
        return now
    if at.tzinfo is None:
        raise TakedownError(f"{what}: give the time in UTC")
    if at > now:
        raise TakedownError(f"{what} is in the future")
    if not_before is not None and at < not_before:
        raise TakedownError(f"{what} is before the notice was sent")
    return at


# --- the verbs --------------------------------------------------------------------------------

def send(td: TakedownNotice, *, actor: Actor, now: datetime, reference: str = "",
         recipient: Optional[str] = None, note: str = "") -> TakedownEvent:
    """Send the notice through the platform's channel (draft -> sent).

    E-mail goes through the documents service (the signed PDF attached, sent after the commit); a
    web form or API submission was made by the user, who gives the confirmation or reference the
    platform returned. The documents service refuses a notice that is not signed and complete, and
    opens the response deadline (the platform's response days) on the notice document.
    """
    from casework.services import documents

    if td.status != S.DRAFT.value:
        raise TransitionRefused(f"only a draft is sent; this takedown is {td.status}")
    platform = td.platform
    channel = platform.takedown_channel
    recipient = _text(recipient if recipient is not None else platform.channel_address, "the recipient", limit=500)
    reference = _text(reference, "the platform's reference", limit=300)
    if not recipient:
        raise TakedownError(f"{platform.name} has no {channel} address for notices: set it on the platform first")
    if channel in ("web_form", "api") and not reference:
        raise TakedownError("a notice sent through a web form or an API needs the confirmation or reference "
                            "the platform gave")
    if td.urls and all(u.status == "removed" for u in td.urls):
        raise TakedownError("every URL of this notice is already gone (confirmed by re-check): nothing to take down; "
                            "withdraw it instead")
    doc = _document(td)
    days = response_days(platform)
    if doc.status == "sent" and doc.sent_at is not None:
        # Already sent from the document's own page: that sending is the notice going out; record it here
        # rather than sending the platform the same notice twice.
        return move(td, S.SENT, actor=actor, now=now, note=note or "sent from the notice document's page",
                    values={"sent_channel": channel, "sent_recipient": doc.sent_to or recipient,
                            "sent_at": doc.sent_at, "platform_reference": reference},
                    data={"channel": channel, "recipient": doc.sent_to or recipient, "reference": reference,
                          "document": doc.id, "already_sent": True})
    try:
        if channel == "email":
            documents.send_by_email(doc, recipient=recipient, actor=actor, now=now, response_days=days, note=note)
        else:
            documents.record_sending(doc, channel="platform_form", recipient=recipient, actor=actor, now=now,
                                     response_days=days, note=f"{channel}; reference {reference}")
    except documents.DocumentError as exc:
        raise TransitionRefused(f"the notice cannot be sent: {exc}") from None
    return move(td, S.SENT, actor=actor, now=now, note=note,
                values={"sent_channel": channel, "sent_recipient": recipient, "sent_at": now,
                        "platform_reference": reference},
                data={"channel": channel, "recipient": recipient, "reference": reference, "document": doc.id})


def _document(td: TakedownNotice):
    from casework.models.documents import Document

    doc = db.session.get(Document, td.document_id) if td.document_id is not None else None
    if doc is None:
        raise TransitionRefused("this takedown has no notice document (it was deleted): withdraw it and draft "
                                "a new one")
    return doc


def _close_document(td: TakedownNotice, target: Status, *, actor: Actor, now: datetime) -> None:
    """The platform answered (or we withdrew): the notice document is answered, which ends its response deadline."""
    from casework.models.documents import Document
    from casework.services import documents

    doc = db.session.get(Document, td.document_id) if td.document_id is not None else None
    if doc is None or doc.status != "sent":
        return
    if target == S.WITHDRAWN:
        documents.record_no_answer(doc, actor=actor, now=now, note="takedown notice withdrawn")
    else:
        documents.record_answer(doc, note=f"platform: {target.value}", actor=actor, now=now)


def acknowledge(td: TakedownNotice, *, actor: Actor, now: datetime, at: Optional[datetime] = None,
                reference: str = "", note: str = "") -> TakedownEvent:
    when = _when(at, now, "the acknowledgement", not_before=td.sent_at)
    values = {"acknowledged_at": when}
    reference = _text(reference, "the platform's reference", limit=300)
    if reference:
        values["platform_reference"] = reference
    return move(td, S.ACKNOWLEDGED, actor=actor, now=now, note=note, values=values, data={"reference": reference},
                answered_at=when)


def refuse(td: TakedownNotice, *, actor: Actor, now: datetime, reason: str, at: Optional[datetime] = None,
           note: str = "") -> TakedownEvent:
    reason = _text(reason, "the platform's reason for refusing", required=True)
    when = _when(at, now, "the refusal", not_before=td.sent_at)
    return move(td, S.REFUSED, actor=actor, now=now, note=note, values={"refused_at": when, "refusal_reason": reason},
                answered_at=when)


def record_counter_notice(td: TakedownNotice, *, actor: Actor, now: datetime, content: str,
                          at: Optional[datetime] = None, note: str = "") -> TakedownEvent:
    content = _text(content, "the counter-notice", required=True, limit=100_000)
    when = _when(at, now, "the counter-notice", not_before=td.sent_at)
    return move(td, S.COUNTER_NOTICE, actor=actor, now=now, note=note,
                values={"counter_notice_at": when, "counter_notice_content": content},
                data={"content_sha256": hashlib.sha256(content.encode("utf-8")).hexdigest()}, answered_at=when)


def restore(td: TakedownNotice, *, actor: Actor, now: datetime, at: Optional[datetime] = None,
            note: str = "") -> TakedownEvent:
    when = _when(at, now, "the restoration", not_before=td.counter_notice_at)
    return move(td, S.RESTORED, actor=actor, now=now, note=note, values={"restored_at": when})


def withdraw(td: TakedownNotice, *, actor: Actor, now: datetime, reason: str, note: str = "") -> TakedownEvent:
    reason = _text(reason, "the reason for withdrawing", required=True)
    return move(td, S.WITHDRAWN, actor=actor, now=now, note=note,
                values={"withdrawn_at": now, "withdrawal_reason": reason})


def record_platform_removal(td: TakedownNotice, *, actor: Actor, now: datetime, at: Optional[datetime] = None,
                            note: str = "") -> TakedownEvent:
    """The platform says it removed the material: kept as its answer, but the state waits for a re-check."""
    if td.status not in (S.SENT.value, S.ACKNOWLEDGED.value, S.COUNTER_NOTICE.value):
        raise TransitionRefused(f"a removal report fits a notice awaiting removal; this one is {td.status}")
    if td.removed_at is not None:
        raise TransitionRefused("the removal is already confirmed by re-check")
    when = _when(at, now, "the platform's removal report", not_before=td.sent_at)
    td.platform_reported_removed_at = when
    if td.first_response_at is None or when < td.first_response_at:
        td.first_response_at = when
    td.updated_at = now
    _close_document(td, S.ACKNOWLEDGED, actor=actor, now=now)
    ev = _history(td, Status.parse(td.status), Status.parse(td.status), actor=actor, now=now, note=note,
                  kind="platform_reports_removal", data={"reported_at": events.rfc3339(when)})
    audit.record(actor, "takedown.platform_reports_removal", td, "awaiting re-check", now=now)
    return ev


# --- removal, confirmed by re-check -----------------------------------------------------------

def confirm_removals_for_url(case_url: CaseUrl, *, actor: Actor, now: datetime) -> list[TakedownNotice]:
    """After a re-check found `case_url` gone: each takedown waiting on it whose URLs are all confirmed
    removed (since it was sent) moves to removed, with the check's time."""
    waiting = (S.SENT.value, S.ACKNOWLEDGED.value)
    rows = list(db.session.scalars(
        select(TakedownNotice).join(takedown_url, takedown_url.c.takedown_id == TakedownNotice.id)
        .where(takedown_url.c.case_url_id == case_url.id, TakedownNotice.status.in_(waiting))))
    moved = []
    for td in rows:
        urls = list(db.session.scalars(select(CaseUrl).join(takedown_url, takedown_url.c.case_url_id == CaseUrl.id)
                                       .where(takedown_url.c.takedown_id == td.id)))
        if urls and all(u.status == "removed" and u.removed_at is not None for u in urls) \
                and max(u.removed_at for u in urls) >= td.sent_at:
            removed_at = max(u.removed_at for u in urls)
            try:
                with db.session.begin_nested():  # a takedown moved meanwhile must not undo the whole re-check
                    move(td, S.REMOVED, actor=actor, now=now, note="every URL confirmed gone by re-check",
                         values={"removed_at": removed_at}, answered_at=removed_at,
                         data={"urls": [{"id": u.id, "status_code": u.last_status_code} for u in urls]})
            except TransitionRefused as exc:
                log.warning("takedown %s not moved to removed: %s", td.id, exc)
                continue
            moved.append(td)
    return moved


def on_case_url_status(case_url: CaseUrl, old: str, new: str, *, actor: Actor, now: datetime) -> None:
    """The re-check job's listener (casework.services.rechecks.URL_STATUS_LISTENERS)."""
    if new == "removed":
        confirm_removals_for_url(case_url, actor=actor, now=now)
    elif old == "removed" and new in ("active", "changed"):
        confirm_restorations_for_url(case_url, actor=actor, now=now)


def confirm_restorations_for_url(case_url: CaseUrl, *, actor: Actor, now: datetime) -> list[TakedownNotice]:
    """A URL under a counter-notice answers again: the platform put the material back (seen by re-check)."""
    rows = list(db.session.scalars(
        select(TakedownNotice).join(takedown_url, takedown_url.c.takedown_id == TakedownNotice.id)
        .where(takedown_url.c.case_url_id == case_url.id, TakedownNotice.status == S.COUNTER_NOTICE.value)))
    moved = []
    for td in rows:
        try:
            with db.session.begin_nested():
                move(td, S.RESTORED, actor=actor, now=now, values={"restored_at": now},
                     note=f"{case_url.url_normalized} answers again (re-check)",
                     data={"url": case_url.id, "status_code": case_url.last_status_code})
        except TransitionRefused as exc:
            log.warning("takedown %s not moved to restored: %s", td.id, exc)
            continue
        moved.append(td)
    return moved


def _register_listener() -> None:
    from casework.services import rechecks

    listeners = getattr(rechecks, "URL_STATUS_LISTENERS", None)
    if listeners is not None and on_case_url_status not in listeners:
        listeners.append(on_case_url_status)


_register_listener()
