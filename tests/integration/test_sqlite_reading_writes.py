"""On SQLite, GET views that record something (custody rows for views and downloads, a notification
marked read) begin IMMEDIATE like writing requests: after a deferred BEGIN, a commit by another
connection between their read and their write failed them at once with "database is locked" (a 500)."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tests.integration.test_sqlite_transactions import engine  # noqa: F401  (the fixture)

WRITING_READS = ["/evidence/1", "/evidence/1/download", "/bundles/1/download", "/shared/abc/download", "/inbox/1",
                 "/api/v1/evidence/1", "/api/v1/evidence/1/download", "/api/v1/bundles/1/download"]


def begins(engine, app, path: str, method: str = "GET") -> str:  # noqa: F811
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with app.test_request_context(path, method=method), engine.begin() as conn:
            conn.exec_driver_sql("SELECT 1").all()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen[0]


@pytest.mark.parametrize("path", WRITING_READS)
def test_reading_views_that_write_begin_immediate(engine, app, path):  # noqa: F811
    assert begins(engine, app, path) == "BEGIN IMMEDIATE"


@pytest.mark.parametrize("path", ["/evidence/1/custody", "/cases", "/api/v1/cases/1", "/bundles/1"])
def test_other_reading_views_stay_deferred(engine, app, path):  # noqa: F811
    assert begins(engine, app, path) == "BEGIN"


def test_viewing_evidence_survives_a_concurrent_commit(engine, app):  # noqa: F811
    read_done, errors = threading.Event(), []

    def job_writes():
        read_done.wait(10)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    thread = threading.Thread(target=job_writes)
    thread.start()
    with app.test_request_context("/evidence/1", method="GET"), engine.begin() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM t").all()  # get_or_404
        read_done.set()
        time.sleep(0.3)
        conn.exec_driver_sql("INSERT INTO t VALUES (2)")  # the custody row
    thread.join(30)
    assert not errors
