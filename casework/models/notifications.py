"""Notifications (inbox rows and their e-mail state), per-user preferences, webhook subscriptions and
their delivery log. Both are made from the outbox (casework.services.events) by jobs, after the
change they describe has committed."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, UTCDateTime
from casework.models.monitoring import _in

NOTIFICATION_KINDS = ("case_stage", "case_assigned", "deadline_soon", "escalation")
DELIVERIES = ("off", "immediate", "digest")
MAIL_MODES = ("none", "immediate", "digest")
WEBHOOK_DELIVERY_STATUSES = ("delivered", "retry", "retried", "failed")


class Notification(Base):
    """One thing a user is told about: an inbox row, and the state of its e-mail.

    `next_attempt_at` is when the e-mail is due (now for immediate mail, the next digest time for a
    digest); it is cleared once the mail went out or was given up, and pushed back (with `attempts`
    and `last_error`) when a send fails. The row itself is never lost to a failed send.
    """

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(_in("kind", NOTIFICATION_KINDS), name="kind"),
        CheckConstraint(_in("mail", MAIL_MODES), name="mail"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # One notification of an event per user: dispatching an event twice cannot double it.
        UniqueConstraint("user_id", "event_id", name="uq_notification_user_event"),
        Index("ix_notification_user_inbox", "user_id", "in_inbox", "read_at"),
        Index("ix_notification_mail_due", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"), index=True)
    event_id: Mapped[Optional[str]] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    in_inbox: Mapped[bool] = mapped_column(Boolean, default=True)
    mail: Mapped[str] = mapped_column(String(9), default="immediate")
    emailed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")


class NotificationPreference(Base):
    """How one user wants one kind of notification: off, immediately, or in a daily digest; by
    e-mail, in the inbox, or both. No row means the default (immediately, e-mail and inbox)."""

    __tablename__ = "notification_preference"
    __table_args__ = (CheckConstraint(_in("kind", NOTIFICATION_KINDS), name="kind"),
                      CheckConstraint(_in("delivery", DELIVERIES), name="delivery"))

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(9), default="immediate")
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    inbox: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookSubscription(Base):
    """A URL that receives signed JSON events of the listed types."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list] = mapped_column(JSON, default=list)
    # Kept in the clear on purpose: an HMAC signature needs the raw key on every delivery, so it
    # cannot be stored hashed like an API token. It is shown once, when the subscription is made,
    # and never again by any page or endpoint (a subscriber who lost it makes a new subscription).
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    created_by = relationship("User")


class WebhookDelivery(Base):
    """One attempt to deliver one event to one subscription: the delivery log.

    A failed attempt has status `retry` and `next_attempt_at`; the retry writes a new row (same
    event id, attempts + 1) and marks this one `retried`, so every attempt stays on record.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint(_in("status", WEBHOOK_DELIVERY_STATUSES), name="status"),
        CheckConstraint("(status = 'retry') = (next_attempt_at IS NOT NULL)", name="retry_has_time"),
        Index("ix_webhook_delivery_subscription_at", "subscription_id", "at"),
        Index("ix_webhook_delivery_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(9))
    status_code: Mapped[Optional[int]] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")

    subscription = relationship("WebhookSubscription")
