"""A document's life: drafted from its case, edited, approved, signed (PDF stored and deposited).

    create_document(case, kind, lang, *, actor, now, fields=None) -> Document
    update_fields(doc, fields, *, actor, now)        draft only; unknown or bad fields raise
    refresh(doc, *, actor, now)                      draft only; a new snapshot of the case's data
    approve(doc, *, actor, now)                      MissingElements (409) until nothing is missing
    sign(doc, *, actor, now) -> Document             render, sign, store, deposit, emit document.signed
    pdf_bytes(doc) -> bytes                          the signed PDF
    preview_html(doc) / preview_pdf(doc)             the draft as it stands (marked DRAFT)

Signing runs in the caller's transaction like every service: the PDF is staged in the blob store,
its SHA-256 deposited, the row updated and the outbox event written; the staged file is linked in
just before the caller commits, so a failure leaves no row and no file (at worst an unreferenced
blob after a failed commit).
"""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import select

from casework.documents import (DOCUMENT_KINDS, LANGUAGES, DocumentError as LibraryError, elements_for,
                                missing_elements, render_html, render_pdf)
from casework.extensions import db
from casework.models import User
from casework.models.documents import Document, DocumentTemplate
from casework.services import audit, events, ledger
from casework.services.actor import Actor
from casework.services.documents.context import (EDITABLE, case_context, effective_context, value_at,
                                                 verification_url)
from casework.storage import get_storage

__all__ = ["DocumentError", "DocumentStateError", "MissingElements", "SigningFailed", "CASE_KINDS",
           "create_document", "update_fields", "refresh", "approve", "sign", "pdf_bytes", "context_of",
           "missing", "missing_labels", "preview_html", "preview_pdf", "active_template", "new_document",
           "signer_name",
           "SigningJob", "prepare_signing", "render_and_sign", "finish_signing"]

CASE_KINDS = ("cease_desist", "takedown_notice_us", "takedown_notice_cn", "evidence_catalogue")
_PREFIX = {"cease_desist": "LTR", "takedown_notice_us": "DMCA", "takedown_notice_cn": "TZ",
           "deposit_certificate": "CERT", "evidence_catalogue": "EV"}
MAX_TEXT = 5_000
MAX_LINES = 50


class DocumentError(ValueError):
    """A request about a document that cannot be done; ``field`` names the bad input, if one."""

    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


class DocumentStateError(DocumentError):
    """The document is not in the state this needs (API: 409)."""


class MissingElements(DocumentStateError):
    """Required legal elements are missing; ``missing`` holds their codes."""

    def __init__(self, kind: str, missing: list[str], lang: str = "en"):
        self.missing = list(missing)
        self.labels = missing_labels(kind, missing, lang)
        super().__init__("required elements are missing: " + ", ".join(self.missing))


class SigningFailed(DocumentError):
    """Rendering or signing failed (no key configured, the TSA did not answer...)."""


def missing_labels(kind: str, codes: list[str], lang: str = "en") -> list[str]:
    labels = {e.code: e.label(lang) for e in elements_for(kind)}
    return [labels.get(c, c) for c in codes]


def signer_name(actor: Actor) -> str:
    if actor.user_id is not None:
        user = db.session.get(User, actor.user_id)
        if user is not None and user.name:
            return user.name
    return actor.label


def active_template(kind: str, lang: str) -> Optional[DocumentTemplate]:
    return db.session.scalar(select(DocumentTemplate).where(
        DocumentTemplate.kind == kind, DocumentTemplate.lang == lang, DocumentTemplate.active.is_(True))
        .order_by(DocumentTemplate.version.desc()).limit(1))


def context_of(doc: Document, *, draft: bool = False) -> dict:
    return effective_context(doc.context, doc.fields, file_number=doc.file_number,
                             url=verification_url(doc.public_id), draft=draft)


def missing(doc: Document) -> list[str]:
    return missing_elements(doc.kind, context_of(doc))


