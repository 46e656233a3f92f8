"""Pages: the case list and a case's page (timeline, works, URLs, deadlines, notes, assignment, moves)."""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from casework.case_sections import page_sections
from casework.extensions import db
from casework.models import User
from casework.models.cases import OUTCOMES, PRIORITIES, STAGES, Case, CaseTag, CaseUrl
from casework.models.monitoring import Infringer
from casework.models.scheduling import Deadline
from casework.policy import EVERYONE, STAFF, allow, can, get_or_404, visible
from casework.services import cases as case_service
from casework.services import deadlines as deadline_service
from casework.web.account import EmptyForm
from casework.web.helpers import LARGEST_ID, actor, now, page_args, row_id
from casework.workflow import WorkflowError, move_options, transition

bp = Blueprint("cases", __name__)

STAGE_LABELS = {"review": _l("Review"), "letter": _l("Letter"), "takedown": _l("Takedown"),
                "evidence": _l("Evidence"), "litigation": _l("Litigation"), "closed": _l("Closed")}
OUTCOME_LABELS = {"removed": _l("Removed"), "licensed": _l("Licensed"), "settled": _l("Settled"),
                  "judgment_won": _l("Judgment won"), "judgment_lost": _l("Judgment lost"),
                  "withdrawn": _l("Withdrawn"), "not_pursued": _l("Not pursued")}
PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}


class MoveForm(FlaskForm):
    to = SelectField(_l("Move to"), choices=[])
    outcome = SelectField(_l("Outcome (when closing)"), choices=[("", "—")] + [(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
                          default="")
    note = TextAreaField(_l("Why"), validators=[Length(max=10000)])


class AssignForm(FlaskForm):
    owner = SelectField(_l("Owner (legal)"), coerce=int)
    counsel = SelectField(_l("Outside counsel"), coerce=int)
    priority = SelectField(_l("Priority"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES])
    tags = StringField(_l("Tags (comma-separated)"), validators=[Length(max=1100)])
    infringer = IntegerField(_l("Infringer id"), validators=[Optional(), NumberRange(min=1, max=LARGEST_ID)])


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=20000)])


class UrlForm(FlaskForm):
    url = StringField(_l("Infringing URL"), validators=[DataRequired(), Length(max=4096)])


class WorkForm(FlaskForm):
    work_id = IntegerField(_l("Work id"), validators=[DataRequired(), NumberRange(min=1, max=LARGEST_ID)])


