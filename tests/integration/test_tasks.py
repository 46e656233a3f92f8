"""Background tasks: enqueue in the caller's transaction, claim once, run, retry with reasons, fail."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import AuditEntry
from casework.models.scheduling import Task
from casework.services import tasks
from casework.services.actor import Actor

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
SEEN: list[dict] = []


@tasks.task_handler("test.echo")
def _echo(task, *, now, progress):
    progress(0.5, "halfway")
    SEEN.append({"params": dict(task.params), "now": now})
    return {"echo": task.params.get("text"), "at": now.isoformat()}


@tasks.task_handler("test.flaky")
def _flaky(task, *, now, progress):
    # Writes made before the failure must roll back with it.
    from casework.services import audit

    audit.record(Actor.system("flaky"), "test.flaky_write", None, "should vanish", now=now, object_type="test")
    raise tasks.RetryLater("the site did not answer")


@tasks.task_handler("test.crash")
def _crash(task, *, now, progress):
    raise KeyError("boom")


def _actor(people):
    return Actor.for_user(people["legal"])


def test_enqueue_refuses_unknown_kinds_and_non_json_params(people):
    with pytest.raises(tasks.TaskError, match="no handler"):
        tasks.enqueue("no.such.kind", {}, actor=_actor(people), now=NOW)
    with pytest.raises(tasks.TaskError, match="JSON"):
        tasks.enqueue("test.echo", {"when": NOW}, actor=_actor(people), now=NOW)


def test_a_task_runs_once_and_records_its_result(people):
    SEEN.clear()
    task = tasks.enqueue("test.echo", {"text": "hi"}, actor=_actor(people), now=NOW)
    db.session.commit()
    assert task.status == "queued" and task.created_by_id == people["legal"].id
    assert tasks.run_pending_tasks(NOW - timedelta(seconds=1)) == []  # not yet available
    ran = tasks.run_pending_tasks(NOW, limit=5)
    assert ran == [task.id]
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.status == "done" and task.progress == 1.0 and task.attempts == 1
    assert task.result == {"echo": "hi", "at": NOW.isoformat()}
    assert SEEN == [{"params": {"text": "hi"}, "now": NOW}]
    assert tasks.run_pending_tasks(NOW + timedelta(hours=1)) == []  # never twice


def test_a_claimed_task_cannot_be_claimed_again(people):
    task = tasks.enqueue("test.echo", {"text": "once"}, actor=_actor(people), now=NOW)
    db.session.commit()
    assert tasks._claim(NOW, "worker-a") == task.id
    assert tasks._claim(NOW, "worker-b") is None
    db.session.expire_all()
    claimed = db.session.get(Task, task.id)
    assert claimed.status == "running" and claimed.claimed_by == "worker-a"


def test_failures_are_retried_with_reasons_then_fail(people):
    task = tasks.enqueue("test.flaky", {}, actor=_actor(people), now=NOW, max_attempts=2)
    db.session.commit()
    tasks.run_pending_tasks(NOW)
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.status == "queued" and task.attempts == 1
    assert task.available_at == NOW + timedelta(seconds=tasks.BACKOFF_SECONDS)
    assert task.errors[0]["error"] == "the site did not answer"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "test.flaky_write")) is None
    assert tasks.run_pending_tasks(NOW + timedelta(seconds=5)) == []  # backing off
    tasks.run_pending_tasks(NOW + timedelta(minutes=5))
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.status == "failed" and task.attempts == 2 and len(task.errors) == 2
    assert "did not answer" in task.error


def test_unexpected_errors_are_named_and_a_failed_task_can_be_retried(people):
    task = tasks.enqueue("test.crash", {}, actor=_actor(people), now=NOW, max_attempts=1)
    db.session.commit()
    tasks.run_pending_tasks(NOW)
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.status == "failed" and task.error.startswith("KeyError")
    tasks.retry(task, actor=_actor(people), now=NOW)
    db.session.commit()
    assert task.status == "queued" and task.max_attempts == 2
    with pytest.raises(tasks.TaskError):
        tasks.retry(task, actor=_actor(people), now=NOW)


def test_stale_running_tasks_go_back_to_the_queue(people):
    task = tasks.enqueue("test.echo", {"text": "x"}, actor=_actor(people), now=NOW)
    db.session.commit()
    tasks._claim(NOW, "dead-worker")
    later = NOW + tasks.STALE_AFTER + timedelta(minutes=1)
    assert tasks.requeue_stale(later) == 1
    db.session.commit()
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.status == "queued" and "stopped responding" in task.errors[0]["error"]
