"""Pages: documents of a case (draft with live preview and completeness list, approve, sign, send,
answer), the documents list, bulk letters, template editing (admin), the public verification of a
document and the public signature validation page."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from casework.case_sections import page_section
from casework.documents import DOCUMENT_KINDS, TemplateSourceError, template_source
from casework.extensions import db
from casework.models.cases import STAGES, Case
from casework.models.documents import DOCUMENT_STATUSES, SENDING_CHANNELS, Document, DocumentTemplate
from casework.models.scheduling import Task
from casework.models.works import Work
from casework.policy import EVERYONE, STAFF, allow, can, get_or_404, visible
from casework.services import documents as docs
from casework.services.documents.bulk import BULK_KINDS, MAX_BULK
from casework.services.documents.validation import ValidationFailed, max_bytes, validate_upload
from casework.web.account import EmptyForm
from casework.web.helpers import actor, now, page_args

bp = Blueprint("documents", __name__)

KIND_LABELS = {"cease_desist": _l("Cease-and-desist letter"), "takedown_notice_us": _l("Takedown notice (US, DMCA)"),
               "takedown_notice_cn": _l("Takedown notice (China)"), "deposit_certificate": _l("Deposit certificate"),
               "evidence_catalogue": _l("Evidence catalogue")}
STATUS_LABELS = {"draft": _l("Draft"), "approved": _l("Approved"), "signed": _l("Signed"), "sent": _l("Sent"),
                 "answered": _l("Answered"), "no_answer": _l("No answer")}
CHANNEL_LABELS = {"email": _l("E-mail (PDF attached)"), "post": _l("Post"), "platform_form": _l("Platform form")}
LANG_LABELS = {"zh": "中文", "en": "English"}
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


def _doc(document_id: int) -> Document:
    return get_or_404(Document, document_id, "document.view")


def _require_staff(doc: Document) -> None:
    if not can(current_user, "document.edit", doc):
        abort(403)


def _csrf_ok() -> bool:
    if EmptyForm().validate_on_submit():
        return True
    flash(_("The form expired; try again."), "error")
    return False


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


def _current_locale():
    from flask_babel import get_locale

    return get_locale()


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
        if days and not days.isdigit():
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


# --- the documents list and bulk ------------------------------------------------------------------

@bp.route("/documents")
@allow(*EVERYONE)
def index():
    page, per_page = page_args()
    f = {k: request.args.get(k, "") for k in ("status", "kind")}
    stmt = visible(current_user, "document", select(Document))
    if f["status"] in DOCUMENT_STATUSES:
        stmt = stmt.where(Document.status == f["status"])
    if f["kind"] in DOCUMENT_KINDS:
        stmt = stmt.where(Document.kind == f["kind"])
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(db.session.scalars(stmt.options(joinedload(Document.case)).order_by(Document.id.desc())
                                   .offset((page - 1) * per_page).limit(per_page)))
    return render_template("documents_pages/index.html", rows=rows, total=total, page=page, per_page=per_page, f=f,
                           kinds=KIND_LABELS, statuses=STATUS_LABELS, args={k: v for k, v in f.items() if v})


@bp.route("/documents/bulk", methods=["GET", "POST"])
@allow(*STAFF)
def bulk():
    stage = request.args.get("stage", "letter")
    stage = stage if stage in STAGES else ""
    if request.method == "POST" and _csrf_ok():
        raw = request.form.getlist("case")
        ids = [int(r) for r in raw if r.isdigit()]
        visible_ids = set(db.session.scalars(visible(current_user, "case", select(Case.id).where(Case.id.in_(ids))))) \
            if ids else set()
        try:
            if len(visible_ids) != len(set(ids)):
                raise docs.DocumentError(_("Some selected cases do not exist."), "cases")
            task = docs.start_bulk(ids, request.form.get("kind", ""), request.form.get("lang", ""), actor=actor(),
                                   now=now())
        except docs.DocumentError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            return redirect(url_for(".bulk_task", task_id=task.id))
    stmt = visible(current_user, "case", select(Case)).where(Case.stage != "closed")
    if stage:
        stmt = stmt.where(Case.stage == stage)
    cases = list(db.session.scalars(stmt.options(joinedload(Case.infringer)).order_by(Case.id.desc()).limit(MAX_BULK)))
    return render_template("documents_pages/bulk.html", cases=cases, stage=stage, stages=STAGES, empty=EmptyForm(),
                           kinds=[(k, KIND_LABELS[k]) for k in BULK_KINDS], langs=LANG_LABELS)


@bp.route("/documents/bulk/<int:task_id>")
@allow(*STAFF)
def bulk_task(task_id: int):
    task = get_or_404(Task, task_id, "task.view")
    if task.kind != docs.BULK_TASK:
        abort(404)
    return render_template("documents_pages/bulk_task.html", task=task, kinds=KIND_LABELS)


# --- certificates of works ------------------------------------------------------------------------

@bp.route("/works/<int:work_id>/certificates", methods=["POST"])
@allow(*EVERYONE)
def issue_certificate(work_id: int):
    work = get_or_404(Work, work_id, "work.view")
    if not can(current_user, "work.edit", work):
        abort(403)
    if _csrf_ok():
        try:
            doc = docs.issue_deposit_certificate(work, lang=request.form.get("lang", "zh"), actor=actor(), now=now())
        except docs.DocumentError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Deposit certificate %(number)s issued and signed.", number=doc.file_number), "success")
    return redirect(url_for("works.detail", work_id=work.id))


@bp.app_template_global("work_certificates")
def work_certificates(work) -> list:
    """For the work's page: its signed certificates, when this user may see them."""
    if not current_user.is_authenticated or not can(current_user, "work.view", work):
        return []
    return docs.certificates_of(work)


