"""On SQLite, a request that may write begins IMMEDIATE (see casework.database), so reading and
then writing never fails because another connection committed in between; reading requests and
background work begin deferred, so they do not wait for one another."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from casework.database import configure_engine_events


@pytest.fixture
def engine(tmp_path):
    configure_engine_events()
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'race.sqlite3'}", poolclass=NullPool)
    with eng.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    yield eng
    eng.dispose()


def begins(engine, app, method: str) -> str:
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with app.test_request_context("/", method=method), engine.begin() as conn:
            conn.exec_driver_sql("SELECT 1").all()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen[0]


def test_writing_requests_begin_immediate_and_reading_ones_deferred(engine, app):
    assert begins(engine, app, "POST") == "BEGIN IMMEDIATE"
    assert begins(engine, app, "DELETE") == "BEGIN IMMEDIATE"
    assert begins(engine, app, "GET") == "BEGIN"


def test_a_post_that_reads_then_writes_survives_a_concurrent_commit(engine, app):
    read_done, errors = threading.Event(), []

    def job_writes():  # no request: a scheduler job, say
        read_done.wait(10)
        try:
            with engine.begin() as conn:  # waits for the request's lock, then writes
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        except Exception as exc:  # pragma: no cover - the failure this test exists to catch
            errors.append(exc)

    thread = threading.Thread(target=job_writes)
    thread.start()
    with app.test_request_context("/", method="POST"), engine.begin() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM t").all()
        read_done.set()
        time.sleep(0.3)  # room for the job to write; after a deferred BEGIN it would commit here
        conn.exec_driver_sql("INSERT INTO t VALUES (2)")  # and this would fail: "database is locked"
    thread.join(30)
    assert not errors
    with engine.connect() as conn:
        assert sorted(r[0] for r in conn.exec_driver_sql("SELECT x FROM t")) == [1, 2]
