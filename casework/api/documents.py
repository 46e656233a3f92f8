"""API: documents (API.md "Documents"): draft from a case, edit, approve, sign, fetch the PDF, send,
record the answer; a work's deposit certificate; validation of any uploaded PDF's signatures."""
from __future__ import annotations

from flask import Response, current_app, request
from flask_login import current_user
from sqlalchemy import select

from casework.case_sections import json_section
from casework.api.core import PAGE_QUERY, ApiError, actor, endpoint, json_body, page_schema, paginate
from casework.extensions import db
from casework.models import utcnow
from casework.models.cases import Case
from casework.models.documents import DOCUMENT_KINDS, DOCUMENT_STATUSES, SENDING_CHANNELS, Document
from casework.models.works import Work
from casework.policy import EVERYONE, STAFF, can, get_or_404, visible
from casework.services import documents as docs
from casework.services.documents.validation import ValidationFailed, max_bytes, request_limit, validate_upload

DOCUMENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"enum": list(DOCUMENT_KINDS)}, "lang": {"enum": ["zh", "en"]},
    "status": {"enum": list(DOCUMENT_STATUSES)}, "file_number": {"type": "string"},
    "case_id": {"type": ["integer", "null"]}, "work_id": {"type": ["integer", "null"]},
    "missing": {"type": "array", "items": {"type": "string"}, "description": "required elements still missing (drafts)"},
    "sha256": {"type": ["string", "null"]}, "deposit_index": {"type": ["integer", "null"]},
    "pades_level": {"type": ["string", "null"]}, "verification_url": {"type": ["string", "null"]},
    "sent_at": {"type": ["string", "null"]}, "response_due_at": {"type": ["string", "null"]}}}
FIELDS = {"type": "object", "description": "edits laid over the case data: " + ", ".join(docs.EDITABLE),
          "propertyNames": {"enum": list(docs.EDITABLE)},
          "additionalProperties": {"type": ["string", "array", "null"], "items": {"type": "string"}}}
CREATE_IN = {"type": "object", "required": ["kind", "lang"], "additionalProperties": False, "properties": {
    "kind": {"enum": list(docs.CASE_KINDS)}, "lang": {"enum": ["zh", "en"]}, "fields": FIELDS}}
PATCH_IN = {"type": "object", "required": ["fields"], "additionalProperties": False, "properties": {"fields": FIELDS}}
SIGNED = {"type": "object", "properties": {
    "status": {"const": "signed"}, "sha256": {"type": "string"}, "deposit_index": {"type": "integer"},
    "pades_level": {"type": ["string", "null"]}}}
SEND_IN = {"type": "object", "required": ["channel", "recipient"], "additionalProperties": False, "properties": {
    "channel": {"enum": list(SENDING_CHANNELS)}, "recipient": {"type": "string", "minLength": 1, "maxLength": 500},
    "response_days": {"type": "integer", "minimum": 1, "maximum": 365}, "note": {"type": "string", "maxLength": 5000}}}
ANSWER_IN = {"type": "object", "required": ["answered"], "additionalProperties": False, "properties": {
    "answered": {"type": "boolean", "description": "false: no answer came"},
    "note": {"type": "string", "maxLength": 20000}}}
CERT_IN = {"type": "object", "additionalProperties": False, "properties": {"lang": {"enum": ["zh", "en"]}}}
VALIDATE_IN = {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}
REPORT = {"type": "object", "properties": {"signatures": {"type": "array", "items": {"type": "object", "properties": {
    "field": {"type": "string"}, "intact": {"type": "boolean"}, "trusted": {"type": "boolean"},
    "signer": {"type": ["string", "null"]}, "signed_at": {"type": ["string", "null"]},
    "timestamp": {}, "covers_whole_document": {"type": "boolean"}, "pades_level": {"type": ["string", "null"]},
    "problems": {"type": "array"}}}}}}


def _doc(document_id: int) -> Document:
    return get_or_404(Document, document_id, "document.view")