# --- templates (admin) ----------------------------------------------------------------------------

@bp.route("/documents/templates")
@allow("admin")
def templates():
    rows = list(db.session.scalars(select(DocumentTemplate).order_by(DocumentTemplate.kind, DocumentTemplate.lang,
                                                                     DocumentTemplate.version.desc())))
    return render_template("documents_pages/templates.html", rows=rows, kinds=KIND_LABELS, langs=LANG_LABELS)


@bp.route("/documents/templates/<kind>/<lang>", methods=["GET", "POST"])
@allow("admin")
def edit_template(kind: str, lang: str):
    if kind not in DOCUMENT_KINDS or lang not in LANG_LABELS:
        abort(404)
    versions = list(db.session.scalars(select(DocumentTemplate).where(
        DocumentTemplate.kind == kind, DocumentTemplate.lang == lang).order_by(DocumentTemplate.version.desc())))
    active = next((v for v in versions if v.active), None)
    source = active.source if active else template_source(kind, lang)
    error = None
    if request.method == "POST" and _csrf_ok():
        if request.form.get("activate", "").isdigit():
            try:
                docs.activate_template(kind, lang, int(request.form["activate"]), actor=actor(), now=now())
            except docs.DocumentError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(_("Version %(v)s is now in use.", v=request.form["activate"]), "success")
            return redirect(url_for(".edit_template", kind=kind, lang=lang))
        source = request.form.get("source", "")
        try:
            row, warnings = docs.save_template(kind, lang, source, actor=actor(), now=now(),
                                               note=request.form.get("note", ""))
        except TemplateSourceError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Saved as version %(v)s.", v=row.version), "success")
            for warning in warnings:
                flash(warning, "warning")
            return redirect(url_for(".edit_template", kind=kind, lang=lang))
    return render_template("documents_pages/template_edit.html", kind=kind, lang=lang, kinds=KIND_LABELS,
                           langs=LANG_LABELS, versions=versions, active=active, source=source, error=error,
                           empty=EmptyForm()), 400 if error else 200


# --- public: verification of a document, validation of any PDF ------------------------------------

@bp.route("/verify/documents/<public_id>")
@allow(public=True)
def verify(public_id: str):
    """What the QR code on a document opens: is this document ours, signed, and deposited?"""
    doc = db.session.scalar(select(Document).where(Document.public_id == public_id[:36]))
    if doc is None or not doc.is_signed:
        abort(404)
    return render_template("documents_pages/verify.html", doc=doc, kinds=KIND_LABELS)


@bp.route("/validate", methods=["GET", "POST"])
@allow(public=True)
def validate():
    """Anyone may check a PDF's signatures: recipients of our letters have no account (see the service)."""
    report, error, status = None, None, 200
    limit = max_bytes(current_app.config)
    if request.method == "POST":
        upload = request.files.get("file")
        if not EmptyForm().validate_on_submit():
            error, status = _("The form expired; try again."), 400
        elif upload is None or not upload.filename:
            error, status = _("Choose a PDF file."), 400
        else:
            try:
                report = validate_upload(upload.stream, current_app.config)
            except ValidationFailed as exc:
                error, status = str(exc), exc.status
    return render_template("documents_pages/validate.html", report=report, error=error, empty=EmptyForm(),
                           limit=limit), status
