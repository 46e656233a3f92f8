"""The leader lease: one row per lock, taken by a compare-and-swap, renewed before it expires.

Works the same on SQLite and PostgreSQL: acquiring is one UPDATE that only matches when the lease
is ours or has expired (the database serializes the two UPDATEs, so only one matches), or one
INSERT when there is no row yet (the primary key refuses the second).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from casework.extensions import db
from casework.models.scheduling import SchedulerLease

LEASE_NAME = "scheduler"


def try_acquire(holder: str, *, now: datetime, ttl: timedelta, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease for `ttl`; True when `holder` holds it afterwards. Commits."""
    expires = now + ttl
    result = db.session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == name,
               (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
        .values(acquired_at=case((SchedulerLease.holder == holder, SchedulerLease.acquired_at), else_=now),
                holder=holder, renewed_at=now, expires_at=expires)
        .execution_options(synchronize_session=False))
    if result.rowcount == 1:
        db.session.commit()
        return True
    db.session.commit()
    if db.session.get(SchedulerLease, name) is not None:
        return False
    try:
        db.session.add(SchedulerLease(name=name, holder=holder, acquired_at=now, renewed_at=now, expires_at=expires))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        return False


def release(holder: str, *, now: datetime, name: str = LEASE_NAME) -> None:
    """Give the lease up at once (on a clean stop), so another scheduler need not wait for it to expire."""
    db.session.execute(update(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
                       .values(expires_at=now).execution_options(synchronize_session=False))
    db.session.commit()


def current(name: str = LEASE_NAME) -> Optional[SchedulerLease]:
    return db.session.scalar(select(SchedulerLease).where(SchedulerLease.name == name))


def holds(holder: str, *, now: datetime, name: str = LEASE_NAME) -> bool:
    lease = current(name)
    return lease is not None and lease.holder == holder and lease.expires_at > now
