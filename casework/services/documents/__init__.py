"""Legal documents through their life: drafted from a case, approved, signed, sent, answered.

What other domains call (all take ``actor`` and ``now``, flush and never commit):

    create_document(case, kind, lang, *, actor, now, fields=None) -> Document
    approve(doc, *, actor, now)                   MissingElements (a DocumentStateError) names the gaps
    sign(doc, *, actor, now) -> Document          signed PDF stored, its hash deposited, "document.signed"
    record_sending(doc, *, channel, recipient, actor, now, response_days=None)
    send_by_email(doc, *, recipient, actor, now, ...)   SMTP after the commit, the PDF attached
    issue_deposit_certificate(work, *, lang, actor, now) -> Document
    sign_evidence_catalogue(case, *, lang, actor, now) -> Document
    pdf_bytes(doc) -> bytes
    register_evidence_source(fn)                  fn(case) -> [{"title", "kind", "url", "captured_at",
                                                  "sha256", "deposit_index", "exhibit_no"}, ...]

The rendering and the legal elements are the ``casework.documents`` library; signing is ``signing``.
"""
from casework.services.documents.bulk import BULK_TASK, start_bulk
from casework.services.documents.context import EDITABLE, register_evidence_source, verification_url
from casework.services.documents.issued import (activate_template, certificates_of, document_json,
                                                issue_deposit_certificate, save_template, sign_evidence_catalogue)
from casework.services.documents.lifecycle import (
    CASE_KINDS, DocumentError, DocumentStateError, MissingElements, SigningFailed, approve, context_of,
    create_document, missing, missing_labels, pdf_bytes, preview_html, preview_pdf, refresh, sign, update_fields,
)
from casework.services.documents.sending import record_answer, record_no_answer, record_sending, send_by_email

__all__ = [
    "create_document", "approve", "sign", "record_sending", "send_by_email", "issue_deposit_certificate",
    "sign_evidence_catalogue", "pdf_bytes", "register_evidence_source", "update_fields", "refresh",
    "record_answer", "record_no_answer", "save_template", "activate_template", "document_json", "context_of",
    "missing", "missing_labels", "preview_html", "preview_pdf", "certificates_of", "start_bulk", "BULK_TASK",
    "EDITABLE", "CASE_KINDS", "verification_url", "DocumentError", "DocumentStateError", "MissingElements",
    "SigningFailed",
]
