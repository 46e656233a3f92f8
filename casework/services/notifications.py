"""Notifications: who is told what, made from outbox events after the change committed.

`dispatch` turns pending outbox events (consumer "notifications") into inbox rows, one per
recipient, following each recipient's preference for that kind (off, immediately, daily digest;
e-mail and/or inbox). `send_due_mail` then sends what is due: one message per immediate
notification, one digest per user for the day's digest items. A failed send keeps the row, counts
the attempt, records the error and tries again later with a growing pause; the inbox row and the
change it describes are never touched by a failing mail server.

Texts are written in the recipient's language when the row is made (creators read plain words,
not stage names).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from itertools import groupby
from typing import Iterable, Optional

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from casework.extensions import db
from casework.models import User
from casework.models.cases import Case, case_work
from casework.models.notifications import DELIVERIES, NOTIFICATION_KINDS, Notification, NotificationPreference
from casework.models.scheduling import Deadline, DomainEvent
from casework.services import audit, events
from casework.services.actor import Actor

log = logging.getLogger(__name__)

CONSUMER = "notifications"
EVENT_TYPES = ("case.stage_changed", "case.assigned", "deadline.due_soon", "deadline.overdue")
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)

KIND_LABELS = {
    "case_stage": _l("A case on my works changes stage"),
    "case_assigned": _l("A case is assigned to me"),
    "deadline_soon": _l("A deadline on my case is near"),
    "escalation": _l("A deadline is overdue (escalation)"),
}
DELIVERY_LABELS = {"off": _l("Off"), "immediate": _l("Immediately"), "digest": _l("Daily digest")}
# Which kinds each role can receive (and sees on the preferences page).
ROLE_KINDS = {
    "creator": ("case_stage",),
    "counsel": ("case_assigned", "deadline_soon"),
    "legal": ("case_assigned", "deadline_soon", "escalation"),
    "admin": ("case_assigned", "deadline_soon", "escalation"),
}
# What a stage means, in words a creator can follow.
PLAIN_STAGES = {
    "review": _l("We are checking the reported copy of your work."),
    "letter": _l("We are writing to the infringer to demand that they stop."),
    "takedown": _l("We have asked the platform to take the copy down."),
    "evidence": _l("We are securing evidence of the infringement."),
    "litigation": _l("The case has gone to court."),
    "closed": _l("The case is closed."),
}
PLAIN_OUTCOMES = {
    "removed": _l("The infringing copy was removed."), "licensed": _l("The use is now licensed."),
    "settled": _l("The case was settled."), "judgment_won": _l("The court ruled in your favour."),
    "judgment_lost": _l("The court did not rule in your favour."), "withdrawn": _l("The claim was withdrawn."),
    "not_pursued": _l("We decided not to pursue the case further."),
}


class NotificationError(ValueError):
    pass


@dataclass(frozen=True)
class Preference:
    delivery: str = "immediate"
    email: bool = True
    inbox: bool = True


def kinds_for(user: User) -> tuple[str, ...]:
    return ROLE_KINDS.get(user.role, ())


def preferences(user: User) -> dict[str, Preference]:
    rows = {p.kind: p for p in db.session.scalars(select(NotificationPreference)
                                                  .where(NotificationPreference.user_id == user.id))}
    return {k: (Preference(rows[k].delivery, rows[k].email, rows[k].inbox) if k in rows else Preference())
            for k in NOTIFICATION_KINDS}


def set_preference(user: User, kind: str, pref: Preference, *, actor: Actor, now: datetime) -> None:
    if kind not in NOTIFICATION_KINDS:
        raise NotificationError(f"unknown notification kind {kind!r}")
    if pref.delivery not in DELIVERIES:
        raise NotificationError(f"delivery must be one of {', '.join(DELIVERIES)}")
    row = db.session.get(NotificationPreference, (user.id, kind))
    if row is None:
        row = NotificationPreference(user_id=user.id, kind=kind)
        db.session.add(row)
    if (row.delivery, row.email, row.inbox) == (pref.delivery, pref.email, pref.inbox):
        return
    row.delivery, row.email, row.inbox, row.updated_at = pref.delivery, bool(pref.email), bool(pref.inbox), now
    db.session.flush()
    audit.record(actor, "notification.preference", user, f"{kind}: {pref.delivery}, e-mail {pref.email}, "
                                                         f"inbox {pref.inbox}", now=now)


# --- from events to inbox rows ---------------------------------------------------------------------

def dispatch(*, now: datetime, limit: int = 500) -> int:
    """Make the notifications of pending outbox events; returns how many rows were made."""
    made = 0
    for event in events.pending(CONSUMER, types=EVENT_TYPES, limit=limit):
        try:
            with db.session.begin_nested():  # one event that cannot be handled must not hold up the rest
                rows = [_notify(user, kind, write, event, now=now) for user, kind, write in _recipients(event)]
                events.mark_dispatched(event, CONSUMER, now=now)
        except Exception:
            log.exception("outbox event %s (%s) could not be made into notifications; left pending",
                          event.id, event.type)
            continue
        made += sum(1 for r in rows if r is not None)
    db.session.flush()
    return made


def _notify(user: User, kind: str, write, event: DomainEvent, *, now: datetime) -> Optional[Notification]:
    if not user.active:
        return None
    pref = preferences(user)[kind]
    if pref.delivery == "off" or not (pref.email or pref.inbox):
        return None
    if db.session.scalar(select(Notification.id).where(Notification.user_id == user.id,
                                                       Notification.event_id == event.id)) is not None:
        return None
    with force_locale(user.language or "en"):
        title, body = write()
        title, body = str(title), str(body)
    mode = pref.delivery if pref.email else "none"
    row = Notification(user_id=user.id, kind=kind, title=title[:300], body=body, case_id=event.case_id,
                       link=case_link(user, event.case_id), event_id=event.id, created_at=now,
                       in_inbox=pref.inbox, mail=mode, attempts=0, last_error="",
                       next_attempt_at={"immediate": now, "digest": next_digest(now), "none": None}[mode])
    db.session.add(row)
    return row


def case_link(user: User, case_id: Optional[int]) -> str:
    """Where a notification about a case takes its reader: creators to the portal's plain-language page."""
    if not case_id:
        return ""
    if user.role == "creator" and "portal.case" in current_app.view_functions:
        return f"/portal/cases/{case_id}"
    return f"/cases/{case_id}"


