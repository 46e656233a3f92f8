"""Documents made, approved and signed in one go: a work's deposit certificate and a case's
evidence catalogue (bundle export), plus the admin's template versions and the JSON form.

    issue_deposit_certificate(work, *, lang, actor, now) -> Document
    sign_evidence_catalogue(case, *, lang, actor, now) -> Document
    save_template(kind, lang, source, *, actor, now, note="") -> (DocumentTemplate, warnings)
    document_json(doc, *, internal=True) -> dict
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import func, select, update

from casework.documents import TemplateSourceError, validate_template_source
from casework.extensions import db
from casework.models.documents import Document, DocumentTemplate
from casework.services import audit, events, ledger
from casework.services.actor import Actor
from casework.services.documents.context import work_context
from casework.services.documents.lifecycle import (DocumentError, MissingElements, approve, create_document,
                                                   missing, missing_labels, new_document, sign)

__all__ = ["issue_deposit_certificate", "sign_evidence_catalogue", "save_template", "activate_template",
           "document_json", "certificates_of"]


def issue_deposit_certificate(work, *, lang: str, actor: Actor, now: datetime) -> Document:
    """The signed 存证证书 of a work: its files, their hashes and deposits, proved by a checkpoint."""
    if lang not in ("zh", "en"):
        raise DocumentError("lang must be zh or en", "lang")
    if not work.files or any(f.deposit_index is None for f in work.files):
        raise DocumentError("every file of the work must be deposited before a certificate is issued", "work")
    checkpoint = ledger.latest_checkpoint(now=now)
    context = work_context(work, lang, checkpoint=checkpoint, now=now)
    doc = new_document(kind="deposit_certificate", lang=lang, context=context, actor=actor, now=now, work=work)
    audit.record(actor, "document.draft", doc, f"deposit certificate ({lang}) for work #{work.id}", now=now)
    approve(doc, actor=actor, now=now)
    return sign(doc, actor=actor, now=now)


def sign_evidence_catalogue(case, *, lang: str, actor: Actor, now: datetime) -> Document:
    """Draft, approve and sign the case's evidence catalogue from its current evidence."""
    doc = create_document(case, "evidence_catalogue", lang, actor=actor, now=now)
    approve(doc, actor=actor, now=now)
    return sign(doc, actor=actor, now=now)


def certificates_of(work) -> list[Document]:
    return list(db.session.scalars(select(Document).where(
        Document.work_id == work.id, Document.kind == "deposit_certificate",
        Document.status.in_(("signed", "sent", "answered", "no_answer"))).order_by(Document.id.desc())))


def save_template(kind: str, lang: str, source: str, *, actor: Actor, now: datetime,
                  note: str = "") -> tuple[DocumentTemplate, list[str]]:
    """Check an edited template in the sandbox and keep it as the next, active version.

    Raises TemplateSourceError (nothing saved) when it does not compile, trips the sandbox, fails to
    render the sample or drops a required element; returns the new version and any warnings.
    """
    if not isinstance(source, str) or not source.strip():
        raise TemplateSourceError("the template is empty", problem="syntax")
    warnings = validate_template_source(kind, lang, source)
    latest = db.session.scalar(select(func.max(DocumentTemplate.version)).where(
        DocumentTemplate.kind == kind, DocumentTemplate.lang == lang)) or 0
    db.session.execute(update(DocumentTemplate).where(DocumentTemplate.kind == kind, DocumentTemplate.lang == lang)
                       .values(active=False))
    row = DocumentTemplate(kind=kind, lang=lang, version=latest + 1, source=source, note=(note or "")[:500],
                           author_id=actor.user_id, created_at=now, active=True)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "document_template.save", row, f"{kind}.{lang} version {row.version}", now=now)
    return row, warnings


def activate_template(kind: str, lang: str, version: int, *, actor: Actor, now: datetime) -> Optional[DocumentTemplate]:
    """Make an earlier version active again (version 0: back to the shipped template)."""
    row = None
    if version:
        row = db.session.scalar(select(DocumentTemplate).where(
            DocumentTemplate.kind == kind, DocumentTemplate.lang == lang, DocumentTemplate.version == version))
        if row is None:
            raise DocumentError(f"there is no version {version} of {kind}.{lang}", "version")
    db.session.execute(update(DocumentTemplate).where(DocumentTemplate.kind == kind, DocumentTemplate.lang == lang)
                       .values(active=False))
    if row is not None:
        row.active = True
    db.session.flush()
    audit.record(actor, "document_template.activate", row, f"{kind}.{lang} version {version}", now=now,
                 object_type="document_template", object_id=row.id if row else None)
    return row


def _rfc3339(value) -> Optional[str]:
    return events.rfc3339(value)


def document_json(doc: Document, *, internal: bool = True) -> dict:
    """A document as the API and the case JSON show it; ``internal`` adds what only staff see."""
    out = {"id": doc.id, "kind": doc.kind, "lang": doc.lang, "status": doc.status, "file_number": doc.file_number,
           "case_id": doc.case_id, "work_id": doc.work_id, "created_at": _rfc3339(doc.created_at),
           "approved_at": _rfc3339(doc.approved_at), "signed_at": _rfc3339(doc.signed_at), "sha256": doc.sha256,
           "size": doc.size, "deposit_index": doc.deposit_index, "pades_level": doc.pades_level,
           "sent_at": _rfc3339(doc.sent_at), "sent_channel": doc.sent_channel,
           "response_due_at": _rfc3339(doc.response_due_at), "answered_at": _rfc3339(doc.answered_at),
           "template_version": doc.template_version,
           "verification_url": None}
    from casework.services.documents.context import verification_url

    out["verification_url"] = verification_url(doc.public_id) if doc.is_signed else None
    if internal:
        out["sent_to"] = doc.sent_to
        out["answer_note"] = doc.answer_note
        out["missing"] = missing(doc) if doc.status == "draft" else []
    return out