def _json(doc: Document) -> dict:
    return docs.document_json(doc, internal=can(current_user, "document.internal", doc))


def _fail(exc: docs.DocumentError):
    db.session.rollback()
    if isinstance(exc, docs.MissingElements):
        raise ApiError(409, "required elements are missing: " + ", ".join(exc.missing),
                       [{"element": c, "label": l} for c, l in zip(exc.missing, exc.labels)], code="missing_elements")
    if isinstance(exc, docs.DocumentStateError):
        raise ApiError(409, str(exc))
    if isinstance(exc, docs.SigningFailed):
        raise ApiError(503, str(exc))
    raise ApiError(422, str(exc), [{"field": exc.field or "(body)", "message": str(exc)}])


@endpoint("/cases/<int:case_id>/documents", methods=("POST",), roles=STAFF, status=201, request_schema=CREATE_IN,
          response_schema=DOCUMENT, tags=("documents",), summary="Draft a document from the case's data")
def create_document(case_id: int):
    case = get_or_404(Case, case_id, "case.view")
    body = json_body(CREATE_IN)
    try:
        doc = docs.create_document(case, body["kind"], body["lang"], actor=actor(), now=utcnow(),
                                   fields=body.get("fields"))
    except docs.DocumentError as exc:
        _fail(exc)
    out = _json(doc)
    db.session.commit()
    return out, 201


@endpoint("/cases/<int:case_id>/documents", roles=EVERYONE, query=PAGE_QUERY, response_schema=page_schema(DOCUMENT),
          tags=("documents",), summary="The case's documents this user may see")
def list_case_documents(case_id: int):
    case = get_or_404(Case, case_id, "case.view")
    stmt = visible(current_user, "document", select(Document).where(Document.case_id == case.id))
    return paginate(stmt.order_by(Document.id.desc()), _json)


@endpoint("/documents/<int:document_id>", roles=EVERYONE, response_schema=DOCUMENT, tags=("documents",),
          summary="A document's state, hash, deposit and sending")
def get_document(document_id: int):
    return _json(_doc(document_id))


@endpoint("/documents/<int:document_id>", methods=("PATCH",), roles=STAFF, request_schema=PATCH_IN,
          response_schema=DOCUMENT, tags=("documents",), summary="Edit a draft's fields")
def edit_document(document_id: int):
    doc = _doc(document_id)
    body = json_body(PATCH_IN)
    try:
        docs.update_fields(doc, body["fields"], actor=actor(), now=utcnow())
    except docs.DocumentError as exc:
        _fail(exc)
    out = _json(doc)
    db.session.commit()
    return out


@endpoint("/documents/<int:document_id>/approve", methods=("POST",), roles=STAFF, response_schema=DOCUMENT,
          tags=("documents",), summary="Approve a draft; 409 naming the required elements still missing")
def approve_document(document_id: int):
    doc = _doc(document_id)
    try:
        docs.approve(doc, actor=actor(), now=utcnow())
    except docs.DocumentError as exc:
        _fail(exc)
    out = _json(doc)
    db.session.commit()
    return out


@endpoint("/documents/<int:document_id>/sign", methods=("POST",), roles=STAFF, response_schema=SIGNED,
          tags=("documents",), summary="Render, sign (PAdES) and deposit an approved document; 409 if not approved")
def sign_document(document_id: int):
    doc = _doc(document_id)
    try:
        docs.sign(doc, actor=actor(), now=utcnow())
    except docs.DocumentError as exc:
        _fail(exc)
    out = {"status": doc.status, "sha256": doc.sha256, "deposit_index": doc.deposit_index,
           "pades_level": doc.pades_level, "id": doc.id}
    db.session.commit()
    return out


@endpoint("/documents/<int:document_id>/pdf", roles=EVERYONE, response_kind="application/pdf", tags=("documents",),
          summary="The signed PDF (before signing: the draft's preview, marked DRAFT)")
