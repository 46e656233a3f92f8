"""Engine tuning per backend and the start-up schema check."""
from __future__ import annotations

import sys

import click
from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def configure_engine_events() -> None:
    """SQLite: foreign keys on, WAL, a busy timeout, and transactions that SQLAlchemy controls.

    pysqlite's own transaction handling starts transactions late and breaks SAVEPOINTs; the
    documented remedy is to turn it off and emit BEGIN ourselves.

    A request that may write (any method but GET, HEAD and OPTIONS) begins IMMEDIATE, taking the
    write lock at once. A deferred BEGIN reads a snapshot and asks for the write lock only at its
    first write; if another connection (a second worker thread, the scheduler) committed in
    between, SQLite cannot upgrade the stale snapshot and fails at once with "database is locked",
    without waiting for the busy timeout. IMMEDIATE waits its turn instead. Reading requests and
    background work keep the deferred BEGIN: in WAL mode readers never wait for the writer, so a
    long task does not freeze the pages that poll it. A GET view that records something (a custody
    row for a view or download, a notification read) says so with `@writes_on_read` and begins
    IMMEDIATE too.
    """
    global _installed
    if _installed:
        return
    _installed = True

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            dbapi_connection.isolation_level = None
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(conn):
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _request_may_write() else "BEGIN")


def writes_on_read(view):
    """Mark a GET view that writes (put it right above the `def`, under the access decorator)."""
    view.writes_on_read = True
    return view


def _request_may_write() -> bool:
    from flask import current_app, has_request_context, request

    if not has_request_context():
        return False
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "writes_on_read", False))


def running_under_cli() -> bool:
    """True inside a `flask ...` command: `db upgrade` must run on an out-of-date schema."""
    return click.get_current_context(silent=True) is not None or "flask" in sys.argv[0].rsplit("/", 1)[-1]


class SchemaOutOfDate(RuntimeError):
    pass


def schema_status() -> tuple[str | None, set[str]]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    from casework.extensions import db

    directory = current_app.extensions["migrate"].directory
    script = ScriptDirectory(directory)
    current = MigrationContext.configure(db.session.connection()).get_current_revision()
    return current, set(script.get_heads())


def check_schema_current() -> None:
    current, heads = schema_status()
    if current not in heads:
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing'}, the code needs {', '.join(sorted(heads))}: "
            "run `flask --app app db upgrade` first"
        )
