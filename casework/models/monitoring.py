"""Monitoring: infringers, platforms, detections and the licence allow-list of each work."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, UTCDateTime

INFRINGER_KINDS = ("site", "platform_account", "company", "person")
TAKEDOWN_CHANNELS = ("email", "web_form", "api")
NOTICE_FORMATS = ("us", "cn")
DETECTION_SOURCES = ("form", "csv", "api", "recheck")
DETECTION_STATUSES = ("pending", "confirmed", "dismissed")
DISMISS_REASONS = ("false_positive", "licensed", "fair_use", "duplicate", "out_of_scope")
ALIAS_KINDS = ("domain", "account")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Infringer(Base):
    """Whoever infringes: a site, an account on a platform, a company or a person."""

    __tablename__ = "infringer"
    __table_args__ = (CheckConstraint(_in("kind", INFRINGER_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    contacts: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    aliases: Mapped[list["InfringerAlias"]] = relationship(
        back_populates="infringer", cascade="all, delete-orphan", order_by="InfringerAlias.value")

    @property
    def domains(self) -> list[str]:
        return [a.value for a in self.aliases if a.kind == "domain"]

    @property
    def accounts(self) -> list[str]:
        return [a.value for a in self.aliases if a.kind == "account"]


class InfringerAlias(Base):
    """A domain or platform account that identifies an infringer, indexed so intake can match it."""

    __tablename__ = "infringer_alias"
    __table_args__ = (
        CheckConstraint(_in("kind", ALIAS_KINDS), name="kind"),
        UniqueConstraint("kind", "value", name="uq_infringer_alias_kind_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    infringer_id: Mapped[int] = mapped_column(ForeignKey("infringer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(300))

    infringer: Mapped[Infringer] = relationship(back_populates="aliases")


class Platform(Base):
    """A platform hosting infringing material, and how it takes notices."""

    __tablename__ = "platform"
    __table_args__ = (
        CheckConstraint(_in("takedown_channel", TAKEDOWN_CHANNELS), name="takedown_channel"),
        CheckConstraint(_in("notice_format", NOTICE_FORMATS), name="notice_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    domains: Mapped[list] = mapped_column(JSON, default=list)
    takedown_channel: Mapped[str] = mapped_column(String(10), default="email")
    channel_address: Mapped[str] = mapped_column(String(500), default="")
    notice_format: Mapped[str] = mapped_column(String(2), default="cn")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WorkLicence(Base):
    """An allow-list entry: a licensee's domain or account that may use the work."""

    __tablename__ = "work_licence"
    __table_args__ = (
        CheckConstraint(_in("kind", ALIAS_KINDS), name="kind"),
        UniqueConstraint("work_id", "kind", "value", name="uq_work_licence_work_kind_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(300))
    licensee: Mapped[str] = mapped_column(String(200), default="")
    valid_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))


class Detection(Base):
    """One sighting of a work at a URL, waiting for review or reviewed."""

    __tablename__ = "detection"
    __table_args__ = (
        CheckConstraint(_in("source", DETECTION_SOURCES), name="source"),
        CheckConstraint(_in("status", DETECTION_STATUSES), name="status"),
        CheckConstraint(f"dismiss_reason IS NULL OR {_in('dismiss_reason', DISMISS_REASONS)}", name="dismiss_reason"),
        CheckConstraint("(status = 'dismissed') = (dismiss_reason IS NOT NULL)", name="dismissed_has_reason"),
        CheckConstraint("(status = 'confirmed') = (case_id IS NOT NULL)", name="confirmed_has_case"),
        CheckConstraint("similarity IS NULL OR (similarity >= 0 AND similarity <= 1)", name="similarity_range"),
        # The same work at the same normalized URL is one detection, however often it is reported.
        UniqueConstraint("work_id", "url_hash", name="uq_detection_work_url"),
        # The review queue's sorts, each matched by an index including the id tie-breaker, so a page
        # is read in index order instead of sorting every pending row.
        Index("ix_detection_queue_detected", "status", "detected_at", "id"),
        Index("ix_detection_queue_work", "status", "work_id", "detected_at", "id"),
        Index("ix_detection_queue_platform", "status", "platform_id", "detected_at", "id"),
        Index("ix_detection_queue_similarity", "status", text("similarity DESC NULLS LAST"), text("id DESC")),
        Index("ix_detection_url_hash", "url_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id"))
    url: Mapped[str] = mapped_column(Text)
    url_normalized: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(253), index=True)
    platform_id: Mapped[Optional[int]] = mapped_column(ForeignKey("platform.id"))
    infringer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("infringer.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    similarity: Mapped[Optional[float]] = mapped_column(Float)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    licensed: Mapped[bool] = mapped_column(Boolean, default=False)
    licence_note: Mapped[str] = mapped_column(String(300), default="")
    dismiss_reason: Mapped[Optional[str]] = mapped_column(String(20))
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case.id"), index=True)

    platform: Mapped[Optional[Platform]] = relationship()
    infringer: Mapped[Optional[Infringer]] = relationship()
    case = relationship("Case")


class WatchedUrl(Base):
    """A URL legal keeps an eye on for a work (a known pirate page, a re-uploading channel).

    The re-check job fetches it; when it answers with content not seen before, that is a new
    detection (source "recheck") for review.
    """

    __tablename__ = "watched_url"
    __table_args__ = (UniqueConstraint("work_id", "url_hash", name="uq_watched_url_work_url"),
                      Index("ix_watched_url_active_checked", "active", "last_checked_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    url_normalized: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(253))
    platform_id: Mapped[Optional[int]] = mapped_column(ForeignKey("platform.id"))
    infringer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("infringer.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    last_checked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_status_code: Mapped[Optional[int]] = mapped_column(Integer)
    last_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    last_error: Mapped[str] = mapped_column(Text, default="")

    platform: Mapped[Optional[Platform]] = relationship()