class DeadlineForm(FlaskForm):
    kind = StringField(_l("Kind"), validators=[DataRequired(), Length(max=40)], default="follow_up")
    title = StringField(_l("What is due"), validators=[DataRequired(), Length(max=300)])
    due_at = DateTimeLocalField(_l("Due (UTC)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])


class NewCaseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    work_id = IntegerField(_l("Work id"), validators=[DataRequired(), NumberRange(min=1, max=LARGEST_ID)])
    url = StringField(_l("Infringing URL"), validators=[DataRequired(), Length(max=4096)])
    infringer = IntegerField(_l("Infringer id (optional)"), validators=[Optional(), NumberRange(min=1, max=LARGEST_ID)])
    priority = SelectField(_l("Priority"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES], default="normal")


def _user_choices(roles: tuple[str, ...]):
    users = db.session.scalars(select(User).where(User.role.in_(roles), User.active.is_(True)).order_by(User.name))
    return [(0, "—")] + [(u.id, f"{u.name} <{u.email}>") for u in users]


# --- list -------------------------------------------------------------------------------------

def _list_filters() -> dict:
    args = request.args
    f = {"stage": args.get("stage", ""), "owner": args.get("owner", type=row_id), "priority": args.get("priority", ""),
         "tag": args.get("tag", "").strip().lower(), "q": args.get("q", "").strip(), "open": args.get("open", "")}
    if f["stage"] not in STAGES:
        f["stage"] = ""
    if f["priority"] not in PRIORITIES:
        f["priority"] = ""
    return f


@bp.route("/cases")
@allow(*EVERYONE)
def index():
    page, per_page = page_args(default_per_page=50)
    f = _list_filters()
    ids = visible(current_user, "case", select(Case.id))
    if f["stage"]:
        ids = ids.where(Case.stage == f["stage"])
    elif f["open"] == "1":
        ids = ids.where(Case.stage != "closed")
    if current_user.role != "creator":  # owner, priority and tags are not shown to creators: nor filtered on
        if f["owner"]:
            ids = ids.where(Case.owner_id == f["owner"])
        if f["priority"]:
            ids = ids.where(Case.priority == f["priority"])
        if f["tag"]:
            ids = ids.where(Case.id.in_(select(CaseTag.case_id).where(CaseTag.tag == f["tag"])))
    if f["q"]:
        ids = ids.where(func.lower(Case.title).like(f"%{f['q'].lower()}%"))
    total = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    page_ids = list(db.session.scalars(ids.order_by(Case.opened_at.desc(), Case.id.desc())
                                       .offset((page - 1) * per_page).limit(per_page)))
    rows = []
    url_counts: dict[int, int] = {}
    if page_ids:
        found = {c.id: c for c in db.session.scalars(
            select(Case).where(Case.id.in_(page_ids))
            .options(joinedload(Case.infringer), joinedload(Case.owner), joinedload(Case.counsel),
                     selectinload(Case.tag_rows)))}
        rows = [found[i] for i in page_ids]
        url_counts = dict(db.session.execute(select(CaseUrl.case_id, func.count(CaseUrl.id))
                                             .where(CaseUrl.case_id.in_(page_ids)).group_by(CaseUrl.case_id)).all())
    internal = current_user.role in STAFF
    owners = _user_choices(STAFF)[1:] if internal else []
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("cases/index.html", rows=rows, total=total, page=page, per_page=per_page, f=f,
                           url_counts=url_counts, stages=STAGE_LABELS, priorities=PRIORITY_LABELS, owners=owners,
                           outcomes=OUTCOME_LABELS, internal=internal, redacted=current_user.role == "creator",
                           args=args)


@bp.route("/cases/new", methods=["GET", "POST"])
@allow(*STAFF)
def new():
    from casework.models.works import Work

    form = NewCaseForm()
    if form.validate_on_submit():
        work = db.session.get(Work, form.work_id.data)
        infringer = db.session.get(Infringer, form.infringer.data) if form.infringer.data else None
        if work is None:
            form.work_id.errors = list(form.work_id.errors) + [_("There is no work with this id.")]
        elif form.infringer.data and infringer is None:
            form.infringer.errors = list(form.infringer.errors) + [_("There is no infringer with this id.")]
        else:
            try:
                case = case_service.open_case(title=form.title.data, works=[work], infringer=infringer,
                                              priority=form.priority.data, actor=actor(), now=now())
                case_service.add_url(case, form.url.data, actor=actor(), now=now())
            except case_service.CaseError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(_("Case #%(id)s opened.", id=case.id), "success")
                return redirect(url_for(".detail", case_id=case.id))
        return render_template("cases/new.html", form=form), 400
    return render_template("cases/new.html", form=form), 400 if form.errors else 200


# --- detail -----------------------------------------------------------------------------------

def _load(case_id: int) -> Case:
    return get_or_404(Case, case_id, "case.view")


def _detail_context(case: Case, **forms) -> dict:
    user = current_user
    internal = can(user, "case.internal", case)
    when = now()
    ctx = {
        "case": case, "internal": internal, "redacted": user.role == "creator", "now": when,
        "works": case_service.works_of(case), "timeline": case_service.timeline(case),
        "urls": list(db.session.scalars(select(CaseUrl).where(CaseUrl.case_id == case.id)
                                        .options(joinedload(CaseUrl.platform)).order_by(CaseUrl.id))),
        "deadlines": list(db.session.scalars(select(Deadline).where(Deadline.case_id == case.id)
                                             .options(joinedload(Deadline.owner)).order_by(Deadline.due_at))),
        "stages": STAGE_LABELS, "outcomes": OUTCOME_LABELS, "priorities": PRIORITY_LABELS,
        "sections": page_sections(case, user), "empty": EmptyForm(),
    }
    if internal:
        options = move_options(case, actor=actor(), now=when)
        move = forms.get("move") or MoveForm(formdata=None)
        move.to.choices = [(o.to.value, STAGE_LABELS[o.to.value]) for o in options if o.allowed or o.to.value == "closed"]
        assign = forms.get("assign") or AssignForm(formdata=None, owner=case.owner_id or 0, counsel=case.counsel_id or 0,
                                                    priority=case.priority, tags=", ".join(case.tags),
                                                    infringer=case.infringer_id)
        assign.owner.choices = _user_choices(STAFF)
        assign.counsel.choices = _user_choices(("counsel",))
        ctx.update(options=options, move_form=move, assign_form=assign,
                   note_form=forms.get("note") or NoteForm(formdata=None), notes=case_service.notes(case),
                   url_form=forms.get("url") or UrlForm(formdata=None),
                   work_form=forms.get("work") or WorkForm(formdata=None),
                   deadline_form=forms.get("deadline") or DeadlineForm(formdata=None))
    return ctx


@bp.route("/cases/<int:case_id>")
@allow(*EVERYONE)
def detail(case_id: int):
    case = _load(case_id)
    return render_template("cases/detail.html", **_detail_context(case))


def _staff_case(case_id: int) -> Case:
    case = _load(case_id)
    if not can(current_user, "case.edit", case):
        abort(403)
    return case


def _rerender(case: Case, status: int = 400, **forms):
    return render_template("cases/detail.html", **_detail_context(case, **forms)), status


@bp.route("/cases/<int:case_id>/move", methods=["POST"])
@allow(*STAFF)
def move(case_id: int):
    case = _staff_case(case_id)
    form = MoveForm()
    form.to.choices = [(s, s) for s in STAGES]
    if not form.validate_on_submit():
        return _rerender(case, move=form)
    try:
        transition(case, form.to.data, actor=actor(), now=now(), note=form.note.data, outcome=form.outcome.data or None)
    except WorkflowError as exc:
        db.session.rollback()
        flash(_("The case was not moved: %(why)s", why=str(exc)), "error")
        return _rerender(db.session.get(Case, case_id), 409, move=form)
    db.session.commit()
    flash(_("Case moved to %(stage)s.", stage=STAGE_LABELS[case.stage]), "success")
    return redirect(url_for(".detail", case_id=case.id))


@bp.route("/cases/<int:case_id>/assign", methods=["POST"])
@allow(*STAFF)
def assign(case_id: int):
    case = _staff_case(case_id)
    form = AssignForm()
    form.owner.choices = _user_choices(STAFF)
    form.counsel.choices = _user_choices(("counsel",))
    if not form.validate_on_submit():
        return _rerender(case, assign=form)
    infringer = None
    if form.infringer.data:
        infringer = db.session.get(Infringer, form.infringer.data)
        if infringer is None:
            form.infringer.errors = list(form.infringer.errors) + [_("There is no infringer with this id.")]
            return _rerender(case, assign=form)
    try:
        changes = case_service.assign(
            case, actor=actor(), now=now(),
            owner=db.session.get(User, form.owner.data) if form.owner.data else None,
            counsel=db.session.get(User, form.counsel.data) if form.counsel.data else None,
            priority=form.priority.data, tags=[t for t in (form.tags.data or "").split(",")])
        if infringer is not None and infringer.id != case.infringer_id:
            case_service.set_infringer(case, infringer, actor=actor(), now=now())
            changes.append("infringer")
    except case_service.CaseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _rerender(db.session.get(Case, case_id), assign=form)
    db.session.commit()
    flash(_("Saved.") if changes else _("Nothing changed."), "success")
    return redirect(url_for(".detail", case_id=case.id))


@bp.route("/cases/<int:case_id>/notes", methods=["POST"])
@allow(*STAFF)
def add_note(case_id: int):
    case = _load(case_id)
    if not can(current_user, "case.note", case):
        abort(403)
    form = NoteForm()
    if not form.validate_on_submit():
        return _rerender(case, note=form)
    case_service.add_note(case, form.text.data, actor=actor(), now=now())
    db.session.commit()
    flash(_("Note added."), "success")
    return redirect(url_for(".detail", case_id=case.id) + "#notes")


@bp.route("/cases/<int:case_id>/urls", methods=["POST"])
@allow(*STAFF)
def add_url(case_id: int):
    case = _staff_case(case_id)
    form = UrlForm()
    if not form.validate_on_submit():
        return _rerender(case, url=form)
    try:
        case_service.add_url(case, form.url.data, actor=actor(), now=now())
    except case_service.CaseError as exc:
        db.session.rollback()
        form.url.errors = list(form.url.errors) + [str(exc)]
        return _rerender(db.session.get(Case, case_id), url=form)
    db.session.commit()
    flash(_("URL added."), "success")
    return redirect(url_for(".detail", case_id=case.id) + "#urls")


@bp.route("/cases/<int:case_id>/works", methods=["POST"])
@allow(*STAFF)
def add_work(case_id: int):
    from casework.models.works import Work

    case = _staff_case(case_id)
    form = WorkForm()
    if not form.validate_on_submit():
        return _rerender(case, work=form)
    work = db.session.get(Work, form.work_id.data)
    if work is None:
        form.work_id.errors = list(form.work_id.errors) + [_("There is no work with this id.")]
        return _rerender(case, work=form)
    added = case_service.add_work(case, work, actor=actor(), now=now())
    db.session.commit()
    flash(_("Work added.") if added else _("The work is already in the case."), "success")
    return redirect(url_for(".detail", case_id=case.id) + "#works")


@bp.route("/cases/<int:case_id>/deadlines", methods=["POST"])
@allow(*STAFF)
def add_deadline(case_id: int):
    case = _staff_case(case_id)
    form = DeadlineForm()
    if not form.validate_on_submit():
        return _rerender(case, deadline=form)
    try:
        deadline_service.create(kind=form.kind.data, title=form.title.data, case=case,
                                due_at=form.due_at.data.replace(tzinfo=timezone.utc), actor=actor(), now=now(),
                                source_type="case", source_id=case.id)
    except deadline_service.DeadlineError as exc:
        db.session.rollback()
        form.kind.errors = list(form.kind.errors) + [str(exc)]
        return _rerender(db.session.get(Case, case_id), deadline=form)
    db.session.commit()
    flash(_("Deadline added."), "success")
    return redirect(url_for(".detail", case_id=case.id) + "#deadlines")


@bp.route("/cases/<int:case_id>/deadlines/<int:deadline_id>/done", methods=["POST"])
@allow(*STAFF)
def complete_deadline(case_id: int, deadline_id: int):
    case = _staff_case(case_id)
    deadline = db.session.get(Deadline, deadline_id)
    if deadline is None or deadline.case_id != case.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        deadline_service.complete(deadline, actor=actor(), now=now())
        db.session.commit()
        flash(_("Deadline marked done."), "success")
    return redirect(url_for(".detail", case_id=case.id) + "#deadlines")


# --- deadlines across cases -------------------------------------------------------------------

@bp.route("/deadlines")
@allow(*EVERYONE)
def deadlines():
    page, per_page = page_args()
    show = request.args.get("show", "open")
    stmt = visible(current_user, "deadline", select(Deadline))
    if show == "open":
        stmt = stmt.where(Deadline.status == "open")
    elif show == "overdue":
        stmt = stmt.where(Deadline.status == "open", Deadline.due_at < now())
    elif show == "mine":
        stmt = stmt.where(Deadline.status == "open", Deadline.owner_id == current_user.id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(db.session.scalars(stmt.options(joinedload(Deadline.owner), joinedload(Deadline.case))
                                   .order_by(Deadline.due_at, Deadline.id).offset((page - 1) * per_page).limit(per_page)))
    return render_template("cases/deadlines.html", rows=rows, total=total, page=page, per_page=per_page, show=show,
                           now=now(), redacted=current_user.role == "creator")  # creators: no staff names
