"""Cases: one infringement each, its works, URLs, tags, internal notes and timeline."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, UTCDateTime
from casework.models.monitoring import Infringer, Platform, _in

STAGES = ("review", "letter", "takedown", "evidence", "litigation", "closed")
OUTCOMES = ("removed", "licensed", "settled", "judgment_won", "judgment_lost", "withdrawn", "not_pursued")
PRIORITIES = ("low", "normal", "high", "urgent")
URL_STATUSES = ("active", "changed", "unreachable", "removed")

case_work = Table(
    "case_work", Base.metadata,
    Column("case_id", ForeignKey("case.id", ondelete="CASCADE"), primary_key=True),
    Column("work_id", ForeignKey("work.id"), primary_key=True, index=True),
)


class Case(Base):
    __tablename__ = "case"
    __table_args__ = (
        CheckConstraint(_in("stage", STAGES), name="stage"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name="outcome"),
        # A closed case says how it ended and when; an open one has neither.
        CheckConstraint("(stage = 'closed') = (outcome IS NOT NULL)", name="closed_has_outcome"),
        CheckConstraint("(stage = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
        # The case list's order (newest first, id as tie-breaker), alone and within a stage.
        Index("ix_case_list_stage_opened", "stage", "opened_at", "id"),
        Index("ix_case_list_opened", "opened_at", "id"),
        Index("ix_case_infringer_stage", "infringer_id", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    stage: Mapped[str] = mapped_column(String(12), default="review")
    infringer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("infringer.id"))
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    counsel_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    outcome: Mapped[Optional[str]] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))

    infringer: Mapped[Optional[Infringer]] = relationship()
    owner = relationship("User", foreign_keys=[owner_id])
    counsel = relationship("User", foreign_keys=[counsel_id])
    urls: Mapped[list["CaseUrl"]] = relationship(back_populates="case", order_by="CaseUrl.id",
                                                 cascade="all, delete-orphan")
    tag_rows: Mapped[list["CaseTag"]] = relationship(cascade="all, delete-orphan", order_by="CaseTag.tag")
    events: Mapped[list["CaseEvent"]] = relationship(back_populates="case", order_by="CaseEvent.id",
                                                     viewonly=True)

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    @property
    def is_open(self) -> bool:
        return self.stage != "closed"


class CaseTag(Base):
    __tablename__ = "case_tag"

    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)


class CaseUrl(Base):
    """An infringing URL of a case, watched by the re-check job."""

    __tablename__ = "case_url"
    __table_args__ = (
        CheckConstraint(_in("status", URL_STATUSES), name="status"),
        CheckConstraint("(status = 'removed') = (removed_at IS NOT NULL)", name="removed_has_time"),
        UniqueConstraint("case_id", "url_hash", name="uq_case_url_case_hash"),
        Index("ix_case_url_checked", "last_checked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    url_normalized: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64), index=True)
    host: Mapped[str] = mapped_column(String(253))
    platform_id: Mapped[Optional[int]] = mapped_column(ForeignKey("platform.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="active")
    first_detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_status_code: Mapped[Optional[int]] = mapped_column(Integer)
    baseline_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    last_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    last_error: Mapped[str] = mapped_column(Text, default="")
    removed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="urls")
    platform: Mapped[Optional[Platform]] = relationship()


class UrlCheck(Base):
    """One re-check of a case URL: what came back, so removal is a recorded fact, not a belief."""

    __tablename__ = "url_check"
    __table_args__ = (Index("ix_url_check_url_at", "case_url_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_url_id: Mapped[int] = mapped_column(ForeignKey("case_url.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[Optional[int]] = mapped_column(Integer)
    sha256: Mapped[Optional[str]] = mapped_column(String(64))
    size: Mapped[Optional[int]] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(12))


class CaseNote(Base):
    """Internal notes: legal and admin only, never shown to counsel or creators."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    author_label: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)


class CaseEvent(Base):
    """A timeline row: a stage move or anything another domain records; each is deposited in the ledger."""

    __tablename__ = "case_event"
    __table_args__ = (
        CheckConstraint(f"from_stage IS NULL OR {_in('from_stage', STAGES)}", name="from_stage"),
        CheckConstraint(f"to_stage IS NULL OR {_in('to_stage', STAGES)}", name="to_stage"),
        Index("ix_case_event_case_at", "case_id", "at"),
        Index("ix_case_event_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    actor_label: Mapped[str] = mapped_column(String(254))
    actor_user_id: Mapped[Optional[int]] = mapped_column(Integer)
    actor_ref: Mapped[str] = mapped_column(String(300))  # as written in the ledger: user:12, job:reminders
    from_stage: Mapped[Optional[str]] = mapped_column(String(12))
    to_stage: Mapped[Optional[str]] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    deposit_index: Mapped[Optional[int]] = mapped_column(Integer)

    case: Mapped[Case] = relationship(back_populates="events")
