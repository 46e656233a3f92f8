"""Pages: a case's litigation (court, claims, parties, hearings, court deadlines, costs, filings, judgment or
settlement), edited by legal, admin and the case's assigned counsel; closing from it by legal and admin."""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from casework.case_sections import JSON_SECTIONS, page_section
from casework.extensions import db
from casework.models.cases import Case
from casework.models.litigation import COST_KINDS, COURT_DEADLINE_KINDS, FILING_KINDS, HEARING_KINDS, PARTY_SIDES
from casework.policy import STAFF, allow, can, get_or_404
from casework.services import litigation as service
from casework.web.account import EmptyForm
from casework.web.helpers import actor, now
from casework.workflow import WorkflowError

bp = Blueprint("litigation", __name__)
EDITORS = ("admin", "legal", "counsel")

SIDE_LABELS = {"plaintiff": _l("Plaintiff"), "defendant": _l("Defendant"), "third_party": _l("Third party")}
HEARING_LABELS = {"pretrial": _l("Pre-trial conference"), "evidence_exchange": _l("Evidence exchange"),
                  "mediation": _l("Mediation"), "trial": _l("Trial"), "judgment": _l("Pronouncement of judgment"),
                  "other": _l("Other")}
DEADLINE_LABELS = {"court_defence": _l("Defence due"), "court_evidence": _l("Evidence submission"),
                   "court_appeal": _l("Appeal period"), "court_payment": _l("Payment due"),
                   "court_other": _l("Other court deadline"), "court_hearing": _l("Hearing")}
COST_LABELS = {"court_fee": _l("Court fee"), "attorney_fee": _l("Attorney's fee"), "notary_fee": _l("Notary fee"),
               "evidence_fee": _l("Evidence preservation"), "travel": _l("Travel"), "other": _l("Other")}
FILING_LABELS = {"document": _l("Document"), "bundle": _l("Evidence bundle")}
STATUS_LABELS = {"preparing": _l("Preparing the action"), "filed": _l("Filed with the court"),
                 "resolved": _l("Ended")}
RESOLUTION_LABELS = {"settled": _l("Settled"), "judgment_won": _l("Judgment won"),
                     "judgment_lost": _l("Judgment lost")}


class RecordForm(FlaskForm):
    court = StringField(_l("Court"), validators=[Length(max=300)])
    case_number = StringField(_l("Court case number (案号)"), validators=[Length(max=100)])
    cause_of_action = StringField(_l("Cause of action"), validators=[Length(max=300)])
    filing_date = DateField(_l("Filed on"), validators=[Optional()])
    claim_amount = StringField(_l("Amount claimed"), validators=[Length(max=30)])
    claim_currency = StringField(_l("Currency"), validators=[DataRequired(), Length(min=3, max=3)], default="CNY")
    injunction_sought = BooleanField(_l("Injunction sought"))


class PartyForm(FlaskForm):
    side = SelectField(_l("Side"), choices=[(s, SIDE_LABELS[s]) for s in PARTY_SIDES])
    name = StringField(_l("Party"), validators=[DataRequired(), Length(max=300)])
    counsel_name = StringField(_l("Their counsel"), validators=[Length(max=200)])
    counsel_firm = StringField(_l("Law firm"), validators=[Length(max=300)])
    counsel_contact = StringField(_l("Contact"), validators=[Length(max=300)])


class HearingForm(FlaskForm):
    at = DateTimeLocalField(_l("When (UTC)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=[(k, HEARING_LABELS[k]) for k in HEARING_KINDS], default="trial")
    place = StringField(_l("Place"), validators=[Length(max=300)])
    note = TextAreaField(_l("Note"), validators=[Length(max=5000)])


class CourtDeadlineForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k, DEADLINE_LABELS[k]) for k in COURT_DEADLINE_KINDS])
    title = StringField(_l("What is due"), validators=[DataRequired(), Length(max=300)])
    due_at = DateTimeLocalField(_l("Due (UTC)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])


class CostForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k, COST_LABELS[k]) for k in COST_KINDS])
    incurred_on = DateField(_l("Date"), validators=[DataRequired()])
    amount = StringField(_l("Amount"), validators=[DataRequired(), Length(max=30)])
    currency = StringField(_l("Currency"), validators=[DataRequired(), Length(min=3, max=3)], default="CNY")
    description = StringField(_l("Description"), validators=[Length(max=500)])


