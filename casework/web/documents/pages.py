"""Pages about many documents or none in particular: the documents list, bulk letters, certificates
of works, template editing (admin), and the public verification and validation pages."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from casework.documents import DOCUMENT_KINDS, TemplateSourceError, template_source
from casework.extensions import db
from casework.models.cases import STAGES, Case
from casework.models.documents import DOCUMENT_STATUSES, Document, DocumentTemplate
from casework.models.scheduling import Task
from casework.models.works import Work
from casework.policy import EVERYONE, STAFF, allow, can, get_or_404, visible
from casework.services import documents as docs
from casework.services.documents.bulk import BULK_KINDS, MAX_BULK
from casework.services.documents.validation import ValidationFailed, max_bytes, request_limit, validate_upload
from casework.web.account import EmptyForm
from casework.web.documents import KIND_LABELS, LANG_LABELS, STATUS_LABELS, _csrf_ok, bp
from casework.web.helpers import LARGEST_ID, actor, now, page_args

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
        ids = [int(r) if r.isascii() and r.isdigit() and int(r) <= LARGEST_ID else -1 for r in raw]  # -1: none
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
                version = request.form["activate"]
                if not (version.isascii() and len(version) <= 9):
                    raise docs.DocumentError(_("There is no such version."), "activate")
                docs.activate_template(kind, lang, int(version), actor=actor(), now=now())
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


def _limit_public_upload():
    """Anyone may post to /validate: cap what is read at the PDF limit before anything parses the body (the CSRF
    check reads the form first), so a larger upload is a 413 unread instead of spooled to disk up to the
    app-wide MAX_UPLOAD_BYTES."""
    if request.endpoint == "documents.validate" and request.method == "POST":
        request.max_content_length = request_limit(current_app.config)
        if (request.content_length or 0) > request.max_content_length:
            abort(413, description=_("The file is larger than the limit of %(limit)s bytes.",
                                     limit=format(max_bytes(current_app.config), ",")))


@bp.record_once
def _cap_before_csrf(state):
    state.app.before_request_funcs.setdefault(None, []).insert(0, _limit_public_upload)


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
