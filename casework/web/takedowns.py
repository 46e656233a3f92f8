"""Pages: takedown notices from a case (create per platform, send, record the platform's answers), a
takedown's page with its history, and the platforms' takedown figures side by side."""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

import casework.policy.takedowns  # noqa: F401  (registers the takedown rules)
from casework.case_sections import page_section
from casework.extensions import db
from casework.models.cases import Case
from casework.models.monitoring import Platform
from casework.models.scheduling import Deadline
from casework.models.takedowns import PlatformTakedownPolicy, TakedownNotice
from casework.policy import STAFF, allow, can, get_or_404
from casework.services import takedown_figures
from casework.services import takedowns as service
from casework.web.helpers import actor, now

bp = Blueprint("takedowns", __name__)

STATUS_LABELS = {"draft": _l("Draft"), "sent": _l("Sent"), "acknowledged": _l("Acknowledged"),
                 "removed": _l("Removed (confirmed)"), "refused": _l("Refused"),
                 "counter_notice": _l("Counter-notice"), "restored": _l("Restored"), "withdrawn": _l("Withdrawn")}
# What a creator reads: the state in plain words, nothing of the correspondence behind it.
PLAIN_LABELS = {"sent": _l("We have sent the platform a notice"),
                "acknowledged": _l("The platform is handling our notice"),
                "removed": _l("Removed: we checked that it is gone"),
                "refused": _l("The platform declined to remove it"),
                "counter_notice": _l("The uploader disputes the notice"),
                "restored": _l("The platform put it back"), "withdrawn": _l("We withdrew the notice")}
CHANNEL_LABELS = {"email": _l("E-mail"), "web_form": _l("Web form"), "api": _l("API")}
# What a person records, per target status; "removed" is never among them (only a re-check confirms it).
ACTION_LABELS = {"acknowledged": _l("The platform acknowledged the notice"),
                 "refused": _l("The platform refused (give its reason)"),
                 "counter_notice": _l("A counter-notice arrived (paste it)"),
                 "restored": _l("The platform restored the material"),
                 "withdrawn": _l("We withdraw the notice (give the reason)")}


class CreateForm(FlaskForm):
    platform = SelectField(_l("Platform"), coerce=int, choices=[])
    lang = SelectField(_l("Notice language"), choices=[("", _l("As the platform's format")), ("zh", "中文"),
                                                       ("en", "English")], default="")


class SendForm(FlaskForm):
    recipient = StringField(_l("Recipient (address, form or endpoint)"), validators=[Length(max=500)])
    reference = StringField(_l("Confirmation or reference the platform gave"), validators=[Length(max=300)])
    note = TextAreaField(_l("Note"), validators=[Length(max=20000)])


class RecordForm(FlaskForm):
    to = SelectField(_l("What happened"), choices=[])
    at = DateTimeLocalField(_l("When (UTC; empty: now)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    reference = StringField(_l("Platform reference"), validators=[Length(max=300)])
    text = TextAreaField(_l("Reason or counter-notice text"), validators=[Length(max=100000)])
    note = TextAreaField(_l("Note"), validators=[Length(max=20000)])


class ReportForm(FlaskForm):
    at = DateTimeLocalField(_l("When the platform said so (UTC; empty: now)"), format="%Y-%m-%dT%H:%M",
                            validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=20000)])


class ResponseDaysForm(FlaskForm):
    days = IntegerField(_l("Days to answer (empty: the format's default)"),
                        validators=[Optional(), NumberRange(min=1, max=90)])


def _utc(value):
    return value.replace(tzinfo=timezone.utc) if value is not None else None


# --- the case page's section ----------------------------------------------------------------

def rows_for_case(case: Case) -> list[TakedownNotice]:
    return list(db.session.scalars(select(TakedownNotice).where(TakedownNotice.case_id == case.id)
                                   .options(joinedload(TakedownNotice.platform), selectinload(TakedownNotice.urls))
                                   .order_by(TakedownNotice.id)))


def _section_context(case: Case, user) -> dict:
    rows = rows_for_case(case)
    if user.role == "creator":
        return {"plain": True, "rows": rows, "labels": PLAIN_LABELS}
    ctx = {"plain": False, "rows": rows, "labels": STATUS_LABELS, "manage": can(user, "takedown.manage", None),
           "channels": CHANNEL_LABELS}
    if ctx["manage"] and case.stage != "closed":
        form = CreateForm(formdata=None)
        eligible = service.eligible_platforms(case)
        form.platform.choices = ([(0, _("Every platform listed (one notice each)"))] if len(eligible) > 1 else []) + \
            [(p.id, f"{p.name} ({p.notice_format.upper()}, {CHANNEL_LABELS[p.takedown_channel]})") for p in eligible]
        ctx["create_form"] = form if eligible else None
        ctx["offer_stage"] = _stage_offer(case)
    return ctx