def document_pdf(document_id: int):
    doc = _doc(document_id)
    try:
        content = docs.pdf_bytes(doc) if doc.is_signed else docs.preview_pdf(doc)
    except docs.DocumentError as exc:
        _fail(exc)
    name = f"{doc.file_number}{'' if doc.is_signed else '-draft'}.pdf"
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@endpoint("/documents/<int:document_id>/sendings", methods=("POST",), roles=STAFF, status=201,
          request_schema=SEND_IN, response_schema=DOCUMENT, tags=("documents",),
          summary="Send a signed document by e-mail (PDF attached, after the commit) or record it sent by post or form")
def send_document(document_id: int):
    doc = _doc(document_id)
    body = json_body(SEND_IN)
    try:
        if body["channel"] == "email":
            docs.send_by_email(doc, recipient=body["recipient"], actor=actor(), now=utcnow(),
                               response_days=body.get("response_days"), note=body.get("note", ""))
        else:
            docs.record_sending(doc, channel=body["channel"], recipient=body["recipient"], actor=actor(), now=utcnow(),
                                response_days=body.get("response_days"), note=body.get("note", ""))
    except docs.DocumentError as exc:
        _fail(exc)
    out = _json(doc)
    db.session.commit()
    return out, 201


@endpoint("/documents/<int:document_id>/answer", methods=("POST",), roles=STAFF, request_schema=ANSWER_IN,
          response_schema=DOCUMENT, tags=("documents",), summary="Record the answer to a sent document, or that none came")
def answer_document(document_id: int):
    doc = _doc(document_id)
    body = json_body(ANSWER_IN)
    try:
        if body["answered"]:
            docs.record_answer(doc, note=body.get("note", ""), actor=actor(), now=utcnow())
        else:
            docs.record_no_answer(doc, note=body.get("note", ""), actor=actor(), now=utcnow())
    except docs.DocumentError as exc:
        _fail(exc)
    out = _json(doc)
    db.session.commit()
    return out


@endpoint("/works/<int:work_id>/certificates", methods=("POST",), roles=EVERYONE, status=201, request_schema=CERT_IN,
          response_schema=DOCUMENT, tags=("documents",),
          summary="Issue the work's signed deposit certificate (staff, and the creators of its rights holder)")
def issue_certificate(work_id: int):
    work = get_or_404(Work, work_id, "work.view")
    if not can(current_user, "work.edit", work):
        raise ApiError(403, "only staff and the work's rights holder issue its certificate")
    body = json_body(CERT_IN) if request.data else {}
    try:
        doc = docs.issue_deposit_certificate(work, lang=body.get("lang", "zh"), actor=actor(), now=utcnow())
    except docs.DocumentError as exc:
        _fail(exc)
    out = _json(doc)
    db.session.commit()
    return out, 201


@endpoint("/validate", methods=("POST",), public=True, request_kind="multipart", request_schema=VALIDATE_IN,
          response_schema=REPORT, tags=("documents",),
          summary="Validate every signature of an uploaded PDF (public: recipients check what they were sent)")
def validate_pdf():
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "send multipart/form-data with the PDF in a part named 'file'")
    request.max_content_length = request_limit(current_app.config)  # anyone may post here: read no more than this
    if (request.content_length or 0) > request.max_content_length:
        raise ApiError(413, f"the file is larger than the limit of {max_bytes(current_app.config):,} bytes")
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "send the PDF in a part named 'file'")
    try:
        return validate_upload(upload.stream, current_app.config)
    except ValidationFailed as exc:
        raise ApiError(exc.status, str(exc)) from None


@json_section("documents")
def _case_documents(case, user) -> list[dict]:
    """The case JSON's "documents": what this user may see of them (creators: signed ones only)."""
    stmt = visible(user, "document", select(Document).where(Document.case_id == case.id)).order_by(Document.id)
    return [docs.document_json(d, internal=can(user, "document.internal", d)) for d in db.session.scalars(stmt)]
