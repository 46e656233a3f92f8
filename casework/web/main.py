"""The home page: each role lands where its work is."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from casework.policy import EVERYONE, allow

bp = Blueprint("main", __name__)

# Domains add their own landing pages here as they arrive, keyed by role.
HOME_BY_ROLE: dict[str, str] = {}


@bp.route("/")
@allow(public=True)
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    target = HOME_BY_ROLE.get(current_user.role)
    if target:
        return redirect(url_for(target))
    return render_template("main/home.html")


@bp.route("/healthz")
@allow(public=True)
def healthz():
    return {"status": "ok"}
