"""Logging in and out, and choosing the interface language."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from casework.extensions import db
from casework.policy import EVERYONE, allow
from casework.services import accounts, audit
from casework.services.actor import Actor
from casework.web.helpers import now, safe_next

bp = Blueprint("auth", __name__)

# No page takes a file before login: a visitor's form posts (login, language) are a few hundred bytes.
ANONYMOUS_MAX_BODY = 1024 * 1024


def _cap_anonymous_body() -> None:
    """Anyone may POST to any page, and the CSRF check parses the form before the route's access check, so cap
    what is read from a visitor who is not logged in: a larger body is a 413 unread, not spooled to disk up to
    MAX_UPLOAD_BYTES. The public /validate sets its own limit (VALIDATE_MAX_BYTES); the API is bearer-only and
    reads bodies after authenticating."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint == "documents.validate" \
            or request.path.startswith("/api/") or current_user.is_authenticated:
        return
    limit = min(request.max_content_length or ANONYMOUS_MAX_BODY, ANONYMOUS_MAX_BODY)
    request.max_content_length = limit
    if (request.content_length or 0) > limit:
        abort(413)


@bp.record_once
def _cap_before_csrf(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _cap_anonymous_body)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=500)])


@bp.route("/login", methods=["GET", "POST"])
@allow(public=True)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        result = accounts.authenticate(
            form.email.data, form.password.data, ip=request.remote_addr or "", now=now(),
            max_failures=cfg["LOGIN_MAX_FAILURES"], lock_minutes=cfg["LOGIN_LOCK_MINUTES"],
        )
        if result.user is not None:
            audit.record(Actor.for_user(result.user, ip=request.remote_addr or ""), "user.login", result.user,
                         "logged in", now=now())
            db.session.commit()
            session.clear()
            login_user(result.user)
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
        db.session.commit()  # keep the failed attempt: it feeds the throttle
        if result.locked:
            flash(_("Too many failed attempts. Wait %(minutes)s minutes and try again.",
                    minutes=cfg["LOGIN_LOCK_MINUTES"]), "error")
            return render_template("auth/login.html", form=form), 429
        flash(_("Wrong e-mail address or password."), "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow(*EVERYONE)
def logout():
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<lang>", methods=["POST"])
@allow(public=True)
def set_language(lang: str):
    if lang not in current_app.config["LANGUAGES"]:
        flash(_("Unknown language."), "error")
        return redirect(url_for("main.home")), 302
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.language = lang
        db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))
