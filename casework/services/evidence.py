"""Evidence of a case (取证): captured web pages, uploaded files, and their chain of custody.

    request_capture(case, url, actor=, now=) -> EvidenceItem          pending; a task does the capture
    new_capture_item(case, url, actor=, now=) -> EvidenceItem         pending, no task (the caller captures)
    finish_capture(item, result, actor=, now=)                          stores, hashes, deposits the WARC
    fail_capture(item, reason, now=)
    add_upload(case, kind=, upload=, actor=, now=, ...) -> EvidenceItem  stored, hashed, deposited at once
    record_custody(item, action, who=, now=, ...)                       one view / download / export
    item_json(item), custody_json(event)

Every finished item is in the blob store under its SHA-256 and deposited (kind "evidence", subject
"evidence:<id>") in the same transaction that marks it done, with the checkpoint that covers it
signed (and timestamped, when a TSA is configured) there too.
"""
from __future__ import annotations

from datetime import datetime
from typing import BinaryIO, Optional
from urllib.parse import urlsplit

from sqlalchemy import func, select

from casework.extensions import db
from casework.models.cases import Case
from casework.models.evidence import UPLOAD_KINDS, CustodyEvent, EvidenceItem
from casework.services import audit, ledger
from casework.services import cases as case_service
from casework.services.actor import Actor
from casework.services.evidence_files import ALLOWED_TYPES, Peeked, looks_like, media_type_of
from casework.services.events import rfc3339
from casework.services.works import Upload, safe_filename
from casework.storage import Storage, StorageError, get_storage

__all__ = ["EvidenceError", "UnsupportedType", "request_capture", "new_capture_item", "finish_capture",
           "fail_capture", "add_upload",
           "record_custody", "ShareWho", "item_json", "item_summary_json", "custody_json", "custody_of",
           "items_of", "ALLOWED_TYPES", "CAPTURE_MEDIA_TYPE", "blob_path"]

CAPTURE_MEDIA_TYPE = "application/warc"
MAX_URL = 4000
MAX_TITLE = 300
class EvidenceError(ValueError):
    """Evidence that cannot be accepted; `field` names the bad input (None: the whole request)."""

    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


class UnsupportedType(EvidenceError):
    """The file is not of a type this kind of evidence accepts (the API answers 415)."""


# --- captures ------------------------------------------------------------------------------------