def _stage_offer(case: Case):
    """The case may move to the takedown stage (through the workflow, with its guards): offer it."""
    from casework.workflow import move_options

    if case.stage not in ("review", "letter"):
        return None
    for option in move_options(case, actor=actor(), now=now()):
        if option.to.value == "takedown":
            return option
    return None


page_section("takedowns/_case_section.html", order=30, context=_section_context)


# --- creating and sending -------------------------------------------------------------------

@bp.route("/cases/<int:case_id>/takedowns", methods=["POST"])
@allow(*STAFF)
def create(case_id: int):
    case = get_or_404(Case, case_id, "case.view")
    if not can(current_user, "takedown.manage", None):
        abort(403)
    form = CreateForm()
    eligible = service.eligible_platforms(case)
    form.platform.choices = [(0, "")] + [(p.id, p.name) for p in eligible]
    if not form.validate_on_submit():
        flash(_("Choose a platform that has URLs of this case and no takedown under way."), "error")
        return redirect(url_for("cases.detail", case_id=case.id) + "#takedowns")
    try:
        if form.platform.data == 0:
            created = service.create_for_case(case, actor=actor(), now=now(), lang=form.lang.data or None)
        else:
            created = [service.create_takedown(case, db.session.get(Platform, form.platform.data), actor=actor(),
                                               now=now(), lang=form.lang.data or None)]
    except service.TakedownError as exc:
        db.session.rollback()
        flash(_("No takedown was created: %(why)s", why=str(exc)), "error")
        return redirect(url_for("cases.detail", case_id=case.id) + "#takedowns")
    db.session.commit()
    flash(_("%(n)s takedown notice(s) drafted; approve and sign each notice, then send it.", n=len(created)),
          "success")
    if len(created) == 1:
        return redirect(url_for(".detail", takedown_id=created[0].id))
    return redirect(url_for("cases.detail", case_id=case.id) + "#takedowns")


def _load(takedown_id: int) -> TakedownNotice:
    return get_or_404(TakedownNotice, takedown_id, "takedown.view")


def _managed(takedown_id: int) -> TakedownNotice:
    td = _load(takedown_id)
    if not can(current_user, "takedown.manage", td):
        abort(403)
    return td


def _document(td: TakedownNotice):
    if td.document_id is None:
        return None
    from casework.models.documents import Document

    return db.session.get(Document, td.document_id)


def _detail(td: TakedownNotice, status: int = 200, **forms):
    manage = can(current_user, "takedown.manage", td)
    document = _document(td)
    link = None
    if document is not None and "documents.detail" in current_app.view_functions \
            and can(current_user, "document.view", document):
        link = url_for("documents.detail", document_id=document.id)
    ctx = {"td": td, "labels": STATUS_LABELS, "channels": CHANNEL_LABELS, "manage": manage,
           "document": document, "document_link": link, "now": now(),
           "deadlines": list(db.session.scalars(select(Deadline).where(or_(
               and_(Deadline.source_type == service.SOURCE, Deadline.source_id == str(td.id)),
               and_(Deadline.source_type == "document", Deadline.source_id == str(td.document_id))))
               .order_by(Deadline.due_at)))}
    if manage:
        send = forms.get("send") or SendForm(formdata=None, recipient=td.platform.channel_address)
        record = forms.get("record") or RecordForm(formdata=None)
        record.to.choices = [(s.value, ACTION_LABELS[s.value]) for s in service.manual_targets(td)
                             if s.value in ACTION_LABELS]
        ctx.update(send_form=send if td.status == "draft" else None, record_form=record if record.to.choices else None,
                   report_form=(forms.get("report") or ReportForm(formdata=None))
                   if td.status in ("sent", "acknowledged", "counter_notice") and td.removed_at is None else None)
    return render_template("takedowns/detail.html", **ctx), status


@bp.route("/takedowns/<int:takedown_id>")
@allow("admin", "legal", "counsel")
def detail(takedown_id: int):
    td = db.session.scalar(select(TakedownNotice).where(TakedownNotice.id == takedown_id)
                           .options(selectinload(TakedownNotice.events), selectinload(TakedownNotice.urls)))
    if td is None or not can(current_user, "takedown.view", td):
        abort(404)
    return _detail(td)