def _recipients(event: DomainEvent) -> list[tuple[User, str, object]]:
    handler = {"case.stage_changed": _stage_changed, "case.assigned": _assigned,
               "deadline.due_soon": _deadline_soon, "deadline.overdue": _overdue}[event.type]
    case = db.session.get(Case, event.case_id) if event.case_id else None
    if event.case_id and case is None:
        return []
    return handler(event, case)


def _creators_of(case: Case) -> list[User]:
    from casework.models.works import Work

    holders = select(Work.rights_holder_id).join(case_work, case_work.c.work_id == Work.id).where(
        case_work.c.case_id == case.id)
    return list(db.session.scalars(select(User).where(User.role == "creator", User.rights_holder_id.in_(holders))
                                   .order_by(User.id)))


def _stage_changed(event: DomainEvent, case: Case):
    to, outcome = event.data.get("to"), event.data.get("outcome")

    def write():
        title = _("Your case “%(title)s”: %(stage)s", title=case.title, stage=PLAIN_STAGES.get(to, to))
        return title, str(PLAIN_OUTCOMES.get(outcome, outcome)) if outcome else ""  # the title says the rest

    return [(u, "case_stage", write) for u in _creators_of(case)]


def _assigned(event: DomainEvent, case: Case):
    by = event.data.get("actor")
    out = []
    for key in ("counsel", "owner"):
        uid = event.data.get(key)
        if not uid or by == f"user:{uid}":
            continue
        user = db.session.get(User, uid)
        if user is None or (key == "counsel" and case.counsel_id != uid) or (key == "owner" and case.owner_id != uid):
            continue  # reassigned again meanwhile: the later event tells the new holder

        def write(key=key):
            title = _("Case #%(id)s “%(title)s” is assigned to you", id=case.id, title=case.title)
            role = _("outside counsel") if key == "counsel" else _("owner")
            return title, _("You are now the case's %(role)s.", role=role)

        out.append((user, "case_assigned", write))
    return out


def _deadline_of(event: DomainEvent) -> Optional[Deadline]:
    return db.session.get(Deadline, event.data.get("deadline_id") or 0)


def _deadline_soon(event: DomainEvent, case: Optional[Case]):
    deadline = _deadline_of(event)
    if deadline is None or deadline.status != "open":
        return []
    people = [u for u in (deadline.owner, case.counsel if case else None) if u is not None]

    def write():
        due = deadline.due_at.strftime("%Y-%m-%d %H:%M")
        title = _("Due %(due)s UTC: %(title)s", due=due, title=deadline.title)
        where = _(" in case #%(id)s “%(title)s”", id=case.id, title=case.title) if case else ""
        return title, _("The deadline “%(title)s”%(where)s is near.", title=deadline.title, where=where)

    return [(u, "deadline_soon", write) for u in dict.fromkeys(people)]


