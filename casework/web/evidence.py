"""Pages: a case's evidence (capture a page, upload a file), an item with its chain of custody, bundles
with their share links, and the public share route a court or opposing counsel downloads from.

Opening an item's page, downloading its file and downloading a bundle are recorded in the chain of
custody. The share route answers 404 for a wrong, expired or revoked token, exactly as for a page
that does not exist.
"""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from casework.case_sections import page_section
from casework.database import writes_on_read
from casework.extensions import db
from casework.models.cases import Case
from casework.models.evidence import Bundle, EvidenceItem, ShareLink
from casework.policy import allow, can, get_or_404
from casework.services import bundles as bundle_service
from casework.services import capture_jobs  # noqa: F401  (registers the task handlers)
from casework.services import evidence as evidence_service
from casework.services.works import Upload
from casework.storage import StorageError, TooLarge
from casework.web.helpers import actor, now

bp = Blueprint("evidence", __name__)
TEAM = ("admin", "legal", "counsel")

KIND_LABELS = {"capture": _l("Web capture"), "screenshot": _l("Screenshot"), "recording": _l("Recording"),
               "notarial_certificate": _l("Notarial certificate"), "email": _l("E-mail"), "other": _l("Other")}
ACTION_LABELS = {"view": _l("viewed"), "download": _l("downloaded"), "export": _l("exported in a bundle"),
                 "share_download": _l("downloaded through a share link")}


class CaptureForm(FlaskForm):
    url = StringField(_l("Page address (URL)"), validators=[DataRequired(), Length(max=evidence_service.MAX_URL)])
    title = StringField(_l("Title (optional)"), validators=[Length(max=evidence_service.MAX_TITLE)])


class UploadForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in KIND_LABELS if k != "capture"])
    file = FileField(_l("File"))
    title = StringField(_l("Title (optional)"), validators=[Length(max=evidence_service.MAX_TITLE)])
    supplied_by = StringField(_l("Supplied by (default: you)"), validators=[Length(max=300)])
    supplied_on = DateField(_l("Supplied on (default: today)"), validators=[Optional()])
    url = StringField(_l("Where it came from (URL, optional)"), validators=[Length(max=evidence_service.MAX_URL)])


class EmptyForm(FlaskForm):
    pass


class ShareForm(FlaskForm):
    days = IntegerField(_l("Valid for (days)"), default=14,
                        validators=[DataRequired(), NumberRange(min=1, max=bundle_service.MAX_SHARE_DAYS)])
    label = StringField(_l("For whom (e.g. the court and docket number)"), validators=[Length(max=300)])


def _section_context(case, user):
    items = evidence_service.items_of(case)
    team = can(user, "evidence.add", case)
    if not items and not team:
        return None
    return {"evidence_items": items, "evidence_team": team, "evidence_kinds": KIND_LABELS,
            "evidence_bundles": bundle_service.bundles_of(case) if team else [],
            "bundle_status": bundle_service.bundle_status}


page_section("evidence/_case_section.html", order=40, context=_section_context)


def _team_case(case_id: int) -> Case:
    case = get_or_404(Case, case_id, "case.view")
    if not can(current_user, "evidence.add", case):
        abort(404)
    return case


def _agent() -> str:
    return (request.headers.get("User-Agent") or "")[:300]


def _case_page(case: Case, capture_form=None, upload_form=None, status: int = 200):
    return render_template("evidence/case.html", case=case, items=evidence_service.items_of(case),
                           bundles=bundle_service.bundles_of(case), kinds=KIND_LABELS,
                           capture_form=capture_form or CaptureForm(), upload_form=upload_form or UploadForm(),
                           bundle_form=EmptyForm(), bundle_status=bundle_service.bundle_status), status


@bp.route("/cases/<int:case_id>/evidence")
@allow(*TEAM)
def case_evidence(case_id: int):
    return _case_page(_team_case(case_id))


@bp.route("/cases/<int:case_id>/evidence/capture", methods=["POST"])
@allow(*TEAM)
def capture(case_id: int):
    case = _team_case(case_id)
    form = CaptureForm()
    if form.validate_on_submit():
        try:
            item = evidence_service.request_capture(case, form.url.data, title=form.title.data or "", actor=actor(),
                                                    now=now())
        except evidence_service.EvidenceError as exc:
            db.session.rollback()
            form.url.errors = list(form.url.errors) + [str(exc)]
        else:
            db.session.commit()
            flash(_("Capture queued: the page is loaded, archived and deposited in the background."), "success")
            return redirect(url_for(".item", item_id=item.id))
    return _case_page(case, capture_form=form, status=400)


@bp.route("/cases/<int:case_id>/evidence/upload", methods=["POST"])
@allow(*TEAM)
def upload(case_id: int):
    case = _team_case(case_id)
    form = UploadForm()
    if form.validate_on_submit():
        f = form.file.data
        if f is None or not getattr(f, "filename", ""):
            form.file.errors = list(form.file.errors) + [_("Choose a file.")]
        else:
            supplied_at = (datetime.combine(form.supplied_on.data, time(12, 0), tzinfo=timezone.utc)
                           if form.supplied_on.data else None)
            if supplied_at is not None and supplied_at.date() == now().date():
                supplied_at = now()
            try:
                item = evidence_service.add_upload(
                    case, kind=form.kind.data,
                    upload=Upload(name=f.filename, stream=f.stream, media_type=f.mimetype or ""),
                    title=form.title.data or "", supplied_by=form.supplied_by.data or "", supplied_at=supplied_at,
                    url=form.url.data or "", actor=actor(), now=now())
            except TooLarge as exc:
                db.session.rollback()
                form.file.errors = list(form.file.errors) + [
                    _("The file is larger than the limit of %(limit)s bytes; nothing was stored.",
                      limit=format(exc.limit, ","))]
            except (evidence_service.EvidenceError, StorageError) as exc:
                db.session.rollback()
                name = getattr(exc, "field", None) or "file"
                target = getattr(form, {"supplied_at": "supplied_on"}.get(name, name), None) or form.file
                target.errors = list(target.errors) + [str(exc)]
            else:
                db.session.commit()
                flash(_("Evidence stored and deposited in the ledger at index %(index)s.", index=item.deposit_index),
                      "success")
                return redirect(url_for(".item", item_id=item.id))
    return _case_page(case, upload_form=form, status=400)