def _check_kind_lang(kind: str, lang: str, allowed=DOCUMENT_KINDS) -> None:
    if kind not in allowed:
        raise DocumentError(f"kind must be one of {', '.join(allowed)}", "kind")
    if lang not in LANGUAGES:
        raise DocumentError(f"lang must be one of {', '.join(LANGUAGES)}", "lang")


def new_document(*, kind: str, lang: str, context: dict, actor: Actor, now: datetime, case=None,
                 work=None) -> Document:
    """The row of a new draft with its number (used by drafting and by certificates)."""
    doc = Document(public_id=str(uuid.uuid4()), case=case, work=work, kind=kind, lang=lang, status="draft",
                   context=context, fields={}, template_version=0, created_by_id=actor.user_id,
                   created_at=now, updated_at=now)
    db.session.add(doc)
    db.session.flush()
    doc.file_number = f"YD-{_PREFIX[kind]}-{now.year}-{doc.id:06d}"
    return doc


def create_document(case, kind: str, lang: str, *, actor: Actor, now: datetime,
                    fields: Optional[dict] = None, urls=None) -> Document:
    """Draft a document of ``kind`` in ``lang`` from the case's data; ``fields`` are edits to apply.

    ``urls``: the case's URLs the document names (default: all of them), e.g. those on one platform.
    """
    _check_kind_lang(kind, lang, CASE_KINDS)
    if case is None:
        raise DocumentError("a document is drafted for a case", "case")
    context = case_context(case, kind, lang, signatory_name=signer_name(actor), now=now, urls=urls)
    doc = new_document(kind=kind, lang=lang, context=context, actor=actor, now=now, case=case)
    if fields:
        doc.fields = _clean_fields(doc, fields)
    audit.record(actor, "document.draft", doc, f"{kind} ({lang}) for case #{case.id}", now=now)
    return doc


def _clean_value(path: str, shape: str, value: Any) -> Any:
    if shape == "lines":
        if isinstance(value, str):
            value = value.splitlines()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DocumentError(f"{path} must be a list of paragraphs (or text, one per line)", path)
        lines = [v.strip() for v in value if v.strip()]
        if len(lines) > MAX_LINES or any(len(v) > MAX_TEXT for v in lines):
            raise DocumentError(f"{path}: at most {MAX_LINES} paragraphs of {MAX_TEXT} characters", path)
        return lines
    if value is None:
        return ""
    if shape == "date":
        if isinstance(value, (date, datetime)):
            return value.isoformat()[:10]
        text = str(value).strip()
        if not text:
            return ""
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise DocumentError(f"{path} must be a date like 2026-12-31", path) from None
    if not isinstance(value, str):
        raise DocumentError(f"{path} must be text", path)
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise DocumentError(f"{path} is longer than {MAX_TEXT} characters", path)
    return text


def _clean_fields(doc: Document, fields: dict) -> dict:
    if not isinstance(fields, dict):
        raise DocumentError("fields must be an object", "fields")
    merged = dict(doc.fields or {})
    for path, value in fields.items():
        shape = EDITABLE.get(path)
        if shape is None:
            raise DocumentError(f"{path!r} is not an editable field", path)
        value = _clean_value(path, shape, value)
        snapshot_value = value_at(doc.context or {}, path)
        if path == "file_number" and value == doc.file_number and not snapshot_value:
            merged.pop(path, None)
        elif value == snapshot_value or (value in ("", []) and snapshot_value in (None, "", [])):
            merged.pop(path, None)  # unchanged: keep following the snapshot
        else:
            merged[path] = value
    return merged


def _require(doc: Document, *statuses: str, verb: str) -> None:
    if doc.status not in statuses:
        raise DocumentStateError(f"only a {' or '.join(statuses)} document can be {verb}; this one is {doc.status}")


