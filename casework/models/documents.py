"""Legal documents (letters, notices, certificates, catalogues), their template versions and sendings.

A document is drafted from a snapshot of its case's data (``context``) plus what a person edited
(``fields``), approved, signed (the signed PDF lives in the blob store under ``sha256`` and is
deposited in the ledger at ``deposit_index``), sent, and then answered or left without an answer.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, UTCDateTime
from casework.models.monitoring import _in

DOCUMENT_KINDS = ("cease_desist", "takedown_notice_us", "takedown_notice_cn", "deposit_certificate",
                  "evidence_catalogue")
DOCUMENT_LANGS = ("zh", "en")
DOCUMENT_STATUSES = ("draft", "approved", "signed", "sent", "answered", "no_answer")
SENDING_CHANNELS = ("email", "post", "platform_form")
DELIVERY_STATUSES = ("recorded", "queued", "delivered", "failed")
PADES_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")

_SIGNED = "status IN ('signed', 'sent', 'answered', 'no_answer')"
_APPROVED = "status != 'draft'"
_SENT = "status IN ('sent', 'answered', 'no_answer')"


class DocumentTemplate(Base):
    """One version of an admin-edited template for a kind and language; the active one is used.

    Without an active row the template shipped in ``templates/documents/`` is used (version 0).
    """

    __tablename__ = "document_template"
    __table_args__ = (
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint(_in("lang", DOCUMENT_LANGS), name="lang"),
        CheckConstraint("version > 0", name="version"),
        UniqueConstraint("kind", "lang", "version", name="uq_document_template_kind_lang_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    lang: Mapped[str] = mapped_column(String(2))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=False)

    author = relationship("User")


class Document(Base):
    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint(_in("lang", DOCUMENT_LANGS), name="lang"),
        CheckConstraint(_in("status", DOCUMENT_STATUSES), name="status"),
        CheckConstraint("case_id IS NOT NULL OR work_id IS NOT NULL", name="has_subject"),
        # Each stage's facts are there once the document has reached it.
        CheckConstraint(f"NOT ({_APPROVED}) OR approved_at IS NOT NULL", name="approved_has_time"),
        CheckConstraint(f"NOT ({_SIGNED}) OR (sha256 IS NOT NULL AND deposit_index IS NOT NULL "
                        "AND signed_at IS NOT NULL)", name="signed_has_pdf"),
        CheckConstraint(f"NOT ({_SENT}) OR sent_at IS NOT NULL", name="sent_has_time"),
        CheckConstraint("status != 'answered' OR answered_at IS NOT NULL", name="answered_has_time"),
        CheckConstraint(f"pades_level IS NULL OR {_in('pades_level', PADES_LEVELS)}", name="pades_level"),
        CheckConstraint("sha256 IS NULL OR length(sha256) = 64", name="sha256"),
        Index("ix_document_case_created", "case_id", "created_at"),
        Index("ix_document_status_created", "status", "created_at"),
        Index("ix_document_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    """The opaque id in the verification URL printed on the document (ids are not guessable)."""
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    work_id: Mapped[Optional[int]] = mapped_column(ForeignKey("work.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    lang: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    file_number: Mapped[str] = mapped_column(String(100), default="")
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    """The snapshot of the case's data the draft was made from (JSON: dates as ISO strings)."""
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    """What people edited, laid over ``context`` key by key (facts, demands, deadline, issuer...)."""
    template_id: Mapped[Optional[int]] = mapped_column(ForeignKey("document_template.id"))
    template_version: Mapped[int] = mapped_column(Integer, default=0)
    """The template version the signed PDF was rendered with (0: the shipped template)."""
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sha256: Mapped[Optional[str]] = mapped_column(String(64))
    """SHA-256 of the signed PDF, which the blob store holds under this name."""
    size: Mapped[Optional[int]] = mapped_column(BigInteger)
    deposit_index: Mapped[Optional[int]] = mapped_column(BigInteger)
    pades_level: Mapped[Optional[str]] = mapped_column(String(5))
    sent_channel: Mapped[Optional[str]] = mapped_column(String(15))
    sent_to: Mapped[Optional[str]] = mapped_column(String(500))
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    response_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    answer_note: Mapped[str] = mapped_column(Text, default="")

    case = relationship("Case")
    work = relationship("Work")
    template = relationship(DocumentTemplate)
    created_by = relationship("User", foreign_keys=[created_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    sendings: Mapped[list["Sending"]] = relationship(back_populates="document", order_by="Sending.id",
                                                     cascade="all, delete-orphan")

    @property
    def is_signed(self) -> bool:
        return self.status in ("signed", "sent", "answered", "no_answer")


class Sending(Base):
    """One sending of a signed document: by e-mail (with the PDF), by post, or through a platform's form."""

    __tablename__ = "document_sending"
    __table_args__ = (
        CheckConstraint(_in("channel", SENDING_CHANNELS), name="channel"),
        CheckConstraint(_in("delivery", DELIVERY_STATUSES), name="delivery"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(15))
    recipient: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    delivery: Mapped[str] = mapped_column(String(10), default="recorded")
    """E-mail: queued until the SMTP server accepted it (delivered) or refused it (failed)."""
    error: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[Document] = relationship(back_populates="sendings")