def _done(td: TakedownNotice, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".detail", takedown_id=td.id))


def _refused(td_id: int, exc: Exception, **forms):
    db.session.rollback()
    flash(str(exc), "error")
    return _detail(_load(td_id), 409 if isinstance(exc, service.TransitionRefused) else 400, **forms)


@bp.route("/takedowns/<int:takedown_id>/send", methods=["POST"])
@allow(*STAFF)
def send(takedown_id: int):
    td = _managed(takedown_id)
    form = SendForm()
    if not form.validate_on_submit():
        return _detail(td, 400, send=form)
    try:
        service.send(td, actor=actor(), now=now(), reference=form.reference.data or "",
                     recipient=form.recipient.data or None, note=form.note.data or "")
    except service.TakedownError as exc:
        return _refused(takedown_id, exc, send=form)
    return _done(td, _("Notice sent to %(platform)s by %(channel)s.", platform=td.platform.name,
                       channel=CHANNEL_LABELS[td.sent_channel]))


@bp.route("/takedowns/<int:takedown_id>/record", methods=["POST"])
@allow(*STAFF)
def record(takedown_id: int):
    td = _managed(takedown_id)
    form = RecordForm()
    form.to.choices = [(k, v) for k, v in ACTION_LABELS.items()]
    if not form.validate_on_submit():
        return _detail(td, 400, record=form)
    kw = {"actor": actor(), "now": now(), "note": form.note.data or ""}
    at, text = _utc(form.at.data), form.text.data or ""
    try:
        to = form.to.data
        if to == "acknowledged":
            service.acknowledge(td, at=at, reference=form.reference.data or "", **kw)
        elif to == "refused":
            service.refuse(td, reason=text, at=at, **kw)
        elif to == "counter_notice":
            service.record_counter_notice(td, content=text, at=at, **kw)
        elif to == "restored":
            service.restore(td, at=at, **kw)
        else:
            service.withdraw(td, reason=text, **kw)
    except service.TakedownError as exc:
        return _refused(takedown_id, exc, record=form)
    return _done(td, _("Recorded: %(status)s.", status=STATUS_LABELS[td.status]))


@bp.route("/takedowns/<int:takedown_id>/platform-removal", methods=["POST"])
@allow(*STAFF)
def platform_removal(takedown_id: int):
    td = _managed(takedown_id)
    form = ReportForm()
    if not form.validate_on_submit():
        return _detail(td, 400, report=form)
    try:
        service.record_platform_removal(td, actor=actor(), now=now(), at=_utc(form.at.data),
                                        note=form.note.data or "")
    except service.TakedownError as exc:
        return _refused(takedown_id, exc, report=form)
    return _done(td, _("The platform's report is recorded; the notice counts as removed once a re-check "
                       "confirms every URL gone."))


# --- platforms --------------------------------------------------------------------------------

@bp.route("/takedowns/platforms")
@allow(*STAFF)
def platforms():
    rows = list(db.session.scalars(select(Platform).order_by(Platform.name)))
    figures = takedown_figures.figures([p.id for p in rows])
    return render_template("takedowns/platforms.html", rows=rows, figures=figures, labels=STATUS_LABELS,
                           channels=CHANNEL_LABELS, days=service.response_days_for(rows))


@bp.route("/takedowns/platforms/<int:platform_id>/response-days", methods=["POST"])
@allow(*STAFF)
def response_days(platform_id: int):
    platform = get_or_404(Platform, platform_id, "platform.manage")
    form = ResponseDaysForm()
    if not form.validate_on_submit():
        flash(_("The response time is a whole number of days from 1 to 90."), "error")
    else:
        try:
            service.set_response_days(platform, form.days.data, actor=actor(), now=now())
        except service.TakedownError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Response time saved for %(name)s.", name=platform.name), "success")
    return redirect(url_for("monitoring.edit_platform", platform_id=platform.id))


@bp.app_template_global("takedown_platform_figures")
def platform_figures_for_template(platform) -> dict:
    """For the platform page's include: this platform's figures, its response time and the form."""
    if platform is None or not can(current_user, "platform.manage", platform):
        return {}
    days = db.session.scalar(select(PlatformTakedownPolicy.response_days)
                             .where(PlatformTakedownPolicy.platform_id == platform.id))
    return {"figures": takedown_figures.figures([platform.id])[platform.id], "labels": STATUS_LABELS,
            "days": service.response_days(platform), "own_days": days,
            "form": ResponseDaysForm(formdata=None, days=days)}