def update_fields(doc: Document, fields: dict, *, actor: Actor, now: datetime) -> Document:
    _require(doc, "draft", verb="edited")
    doc.fields = _clean_fields(doc, fields)
    doc.updated_at = now
    audit.record(actor, "document.edit", doc, ", ".join(sorted(fields))[:500], now=now)
    return doc


def refresh(doc: Document, *, actor: Actor, now: datetime) -> Document:
    """Take a new snapshot of the case's data (new evidence, a new URL); the edits stay."""
    _require(doc, "draft", verb="refreshed")
    if doc.case is None:
        raise DocumentStateError("only a case's document takes its data from the case")
    signatory = value_at(doc.context or {}, "signatory.name") or signer_name(actor)
    urls = None
    if doc.kind.startswith("takedown_notice"):
        # A notice goes to one platform about the URLs it was drafted for: new URLs elsewhere stay out.
        named = {item.get("url") for item in (doc.context or {}).get("infringing") or []}
        urls = [u for u in doc.case.urls if u.url in named]
    doc.context = case_context(doc.case, doc.kind, doc.lang, signatory_name=signatory, now=now, urls=urls)
    doc.updated_at = now
    audit.record(actor, "document.refresh", doc, "case data taken again", now=now)
    return doc


def approve(doc: Document, *, actor: Actor, now: datetime) -> Document:
    """Approve a draft (the caller checks the role: legal or admin); refused while elements are missing."""
    _require(doc, "draft", verb="approved")
    gaps = missing(doc)
    if gaps:
        raise MissingElements(doc.kind, gaps, doc.lang)
    doc.status, doc.approved_at, doc.approved_by_id, doc.updated_at = "approved", now, actor.user_id, now
    audit.record(actor, "document.approve", doc, doc.file_number, now=now)
    return doc


def _render(doc: Document, *, draft: bool) -> tuple[str, Optional[DocumentTemplate]]:
    template = active_template(doc.kind, doc.lang)
    try:
        html = render_html(doc.kind, doc.lang, context_of(doc, draft=draft),
                           template.source if template is not None else None)
    except LibraryError as exc:
        raise SigningFailed(f"the document could not be rendered: {exc}") from None
    return html, template


def preview_html(doc: Document) -> str:
    return _render(doc, draft=not doc.is_signed)[0]


def preview_pdf(doc: Document) -> bytes:
    try:
        return render_pdf(preview_html(doc))
    except LibraryError as exc:
        raise SigningFailed(f"the document could not be rendered: {exc}") from None


def _pades_level(profile: Any) -> Optional[str]:
    level = getattr(profile, "pades_level", None) or getattr(profile, "level", None)
    level = getattr(level, "value", level)
    if isinstance(level, str):
        level = level.upper().replace("PADES-", "").replace("_", "-")
        if level in ("B-B", "B-T", "B-LT", "B-LTA"):
            return level
    timestamped = any(getattr(profile, name, None) for name in ("tsa_url", "timestamper", "tsa"))
    return "B-T" if timestamped else "B-B"


#: A bulk worker process sets this to the profile it built from the app's settings (no app there).
WORKER_PROFILE: Any = None


def _sign_bytes(pdf: bytes, *, name: str, url: str, now: datetime, reason: str) -> tuple[bytes, Optional[str]]:
    try:
        import signing
        from casework.signing_setup import current_profile
    except ImportError as exc:
        raise SigningFailed(f"signing is not available in this installation: {exc}") from None
    try:
        profile = WORKER_PROFILE if WORKER_PROFILE is not None else current_profile()
        signed = signing.sign_pdf(pdf, profile, signer_name=name, verification_url=url, signed_at=now,
                                  reason=reason)
    except signing.SigningError as exc:
        raise SigningFailed(f"signing failed: {exc}") from None
    return signed, _pades_level(profile)


_REASONS = {"cease_desist": "Cease and desist letter", "takedown_notice_us": "DMCA takedown notice",
            "takedown_notice_cn": "Takedown notice", "deposit_certificate": "Deposit certificate",
            "evidence_catalogue": "Evidence catalogue"}


