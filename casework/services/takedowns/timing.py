"""How long each side has: the platform's response time and the counter-notice window.

* platform response: neither law fixes a number. 17 U.S.C. 512(c)(1)(C) asks the provider to act
  "expeditiously" and the Chinese Regulation art. 15 "immediately" (立即). The defaults (US 7 days,
  CN 3 days) are what a platform that acts on notices usually manages; each platform can be given
  its own number (PlatformTakedownPolicy), and the app setting TAKEDOWN_RESPONSE_DAYS changes the
  defaults. The deadline itself is the notice document's response deadline, opened on sending.
* counter-notice window: under 17 U.S.C. 512(g)(2)(C) the provider puts the material back "not less
  than 10, nor more than 14, business days" after it receives the counter-notice unless the
  complainant has told it that a court action was filed, so the deadline is 10 business days after
  the counter-notice (the earliest restoration: the suit must be filed and notified before it;
  public holidays are not counted out, which only makes the deadline earlier, never late).
  In China the E-Commerce Law art. 43 gives the right holder 15 days after the platform forwards
  the declaration to complain or sue before the measures end (Civil Code art. 1196 says "a
  reasonable time"; the Regulation art. 17 lets the provider restore at once), so CN uses 15 days.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from flask import current_app
from sqlalchemy import select

from casework.extensions import db
from casework.models.monitoring import Platform
from casework.models.takedowns import PlatformTakedownPolicy
from casework.services import audit
from casework.services.actor import Actor
from casework.services.takedowns.states import TakedownError

DEFAULT_RESPONSE_DAYS = {"us": 7, "cn": 3}
COUNTER_NOTICE_BUSINESS_DAYS_US = 10
COUNTER_NOTICE_DAYS_CN = 15


def response_days(platform: Platform) -> int:
    """Days a platform has to answer: its own setting, else the app's default for its notice format."""
    own = db.session.scalar(select(PlatformTakedownPolicy.response_days)
                            .where(PlatformTakedownPolicy.platform_id == platform.id))
    if own:
        return int(own)
    configured = current_app.config.get("TAKEDOWN_RESPONSE_DAYS") or {}
    return int(configured.get(platform.notice_format) or DEFAULT_RESPONSE_DAYS[platform.notice_format])


def response_days_for(platforms: list[Platform]) -> dict[int, int]:
    """response_days for many platforms with one query (the comparison page)."""
    own = dict(db.session.execute(select(PlatformTakedownPolicy.platform_id, PlatformTakedownPolicy.response_days)
                                  .where(PlatformTakedownPolicy.platform_id.in_([p.id for p in platforms]))).all()) \
        if platforms else {}
    configured = current_app.config.get("TAKEDOWN_RESPONSE_DAYS") or {}
    return {p.id: int(own.get(p.id) or configured.get(p.notice_format) or DEFAULT_RESPONSE_DAYS[p.notice_format])
            for p in platforms}


def set_response_days(platform: Platform, days: Optional[int], *, actor: Actor, now: datetime) -> None:
    """Give a platform its own response time (None: back to the format's default)."""
    row = db.session.scalar(select(PlatformTakedownPolicy).where(PlatformTakedownPolicy.platform_id == platform.id))
    if days is None:
        if row is not None:
            db.session.delete(row)
    else:
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 90:
            raise TakedownError("the response time must be a whole number of days from 1 to 90")
        if row is None:
            db.session.add(PlatformTakedownPolicy(platform_id=platform.id, response_days=days, updated_at=now))
        else:
            row.response_days, row.updated_at = days, now
    db.session.flush()
    audit.record(actor, "platform.takedown_response_days", platform,
                 f"{platform.name}: {days if days is not None else 'default'} day(s)", now=now)


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` weekdays after `start` (Saturday and Sunday skipped), at the same time of day."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def counter_notice_due(fmt: str, received_at: datetime) -> datetime:
    if fmt == "us":
        return add_business_days(received_at, COUNTER_NOTICE_BUSINESS_DAYS_US)
    return received_at + timedelta(days=COUNTER_NOTICE_DAYS_CN)