class FilingForm(FlaskForm):
    kind = SelectField(_l("What was filed"), choices=[(k, FILING_LABELS[k]) for k in FILING_KINDS])
    ref_id = IntegerField(_l("Its id"), validators=[DataRequired(), NumberRange(min=1)])
    filed_on = DateField(_l("Filed on"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Length(max=500)])


class ResolutionForm(FlaskForm):
    resolution = SelectField(_l("Outcome"), choices=[(k, v) for k, v in RESOLUTION_LABELS.items()])
    resolved_on = DateField(_l("Date of the judgment or settlement"), validators=[DataRequired()])
    amount_awarded = StringField(_l("Amount awarded or agreed"), validators=[Length(max=30)])
    amount_paid = StringField(_l("Amount paid"), validators=[Length(max=30)])
    currency = StringField(_l("Currency"), validators=[DataRequired(), Length(min=3, max=3)], default="CNY")
    note = TextAreaField(_l("Note"), validators=[Length(max=5000)])


class CloseForm(FlaskForm):
    note = TextAreaField(_l("Why"), validators=[Length(max=10000)])


FORMS = {"record": RecordForm, "party": PartyForm, "hearing": HearingForm, "deadline": CourtDeadlineForm,
         "cost": CostForm, "filing": FilingForm, "resolution": ResolutionForm, "close": CloseForm}


def _utc(value):
    return value.replace(tzinfo=timezone.utc) if value is not None else None


def _forms(case: Case, record, given: dict) -> dict:
    out = {}
    for name, cls in FORMS.items():
        if name in given:
            out[name] = given[name]
        elif name == "record" and record is not None:
            out[name] = cls(formdata=None, court=record.court, case_number=record.case_number,
                            cause_of_action=record.cause_of_action, filing_date=record.filing_date,
                            claim_amount=service.format_amount(record.claim_amount_minor).replace(",", ""),
                            claim_currency=record.claim_currency, injunction_sought=record.injunction_sought)
        elif name == "resolution" and record is not None and record.resolution:
            out[name] = cls(formdata=None, resolution=record.resolution, resolved_on=record.resolved_on,
                            amount_awarded=service.format_amount(record.amount_awarded_minor).replace(",", ""),
                            amount_paid=service.format_amount(record.amount_paid_minor).replace(",", ""),
                            currency=record.resolution_currency, note=record.resolution_note)
        else:
            out[name] = cls(formdata=None)
    return out


def labels() -> dict:
    return {"sides": SIDE_LABELS, "hearing_kinds": HEARING_LABELS, "deadline_kinds": DEADLINE_LABELS,
            "cost_kinds": COST_LABELS, "filing_kinds": FILING_LABELS, "resolutions": RESOLUTION_LABELS}


def _page_endpoint(rule: str):
    """The endpoint of a GET page of another domain (a document, a bundle), if it is registered."""
    for r in current_app.url_map.iter_rules():
        if r.rule == rule and "GET" in r.methods:
            return r.endpoint
    return None


def _fileable(case: Case) -> dict:
    """What of this case can be filed with the court, from the documents' and evidence's case JSON sections,
    and a link for each filing kind's page where the domain has one."""
    out: dict = {"document": [], "bundle": [], "links": {}}
    documents, evidence = JSON_SECTIONS.get("documents"), JSON_SECTIONS.get("evidence")
    if documents is not None:
        out["document"] = [f"#{d['id']} {d.get('kind', '')} ({d.get('status', '')})"
                           for d in documents(case, current_user) if isinstance(d, dict) and "id" in d]
    if evidence is not None:
        out["bundle"] = [f"#{e['id']} ({e.get('status', '')})" for e in evidence(case, current_user)
                         if isinstance(e, dict) and e.get("type") == "bundle"]
    for kind, rule, arg in (("document", "/documents/<int:document_id>", "document_id"),
                            ("bundle", "/bundles/<int:bundle_id>", "bundle_id")):
        endpoint = _page_endpoint(rule)
        if endpoint:
            out["links"][kind] = (endpoint, arg)
    return out


def _context(case: Case, **given) -> dict:
    record = service.record_for(case)
    when = now()
    return {"case": case, "record": record, "now": when, "deadlines": service.court_deadlines(case),
            "fileable": _fileable(case), "status": service.status, "statuses": STATUS_LABELS,
            "totals": service.totals(record) if record else {}, "fmt": service.format_amount,
            "may_edit": can(current_user, "litigation.edit", case),
            "may_close": can(current_user, "litigation.close", case) and case.stage == "litigation",
            "forms": _forms(case, record, given), "empty": EmptyForm(), **labels()}