def check_capture_url(url: str) -> str:
    """A syntactic check only: http(s), a host, no credentials. Where it leads is checked by the capture
    itself, after DNS resolution and on every redirect."""
    url = (url or "").strip()
    if not url:
        raise EvidenceError("give the address of the page to capture", "url")
    if len(url) > MAX_URL:
        raise EvidenceError(f"the address is longer than {MAX_URL} characters", "url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise EvidenceError("this is not a valid web address", "url") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise EvidenceError("only http:// and https:// pages can be captured", "url")
    if parts.username or parts.password:
        raise EvidenceError("the address must not contain a user name or password", "url")
    if any(ord(c) < 0x21 for c in url):
        raise EvidenceError("the address contains spaces or control characters", "url")
    return url


def new_capture_item(case: Case, url: str, *, actor: Actor, now: datetime, title: str = "") -> EvidenceItem:
    """A pending capture item (no task): request_capture queues the task; the demo seed captures itself."""
    url = check_capture_url(url)
    item = EvidenceItem(case_id=case.id, kind="capture", status="pending", url=url,
                        title=(title or "").strip()[:MAX_TITLE], supplied_by=actor.label[:300], supplied_at=now,
                        media_type=CAPTURE_MEDIA_TYPE, capture_meta={}, created_by_id=actor.user_id, created_at=now,
                        error="")
    db.session.add(item)
    db.session.flush()
    return item


def request_capture(case: Case, url: str, *, actor: Actor, now: datetime, title: str = "") -> EvidenceItem:
    """A pending capture item and the background task that will make it (kind "evidence.capture")."""
    from casework.services import tasks
    from casework.services.capture_jobs import CAPTURE_TASK

    item = new_capture_item(case, url, actor=actor, now=now, title=title)
    task = tasks.enqueue(CAPTURE_TASK, {"item_id": item.id}, actor=actor, now=now, case_id=case.id, max_attempts=3)
    item.task_id = task.id
    audit.record(actor, "evidence.capture_requested", item, url[:500], now=now)
    return item


def _next_exhibit(case_id: int) -> int:
    highest = db.session.scalar(select(func.max(EvidenceItem.exhibit_no)).where(EvidenceItem.case_id == case_id))
    return (highest or 0) + 1


def _seal_item(item: EvidenceItem, *, sha256: str, size: int, actor: Actor, now: datetime) -> None:
    """Deposit a stored item and give it its exhibit number; sign the checkpoint covering it."""
    dep = ledger.deposit(kind="evidence", sha256=sha256, size=size, subject=f"evidence:{item.id}", actor=actor,
                         now=now, extra={"case": item.case_id, "evidence_kind": item.kind})
    exhibit = _next_exhibit(item.case_id)
    # All at once: a done item has its hash and deposit (a check constraint), a pending one neither.
    item.sha256, item.size, item.deposit_index, item.exhibit_no = sha256, size, dep.index, exhibit
    item.status, item.error = "done", ""
    db.session.flush()
    # The checkpoint that proves the deposit, timestamped by the TSA when one is configured.
    ledger.make_checkpoint(now=now, actor=actor)
    case = db.session.get(Case, item.case_id)
    what = "capture" if item.kind == "capture" else item.kind
    case_service.add_event(case, "evidence_added", f"{what} #{item.exhibit_no}: {item.title or item.url or ''}"[:500],
                           actor=actor, now=now, data={"evidence_id": item.id, "sha256": sha256,
                                                       "deposit_index": dep.index})


def capture_summary(metadata: dict) -> dict:
    """What the item keeps of a capture's metadata record (the full record is inside the WARC)."""
    tls = metadata.get("tls") or {}
    details = tls.get("security_details") if isinstance(tls, dict) else None
    return {
        "final_url": metadata.get("final_url"), "status": metadata.get("status"), "title": metadata.get("title"),
        "redirects": metadata.get("redirects"), "server": metadata.get("server"),
        "tls": details or None,
        "certificates": len(tls.get("certificate_chain") or []) if isinstance(tls, dict) else 0,
        "screenshot": metadata.get("screenshot"), "software": metadata.get("software"),
        "clock": metadata.get("clock"), "user_agent": (metadata.get("browser") or {}).get("user_agent"),
        "resources": len(metadata.get("resources") or []), "refused": metadata.get("refused") or [],
    }


def finish_capture(item: EvidenceItem, *, warc: BinaryIO, captured_at: datetime, metadata: dict, actor: Actor,
                   now: datetime, storage: Optional[Storage] = None, file_name: str = "") -> EvidenceItem:
    """Store the capture's WARC file (hashed while streaming), deposit it, and mark the item done."""
    if item.status != "pending":
        raise EvidenceError(f"evidence {item.id} is {item.status}, not pending")
    storage = storage or get_storage()
    staged = storage.stage(warc)
    try:
        item.captured_at = captured_at
        item.capture_meta = capture_summary(metadata)
        if not item.title:
            item.title = str(metadata.get("title") or "")[:MAX_TITLE]
        item.original_filename = file_name or f"capture-{item.id}.warc.gz"
        _seal_item(item, sha256=staged.sha256, size=staged.size, actor=actor, now=now)
        staged.commit()
    finally:
        staged.discard()
    audit.record(actor, "evidence.captured", item, f"{item.url} -> {item.sha256} (deposit {item.deposit_index})",
                 now=now)
    return item


def fail_capture(item: EvidenceItem, reason: str, *, actor: Actor, now: datetime) -> None:
    item.status, item.error = "failed", (reason or "the capture failed")[:4000]
    audit.record(actor, "evidence.capture_failed", item, item.error[:500], now=now)


# --- uploads -------------------------------------------------------------------------------------

def add_upload(case: Case, *, kind: str, upload: Upload, actor: Actor, now: datetime, title: str = "",
               supplied_by: str = "", supplied_at: Optional[datetime] = None, url: str = "",
               storage: Optional[Storage] = None, max_bytes: Optional[int] = None) -> EvidenceItem:
    """An uploaded file as evidence: checked (kind, type, size), stored, hashed, deposited at once.

    Raises EvidenceError for bad fields, UnsupportedType for a type the kind does not accept,
    storage.TooLarge past the limit. Nothing is stored or written when it raises.
    """
    if kind not in UPLOAD_KINDS:
        raise EvidenceError(f"kind must be one of {', '.join(UPLOAD_KINDS)}", "kind")
    if upload is None or not (upload.name or "").strip():
        raise EvidenceError("choose a file", "file")
    title = (title or "").strip()
    if len(title) > MAX_TITLE:
        raise EvidenceError(f"the title is longer than {MAX_TITLE} characters", "title")
    supplied_by = (supplied_by or "").strip() or actor.label
    if len(supplied_by) > 300:
        raise EvidenceError("'supplied by' is longer than 300 characters", "supplied_by")
    for name, value in (("title", title), ("supplied_by", supplied_by)):
        if "\x00" in value:  # PostgreSQL refuses NUL in text: say so instead of failing at the flush
            raise EvidenceError(f"{name.replace('_', ' ')} contains a NUL character", name)
    if supplied_at is not None and supplied_at > now:
        raise EvidenceError("the date it was supplied is in the future", "supplied_at")
    url = (url or "").strip()
    if url:
        url = check_capture_url(url)
    media_type = media_type_of(upload)
    if media_type not in ALLOWED_TYPES[kind]:
        raise UnsupportedType(f"a {kind.replace('_', ' ')} cannot be a {media_type} file (accepted: "
                              f"{', '.join(ALLOWED_TYPES[kind])})", "file")
    head = upload.stream.read(64) or b""
    if not head:
        raise EvidenceError("the file is empty", "file")
    if not looks_like(media_type, head):
        raise UnsupportedType(f"the file's content is not {media_type}", "file")
    storage = storage or get_storage()
    if max_bytes is None:
        from flask import current_app

        max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    staged = storage.stage(Peeked(head, upload.stream), max_bytes=max_bytes)
    try:
        item = EvidenceItem(case_id=case.id, kind=kind, status="pending", url=url or None,
                            title=title or safe_filename(upload.name), supplied_by=supplied_by[:300],
                            supplied_at=supplied_at or now, media_type=media_type,
                            original_filename=safe_filename(upload.name), capture_meta={},
                            created_by_id=actor.user_id, created_at=now, error="")
        db.session.add(item)
        db.session.flush()
        _seal_item(item, sha256=staged.sha256, size=staged.size, actor=actor, now=now)
        try:
            staged.commit()  # last: the rows are written; link the content in before the caller commits
        except OSError as exc:
            raise StorageError(f"the file could not be stored: {exc.strerror or exc}") from None
    finally:
        staged.discard()
    audit.record(actor, "evidence.upload", item, f"{kind} {item.original_filename} {item.sha256} "
                 f"(deposit {item.deposit_index})", now=now)
    return item


# --- chain of custody ----------------------------------------------------------------------------

class ShareWho:
    """Someone downloading through a share link (no account): the link is the actor."""

    def __init__(self, link, remote_addr: str = "", user_agent: str = ""):
        self.link, self.remote_addr, self.user_agent = link, remote_addr, user_agent


def record_custody(item: EvidenceItem, action: str, *, who, now: datetime, user_agent: str = "",
                   bundle_id: Optional[int] = None) -> CustodyEvent:
    """One access to an item, in the caller's transaction: `who` is an Actor or a ShareWho."""
    if isinstance(who, ShareWho):
        event = CustodyEvent(item_id=item.id, action=action, at=now, actor_kind="share_link",
                             actor_label=f"share link #{who.link.id}" + (f" ({who.link.label})" if who.link.label
                                                                         else ""),
                             share_link_id=who.link.id, bundle_id=bundle_id or who.link.bundle_id,
                             remote_addr=(who.remote_addr or "")[:45], user_agent=(who.user_agent or "")[:300])
    else:
        kind = who.kind if who.kind in ("user", "token", "job", "system") else "system"
        event = CustodyEvent(item_id=item.id, action=action, at=now, actor_kind=kind, actor_label=who.label[:300],
                             user_id=who.user_id, token_id=who.token_id, bundle_id=bundle_id,
                             remote_addr=(who.ip or "")[:45], user_agent=(user_agent or "")[:300])
    db.session.add(event)
    return event


def custody_of(item: EvidenceItem, limit: int = 500) -> list[CustodyEvent]:
    return list(db.session.scalars(select(CustodyEvent).where(CustodyEvent.item_id == item.id)
                                   .order_by(CustodyEvent.at.desc(), CustodyEvent.id.desc()).limit(limit)))


def items_of(case: Case, *, done_only: bool = False) -> list[EvidenceItem]:
    stmt = select(EvidenceItem).where(EvidenceItem.case_id == case.id)
    if done_only:
        stmt = stmt.where(EvidenceItem.status == "done")
    return list(db.session.scalars(stmt.order_by(EvidenceItem.exhibit_no.is_(None), EvidenceItem.exhibit_no,
                                                 EvidenceItem.id)))


def blob_path(item: EvidenceItem) -> str:
    """The stored file's path (for send_file); StorageError when it is missing or the item is not done."""
    if item.status != "done" or not item.sha256:
        raise StorageError("this evidence has no stored file yet")
    storage = get_storage()
    if not storage.exists(item.sha256):
        raise StorageError(f"the stored content of evidence {item.id} is missing")
    return storage.path(item.sha256)


def download_name(item: EvidenceItem) -> str:
    prefix = f"exhibit-{item.exhibit_no}-" if item.exhibit_no else f"evidence-{item.id}-"
    return prefix + (item.original_filename or "file")


# --- JSON ----------------------------------------------------------------------------------------

def item_json(item: EvidenceItem) -> dict:
    """An item as `GET /api/v1/evidence/<id>` returns it (API.md "Evidence and bundles")."""
    return {"id": item.id, "case_id": item.case_id, "kind": item.kind, "status": item.status,
            "error": item.error or None, "url": item.url, "title": item.title, "sha256": item.sha256,
            "size": item.size, "media_type": item.media_type, "file_name": item.original_filename or None,
            "deposit_index": item.deposit_index, "exhibit_no": item.exhibit_no,
            "captured_at": rfc3339(item.captured_at), "supplied_by": item.supplied_by,
            "supplied_at": rfc3339(item.supplied_at), "created_at": rfc3339(item.created_at),
            "capture": item.capture_meta or None, "task_id": item.task_id}


def item_summary_json(item: EvidenceItem) -> dict:
    """What a creator sees of an item: that it exists, when, and its (public) deposit."""
    return {"id": item.id, "kind": item.kind, "status": item.status, "exhibit_no": item.exhibit_no,
            "captured_at": rfc3339(item.captured_at), "supplied_at": rfc3339(item.supplied_at),
            "sha256": item.sha256, "deposit_index": item.deposit_index}


def custody_json(event: CustodyEvent) -> dict:
    return {"id": event.id, "action": event.action, "at": rfc3339(event.at), "actor_kind": event.actor_kind,
            "actor": event.actor_label, "user_id": event.user_id, "share_link_id": event.share_link_id,
            "bundle_id": event.bundle_id, "remote_addr": event.remote_addr, "user_agent": event.user_agent}


# --- citations in documents ----------------------------------------------------------------------

def evidence_source(case) -> list[dict]:
    """The case's finished evidence as letters, notices and the evidence catalogue cite it."""
    return [{"title": item.title or item.original_filename or item.kind, "kind": item.kind, "url": item.url,
             "source": item.url or item.supplied_by, "captured_at": item.captured_at or item.supplied_at,
             "sha256": item.sha256, "size": item.size, "deposit_index": item.deposit_index,
             "exhibit_no": item.exhibit_no}
            for item in items_of(case, done_only=True)]


def _register_with_documents() -> None:
    try:
        from casework.services.documents import register_evidence_source
    except ImportError:  # an installation without the documents domain
        return
    register_evidence_source(evidence_source)


_register_with_documents()
