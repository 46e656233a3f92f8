"""Evidence (取证): captured pages and uploaded files of a case, their chain of custody, the bundles
exported for court, and the share links that let someone without an account download a bundle."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, BigInteger, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, UTCDateTime
from casework.models.monitoring import _in

UPLOAD_KINDS = ("screenshot", "recording", "notarial_certificate", "email", "other")
EVIDENCE_KINDS = ("capture", *UPLOAD_KINDS)
EVIDENCE_STATUSES = ("pending", "done", "failed")
CUSTODY_ACTIONS = ("view", "download", "export", "share_download")
CUSTODY_ACTORS = ("user", "token", "share_link", "job", "system")
BUNDLE_STATUSES = ("queued", "building", "sealed", "failed")


class EvidenceItem(Base):
    """One piece of evidence: a captured web page (a WARC file) or an uploaded file.

    Its content lives in the blob store under `sha256`; `deposit_index` is its ledger leaf, written in
    the same transaction that records the file, so a `done` item is always deposited.
    """

    __tablename__ = "evidence_item"
    __table_args__ = (
        CheckConstraint(_in("kind", EVIDENCE_KINDS), name="kind"),
        CheckConstraint(_in("status", EVIDENCE_STATUSES), name="status"),
        # A finished item has its content and its deposit; a pending or failed one has neither.
        CheckConstraint("(status = 'done') = (sha256 IS NOT NULL AND deposit_index IS NOT NULL)",
                        name="done_deposited"),
        CheckConstraint("sha256 IS NULL OR length(sha256) = 64", name="sha256"),
        CheckConstraint("kind <> 'capture' OR url IS NOT NULL", name="capture_has_url"),
        Index("ix_evidence_item_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    error: Mapped[str] = mapped_column(Text, default="")
    """Why a capture failed, in words for the person who asked for it."""
    url: Mapped[Optional[str]] = mapped_column(Text)
    """The page captured (captures), or where an uploaded file came from, if known."""
    title: Mapped[str] = mapped_column(String(300), default="")
    supplied_by: Mapped[str] = mapped_column(String(300), default="")
    """Who supplied the evidence (a notary office, a witness, the person who uploaded it)."""
    supplied_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    """When it was supplied to us (uploads: given by the uploader, or the upload time)."""
    captured_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    """When the page had loaded (captures), from the capture's own record."""
    sha256: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    size: Mapped[Optional[int]] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(127), default="application/octet-stream")
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    deposit_index: Mapped[Optional[int]] = mapped_column(BigInteger)
    exhibit_no: Mapped[Optional[int]] = mapped_column(Integer)
    """Its number in the case's evidence list (证据1, 证据2 ...), given when the item is done."""
    capture_meta: Mapped[dict] = mapped_column(JSON, default=dict)
    """A summary of the capture's metadata record (final URL, status, server, TLS, software)."""
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case = relationship("Case")
    created_by = relationship("User")
    task = relationship("Task")

    @property
    def is_capture(self) -> bool:
        return self.kind == "capture"


class CustodyEvent(Base):
    """One access to an evidence item: who (a user, a token, a share link), what, when, from where."""

    __tablename__ = "custody_event"
    __table_args__ = (
        CheckConstraint(_in("action", CUSTODY_ACTIONS), name="action"),
        CheckConstraint(_in("actor_kind", CUSTODY_ACTORS), name="actor_kind"),
        Index("ix_custody_event_item_at", "item_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(12))
    actor_label: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    token_id: Mapped[Optional[int]] = mapped_column(Integer)
    share_link_id: Mapped[Optional[int]] = mapped_column(ForeignKey("share_link.id", ondelete="SET NULL"))
    bundle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("evidence_bundle.id", ondelete="SET NULL"))
    """The bundle through which the item was exported or downloaded, if any."""
    remote_addr: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class Bundle(Base):
    """An evidence bundle: a ZIP of a case's evidence, documents and receipts, sealed by its own deposit."""

    __tablename__ = "evidence_bundle"
    __table_args__ = (
        CheckConstraint(_in("status", BUNDLE_STATUSES), name="status"),
        CheckConstraint("(status = 'sealed') = (sha256 IS NOT NULL AND deposit_index IS NOT NULL "
                        "AND sealed_at IS NOT NULL)", name="sealed_deposited"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
        Index("ix_evidence_bundle_case_status", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[Optional[str]] = mapped_column(String(64))
    size: Mapped[Optional[int]] = mapped_column(BigInteger)
    deposit_index: Mapped[Optional[int]] = mapped_column(BigInteger)
    files: Mapped[Optional[int]] = mapped_column(Integer)
    """How many files the manifest lists."""
    manifest: Mapped[Optional[dict]] = mapped_column(JSON)
    sealed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case = relationship("Case")
    created_by = relationship("User")
    task = relationship("Task")
    share_links: Mapped[list["ShareLink"]] = relationship(back_populates="bundle", order_by="ShareLink.id")


class ShareLink(Base):
    """A link that lets someone without an account (a court, opposing counsel) download a sealed bundle.

    Only the SHA-256 of the token is stored; the token itself is shown once, when the link is made.
    """

    __tablename__ = "share_link"
    __table_args__ = (Index("ix_share_link_bundle", "bundle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("evidence_bundle.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(300), default="")
    """Who the link is for (e.g. the court's docket number), shown in the download log."""
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    bundle: Mapped[Bundle] = relationship(back_populates="share_links")
    created_by = relationship("User")
    downloads: Mapped[list["ShareDownload"]] = relationship(order_by="ShareDownload.id", viewonly=True)

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class ShareDownload(Base):
    """One download of a bundle through a share link."""

    __tablename__ = "share_download"
    __table_args__ = (Index("ix_share_download_link_at", "link_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("share_link.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    remote_addr: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
