"""Evidence bundles: the ZIP a court or outside counsel verifies offline (API.md "Evidence bundles").

    request_bundle(case, actor=, now=) -> Bundle              signs the catalogue; the "evidence.bundle" task
                                                              builds the bundle of the evidence it lists
    build(bundle, actor=, now=, progress=)                    writes, stores, deposits and seals it
    has_sealed_bundle(case) -> bool                           what the litigation guard asks
    create_share_link(bundle, ...) -> (ShareLink, token)      the raw token exists only in this answer
    find_share_link(token, now=) -> ShareLink | None          active links only
    revoke_share_link(link, ...)
    record_download(bundle, who=, now=, ...)                  chain of custody for every item in it
    bundle_json(bundle)

The ZIP is written (bundle_zip.write_zip) entry by entry to a temporary file, each evidence file copied from the blob store
in 1 MiB chunks (and re-hashed on the way, so a damaged blob stops the export instead of being
sealed), so memory stays flat however large the evidence. Its root holds manifest.json, the
files, receipts/<deposit_index>.json per file, ledger-key.txt and verify.py (a copy of
casework/ledger/verify_bundle.py, which needs only Python and `cryptography`). The finished ZIP is
streamed into the blob store (hashed on the way), its hash deposited (kind "bundle"), and the case
records the bundle as sealed, all in the task's one transaction.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from datetime import datetime, timedelta
from typing import Callable, Optional

from sqlalchemy import select

from casework.extensions import db
from casework.models.cases import Case
from casework.models.evidence import Bundle, EvidenceItem, ShareDownload, ShareLink
from casework.services import audit, events, ledger
from casework.services import cases as case_service
from casework.services import evidence as evidence_service
from casework.services.actor import Actor
from casework.services.bundle_zip import VERIFY_SCRIPT, write_zip
from casework.services.events import rfc3339
from casework.services.works import safe_filename
from casework.storage import StorageError, get_storage

__all__ = ["BundleError", "request_bundle", "build", "has_sealed_bundle", "sealed_bundles", "bundles_of",
           "create_share_link", "find_share_link", "revoke_share_link", "record_download", "bundle_json",
           "share_link_json", "VERIFY_SCRIPT", "MAX_SHARE_DAYS", "bundle_status", "blob_path", "download_name"]

MAX_SHARE_DAYS = 90


class BundleError(ValueError):
    pass


def request_bundle(case: Case, *, actor: Actor, now: datetime) -> Bundle:
    """Sign the evidence catalogue of the case's finished evidence and queue the export of exactly that
    evidence (the task "evidence.bundle" writes, stores and seals the ZIP).

    The catalogue is signed here, like any document a person signs, rather than in the export task:
    rendering a Chinese PDF costs the process about 175 MB whatever the bundle's size, and the task
    that streams gigabytes then stays small. Raises BundleError (nothing written) when there is no
    finished evidence or the catalogue cannot be signed.
    """
    from casework.services import tasks
    from casework.services.capture_jobs import BUNDLE_TASK

    items = evidence_service.items_of(case, done_only=True)
    if not items:
        raise BundleError("the case has no finished evidence yet: capture a page or upload a file first")
    try:
        catalogue = _catalogue(case, actor=actor, now=now)
    except ValueError as exc:  # the documents domain's errors: not configured for signing, elements missing
        raise BundleError(f"the evidence catalogue could not be signed: {exc}") from None
    bundle = Bundle(case_id=case.id, status="queued", progress=0.0, error="", created_by_id=actor.user_id,
                    created_at=now)
    db.session.add(bundle)
    db.session.flush()
    params = {"bundle_id": bundle.id, "item_ids": [i.id for i in items],
              "catalogue_id": catalogue.id if catalogue is not None else None}
    task = tasks.enqueue(BUNDLE_TASK, params, actor=actor, now=now, case_id=case.id, max_attempts=2)
    bundle.task_id = task.id
    audit.record(actor, "bundle.requested", bundle, f"case {case.id}: {len(items)} item(s)", now=now)
    return bundle


# --- what goes in --------------------------------------------------------------------------------

class _Entry:
    """One listed file: where it goes in the ZIP and where its bytes come from (a blob, or bytes)."""

    def __init__(self, path: str, sha256: str, size: int, deposit_index: int, media_type: str,
                 data: Optional[bytes] = None, item: Optional[EvidenceItem] = None):
        self.path, self.sha256, self.size, self.deposit_index = path, sha256, size, deposit_index
        self.media_type, self.data, self.item = media_type, data, item

    def manifest(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "size": self.size, "deposit_index": self.deposit_index}


def _evidence_entries(items: list[EvidenceItem]) -> list[_Entry]:
    out = []
    for item in items:
        number = f"{item.exhibit_no:03d}" if item.exhibit_no else f"item{item.id}"
        name = safe_filename(item.original_filename or f"{item.kind}-{item.id}")
        out.append(_Entry(f"evidence/{number}-{name}", item.sha256, item.size, item.deposit_index, item.media_type,
                          item=item))
    return out


def _signed_documents(case: Case, catalogue_id: Optional[int]) -> list:
    """The case's signed documents (letters, notices) and this bundle's own evidence catalogue (older
    catalogues list other evidence and are left out), if the documents domain is present."""
    try:
        from casework.models.documents import Document
    except ImportError:
        return []
    docs = db.session.scalars(
        select(Document).where(Document.case_id == case.id,
                               Document.status.in_(("signed", "sent", "answered", "no_answer")),
                               Document.sha256.is_not(None), Document.deposit_index.is_not(None))
        .order_by(Document.id))
    return [d for d in docs if d.kind != "evidence_catalogue" or d.id == catalogue_id]


def _document_entry(doc) -> _Entry:
    size = doc.size if doc.size is not None else get_storage().size(doc.sha256)
    return _Entry(f"documents/{doc.id:04d}-{doc.kind}-{doc.lang}.pdf", doc.sha256, size, doc.deposit_index,
                  "application/pdf")


def _catalogue(case: Case, *, actor: Actor, now: datetime):
    """A freshly signed evidence catalogue (证据目录) listing this case's evidence, or None when the
    documents domain does not offer one."""
    try:
        from casework.services.documents import sign_evidence_catalogue
    except ImportError:
        return None
    return sign_evidence_catalogue(case, lang="zh", actor=actor, now=now)


# --- building ------------------------------------------------------------------------------------

def build(bundle: Bundle, *, actor: Actor, now: datetime, progress: Callable[[float, str], None] = lambda f, m: None,
          item_ids: Optional[list[int]] = None, catalogue_id: Optional[int] = None,
          workdir: Optional[str] = None) -> Bundle:
    """Write, store, deposit and seal the bundle (in the caller's transaction; the blob is linked last).

    `item_ids` and `catalogue_id` are what request_bundle chose (the evidence the catalogue lists),
    read from the bundle's task when not given; a bundle without a task takes every finished item of
    the case and no catalogue.
    """
    if bundle.status == "sealed":
        raise BundleError("this bundle is sealed already")
    params = (bundle.task.params or {}) if bundle.task is not None else {}
    item_ids = item_ids if item_ids is not None else params.get("item_ids")
    catalogue_id = catalogue_id if catalogue_id is not None else params.get("catalogue_id")
    case = db.session.get(Case, bundle.case_id)
    bundle.status = "building"
    items = evidence_service.items_of(case, done_only=True)
    if item_ids is not None:
        wanted = set(item_ids)
        items = [i for i in items if i.id in wanted]
        if len(items) != len(wanted):
            raise BundleError("evidence listed in the catalogue is no longer available: export again")
    if not items:
        raise BundleError("the case has no finished evidence to bundle")
    progress(0.02, "collecting evidence and documents")
    entries = _evidence_entries(items)
    documents = _signed_documents(case, catalogue_id)
    if catalogue_id is not None and all(d.id != catalogue_id for d in documents):
        raise BundleError(f"the bundle's evidence catalogue (document {catalogue_id}) is not signed: export again")
    entries += [_document_entry(d) for d in documents]
    storage = get_storage()
    for entry in entries:
        if entry.data is None and not storage.exists(entry.sha256):
            raise StorageError(f"the stored file of {entry.path} is missing: export stopped")
    db.session.flush()
    receipts = {e.deposit_index: ledger.receipt(e.deposit_index, now=now) for e in entries}
    manifest = {"case": case.id, "case_title": case.title, "bundle": bundle.id, "created_at": rfc3339(now),
                "log_origin": str(ledger.verifier_key()).split("+", 1)[0],
                "files": [e.manifest() for e in entries]}
    progress(0.08, f"writing {len(entries)} files")
    folder = tempfile.mkdtemp(prefix="bundle-", dir=workdir or storage.tmp)
    target = os.path.join(folder, f"bundle-{bundle.id}.zip")
    try:
        write_zip(target, entries, receipts, manifest, now, progress)
        progress(0.88, "storing and hashing the bundle")
        with open(target, "rb") as stream:
            staged = storage.stage(stream)
    finally:
        try:
            os.unlink(target)
        except FileNotFoundError:
            pass
        os.rmdir(folder)
    try:
        progress(0.97, "depositing and sealing")
        dep = ledger.deposit(kind="bundle", sha256=staged.sha256, size=staged.size, subject=f"bundle:{bundle.id}",
                             actor=actor, now=now, extra={"case": case.id, "files": len(entries)})
        bundle.sha256, bundle.size, bundle.deposit_index = staged.sha256, staged.size, dep.index
        bundle.files, bundle.manifest = len(entries), manifest
        bundle.status, bundle.progress, bundle.sealed_at, bundle.error = "sealed", 1.0, now, ""
        db.session.flush()
        ledger.make_checkpoint(now=now, actor=actor)
        case_service.add_event(case, "bundle_sealed", f"evidence bundle #{bundle.id}: {len(entries)} files",
                               actor=actor, now=now, data={"bundle_id": bundle.id, "sha256": bundle.sha256,
                                                           "deposit_index": dep.index})
        for entry in entries:
            if entry.item is not None:
                evidence_service.record_custody(entry.item, "export", who=actor, now=now, bundle_id=bundle.id)
        events.emit("bundle.sealed", {"bundle_id": bundle.id, "case_id": case.id, "sha256": bundle.sha256,
                                      "deposit_index": dep.index}, case_id=case.id, now=now)
        audit.record(actor, "bundle.sealed", bundle, f"case {case.id}: {len(entries)} files, {staged.sha256} "
                     f"(deposit {dep.index})", now=now)
        staged.commit()
    finally:
        staged.discard()
    return bundle


# --- reading -------------------------------------------------------------------------------------

def bundles_of(case: Case) -> list[Bundle]:
    return list(db.session.scalars(select(Bundle).where(Bundle.case_id == case.id).order_by(Bundle.id.desc())))


def sealed_bundles(case_id: int) -> list[Bundle]:
    return list(db.session.scalars(select(Bundle).where(Bundle.case_id == case_id, Bundle.status == "sealed")))


def has_sealed_bundle(case: Case) -> bool:
    return db.session.scalar(select(Bundle.id).where(Bundle.case_id == case.id, Bundle.status == "sealed")
                             .limit(1)) is not None


def bundle_status(bundle: Bundle) -> tuple[str, float, str]:
    """(status, progress, error): a bundle still being built reports its task's progress and failure."""
    if bundle.status == "sealed":
        return "sealed", 1.0, ""
    task = bundle.task
    if task is None:
        return bundle.status, bundle.progress or 0.0, bundle.error or ""
    if task.status == "failed":
        return "failed", task.progress or 0.0, task.error or "the export failed"
    if task.status == "running":
        return "building", task.progress or 0.0, ""
    return "queued", 0.0, task.error or ""


def blob_path(bundle: Bundle) -> str:
    if bundle.status != "sealed" or not bundle.sha256:
        raise StorageError("this bundle is not sealed yet")
    storage = get_storage()
    if not storage.exists(bundle.sha256):
        raise StorageError(f"the stored file of bundle {bundle.id} is missing")
    return storage.path(bundle.sha256)


def download_name(bundle: Bundle) -> str:
    return f"evidence-bundle-case{bundle.case_id}-{bundle.id}.zip"


def record_download(bundle: Bundle, *, who, now: datetime, user_agent: str = "") -> None:
    """A download of the bundle is a download of every item in it: one custody row each."""
    items = _bundle_items(bundle)
    action = "share_download" if isinstance(who, evidence_service.ShareWho) else "download"
    for item in items:
        evidence_service.record_custody(item, action, who=who, now=now, user_agent=user_agent, bundle_id=bundle.id)
    if isinstance(who, evidence_service.ShareWho):
        db.session.add(ShareDownload(link_id=who.link.id, at=now, remote_addr=(who.remote_addr or "")[:45],
                                     user_agent=(who.user_agent or "")[:300]))


def _bundle_items(bundle: Bundle) -> list[EvidenceItem]:
    """The items a sealed bundle holds: those whose deposit its manifest lists."""
    files = (bundle.manifest or {}).get("files", [])
    indexes = [f["deposit_index"] for f in files if f["path"].startswith("evidence/")]
    if not indexes:
        return []
    return list(db.session.scalars(select(EvidenceItem).where(EvidenceItem.case_id == bundle.case_id,
                                                              EvidenceItem.deposit_index.in_(indexes))))


# --- share links ---------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_share_link(bundle: Bundle, *, days: int, label: str = "", actor: Actor,
                      now: datetime) -> tuple[ShareLink, str]:
    """A link valid for `days` (1..90); returns it with the raw token, which is stored only as its SHA-256."""
    if bundle.status != "sealed":
        raise BundleError("only a sealed bundle can be shared")
    if not isinstance(days, int) or not 1 <= days <= MAX_SHARE_DAYS:
        raise BundleError(f"a share link lasts from 1 to {MAX_SHARE_DAYS} days")
    label = (label or "").strip()
    if len(label) > 300:
        raise BundleError("the label is longer than 300 characters")
    token = secrets.token_urlsafe(32)
    link = ShareLink(bundle_id=bundle.id, token_hash=_token_hash(token), label=label,
                     expires_at=now + timedelta(days=days), created_by_id=actor.user_id, created_at=now)
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "bundle.share", bundle, f"link #{link.id} for {days} day(s)" + (f": {label}" if label else ""),
                 now=now)
    return link, token


