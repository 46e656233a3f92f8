"""The scheduler: leader lease, job runner, and two real schedulers of which only one runs jobs."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from casework.extensions import db
from casework.jobs import JOBS, job, lease
from casework.jobs.runner import UnknownJob, run_job
from casework.models import AuditEntry
from casework.models.scheduling import JobRun, JobSchedule, Task
from casework.services import tasks
from casework.services.actor import Actor
from tests.conftest import committed_app

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
TTL = timedelta(seconds=30)


@job("test_ok")
def _ok(*, now, progress):
    progress(0.5, "half")
    from casework.services import audit

    audit.record(Actor.job("test_ok"), "test.job_write", None, "kept", now=now, object_type="test")
    return "all good"


@job("test_fails")
def _fails(*, now, progress):
    from casework.services import audit

    audit.record(Actor.job("test_fails"), "test.job_write_lost", None, "rolled back", now=now, object_type="test")
    raise RuntimeError("disk on fire")


@job("test_tick")
def _tick(*, now, progress):
    return "tick"


def test_lease_is_held_by_one_holder_until_it_expires():
    assert lease.try_acquire("a", now=NOW, ttl=TTL)
    assert not lease.try_acquire("b", now=NOW + timedelta(seconds=10), ttl=TTL)
    assert lease.try_acquire("a", now=NOW + timedelta(seconds=20), ttl=TTL)  # renewed
    assert not lease.try_acquire("b", now=NOW + timedelta(seconds=45), ttl=TTL)  # renewal moved expiry to 50 s
    assert lease.try_acquire("b", now=NOW + timedelta(seconds=51), ttl=TTL)  # a went silent
    assert not lease.try_acquire("a", now=NOW + timedelta(seconds=52), ttl=TTL)
    assert lease.holds("b", now=NOW + timedelta(seconds=52))
    lease.release("b", now=NOW + timedelta(seconds=53))
    assert lease.try_acquire("a", now=NOW + timedelta(seconds=54), ttl=TTL)


def test_run_job_records_a_run_and_commits_the_jobs_work():
    run = run_job("test_ok", now=NOW, holder="test")
    assert (run.status, run.message, run.progress, run.finished_at) == ("ok", "all good", 1.0, NOW)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "test.job_write")) is not None


def test_a_failing_job_rolls_back_and_records_the_error():
    run = run_job("test_fails", now=NOW, holder="test")
    assert run.status == "failed" and run.error == "RuntimeError: disk on fire"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "test.job_write_lost")) is None
    with pytest.raises(UnknownJob, match="no job named"):
        run_job("no_such_job", now=NOW)


def test_the_default_schedule_names_registered_jobs():
    from casework.jobs import load_jobs

    names = set(db.session.scalars(select(JobSchedule.job)))
    assert {"deadline_reminders", "deadline_escalations", "url_rechecks", "watched_url_rechecks"} <= names
    assert names <= set(load_jobs())


@tasks.task_handler("test.progress_probe")
def _probe(task, *, now, progress):
    progress(0.4, "probing")
    # Another connection (a polling page) sees the progress while the task still runs.
    engine = sa.create_engine(task.params["url"])
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT progress, message FROM task WHERE id = :id"), {"id": task.id}).one()
    engine.dispose()
    return {"seen": [row[0], row[1]]}


@pytest.mark.no_transaction
def test_progress_is_visible_to_other_connections_while_a_task_runs(fresh_database, tmp_path):
    with committed_app(fresh_database, tmp_path / "inst") as app, app.app_context():
        task = tasks.enqueue("test.progress_probe", {"url": fresh_database}, actor=Actor.system("t"), now=NOW)
        db.session.commit()
        tasks.run_pending_tasks(NOW)
        db.session.expire_all()
        assert db.session.get(Task, task.id).result == {"seen": [0.4, "probing"]}


@pytest.mark.no_transaction
def test_two_schedulers_one_leader(fresh_database, tmp_path):
    from casework.jobs.scheduler import Scheduler

    with committed_app(fresh_database, tmp_path / "inst") as app:
        with app.app_context():
            db.session.execute(sa.update(JobSchedule).values(enabled=False))
            db.session.add(JobSchedule(job="test_tick", interval_seconds=1, enabled=True, description="test"))
            db.session.commit()
        # A lease far longer than the renewal period: on a busy machine the leader must not lose it by a late renewal.
        first = Scheduler(app, holder="first", lease_ttl=6.0, renew_every=0.4, task_every=0.5)
        second = Scheduler(app, holder="second", lease_ttl=6.0, renew_every=0.4, task_every=0.5)
        first.start()
        time.sleep(0.3)
        second.start()
        try:
            time.sleep(3.0)
            assert first.is_leader and not second.is_leader
            with app.app_context():
                holders = set(db.session.scalars(select(JobRun.holder).where(JobRun.job == "test_tick")))
                assert holders == {"first"}
            first.stop()  # a clean stop releases the lease; the other takes over
            deadline = time.monotonic() + 5
            while not second.is_leader and time.monotonic() < deadline:
                time.sleep(0.1)
            assert second.is_leader
            time.sleep(1.5)
            with app.app_context():
                runs = list(db.session.scalars(select(JobRun).where(JobRun.job == "test_tick")))
                assert {r.holder for r in runs} == {"first", "second"}
                assert all(r.status == "ok" for r in runs)
        finally:
            second.stop()
            if first.aps.running:
                first.stop()


def test_a_new_leader_carries_on_each_jobs_rhythm(app):
    from casework.jobs.scheduler import Scheduler
    from casework.models import utcnow

    now = utcnow()
    db.session.add(JobRun(job="deadline_reminders", started_at=now - timedelta(seconds=100), status="ok", holder="old"))
    db.session.flush()
    scheduler = Scheduler(app, holder="new")
    scheduler.is_leader = True
    scheduler._apply([("deadline_reminders", 900, None), ("url_rechecks", 3600, None), ("test_tick", None, "0 3 * * *")])
    jobs = {j.id: j for j in scheduler.aps.get_jobs()}
    due = jobs["deadline_reminders"].next_run_time
    assert abs((due - (now + timedelta(seconds=800))).total_seconds()) < 5  # 900 s after the last run
    assert (jobs["url_rechecks"].next_run_time - now).total_seconds() < 5  # never ran: at once
    assert "__tasks__" in jobs and "test_tick" in jobs
    scheduler.is_leader = False
    scheduler._apply([])
    assert scheduler.aps.get_jobs() == []
