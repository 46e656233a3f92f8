"""Deadlines: rows with a due time that the scheduler watches, reminds about and escalates.

Other domains create them for what they track (a platform's response, a counter-notice window,
a hearing) with `source_type`/`source_id` naming their own record, and complete them when done.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import select

from casework.extensions import db
from casework.models import User
from casework.models.scheduling import Deadline
from casework.services import audit, events
from casework.services.actor import Actor

REMIND_BEFORE = timedelta(hours=48)


class DeadlineError(ValueError):
    pass


def create(*, kind: str, due_at: datetime, actor: Actor, now: datetime, case=None, owner: Optional[User] = None,
           title: str = "", source_type: str = "", source_id=None) -> Deadline:
    """A new open deadline; the owner defaults to the case's owner."""
    kind = (kind or "").strip()
    if not kind or len(kind) > 40:
        raise DeadlineError("a deadline needs a kind of at most 40 characters")
    if due_at is None or due_at.tzinfo is None:
        raise DeadlineError("a deadline needs a due time in UTC")
    try:
        in_range = 1900 <= due_at.astimezone(timezone.utc).year <= 2999
    except OverflowError:
        in_range = False
    if not in_range:
        raise DeadlineError("a deadline's due time must be between the years 1900 and 2999")
    if owner is None and case is not None:
        owner = case.owner
    deadline = Deadline(kind=kind, title=(title or kind)[:300], due_at=due_at, case=case, owner=owner, status="open",
                        source_type=source_type[:40], source_id="" if source_id is None else str(source_id)[:64],
                        created_at=now)
    db.session.add(deadline)
    db.session.flush()
    audit.record(actor, "deadline.create", deadline, f"{deadline.title} due {due_at.isoformat()}", now=now)
    return deadline


def complete(deadline: Deadline, *, actor: Actor, now: datetime) -> Deadline:
    """Mark a deadline met (idempotent)."""
    if deadline.status != "done":
        deadline.status, deadline.done_at = "done", now
        db.session.flush()
        audit.record(actor, "deadline.complete", deadline, deadline.title, now=now)
    return deadline


def complete_for_source(source_type: str, source_id, *, actor: Actor, now: datetime,
                        kind: Optional[str] = None) -> int:
    """Complete every open deadline of a source record (e.g. all deadlines of a takedown notice)."""
    stmt = select(Deadline).where(Deadline.source_type == source_type, Deadline.source_id == str(source_id),
                                  Deadline.status == "open")
    if kind:
        stmt = stmt.where(Deadline.kind == kind)
    rows = list(db.session.scalars(stmt))
    for d in rows:
        complete(d, actor=actor, now=now)
    return len(rows)


def reschedule(deadline: Deadline, due_at: datetime, *, actor: Actor, now: datetime) -> Deadline:
    if due_at.tzinfo is None:
        raise DeadlineError("a deadline needs a due time in UTC")
    old = deadline.due_at
    deadline.due_at = due_at
    deadline.reminded_at = None
    deadline.escalated_at = None
    audit.record(actor, "deadline.reschedule", deadline, f"{old.isoformat()} -> {due_at.isoformat()}", now=now)
    return deadline


def is_overdue(deadline: Deadline, now: datetime) -> bool:
    return deadline.status == "open" and deadline.due_at < now


def remind_due(*, actor: Actor, now: datetime, within: timedelta = REMIND_BEFORE) -> list[Deadline]:
    """Remind of open deadlines due within `within` that were not reminded yet (idempotent).

    Reminders and escalations are outbox events (deadline.due_soon, deadline.overdue); the
    notifications job tells the people concerned, each as they chose, after this commits.
    """
    rows = list(db.session.scalars(
        select(Deadline).where(Deadline.status == "open", Deadline.reminded_at.is_(None),
                               Deadline.due_at >= now, Deadline.due_at <= now + within)
        .order_by(Deadline.due_at)))
    for d in rows:
        d.reminded_at = now
        audit.record(actor, "deadline.remind", d, f"{d.title} due {d.due_at.isoformat()}", now=now)
        events.emit("deadline.due_soon", {"deadline_id": d.id, "kind": d.kind, "title": d.title,
                                          "due_at": events.rfc3339(d.due_at)}, case_id=d.case_id, now=now)
    db.session.flush()
    return rows


def escalate_overdue(*, actor: Actor, now: datetime) -> list[Deadline]:
    """Flag open deadlines past their due time (once each): an audit entry and an outbox event."""
    rows = list(db.session.scalars(
        select(Deadline).where(Deadline.status == "open", Deadline.escalated_at.is_(None), Deadline.due_at < now)
        .order_by(Deadline.due_at)))
    for d in rows:
        d.escalated_at = now
        audit.record(actor, "deadline.escalate", d, f"{d.title} overdue since {d.due_at.isoformat()}", now=now)
        events.emit("deadline.overdue", {"deadline_id": d.id, "kind": d.kind, "due_at": events.rfc3339(d.due_at)},
                    case_id=d.case_id, now=now)
    db.session.flush()
    return rows

