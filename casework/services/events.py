"""The domain-event outbox: written in the same transaction as the change, dispatched later.

A consumer (webhooks, notifications) reads `pending(consumer)` in order and marks what it handled
with `mark_dispatched`; an event is never lost because the change and its event commit together,
and never sent for a change that rolled back.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy import exists, select

from casework.extensions import db
from casework.models.scheduling import DomainEvent, EventDispatch


class EventError(ValueError):
    pass


def emit(type: str, data: dict, *, case_id: Optional[int] = None, now: datetime) -> DomainEvent:
    """Add an event to the outbox in the caller's transaction; `data` must be JSON."""
    if not type or len(type) > 60:
        raise EventError("an event needs a type of at most 60 characters")
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise EventError(f"event data must be JSON: {exc}") from None
    payload = dict(data)
    if case_id is not None:
        payload.setdefault("case_id", case_id)
    event = DomainEvent(id=str(uuid.uuid4()), type=type, at=now, case_id=case_id, data=payload)
    db.session.add(event)
    return event


def pending(consumer: str, *, types: Optional[Iterable[str]] = None, limit: int = 100) -> list[DomainEvent]:
    """Events this consumer has not handled yet, oldest first."""
    done = exists().where(EventDispatch.event_id == DomainEvent.id, EventDispatch.consumer == consumer)
    stmt = select(DomainEvent).where(~done).order_by(DomainEvent.seq).limit(limit)
    if types is not None:
        stmt = stmt.where(DomainEvent.type.in_(list(types)))
    return list(db.session.scalars(stmt))


def mark_dispatched(event: DomainEvent, consumer: str, *, now: datetime) -> None:
    if db.session.get(EventDispatch, (event.id, consumer)) is None:
        db.session.add(EventDispatch(event_id=event.id, consumer=consumer, at=now))


def as_json(event: DomainEvent) -> dict:
    """The event as consumers send it: id, type, at (RFC 3339), data."""
    return {"id": event.id, "type": event.type, "at": rfc3339(event.at), "data": event.data}


def rfc3339(value: Optional[datetime]) -> Optional[str]:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S") + (f".{value.microsecond:06d}" if value.microsecond else "") + "Z"