def _load(case_id: int) -> Case:
    return get_or_404(Case, case_id, "litigation.full")


def _editable(case_id: int) -> Case:
    case = _load(case_id)
    if not can(current_user, "litigation.edit", case):
        abort(403)
    return case


@bp.route("/cases/<int:case_id>/litigation")
@allow(*EDITORS)
def page(case_id: int):
    case = _load(case_id)
    return render_template("litigation/page.html", **_context(case))


def _fail(case_id: int, name: str, form, exc: Exception, status: int = 400):
    db.session.rollback()
    case = _load(case_id)
    target = getattr(form, getattr(exc, "field", None) or "", None)
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [str(exc)]
    else:
        flash(str(exc), "error")
    return render_template("litigation/page.html", **_context(case, **{name: form})), status


def _done(case: Case, message: str, anchor: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".page", case_id=case.id) + anchor)


def _invalid(case: Case, name: str, form):
    return render_template("litigation/page.html", **_context(case, **{name: form})), 400


@bp.route("/cases/<int:case_id>/litigation/record", methods=["POST"])
@allow(*EDITORS)
def save_record(case_id: int):
    case = _editable(case_id)
    form = RecordForm()
    if not form.validate_on_submit():
        return _invalid(case, "record", form)
    fields = {name: getattr(form, name).data for name in service.RECORD_FIELDS}
    try:
        changed = service.update_record(case, fields, actor=actor(), now=now())
    except service.LitigationError as exc:
        return _fail(case_id, "record", form, exc)
    return _done(case, _("Saved.") if changed else _("Nothing changed."), "#record")


@bp.route("/cases/<int:case_id>/litigation/parties", methods=["POST"])
@allow(*EDITORS)
def add_party(case_id: int):
    case = _editable(case_id)
    form = PartyForm()
    if not form.validate_on_submit():
        return _invalid(case, "party", form)
    try:
        service.add_party(case, side=form.side.data, name=form.name.data, counsel_name=form.counsel_name.data,
                          counsel_firm=form.counsel_firm.data, counsel_contact=form.counsel_contact.data,
                          actor=actor(), now=now())
    except service.LitigationError as exc:
        return _fail(case_id, "party", form, exc)
    return _done(case, _("Party added."), "#parties")


@bp.route("/cases/<int:case_id>/litigation/hearings", methods=["POST"])
@allow(*EDITORS)
def add_hearing(case_id: int):
    case = _editable(case_id)
    form = HearingForm()
    if not form.validate_on_submit():
        return _invalid(case, "hearing", form)
    try:
        service.add_hearing(case, at=_utc(form.at.data), kind=form.kind.data, place=form.place.data,
                            note=form.note.data, actor=actor(), now=now())
    except service.LitigationError as exc:
        return _fail(case_id, "hearing", form, exc)
    return _done(case, _("Hearing added; its date is watched with the deadlines."), "#hearings")


@bp.route("/cases/<int:case_id>/litigation/hearings/<int:hearing_id>/held", methods=["POST"])
@allow(*EDITORS)
def hearing_held(case_id: int, hearing_id: int):
    case = _editable(case_id)
    hearing = service.hearing_of(case, hearing_id)
    if hearing is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for(".page", case_id=case.id) + "#hearings")
    try:
        service.hearing_held(case, hearing, actor=actor(), now=now())
    except service.LitigationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".page", case_id=case.id) + "#hearings")
    return _done(case, _("Hearing marked held."), "#hearings")


@bp.route("/cases/<int:case_id>/litigation/<kind>/<int:entry_id>/remove", methods=["POST"])
@allow(*EDITORS)
def remove(case_id: int, kind: str, entry_id: int):
    """Take back a party, cost or filing recorded by mistake (the removal is on the timeline)."""
    case = _editable(case_id)
    if kind not in service.REMOVABLE:
        abort(404)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for(".page", case_id=case.id))
    if not service.remove_entry(case, kind, entry_id, actor=actor(), now=now()):
        abort(404)
    return _done(case, _("Removed."), {"party": "#parties", "cost": "#costs", "filing": "#filings"}[kind])


