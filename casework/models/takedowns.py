"""Takedown notices to platforms (拦截): one per platform per case, its URLs, its states and history.

The status columns only make sense in some states, so check constraints hold them to it: a sent
notice has a channel and a time, a removed one a confirmed removal time, a refused one a reason,
a counter-noticed one the counter-notice's time. `removed_at` is written only from a re-check that
found every covered URL gone (casework/services/takedowns.py), never from the platform's word:
that word is kept in `platform_reported_removed_at`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, UTCDateTime
from casework.models.monitoring import NOTICE_FORMATS, TAKEDOWN_CHANNELS, Platform, _in

TAKEDOWN_STATUSES = ("draft", "sent", "acknowledged", "removed", "refused", "counter_notice", "restored",
                     "withdrawn")
# States a takedown has left "draft" in: each of these was sent.
SENT_STATES = ("sent", "acknowledged", "removed", "refused", "counter_notice", "restored")

takedown_url = Table(
    "takedown_url", Base.metadata,
    Column("takedown_id", ForeignKey("takedown_notice.id", ondelete="CASCADE"), primary_key=True),
    Column("case_url_id", ForeignKey("case_url.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class TakedownNotice(Base):
    """A notice to one platform about a case's URLs there, and what became of it."""

    __tablename__ = "takedown_notice"
    __table_args__ = (
        CheckConstraint(_in("status", TAKEDOWN_STATUSES), name="status"),
        CheckConstraint(_in("format", NOTICE_FORMATS), name="format"),
        CheckConstraint(f"sent_channel IS NULL OR {_in('sent_channel', TAKEDOWN_CHANNELS)}", name="sent_channel"),
        CheckConstraint("status = 'draft' OR status = 'withdrawn' OR sent_at IS NOT NULL", name="sent_has_time"),
        CheckConstraint("(sent_at IS NULL) = (sent_channel IS NULL)", name="sent_has_channel"),
        CheckConstraint("status != 'removed' OR removed_at IS NOT NULL", name="removed_has_time"),
        CheckConstraint("status != 'refused' OR refused_at IS NOT NULL", name="refused_has_time"),
        CheckConstraint("status NOT IN ('counter_notice', 'restored') OR counter_notice_at IS NOT NULL",
                        name="counter_notice_has_time"),
        CheckConstraint("status != 'restored' OR restored_at IS NOT NULL", name="restored_has_time"),
        CheckConstraint("status != 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_has_time"),
        # The per-platform figures read these (counts per state; times from sending).
        Index("ix_takedown_platform_status", "platform_id", "status"),
        Index("ix_takedown_platform_sent", "platform_id", "sent_at", "first_response_at", "removed_at"),
        Index("ix_takedown_case_platform", "case_id", "platform_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    # The notice document, drafted from the case in the platform's format (US or CN).
    document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"), index=True)
    format: Mapped[str] = mapped_column(String(2))
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_channel: Mapped[Optional[str]] = mapped_column(String(10))
    sent_recipient: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    platform_reference: Mapped[str] = mapped_column(String(300), default="")
    # The first answer of any kind from the platform (acknowledgement, refusal, forwarded counter-notice,
    # its report of a removal) or a confirmed removal: what the response-rate figure counts.
    first_response_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    platform_reported_removed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    removed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    refused_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    counter_notice_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    counter_notice_content: Mapped[str] = mapped_column(Text, default="")
    restored_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    platform: Mapped[Platform] = relationship()
    case = relationship("Case")
    urls = relationship("CaseUrl", secondary=takedown_url, order_by="CaseUrl.id")
    events: Mapped[list["TakedownEvent"]] = relationship(back_populates="takedown", order_by="TakedownEvent.id",
                                                         cascade="all, delete-orphan")


class TakedownEvent(Base):
    """A history row: one move of a takedown (or a note that changes no state), deposited in the ledger."""

    __tablename__ = "takedown_event"
    __table_args__ = (
        CheckConstraint(f"from_status IS NULL OR {_in('from_status', TAKEDOWN_STATUSES)}", name="from_status"),
        CheckConstraint(_in("to_status", TAKEDOWN_STATUSES), name="to_status"),
        Index("ix_takedown_event_takedown_at", "takedown_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    takedown_id: Mapped[int] = mapped_column(ForeignKey("takedown_notice.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(30), default="status_changed")
    from_status: Mapped[Optional[str]] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_label: Mapped[str] = mapped_column(String(254))
    actor_ref: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    deposit_index: Mapped[Optional[int]] = mapped_column(Integer)

    takedown: Mapped[TakedownNotice] = relationship(back_populates="events")


class PlatformTakedownPolicy(Base):
    """How long a platform is given to answer a notice, where it differs from the format's default."""

    __tablename__ = "platform_takedown_policy"
    __table_args__ = (CheckConstraint("response_days >= 1 AND response_days <= 90", name="response_days"),
                      UniqueConstraint("platform_id", name="uq_platform_takedown_policy_platform_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    response_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
