"""Pages of one document: drafting from a case, the draft with its live preview and the list of
missing elements, approval, signing, sending, the answer, and the PDF."""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from casework.case_sections import page_section
from casework.extensions import db
from casework.models.cases import Case
from casework.models.documents import Document
from casework.policy import EVERYONE, STAFF, allow, can, get_or_404, visible
from casework.services import documents as docs
from casework.web.account import EmptyForm
from casework.web.documents import (CHANNEL_LABELS, KIND_LABELS, LANG_LABELS, STATUS_LABELS, _csrf_ok,
                                    _current_locale, _doc, _require_staff, bp)
from casework.web.helpers import actor, now

_COMMON = ("file_number", "issuer.name", "issuer.department", "issuer.address", "issuer.phone", "issuer.email",
           "issuer.website")
_SIGNATORY = ("signatory.name", "signatory.title", "signatory.licence_number")
#: The fields the draft page shows for each kind, in reading order.
FIELDS_BY_KIND = {
    "cease_desist": _COMMON + ("client.name", "mandate", "recipient.name", "recipient.address", "recipient.email",
                               "facts", "legal_analysis", "demands", "deadline", "consequence") + _SIGNATORY,
    "takedown_notice_us": _COMMON + ("recipient.name", "recipient.email", "complainant.name", "complainant.address",
                                     "complainant.phone", "complainant.email", "owner", "good_faith_statement",
                                     "accuracy_statement") + _SIGNATORY,
    "takedown_notice_cn": _COMMON + ("recipient.name", "recipient.email", "right_holder.name", "right_holder.address",
                                     "right_holder.phone", "right_holder.email", "truth_statement") + _SIGNATORY,
    "evidence_catalogue": _COMMON + ("case_title", "court") + _SIGNATORY,
    "deposit_certificate": (),
}
FIELD_LABELS = {
    "file_number": _l("File number"), "issuer.name": _l("Firm or department"), "issuer.department": _l("Department"),
    "issuer.address": _l("Firm address"), "issuer.phone": _l("Firm telephone"), "issuer.email": _l("Firm e-mail"),
    "issuer.website": _l("Firm website"), "client.name": _l("Client (mandate from)"), "mandate": _l("Mandate"),
    "recipient.name": _l("Recipient"), "recipient.address": _l("Recipient address"),
    "recipient.email": _l("Recipient e-mail"), "facts": _l("Facts (one paragraph per line)"),
    "legal_analysis": _l("Legal analysis (one paragraph per line)"), "demands": _l("Demands (one per line)"),
    "deadline": _l("Deadline"), "consequence": _l("Consequence if ignored"), "signatory.name": _l("Signatory"),
    "signatory.title": _l("Signatory's title"), "signatory.licence_number": _l("Licence number"),
    "complainant.name": _l("Complainant"), "complainant.address": _l("Complainant address"),
    "complainant.phone": _l("Complainant telephone"), "complainant.email": _l("Complainant e-mail"),
    "owner": _l("Copyright owner"), "good_faith_statement": _l("Good-faith statement"),
    "accuracy_statement": _l("Accuracy statement (penalty of perjury)"), "right_holder.name": _l("Right holder"),
    "right_holder.address": _l("Right holder address"), "right_holder.phone": _l("Right holder telephone"),
    "right_holder.email": _l("Right holder e-mail"), "truth_statement": _l("Statement of truth"),
    "court": _l("Court"), "case_title": _l("Case title"),
}
_LONG = {"mandate", "consequence", "good_faith_statement", "accuracy_statement", "truth_statement", "issuer.address",
         "recipient.address", "complainant.address", "right_holder.address"}



def _form_fields(doc: Document) -> dict:
    """The submitted draft fields of this kind (lists as text, one paragraph per line)."""
    return {name: request.form.get(name, "") for name in FIELDS_BY_KIND[doc.kind] if name in request.form}


def _field_values(doc: Document) -> dict:
    from casework.services.documents.context import value_at

    ctx = docs.context_of(doc)
    out = {}
    for name in FIELDS_BY_KIND[doc.kind]:
        value = value_at(ctx, name)
        out[name] = "\n".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    return out


