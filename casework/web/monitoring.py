"""Pages: infringers, platforms, licence allow-lists and watched URLs (legal and admin)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from casework.extensions import db
from casework.models.cases import Case
from casework.models.monitoring import (INFRINGER_KINDS, NOTICE_FORMATS, TAKEDOWN_CHANNELS, Infringer, InfringerAlias,
                                        Platform, WatchedUrl, WorkLicence)
from casework.policy import STAFF, allow, get_or_404
from casework.services import monitoring
from casework.web.account import EmptyForm
from casework.web.helpers import actor, now, page_args, row_id

bp = Blueprint("monitoring", __name__)

KIND_LABELS = {"site": _l("Site"), "platform_account": _l("Platform account"), "company": _l("Company"),
               "person": _l("Person")}
CHANNEL_LABELS = {"email": _l("E-mail"), "web_form": _l("Web form"), "api": _l("API")}


class InfringerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[(k, KIND_LABELS[k]) for k in INFRINGER_KINDS])
    domains = TextAreaField(_l("Domains (one a line)"), validators=[Length(max=5000)])
    accounts = TextAreaField(_l("Accounts (one a line, e.g. weibo.com/u/123)"), validators=[Length(max=5000)])
    contacts = TextAreaField(_l("Contacts"), validators=[Length(max=5000)])
    address = TextAreaField(_l("Address"), validators=[Length(max=2000)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=10000)])


class PlatformForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    domains = TextAreaField(_l("Domains (one a line)"), validators=[Length(max=5000)])
    takedown_channel = SelectField(_l("Takedown channel"), choices=[(c, CHANNEL_LABELS[c]) for c in TAKEDOWN_CHANNELS])
    channel_address = StringField(_l("Channel address (e-mail or URL)"), validators=[Length(max=500)])
    notice_format = SelectField(_l("Notice format"), choices=[("cn", _l("China")), ("us", _l("United States"))])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=10000)])


class LicenceForm(FlaskForm):
    work_id = IntegerField(_l("Work id"), validators=[DataRequired(), NumberRange(min=1)])
    kind = SelectField(_l("Licensee's"), choices=[("domain", _l("Domain")), ("account", _l("Account"))])
    value = StringField(_l("Domain or account"), validators=[DataRequired(), Length(max=300)])
    licensee = StringField(_l("Licensee"), validators=[Length(max=200)])
    valid_until = DateTimeLocalField(_l("Valid until (UTC, optional)"), format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])


class WatchForm(FlaskForm):
    work_id = IntegerField(_l("Work id"), validators=[DataRequired(), NumberRange(min=1)])
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=4096)])
    note = StringField(_l("Note"), validators=[Length(max=2000)])


def _work_exists(work_id: int) -> bool:
    from casework.models.works import Work

    return db.session.get(Work, work_id) is not None


def _work_titles(ids) -> dict[int, str]:
    from casework.models.works import Work

    ids = sorted(set(ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Work.id, Work.title).where(Work.id.in_(ids))).all())


# --- infringers -------------------------------------------------------------------------------

@bp.route("/infringers")
@allow(*STAFF)
def infringers():
    page, per_page = page_args()
    q = request.args.get("q", "").strip()
    repeat = request.args.get("repeat") == "1"
    stmt = select(Infringer)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(Infringer.name).like(like),
                              Infringer.id.in_(select(InfringerAlias.infringer_id).where(InfringerAlias.value.like(like)))))
    if repeat:
        stmt = stmt.where(Infringer.id.in_(select(Case.infringer_id).where(Case.infringer_id.is_not(None))
                                           .group_by(Case.infringer_id).having(func.count(Case.id) > 1)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(db.session.scalars(stmt.options(selectinload(Infringer.aliases))
                                   .order_by(Infringer.name, Infringer.id).offset((page - 1) * per_page).limit(per_page)))
    history = monitoring.infringer_history(r.id for r in rows)
    return render_template("monitoring/infringers.html", rows=rows, history=history, total=total, page=page,
                           per_page=per_page, q=q, repeat=repeat, kinds=KIND_LABELS, is_repeat=monitoring.is_repeat)


@bp.route("/infringers/new", methods=["GET", "POST"])
@bp.route("/infringers/<int:infringer_id>", methods=["GET", "POST"])
@allow(*STAFF)
def edit_infringer(infringer_id: int | None = None):
    infringer = get_or_404(Infringer, infringer_id, "infringer.manage") if infringer_id else None
    form = InfringerForm(obj=infringer)
    if request.method == "GET" and infringer is not None:
        form.domains.data = "\n".join(infringer.domains)
        form.accounts.data = "\n".join(infringer.accounts)
    if form.validate_on_submit():
        fields = {k: getattr(form, k).data or "" for k in ("name", "kind", "domains", "accounts", "contacts",
                                                           "address", "notes")}
        try:
            if infringer is None:
                infringer = monitoring.create_infringer(actor=actor(), now=now(), **fields)
            else:
                monitoring.update_infringer(infringer, actor=actor(), now=now(), **fields)
        except monitoring.MonitoringError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("monitoring/infringer_form.html", form=form, infringer=infringer,
                                   cases=[], history={}), 400
        db.session.commit()
        flash(_("Infringer saved."), "success")
        return redirect(url_for(".edit_infringer", infringer_id=infringer.id))
    cases, history = [], {}
    if infringer is not None:
        cases = list(db.session.scalars(select(Case).where(Case.infringer_id == infringer.id)
                                        .order_by(Case.opened_at.desc()).limit(200)))
        history = monitoring.infringer_history([infringer.id])[infringer.id]
    return render_template("monitoring/infringer_form.html", form=form, infringer=infringer, cases=cases,
                           history=history, is_repeat=monitoring.is_repeat), 400 if form.errors else 200


# --- platforms --------------------------------------------------------------------------------

@bp.route("/platforms")
@allow(*STAFF)
def platforms():
    rows = list(db.session.scalars(select(Platform).order_by(Platform.name)))
    stats = monitoring.platform_stats([p.id for p in rows])
    return render_template("monitoring/platforms.html", rows=rows, stats=stats, channels=CHANNEL_LABELS)


@bp.route("/platforms/new", methods=["GET", "POST"])
@bp.route("/platforms/<int:platform_id>", methods=["GET", "POST"])
@allow(*STAFF)
def edit_platform(platform_id: int | None = None):
    platform = get_or_404(Platform, platform_id, "platform.manage") if platform_id else None
    form = PlatformForm(obj=platform)
    if request.method == "GET" and platform is not None:
        form.domains.data = "\n".join(platform.domains or [])
    if form.validate_on_submit():
        fields = {k: getattr(form, k).data or "" for k in ("name", "domains", "takedown_channel", "channel_address",
                                                           "notice_format", "notes")}
        try:
            if platform is None:
                platform = monitoring.create_platform(actor=actor(), now=now(), **fields)
            else:
                monitoring.update_platform(platform, actor=actor(), now=now(), **fields)
        except monitoring.MonitoringError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("monitoring/platform_form.html", form=form, platform=platform, stats={}), 400
        db.session.commit()
        flash(_("Platform saved."), "success")
        return redirect(url_for(".platforms"))
    stats = monitoring.platform_stats([platform.id])[platform.id] if platform else {}
    return render_template("monitoring/platform_form.html", form=form, platform=platform,
                           stats=stats), 400 if form.errors else 200


# --- licences ---------------------------------------------------------------------------------

@bp.route("/licences", methods=["GET", "POST"])
@allow(*STAFF)
def licences():
    form = LicenceForm()
    work_filter = request.args.get("work_id", type=row_id)
    if request.method == "GET" and work_filter:
        form.work_id.data = work_filter
    status = 200
    if form.validate_on_submit():
        if not _work_exists(form.work_id.data):
            form.work_id.errors = list(form.work_id.errors) + [_("There is no work with this id.")]
            status = 400
        else:
            valid_until = form.valid_until.data
            if valid_until is not None:
                from datetime import timezone

                valid_until = valid_until.replace(tzinfo=timezone.utc)
            try:
                monitoring.add_licence(form.work_id.data, kind=form.kind.data, value=form.value.data,
                                       licensee=form.licensee.data or "", valid_until=valid_until, actor=actor(),
                                       now=now())
            except monitoring.MonitoringError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                status = 400
            else:
                db.session.commit()
                flash(_("Added to the allow-list; new detections at this address are flagged as licensed."),
                      "success")
                return redirect(url_for(".licences", work_id=form.work_id.data))
    elif form.errors:
        status = 400
    stmt = select(WorkLicence).order_by(WorkLicence.work_id, WorkLicence.kind, WorkLicence.value)
    if work_filter:
        stmt = stmt.where(WorkLicence.work_id == work_filter)
    rows = list(db.session.scalars(stmt.limit(1000)))
    return render_template("monitoring/licences.html", form=form, rows=rows, titles=_work_titles(r.work_id for r in rows),
                           work_filter=work_filter, empty=EmptyForm(), now=now()), status


@bp.route("/licences/<int:licence_id>/remove", methods=["POST"])
@allow(*STAFF)
def remove_licence(licence_id: int):
    licence = db.session.get(WorkLicence, licence_id)
    if licence is None:
        from flask import abort

        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        work_id = licence.work_id
        monitoring.remove_licence(licence, actor=actor(), now=now())
        db.session.commit()
        flash(_("Removed from the allow-list."), "success")
        return redirect(url_for(".licences", work_id=work_id))
    return redirect(url_for(".licences"))


# --- watched URLs -----------------------------------------------------------------------------

@bp.route("/watch", methods=["GET", "POST"])
@allow(*STAFF)
def watch():
    form = WatchForm()
    status = 200
    if form.validate_on_submit():
        if not _work_exists(form.work_id.data):
            form.work_id.errors = list(form.work_id.errors) + [_("There is no work with this id.")]
            status = 400
        else:
            try:
                monitoring.watch_url(form.work_id.data, form.url.data, note=form.note.data or "", actor=actor(),
                                     now=now())
            except monitoring.MonitoringError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                status = 400
            else:
                db.session.commit()
                flash(_("The URL is watched; new content there becomes a detection for review."), "success")
                return redirect(url_for(".watch"))
    elif form.errors:
        status = 400
    page, per_page = page_args()
    stmt = select(WatchedUrl)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(db.session.scalars(stmt.order_by(WatchedUrl.active.desc(), WatchedUrl.created_at.desc())
                                   .offset((page - 1) * per_page).limit(per_page)))
    return render_template("monitoring/watch.html", form=form, rows=rows, titles=_work_titles(r.work_id for r in rows),
                           total=total, page=page, per_page=per_page, empty=EmptyForm()), status


@bp.route("/watch/<int:watch_id>/toggle", methods=["POST"])
@allow(*STAFF)
def toggle_watch(watch_id: int):
    row = db.session.get(WatchedUrl, watch_id)
    if row is None:
        from flask import abort

        abort(404)
    if EmptyForm().validate_on_submit():
        monitoring.set_watch_active(row, not row.active, actor=actor(), now=now())
        db.session.commit()
        flash(_("Watching resumed.") if row.active else _("Watching stopped."), "success")
    return redirect(url_for(".watch"))