@bp.route("/cases/<int:case_id>/litigation/deadlines", methods=["POST"])
@allow(*EDITORS)
def add_deadline(case_id: int):
    case = _editable(case_id)
    form = CourtDeadlineForm()
    if not form.validate_on_submit():
        return _invalid(case, "deadline", form)
    try:
        service.add_deadline(case, kind=form.kind.data, title=form.title.data, due_at=_utc(form.due_at.data),
                             actor=actor(), now=now())
    except service.LitigationError as exc:
        return _fail(case_id, "deadline", form, exc)
    return _done(case, _("Court deadline added."), "#deadlines")


@bp.route("/cases/<int:case_id>/litigation/deadlines/<int:deadline_id>/done", methods=["POST"])
@allow(*EDITORS)
def deadline_done(case_id: int, deadline_id: int):
    case = _editable(case_id)
    deadline = service.court_deadline_of(case, deadline_id)
    if deadline is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for(".page", case_id=case.id) + "#deadlines")
    service.update_deadline(case, deadline, {"done": True}, actor=actor(), now=now())
    return _done(case, _("Deadline marked done."), "#deadlines")


@bp.route("/cases/<int:case_id>/litigation/costs", methods=["POST"])
@allow(*EDITORS)
def add_cost(case_id: int):
    case = _editable(case_id)
    form = CostForm()
    if not form.validate_on_submit():
        return _invalid(case, "cost", form)
    try:
        service.add_cost(case, kind=form.kind.data, incurred_on=form.incurred_on.data, amount=form.amount.data,
                         currency=form.currency.data, description=form.description.data, actor=actor(), now=now())
    except service.LitigationError as exc:
        return _fail(case_id, "cost", form, exc)
    return _done(case, _("Cost added."), "#costs")


@bp.route("/cases/<int:case_id>/litigation/filings", methods=["POST"])
@allow(*EDITORS)
def add_filing(case_id: int):
    case = _editable(case_id)
    form = FilingForm()
    if not form.validate_on_submit():
        return _invalid(case, "filing", form)
    try:
        service.add_filing(case, kind=form.kind.data, ref_id=form.ref_id.data, filed_on=form.filed_on.data,
                           note=form.note.data, actor=actor(), now=now())
    except service.LitigationError as exc:
        return _fail(case_id, "filing", form, exc)
    return _done(case, _("Filing recorded."), "#filings")


@bp.route("/cases/<int:case_id>/litigation/resolution", methods=["POST"])
@allow(*EDITORS)
def resolve(case_id: int):
    case = _editable(case_id)
    form = ResolutionForm()
    if not form.validate_on_submit():
        return _invalid(case, "resolution", form)
    try:
        service.resolve(case, service.Resolution(
            resolution=form.resolution.data, resolved_on=form.resolved_on.data, amount_awarded=form.amount_awarded.data,
            amount_paid=form.amount_paid.data, currency=form.currency.data, note=form.note.data),
            actor=actor(), now=now())
    except service.LitigationError as exc:
        return _fail(case_id, "resolution", form, exc)
    return _done(case, _("Judgment or settlement recorded."), "#resolution")


@bp.route("/cases/<int:case_id>/litigation/close", methods=["POST"])
@allow(*STAFF)
def close(case_id: int):
    case = _load(case_id)
    if not can(current_user, "litigation.close", case):
        abort(403)
    form = CloseForm()
    if not form.validate_on_submit():
        return _invalid(case, "close", form)
    try:
        service.close_case(case, actor=actor(), now=now(), note=form.note.data or None)
    except WorkflowError as exc:
        db.session.rollback()
        flash(_("The case was not closed: %(why)s", why=str(exc)), "error")
        return render_template("litigation/page.html", **_context(_load(case_id), close=form)), 409
    db.session.commit()
    flash(_("Case closed."), "success")
    return redirect(url_for("cases.detail", case_id=case.id))


# --- the case page's section ----------------------------------------------------------------------

def _section(case, user):
    record = service.record_for(case)
    full = can(user, "litigation.full", case)
    if record is None and case.stage not in ("evidence", "litigation"):
        return None
    return {"record": record, "full": full, "may_edit": can(user, "litigation.edit", case),
            "deadlines": service.court_deadlines(case) if full else [], "fmt": service.format_amount,
            "now": now(), **labels()}


page_section("litigation/_case_section.html", order=60, context=_section)
