"""Litigation (维权, step 7): one record per case with its court, claims, parties, hearings, costs,
filings and how it ended.

Money is kept in minor units (分, cents) as integers with an ISO 4217 currency, so sums are exact on
SQLite and PostgreSQL alike. Procedural deadlines are not a table here: they are casework `Deadline`
rows of a `court_*` kind (source_type "litigation"), so the scheduler's reminders and escalations
cover them; each hearing has such a deadline too.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, UTCDateTime
from casework.models.monitoring import _in

RESOLUTIONS = ("settled", "judgment_won", "judgment_lost")  # the case outcomes a litigation record decides
PARTY_SIDES = ("plaintiff", "defendant", "third_party")
HEARING_KINDS = ("pretrial", "evidence_exchange", "mediation", "trial", "judgment", "other")
COURT_DEADLINE_KINDS = ("court_defence", "court_evidence", "court_appeal", "court_payment", "court_other")
HEARING_DEADLINE_KIND = "court_hearing"
COST_KINDS = ("court_fee", "attorney_fee", "notary_fee", "evidence_fee", "travel", "other")
FILING_KINDS = ("document", "bundle")


class LitigationRecord(Base):
    """A case's court action: where, what is claimed, and how it ended."""

    __tablename__ = "litigation_record"
    __table_args__ = (
        CheckConstraint(f"resolution IS NULL OR {_in('resolution', RESOLUTIONS)}", name="resolution"),
        CheckConstraint("(resolution IS NULL) = (resolved_on IS NULL)", name="resolution_has_date"),
        CheckConstraint("claim_amount_minor IS NULL OR claim_amount_minor >= 0", name="claim_amount"),
        CheckConstraint("amount_awarded_minor IS NULL OR amount_awarded_minor >= 0", name="amount_awarded"),
        CheckConstraint("amount_paid_minor IS NULL OR amount_paid_minor >= 0", name="amount_paid"),
        CheckConstraint("length(claim_currency) = 3 AND length(resolution_currency) = 3", name="currencies"),
        # A lost judgment awards nothing to us.
        CheckConstraint("resolution IS NULL OR resolution != 'judgment_lost' OR amount_awarded_minor IS NULL "
                        "OR amount_awarded_minor = 0", name="lost_awards_nothing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    court: Mapped[str] = mapped_column(String(300), default="")
    case_number: Mapped[str] = mapped_column(String(100), default="", index=True)
    """The court's case number (案号), e.g. (2026)沪0115民初12345号."""
    cause_of_action: Mapped[str] = mapped_column(String(300), default="")
    filing_date: Mapped[Optional[date]] = mapped_column(Date)
    claim_amount_minor: Mapped[Optional[int]] = mapped_column(BigInteger)
    claim_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    injunction_sought: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[Optional[str]] = mapped_column(String(20))
    resolved_on: Mapped[Optional[date]] = mapped_column(Date)
    amount_awarded_minor: Mapped[Optional[int]] = mapped_column(BigInteger)
    """Awarded by the judgment or agreed in the settlement."""
    amount_paid_minor: Mapped[Optional[int]] = mapped_column(BigInteger)
    resolution_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))

    case = relationship("Case")
    parties: Mapped[list["LitigationParty"]] = relationship(back_populates="record", order_by="LitigationParty.id",
                                                             cascade="all, delete-orphan")
    hearings: Mapped[list["Hearing"]] = relationship(back_populates="record", order_by="Hearing.at",
                                                     cascade="all, delete-orphan")
    costs: Mapped[list["LitigationCost"]] = relationship(back_populates="record", order_by="LitigationCost.id",
                                                         cascade="all, delete-orphan")
    filings: Mapped[list["LitigationFiling"]] = relationship(back_populates="record", order_by="LitigationFiling.id",
                                                             cascade="all, delete-orphan")


class LitigationParty(Base):
    """A party to the action and who represents it."""

    __tablename__ = "litigation_party"
    __table_args__ = (CheckConstraint(_in("side", PARTY_SIDES), name="side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("litigation_record.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(300))
    counsel_name: Mapped[str] = mapped_column(String(200), default="")
    counsel_firm: Mapped[str] = mapped_column(String(300), default="")
    counsel_contact: Mapped[str] = mapped_column(String(300), default="")

    record: Mapped[LitigationRecord] = relationship(back_populates="parties")


class Hearing(Base):
    """A hearing; its `deadline_id` is the Deadline row the scheduler reminds about."""

    __tablename__ = "litigation_hearing"
    __table_args__ = (CheckConstraint(_in("kind", HEARING_KINDS), name="kind"),
                      Index("ix_litigation_hearing_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("litigation_record.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    deadline_id: Mapped[Optional[int]] = mapped_column(ForeignKey("deadline.id", ondelete="SET NULL"))

    record: Mapped[LitigationRecord] = relationship(back_populates="hearings")
    deadline = relationship("Deadline")


class LitigationCost(Base):
    __tablename__ = "litigation_cost"
    __table_args__ = (CheckConstraint(_in("kind", COST_KINDS), name="kind"),
                      CheckConstraint("amount_minor >= 0", name="amount"),
                      CheckConstraint("length(currency) = 3", name="currency"))

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("litigation_record.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    incurred_on: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    description: Mapped[str] = mapped_column(String(500), default="")

    record: Mapped[LitigationRecord] = relationship(back_populates="costs")


class LitigationFiling(Base):
    """A document or an evidence bundle filed with the court, referenced by its id in its own domain."""

    __tablename__ = "litigation_filing"
    __table_args__ = (CheckConstraint(_in("kind", FILING_KINDS), name="kind"),
                      UniqueConstraint("record_id", "kind", "ref_id", name="uq_litigation_filing_ref"))

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("litigation_record.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    ref_id: Mapped[int] = mapped_column(Integer)
    filed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")

    record: Mapped[LitigationRecord] = relationship(back_populates="filings")