@bp.route("/evidence/<int:item_id>")
@allow(*TEAM)
@writes_on_read
def item(item_id: int):
    row = get_or_404(EvidenceItem, item_id, "evidence.view")
    evidence_service.record_custody(row, "view", who=actor(), now=now(), user_agent=_agent())
    db.session.commit()
    return render_template("evidence/item.html", item=row, kinds=KIND_LABELS, actions=ACTION_LABELS,
                           custody=evidence_service.custody_of(row))


@bp.route("/evidence/<int:item_id>/download")
@allow(*TEAM)
@writes_on_read
def download(item_id: int):
    row = get_or_404(EvidenceItem, item_id, "evidence.view")
    try:
        path = evidence_service.blob_path(row)
    except StorageError as exc:
        abort(404, description=str(exc))
    evidence_service.record_custody(row, "download", who=actor(), now=now(), user_agent=_agent())
    db.session.commit()
    return send_file(path, mimetype=row.media_type, as_attachment=True,
                     download_name=evidence_service.download_name(row), etag=row.sha256, conditional=True)


@bp.route("/cases/<int:case_id>/bundles", methods=["POST"])
@allow(*TEAM)
def export(case_id: int):
    case = get_or_404(Case, case_id, "case.view")
    if not can(current_user, "bundle.export", case):
        abort(404)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for(".case_evidence", case_id=case.id))
    try:
        bundle = bundle_service.request_bundle(case, actor=actor(), now=now())
    except bundle_service.BundleError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".case_evidence", case_id=case.id))
    db.session.commit()
    flash(_("Bundle export started."), "success")
    return redirect(url_for(".bundle", bundle_id=bundle.id))


def _bundle_page(bundle: Bundle, form=None, new_link=None, status: int = 200):
    state, progress, error = bundle_service.bundle_status(bundle)
    return render_template("evidence/bundle.html", bundle=bundle, state=state, progress=progress, error=error,
                           share_form=form or ShareForm(), revoke_form=EmptyForm(), new_link=new_link,
                           when=now()), status


@bp.route("/bundles/<int:bundle_id>")
@allow(*TEAM)
def bundle(bundle_id: int):
    return _bundle_page(get_or_404(Bundle, bundle_id, "bundle.view"))


@bp.route("/bundles/<int:bundle_id>/download")
@allow(*TEAM)
@writes_on_read
def download_bundle(bundle_id: int):
    row = get_or_404(Bundle, bundle_id, "bundle.view")
    try:
        path = bundle_service.blob_path(row)
    except StorageError as exc:
        abort(404, description=str(exc))
    bundle_service.record_download(row, who=actor(), now=now(), user_agent=_agent())
    db.session.commit()
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=bundle_service.download_name(row), etag=row.sha256, conditional=True)


@bp.route("/bundles/<int:bundle_id>/share-links", methods=["POST"])
@allow(*TEAM)
def share(bundle_id: int):
    row = get_or_404(Bundle, bundle_id, "bundle.view")
    if not can(current_user, "bundle.share", row):
        abort(404)
    form = ShareForm()
    if form.validate_on_submit():
        try:
            link, token = bundle_service.create_share_link(row, days=form.days.data, label=form.label.data or "",
                                                           actor=actor(), now=now())
        except bundle_service.BundleError as exc:
            db.session.rollback()
            form.days.errors = list(form.days.errors) + [str(exc)]
        else:
            db.session.commit()
            # Shown in this answer only (never flashed: the session cookie is signed, not encrypted).
            return _bundle_page(row, new_link={"link": link, "url": bundle_service.share_url(token)})
    return _bundle_page(row, form=form, status=400)


@bp.route("/share-links/<int:link_id>/revoke", methods=["POST"])
@allow(*TEAM)
def revoke(link_id: int):
    link = db.session.get(ShareLink, link_id)
    if link is None or not can(current_user, "bundle.share", link.bundle):
        abort(404)
    if EmptyForm().validate_on_submit():
        bundle_service.revoke_share_link(link, actor=actor(), now=now())
        db.session.commit()
        flash(_("Share link revoked: it no longer works."), "success")
    return redirect(url_for(".bundle", bundle_id=link.bundle_id))


def _shared_link(token: str) -> ShareLink:
    link = bundle_service.find_share_link(token, now=now())
    if link is None:
        abort(404)
    return link


@bp.route("/shared/<token>")
@allow(public=True)
def shared(token: str):
    """What someone given a share link sees: the bundle's hash, deposit and a download button."""
    link = _shared_link(token)
    response = render_template("evidence/shared.html", link=link, bundle=link.bundle, token=token)
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/shared/<token>/download")
@allow(public=True)
@writes_on_read
def shared_download(token: str):
    link = _shared_link(token)
    row = link.bundle
    try:
        path = bundle_service.blob_path(row)
    except StorageError:
        abort(404)
    who = evidence_service.ShareWho(link, remote_addr=(request.remote_addr or ""), user_agent=_agent())
    bundle_service.record_download(row, who=who, now=now())
    db.session.commit()
    response = send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=bundle_service.download_name(row), etag=row.sha256, conditional=True)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response

