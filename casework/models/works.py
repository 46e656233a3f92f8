"""Works (what we protect) and their files (stored by SHA-256 in the blob store, deposited in the ledger)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.accounts import RightsHolder
from casework.models.base import Base, UTCDateTime, utcnow

WORK_KINDS = ("image", "video", "audio", "text", "software", "game", "animation", "film", "tv_series",
              "variety_show", "other")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Work(Base):
    """A work whose rights a holder asks us to protect (确权: rights confirmed once its files are deposited)."""

    __tablename__ = "work"
    __table_args__ = (
        CheckConstraint(_in("kind", WORK_KINDS), name="kind"),
        # A work cannot be published before it was created.
        CheckConstraint("created_on IS NULL OR published_on IS NULL OR published_on >= created_on",
                        name="dates_in_order"),
        Index("ix_work_holder_created", "rights_holder_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    rights_holder_id: Mapped[int] = mapped_column(ForeignKey("rights_holder.id"))
    created_on: Mapped[Optional[date]] = mapped_column(Date)
    """When the work was created (the date of creation, not of registration here)."""
    published_on: Mapped[Optional[date]] = mapped_column(Date)
    """First publication, if published."""
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When it was registered here."""

    rights_holder: Mapped[RightsHolder] = relationship()
    created_by = relationship("User")
    files: Mapped[list["WorkFile"]] = relationship(back_populates="work", order_by="WorkFile.id",
                                                   cascade="all, delete-orphan")


class WorkFile(Base):
    """One file of a work: its content lives in the blob store under `sha256`; `deposit_index` is its ledger leaf."""

    __tablename__ = "work_file"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size"),
        CheckConstraint("length(sha256) = 64", name="sha256"),
        Index("ix_work_file_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("work.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    """The file name as uploaded (display only; the content is addressed by hash)."""
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    media_type: Mapped[str] = mapped_column(String(127), default="application/octet-stream")
    deposit_index: Mapped[Optional[int]] = mapped_column(BigInteger)
    """Leaf index of its deposit in the ledger (None: not deposited, so rights are not confirmed)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    work: Mapped[Work] = relationship(back_populates="files")
