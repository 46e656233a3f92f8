"""The app factory, configuration, schema check, error pages and security headers."""
from __future__ import annotations

import pytest

from casework import create_app
from casework.database import SchemaOutOfDate


def test_factory_defaults_need_no_setup(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SCHEMA_CHECK": False})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'casework.sqlite3'}"
    key = (tmp_path / "secret_key").read_text()
    assert len(key) == 64 and app.config["SECRET_KEY"] == key
    # the key is kept: a second start reads the same one
    again = create_app({"INSTANCE_PATH": str(tmp_path), "SCHEMA_CHECK": False})
    assert again.config["SECRET_KEY"] == key


def test_database_url_short_forms(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SCHEMA_CHECK": False})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_refuses_to_start_on_an_empty_schema(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("casework.database.running_under_cli", lambda: False)
    with pytest.raises(SchemaOutOfDate, match="flask --app app db upgrade"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_starts_on_a_current_schema(app):
    from casework.database import check_schema_current

    check_schema_current()  # the test database was migrated to head: no error


def test_unknown_page_is_html_and_unknown_api_path_is_json(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    api = client.get("/api/v1/no/such/thing")
    assert api.status_code == 404 and api.mimetype == "application/json"
    assert api.get_json()["error"]["code"] == "not_found"


def test_security_headers(client):
    resp = client.get("/login")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_unexpected_errors_show_no_stack_trace(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SCHEMA_CHECK": False, "PROPAGATE_EXCEPTIONS": False})

    @app.route("/__boom_page")
    def boom_page():
        raise RuntimeError("secret internals")

    @app.route("/api/v1/__boom")
    def boom_api():
        raise RuntimeError("secret internals")

    client = app.test_client()
    page, api = client.get("/__boom_page"), client.get("/api/v1/__boom")
    assert page.status_code == api.status_code == 500
    for resp in (page, api):
        body = resp.get_data(as_text=True)
        assert "secret internals" not in body and "Traceback" not in body
    assert api.get_json()["error"]["code"] == "internal_error"


def test_language_switch_for_anonymous_user(client):
    page = client.get("/login")
    from tests.conftest import csrf_from

    token = csrf_from(page.get_data(as_text=True))
    client.post("/language/zh", data={"csrf_token": token, "next": "/login"})
    assert "登录" in client.get("/login").get_data(as_text=True)