def _show(doc: Document, *, errors: dict | None = None, values: dict | None = None, status: int = 200):
    missing = docs.missing(doc) if doc.status == "draft" else []
    labels = docs.missing_labels(doc.kind, missing, "zh" if str(_current_locale()) == "zh" else "en")
    return render_template(
        "documents_pages/detail.html", doc=doc, kinds=KIND_LABELS, statuses=STATUS_LABELS, channels=CHANNEL_LABELS,
        fields=FIELDS_BY_KIND[doc.kind], labels=FIELD_LABELS, values=values or _field_values(doc), long=_LONG,
        lines={n for n, s in docs.EDITABLE.items() if s == "lines"}, missing=list(zip(missing, labels)),
        errors=errors or {}, empty=EmptyForm(), may_edit=can(current_user, "document.edit", doc),
        internal=can(current_user, "document.internal", doc), langs=LANG_LABELS,
        verify_url=docs.verification_url(doc.public_id)), status


# --- a case's documents ---------------------------------------------------------------------------

def _case_section(case, user):
    stmt = visible(user, "document", select(Document).where(Document.case_id == case.id)).order_by(Document.id.desc())
    return {"documents": list(db.session.scalars(stmt)), "kinds": KIND_LABELS, "statuses": STATUS_LABELS,
            "case_kinds": [(k, KIND_LABELS[k]) for k in docs.CASE_KINDS], "langs": LANG_LABELS,
            "may_draft": can(user, "document.edit", None)}


page_section("documents_pages/_case_section.html", order=20, context=_case_section)


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@allow(*STAFF)
def create(case_id: int):
    case = get_or_404(Case, case_id, "case.view")
    if not _csrf_ok():
        return redirect(url_for("cases.detail", case_id=case.id))
    try:
        doc = docs.create_document(case, request.form.get("kind", ""), request.form.get("lang", ""), actor=actor(),
                                   now=now())
    except docs.DocumentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.detail", case_id=case.id))
    db.session.commit()
    return redirect(url_for(".detail", document_id=doc.id))


@bp.route("/documents/<int:document_id>")
@allow(*EVERYONE)
def detail(document_id: int):
    return _show(_doc(document_id))


@bp.route("/documents/<int:document_id>/edit", methods=["POST"])
@allow(*STAFF)
def edit(document_id: int):
    doc = _doc(document_id)
    _require_staff(doc)
    if not _csrf_ok():
        return redirect(url_for(".detail", document_id=doc.id))
    submitted = _form_fields(doc)
    try:
        docs.update_fields(doc, submitted, actor=actor(), now=now())
    except docs.DocumentStateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".detail", document_id=document_id))
    except docs.DocumentError as exc:
        db.session.rollback()
        doc = _doc(document_id)
        return _show(doc, errors={exc.field or "": str(exc)}, values={**_field_values(doc), **submitted}, status=400)
    db.session.commit()
    flash(_("Draft saved."), "success")
    return redirect(url_for(".detail", document_id=doc.id))


def _preview_response(html: str) -> Response:
    response = Response(html, mimetype="text/html")
    # The document's own styles and QR code only; no scripts; framed by our own pages alone.
    response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                                                   "frame-ancestors 'self'; sandbox")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/documents/<int:document_id>/preview", methods=["GET", "POST"])
@allow(*EVERYONE)
def preview(document_id: int):
    """The document as HTML; a POST previews the form's unsaved fields (nothing is stored)."""
    doc = _doc(document_id)
    if request.method == "POST":
        _require_staff(doc)
        if not EmptyForm().validate_on_submit():
            abort(400)
        if doc.status == "draft":
            try:
                docs.update_fields(doc, _form_fields(doc), actor=actor(), now=now())
            except docs.DocumentError as exc:
                db.session.rollback()
                return _preview_response(render_template("documents_pages/preview_error.html", error=str(exc))), 400
    try:
        html = docs.preview_html(doc)
    except docs.DocumentError as exc:
        html = render_template("documents_pages/preview_error.html", error=str(exc))
    db.session.rollback()  # a preview stores nothing
    return _preview_response(html)


