"""Error pages: HTML for pages, JSON under /api; never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "too_many_requests", 500: "internal_error", 503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, details=None, code: str | None = None):
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message, "details": details}}
    return jsonify(body), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = "The form expired or was not sent from this site. Reload the page and try again."
        if wants_json():
            return json_error(400, message, code="csrf")
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = exc.description if status != 500 else "Something went wrong on our side."
        if wants_json():
            details = getattr(exc, "details", None)
            return json_error(status, message, details, code=getattr(exc, "error_code", None))
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        try:
            from casework.extensions import db

            db.session.rollback()
        except Exception:  # pragma: no cover - the database itself may be the problem
            pass
        if app.config.get("PROPAGATE_EXCEPTIONS") or (app.testing and app.config.get("PROPAGATE_EXCEPTIONS") is None):
            raise exc
        if wants_json():
            return json_error(500, "Something went wrong on our side.")
        return render_template("errors/error.html", status=500, message=InternalServerError.description), 500
