"""A user's own account: password, language, API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from casework.extensions import db
from casework.models import ApiToken
from casework.policy import EVERYONE, allow, get_or_404
from casework.services import accounts
from casework.web.helpers import actor, now

bp = Blueprint("account", __name__, url_prefix="/account")


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"),
                        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=500)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[DataRequired(), EqualTo("new")])


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[("en", "English"), ("zh", "简体中文")])


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    scopes = SelectMultipleField(_l("Scopes"), choices=[(s, s) for s in accounts.SCOPES], default=["read"])


class EmptyForm(FlaskForm):
    """Just the CSRF token, for buttons that change something."""


@bp.route("/")
@allow(*EVERYONE)
def settings():
    pw_form, lang_form = PasswordForm(), LanguageForm(language=current_user.language)
    return render_template("account/settings.html", pw_form=pw_form, lang_form=lang_form,
                           token_form=TokenForm(), tokens=_tokens(), empty=EmptyForm())


@bp.route("/password", methods=["POST"])
@allow(*EVERYONE)
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data, actor=actor(), now=now())
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(".settings"))
    else:
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text}: {error}" if hasattr(form, field) else error, "error")
    return render_template("account/settings.html", pw_form=form, lang_form=LanguageForm(),
                           token_form=TokenForm(), tokens=_tokens(), empty=EmptyForm()), 400


@bp.route("/language", methods=["POST"])
@allow(*EVERYONE)
def change_language():
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.language = form.language.data
        db.session.commit()
    return redirect(url_for(".settings"))


@bp.route("/tokens", methods=["POST"])
@allow(*EVERYONE)
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("A token needs a name and at least one scope."), "error")
        return redirect(url_for(".settings"))
    try:
        _token, clear = accounts.create_token(current_user, actor=actor(), now=now(), name=form.name.data,
                                         scopes=form.scopes.data or ["read"])
    except accounts.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".settings"))
    db.session.commit()
    return render_template("account/token_created.html", token=clear)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@allow(*EVERYONE)
def revoke_token(token_id: int):
    token = get_or_404(ApiToken, token_id, "token.manage")
    if EmptyForm().validate_on_submit():
        accounts.revoke_token(token, actor=actor(), now=now())
        db.session.commit()
        flash(_("The token has been revoked."), "success")
    return redirect(url_for(".settings"))


def _tokens():
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