@bp.route("/documents/<int:document_id>/check", methods=["POST"])
@allow(*STAFF)
def check(document_id: int):
    """For the draft page's script: the required elements the form's unsaved fields still miss."""
    doc = _doc(document_id)
    _require_staff(doc)
    if not EmptyForm().validate_on_submit():
        return jsonify({"error": {"code": "csrf", "message": _("The form expired; reload the page."),
                                  "details": None}}), 400
    try:
        if doc.status == "draft":
            docs.update_fields(doc, _form_fields(doc), actor=actor(), now=now())
        gaps = docs.missing(doc) if doc.status == "draft" else []
    except docs.DocumentError as exc:
        db.session.rollback()
        return jsonify({"error": {"code": "invalid", "message": str(exc), "details": {"field": exc.field}}}), 422
    labels = docs.missing_labels(doc.kind, gaps, "zh" if str(_current_locale()) == "zh" else "en")
    db.session.rollback()  # a check stores nothing
    response = jsonify({"missing": [{"element": c, "label": l} for c, l in zip(gaps, labels)]})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/documents/<int:document_id>/refresh", methods=["POST"])
@allow(*STAFF)
def refresh(document_id: int):
    return _act(document_id, lambda d: docs.refresh(d, actor=actor(), now=now()), _("Case data taken again."))


def _act(document_id: int, fn, done: str):
    doc = _doc(document_id)
    _require_staff(doc)
    if _csrf_ok():
        try:
            fn(doc)
        except docs.MissingElements as exc:
            db.session.rollback()
            flash(_("Not approved: required elements are missing: %(list)s", list=", ".join(exc.labels)), "error")
        except docs.DocumentError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(done, "success")
    return redirect(url_for(".detail", document_id=document_id))


@bp.route("/documents/<int:document_id>/approve", methods=["POST"])
@allow(*STAFF)
def approve(document_id: int):
    return _act(document_id, lambda d: docs.approve(d, actor=actor(), now=now()), _("Approved."))


@bp.route("/documents/<int:document_id>/sign", methods=["POST"])
@allow(*STAFF)
def sign(document_id: int):
    return _act(document_id, lambda d: docs.sign(d, actor=actor(), now=now()),
                _("Signed; the PDF's hash is deposited in the ledger."))


@bp.route("/documents/<int:document_id>/send", methods=["POST"])
@allow(*STAFF)
def send(document_id: int):
    channel, recipient = request.form.get("channel", ""), request.form.get("recipient", "")
    days = request.form.get("response_days", "").strip()
    note = request.form.get("note", "")

    def run(doc):
        if days and not (days.isascii() and days.isdigit() and len(days) <= 4):
            raise docs.DocumentError(_("The response time is a number of days."), "response_days")
        response_days = int(days) if days else None
        if channel == "email":
            return docs.send_by_email(doc, recipient=recipient, actor=actor(), now=now(), response_days=response_days,
                                      note=note)
        return docs.record_sending(doc, channel=channel, recipient=recipient, actor=actor(), now=now(),
                                   response_days=response_days, note=note)

    return _act(document_id, run, _("Sending recorded; the answer is due by the deadline."))


@bp.route("/documents/<int:document_id>/answer", methods=["POST"])
@allow(*STAFF)
def answer(document_id: int):
    note = request.form.get("note", "")
    if request.form.get("outcome") == "no_answer":
        return _act(document_id, lambda d: docs.record_no_answer(d, note=note, actor=actor(), now=now()),
                    _("Recorded: no answer."))
    return _act(document_id, lambda d: docs.record_answer(d, note=note, actor=actor(), now=now()),
                _("Answer recorded."))


@bp.route("/documents/<int:document_id>/pdf")
@allow(*EVERYONE)
def pdf(document_id: int):
    doc = _doc(document_id)
    try:
        content = docs.pdf_bytes(doc) if doc.is_signed else docs.preview_pdf(doc)
    except docs.DocumentError as exc:
        abort(503, description=str(exc))
    name = f"{doc.file_number}{'' if doc.is_signed else '-draft'}.pdf"
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})
