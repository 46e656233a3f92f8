"""Shared fixtures: one migrated database per run, each test in a transaction rolled back after it.

The database comes from TEST_DATABASE_URL (PostgreSQL in CI's second pass); by default a SQLite
file in a temporary folder. Base accounts are created once per run; tests log in with
`login_as("counsel")`.
"""
from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from casework import create_app
from casework.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "test-password-123"
PEOPLE = {
    # key: (email, role, holder index or None)
    "admin": ("admin@test.example", "admin", None),
    "legal": ("legal@test.example", "legal", None),
    "legal2": ("legal2@test.example", "legal", None),
    "counsel": ("counsel@test.example", "counsel", None),
    "counsel2": ("counsel2@test.example", "counsel", None),
    "creator": ("creator@test.example", "creator", 0),
    "creator2": ("creator2@test.example", "creator", 1),
}


def _base_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_database(url: str) -> None:
    """Empty a test database completely (PostgreSQL: the public schema; SQLite: the file)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request gets its own application context, as in production.

    Tests hold an app context open (for db.session); without this, Flask would reuse it for the
    requests too, sharing `g` (the logged-in user, the locale) between them.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(url: str, instance: Path, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "SCHEMA_CHECK": False,
        "ALLOW_PRIVATE_URLS": True,
        "LOGIN_MAX_FAILURES": 5,
        "PUBLIC_BASE_URL": "http://localhost",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))


def seed_people(app) -> dict[str, int]:
    from casework.models import utcnow
    from casework.services import accounts
    from casework.services.actor import Actor

    with app.app_context():
        now, actor = utcnow(), Actor.system("tests")
        holders = [
            accounts.create_rights_holder("Holder A (甲)", "person", actor=actor, now=now, email="a@holder.example",
                                          phone="+86 21 1111 1111", address="1 Road A, Shanghai"),
            accounts.create_rights_holder("Holder B Ltd", "company", actor=actor, now=now, email="b@holder.example",
                                          phone="+86 21 2222 2222", address="2 Road B, Shanghai"),
        ]
        ids = {}
        for key, (email, role, holder) in PEOPLE.items():
            user = accounts.create_user(email, key.title(), role, PASSWORD, actor=actor, now=now,
                                        rights_holder=holders[holder] if holder is not None else None)
            ids[key] = user.id
        ids["holder_a"], ids["holder_b"] = holders[0].id, holders[1].id
        db.session.commit()
    return ids


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _base_url(tmp_path_factory)
    reset_database(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    migrate(app)
    with app.app_context():
        # A commit inside a test releases a savepoint instead of ending the test's transaction.
        db.session.configure(join_transaction_mode="create_savepoint")
    app.config["PEOPLE"] = seed_people(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run each test inside a transaction that is rolled back, so tests never see each other."""
    if "no_transaction" in request.keywords:
        yield
        return
    with app.app_context():
        engines = db._app_engines[app]
        engine = engines[None]
        conn = engine.connect()
        outer = conn.begin()
        engines[None] = conn  # every session of this test runs on this one connection
        db.session.remove()
        try:
            yield conn
        finally:
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            conn.close()


@pytest.fixture
def ids(app) -> dict[str, int]:
    return dict(app.config["PEOPLE"])


@pytest.fixture
def people(app, ids):
    from casework.models import User

    return {key: db.session.get(User, ids[key]) for key in PEOPLE}


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class PageClient:
    """A logged-in test client that adds the CSRF token to form posts."""

    def __init__(self, client, csrf: str, user_id: int | None):
        self.c, self.csrf, self.user_id = client, csrf, user_id

    def get(self, *a, **kw):
        return self.c.get(*a, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self.c.post(url, data=data, **kw)

    def __getattr__(self, name):
        return getattr(self.c, name)


@pytest.fixture
def login_as(app, ids):
    def login(key: str) -> PageClient:
        client = app.test_client()
        page = client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        email = PEOPLE[key][0]
        resp = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        token = csrf_from(client.get("/account/").get_data(as_text=True))  # login starts a new session
        return PageClient(client, token, ids[key])

    return login


@pytest.fixture
def token_for(app, ids):
    """Bearer headers for a person, with a fresh token (scopes read and write by default)."""
    from casework.models import User, utcnow
    from casework.services import accounts
    from casework.services.actor import Actor

    def make(key: str, scopes=("read", "write")) -> dict:
        user = db.session.get(User, ids[key])
        _, clear = accounts.create_token(user, actor=Actor.system("tests"), now=utcnow(), scopes=scopes)
        db.session.commit()
        return {"Authorization": f"Bearer {clear}"}

    return make


@pytest.fixture
def fresh_database(tmp_path):
    """A separate, migrated database whose commits are real: for tests across processes or threads."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    name = f"casework_t_{uuid.uuid4().hex[:10]}"
    if base and not base.startswith("sqlite"):
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    else:
        admin, url = None, f"sqlite:///{tmp_path / (name + '.sqlite3')}"
    yield url
    if admin is not None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def committed_app(url: str, instance: Path, **overrides):
    """An app on a fresh database, migrated and seeded with the base people, outside any test transaction."""
    app = make_app(url, instance, **overrides)
    migrate(app)
    app.config["PEOPLE"] = seed_people(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def pytest_configure(config):
    config.addinivalue_line("markers", "no_transaction: the test manages its own database")
    config.addinivalue_line("markers", "browser: drives a real Chromium")