@dataclass(frozen=True)
class SigningJob:
    """What rendering and signing a document needs, as plain data (a bulk run hands it to a worker)."""
    html: str
    signer_name: str
    verification_url: str
    reason: str
    signed_at: datetime
    template_id: Optional[int]
    template_version: int


def prepare_signing(doc: Document, *, actor: Actor, now: datetime) -> SigningJob:
    """Check that the document may be signed and render its final HTML (QR and verification URL)."""
    _require(doc, "approved", verb="signed")
    gaps = missing(doc)
    if gaps:
        raise MissingElements(doc.kind, gaps, doc.lang)
    html, template = _render(doc, draft=False)
    ctx = context_of(doc)
    name = value_at(ctx, "signatory.name") or value_at(ctx, "issuer.name") or signer_name(actor)
    return SigningJob(html=html, signer_name=str(name), verification_url=ctx["verification_url"],
                      reason=f"{_REASONS[doc.kind]} {doc.file_number}", signed_at=now,
                      template_id=template.id if template is not None else None,
                      template_version=template.version if template is not None else 0)


def render_and_sign(job: SigningJob) -> tuple[bytes, Optional[str]]:
    """The PDF of the job's HTML, signed with the app's profile (in this process)."""
    try:
        pdf = render_pdf(job.html)
    except LibraryError as exc:
        raise SigningFailed(f"the PDF could not be rendered: {exc}") from None
    return _sign_bytes(pdf, name=job.signer_name, url=job.verification_url, now=job.signed_at, reason=job.reason)


def finish_signing(doc: Document, job: SigningJob, signed: bytes, level: Optional[str], *, actor: Actor,
                   now: datetime) -> Document:
    """Store the signed PDF, deposit its hash, record it on the document and emit document.signed."""
    staged = get_storage().stage(io.BytesIO(signed))
    try:
        dep = ledger.deposit(kind="document", sha256=staged.sha256, size=staged.size, subject=f"document:{doc.id}",
                             actor=actor, now=now, extra={"document": doc.id, "kind": doc.kind})
        doc.status, doc.signed_at, doc.signed_by_id = "signed", now, actor.user_id
        doc.sha256, doc.size, doc.deposit_index, doc.pades_level = staged.sha256, staged.size, dep.index, level
        doc.template_id, doc.template_version = job.template_id, job.template_version
        doc.updated_at = now
        db.session.flush()
        events.emit("document.signed", {"document_id": doc.id, "case_id": doc.case_id, "kind": doc.kind,
                                        "sha256": doc.sha256, "deposit_index": doc.deposit_index},
                    case_id=doc.case_id, now=now)
        if doc.case is not None:
            from casework.services.cases import add_event

            add_event(doc.case, "document_signed", f"{doc.file_number} ({doc.kind}, {doc.lang})", actor=actor,
                      now=now, data={"document": doc.id, "sha256": doc.sha256, "deposit_index": doc.deposit_index})
        audit.record(actor, "document.sign", doc, f"{doc.file_number}: sha256 {doc.sha256}, deposit {dep.index}",
                     now=now)
        staged.commit()  # last: link the PDF into the store just before the caller commits
    finally:
        staged.discard()
    return doc


def sign(doc: Document, *, actor: Actor, now: datetime) -> Document:
    """Render the final PDF (QR and verification URL), sign it, store it, deposit its hash, emit
    ``document.signed``; the caller commits."""
    job = prepare_signing(doc, actor=actor, now=now)
    signed, level = render_and_sign(job)
    return finish_signing(doc, job, signed, level, actor=actor, now=now)


def pdf_bytes(doc: Document) -> bytes:
    """The signed PDF as stored (DocumentStateError before signing)."""
    if not doc.is_signed or not doc.sha256:
        raise DocumentStateError("the document is not signed yet")
    with get_storage().open(doc.sha256) as fh:
        return fh.read()
