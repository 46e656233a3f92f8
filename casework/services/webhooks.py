"""Webhooks: subscriptions and signed deliveries of outbox events (consumer "webhooks").

A delivery is a POST of the event as JSON (`id`, `type`, `at`, `data`) with
`X-Yidun-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret's UTF-8 bytes>`,
sent through the outbound guard (casework.capture.safe_post: public addresses only unless
ALLOW_PRIVATE_URLS=1, no redirects followed). Anything but a 2xx is retried with a doubling pause,
with the same event id and body, until MAX_ATTEMPTS; every attempt is a row of the delivery log.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Callable, Iterable, Optional
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from casework.extensions import db
from casework.models.notifications import WebhookDelivery, WebhookSubscription
from casework.models.scheduling import DomainEvent
from casework.services import audit, events
from casework.services.actor import Actor

log = logging.getLogger(__name__)

CONSUMER = "webhooks"
# The types offered on the admin page; any well-formed type may be subscribed to (domains add more).
KNOWN_TYPES = ("case.opened", "case.stage_changed", "case.assigned", "document.signed", "document.sent",
               "bundle.sealed", "takedown.status_changed", "deadline.overdue", "detection.created",
               "case_url.status_changed")
_TYPE = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
TIMEOUT = 10.0
MAX_ANSWER = 64 * 1024
MAX_URL = 2000

Poster = Callable[..., object]


class WebhookError(ValueError):
    """A subscription that cannot be made; `field` names the bad input."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def check_url(url: str) -> str:
    url = (url or "").strip()
    if not url or len(url) > MAX_URL:
        raise WebhookError(f"give the receiver's URL (at most {MAX_URL} characters)", "url")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise WebhookError("the URL must not contain spaces or control characters", "url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError when out of range)
    except ValueError as exc:
        raise WebhookError(f"this is not a valid URL: {exc}", "url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("the URL must be http:// or https:// with a host name", "url")
    if parts.username or parts.password:
        raise WebhookError("the URL must not carry a user name or password", "url")
    return url


def check_types(types: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in types:
        t = str(raw).strip()
        if not _TYPE.match(t) or len(t) > 60:
            raise WebhookError(f"{raw!r} is not an event type like case.stage_changed", "events")
        if t not in out:
            out.append(t)
    if not out:
        raise WebhookError("choose at least one event type", "events")
    return out


def subscribe(url: str, types: Iterable[str], *, actor: Actor, now: datetime,
              description: str = "") -> tuple[WebhookSubscription, str]:
    """A new active subscription and its secret (returned this once; see the model for why it is kept)."""
    url, types = check_url(url), check_types(types)
    secret = secrets.token_urlsafe(32)
    sub = WebhookSubscription(url=url, events=types, secret=secret, active=True, description=(description or "")[:300],
                              created_by_id=actor.user_id, created_at=now)
    db.session.add(sub)
    db.session.flush()
    audit.record(actor, "webhook.subscribe", sub, f"{url} for {', '.join(types)}", now=now)
    return sub, secret


def set_active(sub: WebhookSubscription, active: bool, *, actor: Actor, now: datetime) -> None:
    if sub.active == active:
        return
    sub.active = active
    sub.disabled_at = None if active else now
    db.session.flush()
    audit.record(actor, "webhook.enable" if active else "webhook.disable", sub, sub.url, now=now)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def body_of(event: DomainEvent) -> bytes:
    return json.dumps(events.as_json(event), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def backoff(attempts: int) -> timedelta:
    return min(LONGEST_RETRY, FIRST_RETRY * (2 ** max(0, attempts - 1)))


def _default_poster() -> Poster:
    from casework.capture.netguard import safe_post

    allow_private = bool(current_app.config.get("ALLOW_PRIVATE_URLS"))

    def post(url: str, body: bytes, headers: dict):
        return safe_post(url, body, headers, allow_private=allow_private, timeout=TIMEOUT, max_bytes=MAX_ANSWER)

    return post


def deliver_pending(*, now: datetime, limit: int = 200, post: Optional[Poster] = None) -> dict[str, int]:
    """First attempts for new outbox events, then the retries that are due. Returns counts."""
    post = post or _default_poster()
    counts = {"delivered": 0, "failed": 0, "gave_up": 0}
    every = list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))
    # Disabled subscriptions' types are read too, so what happens while one is disabled is passed over
    # for good instead of arriving in a burst when it is enabled again.
    types = sorted({t for s in every for t in (s.events or [])})
    subs = [s for s in every if s.active]
    if types:
        for event in events.pending(CONSUMER, types=types, limit=limit):
            for sub in subs:
                # A subscriber gets what happened after it subscribed, not the outbox's past.
                if event.type in (sub.events or []) and event.at >= sub.created_at:
                    _count(counts, _attempt(sub, event, 1, now=now, post=post))
            events.mark_dispatched(event, CONSUMER, now=now)
    due = list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "retry",
                                                                WebhookDelivery.next_attempt_at <= now)
                                  .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))
    for row in due:
        sub = db.session.get(WebhookSubscription, row.subscription_id)
        event = db.session.scalar(select(DomainEvent).where(DomainEvent.id == row.event_id))
        if sub is None or not sub.active or event is None:
            row.status, row.next_attempt_at = "failed", None
            row.last_error = (row.last_error + "; " if row.last_error else "") + (
                "not retried: the subscription is disabled" if event is not None else "not retried: the event is gone")
            counts["gave_up"] += 1
            continue
        row.status, row.next_attempt_at = "retried", None
        _count(counts, _attempt(sub, event, row.attempts + 1, now=now, post=post))
    db.session.flush()
    return counts


def _count(counts: dict, row: WebhookDelivery) -> None:
    counts[{"delivered": "delivered", "retry": "failed", "failed": "gave_up"}[row.status]] += 1


def _attempt(sub: WebhookSubscription, event: DomainEvent, attempts: int, *, now: datetime,
             post: Poster) -> WebhookDelivery:
    body = body_of(event)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Yidun-Casework-Webhooks/1",
               "X-Yidun-Signature": signature(sub.secret, body), "X-Yidun-Event": event.type,
               "X-Yidun-Event-Id": event.id}
    status_code: Optional[int] = None
    try:
        answer = post(sub.url, body, headers)
        status_code = int(answer.status)
        error = "" if 200 <= status_code < 300 else f"HTTP {status_code} {getattr(answer, 'reason', '') or ''}".strip()
    except Exception as exc:  # refused address, DNS, timeout, reset: recorded, then retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
    if not error:
        status, next_at = "delivered", None
    elif attempts >= MAX_ATTEMPTS:
        status, next_at = "failed", None
    else:
        status, next_at = "retry", now + backoff(attempts)
    if error:
        log.info("webhook %s: event %s attempt %s failed: %s", sub.id, event.id, attempts, error)
    row = WebhookDelivery(subscription_id=sub.id, event_id=event.id, type=event.type, status=status,
                          status_code=status_code, attempts=attempts, at=now, next_attempt_at=next_at,
                          last_error=error)
    db.session.add(row)
    return row


def deliveries_query(sub: WebhookSubscription):
    return select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id).order_by(
        WebhookDelivery.at.desc(), WebhookDelivery.id.desc())


def delivery_json(row: WebhookDelivery) -> dict:
    return {"id": row.id, "event_id": row.event_id, "type": row.type, "status": row.status,
            "status_code": row.status_code, "attempts": row.attempts, "at": events.rfc3339(row.at),
            "next_attempt_at": events.rfc3339(row.next_attempt_at), "error": row.last_error}
