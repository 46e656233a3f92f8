"""Administration: users, rights holders, API tokens and the audit log."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from casework.extensions import db
from casework.models import ROLES, ApiToken, AuditEntry, RightsHolder, User
from casework.policy import STAFF, allow, get_or_404, visible
from casework.services import accounts
from casework.web.account import EmptyForm
from casework.web.helpers import EmailAddress, actor, now, page_args

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _holder_choices():
    holders = db.session.scalars(select(RightsHolder).order_by(RightsHolder.name)).all()
    return [(0, "—")] + [(h.id, h.name) for h in holders]


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[(r, r) for r in ROLES])
    rights_holder = SelectField(_l("Rights holder (creators only)"), coerce=int, default=0)
    organisation = StringField(_l("Organisation (outside counsel's firm)"), validators=[Length(max=200)])
    language = SelectField(_l("Language"), choices=[("en", "English"), ("zh", "简体中文")])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=500)])
    active = BooleanField(_l("Active"), default=True)


class HolderForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[("person", _l("Person")), ("company", _l("Company"))])
    email = EmailField(_l("E-mail"), validators=[Optional(), EmailAddress(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Length(max=50)])
    address = TextAreaField(_l("Address"), validators=[Length(max=2000)])
    registration_number = StringField(_l("Registration number"), validators=[Length(max=100)])


@bp.route("/users")
@allow("admin")
def users():
    stmt = select(User).order_by(User.role, User.email)
    role, q = request.args.get("role", ""), request.args.get("q", "").strip()
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.email).like(like), func.lower(User.name).like(like)))
    return render_template("admin/users.html", users=db.session.scalars(stmt).all(), role=role, q=q, roles=ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
@allow("admin")
def new_user():
    form = UserForm()
    form.rights_holder.choices = _holder_choices()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors = list(form.password.errors) + [_("A new user needs a password.")]
        else:
            holder = db.session.get(RightsHolder, form.rights_holder.data) if form.rights_holder.data else None
            try:
                user = accounts.create_user(
                    form.email.data, form.name.data, form.role.data, form.password.data, actor=actor(), now=now(),
                    rights_holder=holder, language=form.language.data, organisation=form.organisation.data,
                )
            except accounts.AccountError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(_("User %(email)s created.", email=user.email), "success")
                return redirect(url_for(".users"))
    return render_template("admin/user_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow("admin")
def edit_user(user_id: int):
    user = get_or_404(User, user_id, "user.manage")
    form = UserForm(obj=user)
    form.rights_holder.choices = _holder_choices()
    if request.method == "GET":
        form.rights_holder.data = user.rights_holder_id or 0
    if form.validate_on_submit():
        holder = db.session.get(RightsHolder, form.rights_holder.data) if form.rights_holder.data else None
        try:
            accounts.update_user(
                user, actor=actor(), now=now(), name=form.name.data, role=form.role.data, active=form.active.data,
                language=form.language.data, organisation=form.organisation.data, rights_holder=holder,
            )
            if form.password.data:
                accounts.set_password(user, form.password.data, actor=actor(), now=now())
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for(".users"))
    return render_template("admin/user_form.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/rights-holders")
@allow(*STAFF)
def holders():
    stmt = visible_holders().order_by(RightsHolder.name)
    return render_template("admin/holders.html", holders=db.session.scalars(stmt).all())


def visible_holders():
    from flask_login import current_user

    return visible(current_user, "rights_holder", select(RightsHolder))


@bp.route("/rights-holders/new", methods=["GET", "POST"])
@bp.route("/rights-holders/<int:holder_id>", methods=["GET", "POST"])
@allow(*STAFF)
def edit_holder(holder_id: int | None = None):
    holder = get_or_404(RightsHolder, holder_id, "rights_holder.manage") if holder_id else None
    form = HolderForm(obj=holder)
    if form.validate_on_submit():
        fields = {k: getattr(form, k).data or "" for k in ("email", "phone", "address", "registration_number")}
        try:
            if holder is None:
                holder = accounts.create_rights_holder(form.name.data, form.kind.data, actor=actor(), now=now(),
                                                       **fields)
            else:
                accounts.update_rights_holder(holder, actor=actor(), now=now(), name=form.name.data,
                                              kind=form.kind.data, **fields)
        except accounts.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Rights holder saved."), "success")
            return redirect(url_for(".holders"))
    return render_template("admin/holder_form.html", form=form, holder=holder), 400 if form.errors else 200


@bp.route("/tokens")
@allow("admin")
def tokens():
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc()).limit(500)).all()
    return render_template("admin/tokens.html", tokens=rows, empty=EmptyForm())


@bp.route("/audit")
@allow("admin")
def audit_log():
    page, per_page = page_args()
    stmt = select(AuditEntry)
    filters = {k: request.args.get(k, "").strip() for k in ("actor", "action", "object_type", "object_id", "days")}
    if filters["actor"]:
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{filters['actor']}%"))
    if filters["action"]:
        stmt = stmt.where(AuditEntry.action.like(f"{filters['action']}%"))
    if filters["object_type"]:
        stmt = stmt.where(AuditEntry.object_type == filters["object_type"])
    if filters["object_id"]:
        stmt = stmt.where(AuditEntry.object_id == filters["object_id"])
    if filters["days"].isascii() and filters["days"].isdigit() and 0 < int(filters["days"]) <= 36500:
        stmt = stmt.where(AuditEntry.at >= datetime.now(timezone.utc) - timedelta(days=int(filters["days"])))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return render_template("admin/audit.html", rows=rows, total=total, page=page, per_page=per_page,
                           filters=filters)
