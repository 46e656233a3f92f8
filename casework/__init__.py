"""Yidun Casework: the application factory."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional

from flask import Flask, request, session
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from casework import config as config_module
from casework.extensions import babel, csrf, db, login_manager, migrate

__version__ = "0.1.0"
ROOT = Path(__file__).resolve().parent.parent


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in routes: a number past a 32-bit id column (PostgreSQL refuses to compare one with it;
    a deposit index that large is past any ledger too) names no row, so it is a 404, not a database error."""

    largest = 2**31 - 1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > self.largest:
            raise NotFound()  # not a ValidationError: that would turn into a misleading 405 on some paths
        return number


def create_app(overrides: Optional[Mapping[str, Any]] = None) -> Flask:
    instance = os.environ.get("INSTANCE_PATH") or str(ROOT / "instance")
    if overrides and overrides.get("INSTANCE_PATH"):
        instance = overrides["INSTANCE_PATH"]
    instance = os.path.abspath(instance)
    app = Flask(
        __name__,
        instance_path=str(instance),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(config_module.load(app.instance_path))
    if overrides:
        app.config.update(overrides)

    from casework import database

    db.init_app(app)
    database.configure_engine_events()
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    _init_login(app)
    _init_babel(app)

    from casework.services import effects

    effects.install_once()

    from casework import api, cli, web

    app.url_map.converters["int"] = DatabaseIdConverter
    web.register(app)
    api.register(app)
    cli.register(app)
    _security_headers(app)
    _refuse_nul_characters(app)

    if app.config.get("SCHEMA_CHECK") and not database.running_under_cli():
        with app.app_context():
            database.check_schema_current()
    return app


NUL_CHECK_MAX_BODY = 1024 * 1024


def _refuse_nul_characters(app: Flask) -> None:
    """A NUL character in a query or a plain form is a clear 400: PostgreSQL refuses it in any text, so it
    would otherwise surface as a 500 wherever the value is stored or searched for. (Multipart bodies are
    left to their views, which set their size limits before anything is parsed; JSON is checked by the API.)"""

    @app.before_request
    def refuse_nul():
        from werkzeug.exceptions import BadRequest

        if any("\x00" in v for k, vs in request.args.lists() for v in [k, *vs]):
            raise BadRequest("The address contains a NUL character, which no field may hold.")
        if (request.mimetype == "application/x-www-form-urlencoded"
                and request.content_length is not None and request.content_length <= NUL_CHECK_MAX_BODY):
            if any("\x00" in v for k, vs in request.form.lists() for v in [k, *vs]):
                raise BadRequest("The form contains a NUL character, which no field may hold.")


def _init_login(app: Flask) -> None:
    from casework.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for

        from casework.web.errors import json_error, wants_json

        if wants_json():
            return json_error(401, "authentication required: send 'Authorization: Bearer <token>'")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))

    @login_manager.user_loader
    def load_user(user_id: str):
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None


def _init_babel(app: Flask) -> None:
    def select_locale() -> str:
        if current_user and getattr(current_user, "is_authenticated", False):
            return current_user.language
        chosen = session.get("lang")
        if chosen in app.config["LANGUAGES"]:
            return chosen
        return request.accept_languages.best_match(list(app.config["LANGUAGES"])) or "en"

    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "translations"))

    from flask_babel import get_locale

    @app.context_processor
    def languages():
        return {"LANGUAGES": app.config["LANGUAGES"], "SITE_NAME": app.config["SITE_NAME"],
                "get_locale": get_locale}


def _security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'",
        )
        return response