def _overdue(event: DomainEvent, case: Optional[Case]):
    deadline = _deadline_of(event)
    if deadline is None:
        return []
    if case is not None and case.owner is not None and case.owner.active:
        people = [case.owner]
    elif deadline.owner is not None and deadline.owner.active and deadline.owner.role in ("legal", "admin"):
        people = [deadline.owner]
    else:
        people = list(db.session.scalars(select(User).where(User.role == "legal", User.active.is_(True))
                                         .order_by(User.id)))

    def write():
        due = deadline.due_at.strftime("%Y-%m-%d %H:%M")
        title = _("Overdue: %(title)s (due %(due)s UTC)", title=deadline.title, due=due)
        where = _(" in case #%(id)s “%(title)s”", id=case.id, title=case.title) if case else ""
        return title, _("The deadline “%(title)s”%(where)s has passed and is not done.", title=deadline.title,
                        where=where)

    return [(u, "escalation", write) for u in people]


# --- the inbox -----------------------------------------------------------------------------------

def inbox_query(user: User, *, unread_only: bool = False):
    stmt = select(Notification).where(Notification.user_id == user.id, Notification.in_inbox.is_(True))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.in_inbox.is_(True), Notification.read_at.is_(None))) or 0


def mark_read(row: Notification, *, now: datetime) -> None:
    if row.read_at is None:
        row.read_at = now
        db.session.flush()


def mark_all_read(user: User, *, now: datetime) -> int:
    result = db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None))
                                .values(read_at=now).execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


# --- e-mail ----------------------------------------------------------------------------------------

def next_digest(after: datetime) -> datetime:
    """The next daily digest time (NOTIFICATION_DIGEST_HOUR, UTC) strictly after `after`."""
    hour = int(current_app.config.get("NOTIFICATION_DIGEST_HOUR", 7))
    at = after.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > after else at + timedelta(days=1)


def backoff(attempts: int) -> timedelta:
    return min(LONGEST_RETRY, FIRST_RETRY * (2 ** max(0, attempts - 1)))


def _mail_config() -> dict:
    keys = ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS", "MAIL_FROM", "PUBLIC_BASE_URL",
            "SITE_NAME")
    return {k: current_app.config.get(k) for k in keys}


def send_due_mail(*, now: datetime, limit: int = 500, deliver=None) -> dict[str, int]:
    """Send the e-mails due by `now`: immediate ones singly, digests one per user. Returns counts.

    `deliver(message, cfg)` sends one message (default: casework.services.mail.deliver over SMTP).
    """
    from casework.services import mail

    deliver = deliver or mail.deliver
    counts = {"sent": 0, "digests": 0, "failed": 0, "skipped": 0}
    rows = list(db.session.scalars(select(Notification).where(Notification.next_attempt_at <= now)
                                   .order_by(Notification.user_id, Notification.mail, Notification.created_at,
                                             Notification.id).limit(limit)))
    if not rows:
        return counts
    cfg = _mail_config()
    for (user_id, mode), group in groupby(rows, key=lambda r: (r.user_id, r.mail)):
        group = list(group)
        user = db.session.get(User, user_id)
        if not cfg.get("SMTP_HOST") or user is None or not user.active or mode == "none":
            why = "no SMTP server is configured" if not cfg.get("SMTP_HOST") else "not e-mailed: the user is inactive"
            for row in group:
                row.next_attempt_at, row.last_error = None, why
            counts["skipped"] += len(group)
            continue
        batches = [group] if mode == "digest" else [[row] for row in group]
        for batch in batches:
            message = _message(user, batch, cfg, digest=mode == "digest")
            try:
                deliver(message, cfg)
            except Exception as exc:  # any failure of the mail server: keep the rows and try again later
                error = f"{type(exc).__name__}: {exc}"[:2000]
                log.warning("notification mail to %s failed (%s); will retry", user.email, error)
                for row in batch:
                    row.attempts += 1
                    row.last_error = error
                    row.next_attempt_at = now + backoff(row.attempts) if row.attempts < MAX_ATTEMPTS else None
                counts["failed"] += len(batch)
                continue
            for row in batch:
                row.attempts += 1
                row.emailed_at, row.next_attempt_at, row.last_error = now, None, ""
            counts["digests" if mode == "digest" else "sent"] += 1
    db.session.flush()
    return counts


def _message(user: User, rows: list[Notification], cfg: dict, *, digest: bool) -> EmailMessage:
    base = (cfg.get("PUBLIC_BASE_URL") or "").rstrip("/")
    with force_locale(user.language or "en"):
        if digest:
            subject = _("Your daily digest: %(n)s notification(s)", n=len(rows))
        else:
            subject = rows[0].title
        body = render_template("email/notification.txt", user=user, rows=rows, base=base, digest=digest,
                               inbox=f"{base}/inbox")
    message = EmailMessage()
    message["From"] = cfg.get("MAIL_FROM") or "casework@localhost"
    message["To"] = user.email
    message["Subject"] = f"[{cfg.get('SITE_NAME') or 'Yidun'}] {subject}"
    message.set_content(body)
    return message


def recent(user: User, limit: int = 5) -> Iterable[Notification]:
    return db.session.scalars(inbox_query(user).limit(limit))
