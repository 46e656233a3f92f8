"""Pages: works (list, register, detail with each file's hash and deposit, add files, download) and
the public verification page (/verify), where anyone checks a file or hash against the ledger."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from casework.extensions import db
from casework.models import RightsHolder
from casework.models.ledger import Deposit
from casework.models.works import WORK_KINDS, Work, WorkFile
from casework.policy import EVERYONE, STAFF, allow, can, get_or_404, visible
from casework.services import works as work_service
from casework.storage import StorageError, TooLarge
from casework.web.helpers import actor, now, page_args

bp = Blueprint("works", __name__)

KIND_LABELS = {"image": _l("Image"), "video": _l("Video"), "audio": _l("Audio"), "text": _l("Text"),
               "software": _l("Software"), "game": _l("Game"), "animation": _l("Animation"), "film": _l("Film"),
               "tv_series": _l("TV series"), "variety_show": _l("Variety show"), "other": _l("Other")}
REGISTERING_ROLES = ("admin", "legal", "creator")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class RegisterForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=work_service.MAX_TITLE)])
    kind = SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in WORK_KINDS])
    rights_holder = SelectField(_l("Rights holder"), coerce=int)
    created_on = DateField(_l("Created on"), validators=[Optional()])
    published_on = DateField(_l("First published on"), validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Length(max=work_service.MAX_DESCRIPTION)])
    files = MultipleFileField(_l("Files"))


class AddFilesForm(FlaskForm):
    files = MultipleFileField(_l("Files"))


def _uploads(field) -> list[work_service.Upload]:
    return [work_service.Upload(name=f.filename or "", stream=f.stream, media_type=f.mimetype or "")
            for f in (field.data or []) if f is not None and getattr(f, "filename", "")]


def _holder_choices() -> list[tuple[int, str]]:
    if current_user.role == "creator":
        holder = current_user.rights_holder
        return [(holder.id, holder.name)] if holder else []
    stmt = visible(current_user, "rights_holder", select(RightsHolder)).order_by(RightsHolder.name)
    return [(h.id, h.name) for h in db.session.scalars(stmt)]


def _store_error(form_field, exc: Exception) -> None:
    db.session.rollback()
    if isinstance(exc, TooLarge):
        message = _("A file is larger than the limit of %(limit)s bytes; nothing was stored.",
                    limit=format(exc.limit, ","))
    elif isinstance(exc, work_service.WorkError):
        message = str(exc)
    else:
        message = _("The files could not be stored: %(error)s", error=str(exc))
    form_field.errors = list(form_field.errors) + [message]


@bp.route("/works")
@allow(*EVERYONE)
def index():
    page, per_page = page_args()
    f = {k: request.args.get(k, "").strip() for k in ("q", "kind", "holder")}
    stmt = visible(current_user, "work", select(Work))
    if f["q"]:
        stmt = stmt.where(Work.title.ilike(f"%{f['q']}%"))
    if f["kind"] in WORK_KINDS:
        stmt = stmt.where(Work.kind == f["kind"])
    if f["holder"].isascii() and f["holder"].isdigit() and int(f["holder"]) <= 2**31 - 1:
        stmt = stmt.where(Work.rights_holder_id == int(f["holder"]))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.options(selectinload(Work.files), selectinload(Work.rights_holder))
                              .order_by(Work.id.desc()).offset((page - 1) * per_page).limit(per_page)).all()
    holders = _holder_choices() if current_user.role in STAFF else []
    return render_template("works/index.html", rows=rows, total=total, page=page, per_page=per_page, f=f,
                           kinds=KIND_LABELS, holders=holders,
                           may_register=current_user.role in REGISTERING_ROLES,
                           args={k: v for k, v in f.items() if v})


@bp.route("/works/new", methods=["GET", "POST"])
@allow(*REGISTERING_ROLES)
def new():
    form = RegisterForm()
    form.rights_holder.choices = _holder_choices()
    if not form.rights_holder.choices:
        abort(403)
    if request.method == "GET" and current_user.role == "creator":
        form.rights_holder.data = current_user.rights_holder_id
    if form.validate_on_submit():
        holder = db.session.get(RightsHolder, form.rights_holder.data)
        uploads = _uploads(form.files)
        if holder is None or not can(current_user, "work.register", holder):
            abort(403)
        if not uploads:
            form.files.errors = list(form.files.errors) + [_("Choose at least one file.")]
        else:
            try:
                work = work_service.register_work(
                    title=form.title.data, kind=form.kind.data, rights_holder=holder, files=uploads,
                    created_on=form.created_on.data, published_on=form.published_on.data,
                    description=form.description.data or "", actor=actor(), now=now())
            except work_service.WorkError as exc:
                field = getattr(form, {"file": "files"}.get(exc.field or "", exc.field or ""), None) or form.files
                _store_error(field, exc)
            except StorageError as exc:
                _store_error(form.files, exc)
            else:
                db.session.commit()
                flash(_("Work registered; %(n)s file(s) deposited in the ledger.", n=len(work.files)), "success")
                return redirect(url_for(".detail", work_id=work.id))
    status = 400 if request.method == "POST" else 200
    return render_template("works/new.html", form=form, kinds=KIND_LABELS), status


@bp.route("/works/<int:work_id>")
@allow(*EVERYONE)
def detail(work_id: int):
    work = get_or_404(Work, work_id, "work.view")
    indexes = [f.deposit_index for f in work.files if f.deposit_index is not None]
    deposits = {d.index: d for d in db.session.scalars(select(Deposit).where(Deposit.index.in_(indexes)))} \
        if indexes else {}
    return render_template("works/detail.html", work=work, deposits=deposits, kinds=KIND_LABELS,
                           add_form=AddFilesForm() if can(current_user, "work.edit", work) else None)


@bp.route("/works/<int:work_id>/files", methods=["POST"])
@allow(*REGISTERING_ROLES)
def add_files(work_id: int):
    work = get_or_404(Work, work_id, "work.view")
    if not can(current_user, "work.edit", work):
        abort(403)
    form = AddFilesForm()
    if form.validate_on_submit():
        uploads = _uploads(form.files)
        if not uploads:
            flash(_("Choose at least one file."), "error")
            return redirect(url_for(".detail", work_id=work.id))
        try:
            rows = work_service.add_files(work, files=uploads, actor=actor(), now=now())
        except (work_service.WorkError, StorageError) as exc:
            _store_error(form.files, exc)
            flash(form.files.errors[-1], "error")
            return redirect(url_for(".detail", work_id=work_id))
        db.session.commit()
        flash(_("%(n)s file(s) added and deposited.", n=len(rows)), "success")
    else:
        flash(_("The form expired; try again."), "error")
    return redirect(url_for(".detail", work_id=work.id))


@bp.route("/works/<int:work_id>/files/<int:file_id>/download")
@allow(*EVERYONE)
def download(work_id: int, file_id: int):
    work = get_or_404(Work, work_id, "work.view")
    wf = db.session.get(WorkFile, file_id)
    if wf is None or wf.work_id != work.id:
        abort(404)
    try:
        path = work_service.file_path_for_download(wf)
    except StorageError as exc:
        abort(404, description=str(exc))
    return send_file(path, mimetype=wf.media_type, as_attachment=True, download_name=wf.name, etag=wf.sha256,
                     conditional=True)


@bp.route("/verify")
@allow(public=True)
def verify():
    """Anyone: is this hash in the ledger? The file itself is hashed in the browser (static/js/verify.js)."""
    raw = (request.args.get("sha256") or "").strip()
    error, found, titles = None, [], {}
    if raw:
        if not _HEX64.fullmatch(raw):
            error = _("A SHA-256 is 64 hexadecimal digits (0-9, a-f).")
        else:
            raw = raw.lower()
            found = list(db.session.scalars(select(Deposit).where(Deposit.sha256 == raw)
                                            .order_by(Deposit.index).limit(200)))
            titles = _titles_for(found)
    return render_template("works/verify.html", sha256=raw, error=error, found=found, titles=titles,
                           searched=bool(raw) and error is None), 400 if error else 200


def _titles_for(deposits: list[Deposit]) -> dict[int, Work]:
    """Works named by deposits that this visitor may see (none for anonymous visitors)."""
    if not current_user.is_authenticated:
        return {}
    ids = {int(d.subject.split(":", 1)[1]) for d in deposits
           if d.subject.startswith("work:") and d.subject.split(":", 1)[1].isdigit()}
    if not ids:
        return {}
    stmt = visible(current_user, "work", select(Work).where(Work.id.in_(ids)))
    return {w.id: w for w in db.session.scalars(stmt)}