def find_share_link(token: str, *, now: datetime) -> Optional[ShareLink]:
    """The active link for this raw token (None for a wrong, expired or revoked one)."""
    if not token or len(token) > 200:
        return None
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == _token_hash(token)))
    if link is None or not link.active(now) or link.bundle.status != "sealed":
        return None
    return link


def share_url(token: str) -> str:
    """The address to give the court: PUBLIC_BASE_URL + the public share route."""
    from flask import current_app, url_for

    return (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/") + url_for("evidence.shared", token=token)


def revoke_share_link(link: ShareLink, *, actor: Actor, now: datetime) -> None:
    if link.revoked_at is None:
        link.revoked_at = now
        audit.record(actor, "bundle.share_revoked", link.bundle, f"link #{link.id}", now=now)


# --- JSON ----------------------------------------------------------------------------------------

def bundle_json(bundle: Bundle) -> dict:
    """A bundle as `GET /api/v1/bundles/<id>` returns it."""
    status, fraction, error = bundle_status(bundle)
    return {"id": bundle.id, "case_id": bundle.case_id, "status": status, "progress": round(fraction, 4),
            "error": error or None, "sha256": bundle.sha256, "size": bundle.size,
            "deposit_index": bundle.deposit_index, "files": bundle.files, "sealed_at": rfc3339(bundle.sealed_at),
            "created_at": rfc3339(bundle.created_at), "task_id": bundle.task_id}


def share_link_json(link: ShareLink, now: datetime) -> dict:
    return {"id": link.id, "bundle_id": link.bundle_id, "label": link.label, "expires_at": rfc3339(link.expires_at),
            "revoked_at": rfc3339(link.revoked_at), "active": link.active(now),
            "downloads": [{"at": rfc3339(d.at), "remote_addr": d.remote_addr, "user_agent": d.user_agent}
                          for d in link.downloads]}
