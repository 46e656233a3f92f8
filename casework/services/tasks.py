"""Background tasks: long work a person starts (captures, bundle exports, bulk letters).

A view calls `enqueue(...)` in its own transaction and answers 202 at once; the scheduler process
claims queued tasks (SKIP LOCKED on PostgreSQL, a compare-and-swap on SQLite, so no task runs
twice) and runs the registered handler:

    from casework.services.tasks import task_handler

    @task_handler("capture")
    def run_capture(task, *, now, progress):
        progress(0.1, "fetching")
        ...
        return {"evidence_id": 12}          # becomes task.result

The handler runs in one transaction with the task's final state: its writes and "done" commit
together, or on an exception both roll back and the attempt is recorded (with the reason) for a
retry after a back-off, until `max_attempts`. `progress` commits in its own session so a page
polling the task sees it move. Handlers must not write to the task row themselves.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import traceback
from datetime import datetime, timedelta
from typing import Any, Callable, Optional

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from casework.extensions import db
from casework.models.scheduling import Task
from casework.services import audit
from casework.services.actor import Actor

log = logging.getLogger(__name__)

Handler = Callable[..., Optional[dict]]
_HANDLERS: dict[str, Handler] = {}
BACKOFF_SECONDS = 30
STALE_AFTER = timedelta(minutes=30)  # a running task without a heartbeat for this long is re-queued


class TaskError(ValueError):
    pass


class RetryLater(Exception):
    """A handler raises this for a temporary failure (a site did not answer): retried, the message recorded."""


# kind -> fn(task, reason, now): told when a task of that kind gives up for good, whatever the cause
# (the handler's last attempt failed, or its worker died and the stale-task requeue used the last one),
# so the record the task works on can say "failed" instead of waiting forever.
_GIVE_UP: dict[str, Callable[[Task, str, datetime], None]] = {}


def task_handler(kind: str, *, on_give_up: Optional[Callable[[Task, str, datetime], None]] = None):
    def decorate(fn: Handler) -> Handler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing is not fn and existing.__qualname__ != fn.__qualname__:
            raise ValueError(f"a handler for task kind {kind!r} is already registered")
        _HANDLERS[kind] = fn
        if on_give_up is not None:
            _GIVE_UP[kind] = on_give_up
        return fn

    return decorate


def handler_kinds() -> list[str]:
    return sorted(_HANDLERS)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(kind: str, params: dict, *, actor: Actor, now: datetime, case_id: Optional[int] = None,
            max_attempts: int = 3) -> Task:
    """Queue a task in the caller's transaction (it runs only if that transaction commits)."""
    if kind not in _HANDLERS:
        raise TaskError(f"no handler is registered for task kind {kind!r}")
    try:
        params = json.loads(json.dumps(params))
    except (TypeError, ValueError) as exc:
        raise TaskError(f"task parameters must be JSON: {exc}") from None
    if not 1 <= max_attempts <= 20:
        raise TaskError("max_attempts must be between 1 and 20")
    task = Task(kind=kind, params=params, status="queued", progress=0.0, message="queued", attempts=0,
                max_attempts=max_attempts, case_id=case_id, created_by_id=actor.user_id, created_at=now,
                available_at=now, errors=[])
    db.session.add(task)
    db.session.flush()
    audit.record(actor, "task.enqueue", task, kind, now=now)
    return task


def as_json(task: Task) -> dict:
    from casework.services.events import rfc3339

    return {"id": task.id, "kind": task.kind, "status": task.status, "progress": round(task.progress or 0.0, 4),
            "message": task.message, "result": task.result, "error": task.error or None, "attempts": task.attempts,
            "case_id": task.case_id, "created_at": rfc3339(task.created_at), "started_at": rfc3339(task.started_at),
            "finished_at": rfc3339(task.finished_at)}


# --- claiming ---------------------------------------------------------------------------------

def _claim(now: datetime, worker: str) -> Optional[int]:
    """Claim one due task and commit the claim; returns its id, or None when nothing is due."""
    session = db.session
    due = (select(Task.id).where(Task.status == "queued", Task.available_at <= now)
           .order_by(Task.available_at, Task.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        task_id = session.scalar(due.with_for_update(skip_locked=True))
        candidates = [task_id] if task_id is not None else []
    else:
        candidates = list(session.scalars(due.limit(5)))
    for task_id in candidates:
        result = session.execute(
            update(Task).where(Task.id == task_id, Task.status == "queued")
            .values(status="running", attempts=Task.attempts + 1, started_at=now, heartbeat_at=now,
                    claimed_by=worker, message="started")
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            session.commit()
            return task_id
    session.commit()
    return None


def requeue_stale(now: datetime) -> int:
    """Running tasks whose worker went silent (killed, machine lost) go back to the queue, as an attempt."""
    stale = list(db.session.scalars(select(Task).where(Task.status == "running",
                                                       Task.heartbeat_at < now - STALE_AFTER)))
    for task in stale:
        _fail_attempt(task, "the worker stopped responding (no progress for "
                      f"{int(STALE_AFTER.total_seconds() // 60)} minutes)", now)
    return len(stale)


def _fail_attempt(task: Task, reason: str, now: datetime) -> None:
    task.errors = list(task.errors or []) + [{"attempt": task.attempts, "at": now.isoformat(), "error": reason[:2000]}]
    task.error = reason[:4000]
    task.heartbeat_at = now
    if task.attempts >= task.max_attempts:
        task.status, task.finished_at = "failed", now
        task.message = f"failed after {task.attempts} attempt(s)"
        _tell_give_up(task, reason, now)
    else:
        task.status = "queued"
        task.available_at = now + timedelta(seconds=BACKOFF_SECONDS * 2 ** max(0, task.attempts - 1))
        task.message = f"attempt {task.attempts} failed; retrying"


def _tell_give_up(task: Task, reason: str, now: datetime) -> None:
    hook = _GIVE_UP.get(task.kind)
    if hook is None:
        return
    try:
        with db.session.begin_nested():
            hook(task, reason, now)
    except Exception:  # the task's own failure must be recorded even if its record cannot be updated
        log.error("task %s (%s): marking its record failed did not work:\n%s", task.id, task.kind,
                  traceback.format_exc())


# --- running ----------------------------------------------------------------------------------

def write_aside(stmt) -> bool:
    """Execute and commit `stmt` in a session of its own, so other processes see it at once.

    Best effort: False (and a log line) when it could not be written. On SQLite a writer locks the
    whole database, and a transaction that read before another connection committed can no longer
    write (WAL snapshots), so: if the caller's transaction has only read so far, it is ended first
    (a commit with nothing to write); if it has written, it holds the lock, and the aside write is
    skipped rather than waited for.
    """
    bind = db.session.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        session = db.session()
        if session.new or session.dirty or session.deleted or _sqlite_changes() != session.info.get(_CHANGES_KEY):
            log.debug("progress not recorded: the running transaction holds the SQLite write lock")
            return False
    try:
        if sqlite:
            db.session.commit()  # ends the read snapshot; nothing is written
        with Session(bind=bind) as s:
            if sqlite:
                s.connection().exec_driver_sql("PRAGMA busy_timeout=250")
            else:
                s.execute(text("SET LOCAL lock_timeout = '2s'"))
            try:
                s.execute(stmt)
                s.commit()
            finally:
                if sqlite:
                    s.connection().exec_driver_sql("PRAGMA busy_timeout=30000")
        if sqlite:
            mark_clean()
        return True
    except Exception as exc:  # progress is a courtesy: it must never break the work itself
        log.warning("could not record progress: %s", exc)
        return False


_CHANGES_KEY = "casework_sqlite_changes"


def _sqlite_changes() -> int:
    return db.session.connection().connection.dbapi_connection.total_changes


def mark_clean() -> None:
    """Remember how many rows this connection changed so far (SQLite): later writes show up as a difference."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.info[_CHANGES_KEY] = _sqlite_changes()


def _progress_writer(task_id: int) -> Callable[[float, str], None]:
    def progress(fraction: float, message: str = "") -> None:
        from casework.models import utcnow

        fraction = min(1.0, max(0.0, float(fraction)))
        write_aside(update(Task).where(Task.id == task_id, Task.status == "running")
                    .values(progress=fraction, message=str(message)[:500], heartbeat_at=utcnow()))

    return progress


def run_task(task_id: int, *, now: datetime) -> Task:
    """Run one claimed task to its end state and commit."""
    task = db.session.get(Task, task_id)
    handler = _HANDLERS.get(task.kind)
    if handler is None:
        task.attempts = task.max_attempts
        _fail_attempt(task, f"no handler is registered for task kind {task.kind!r} in this process", now)
        db.session.commit()
        return task
    mark_clean()
    try:
        result = handler(task, now=now, progress=_progress_writer(task.id))
        if result is not None and not isinstance(result, dict):
            raise TaskError(f"the {task.kind} handler returned {type(result).__name__}, not a dict")
        result = json.loads(json.dumps(result or {}))
    except Exception as exc:  # the handler's writes roll back; the attempt is recorded
        db.session.rollback()
        task = db.session.get(Task, task_id)
        reason = str(exc) or type(exc).__name__
        if not isinstance(exc, (RetryLater, TaskError, ValueError)):
            log.error("task %s (%s) failed:\n%s", task_id, task.kind, traceback.format_exc())
            reason = f"{type(exc).__name__}: {reason}"
        _fail_attempt(task, reason, now)
        db.session.commit()
        return task
    db.session.refresh(task)
    task.status, task.progress, task.result = "done", 1.0, result
    task.finished_at = task.heartbeat_at = now
    task.message = "done"
    task.error = ""
    db.session.commit()
    return task


def run_pending_tasks(now: datetime, limit: int = 10, *, worker: Optional[str] = None) -> list[int]:
    """Claim and run up to `limit` due tasks, one after the other; returns their ids.

    Tests call it directly with a fixed `now`; the scheduler process calls it every few seconds.
    """
    worker = worker or worker_id()
    requeue_stale(now)
    db.session.commit()
    done: list[int] = []
    while len(done) < limit:
        task_id = _claim(now, worker)
        if task_id is None:
            break
        run_task(task_id, now=now)
        done.append(task_id)
    return done


def retry(task: Task, *, actor: Actor, now: datetime) -> Task:
    """Put a failed task back in the queue (a person decided to try again)."""
    if task.status != "failed":
        raise TaskError("only a failed task can be retried")
    task.status, task.available_at, task.finished_at = "queued", now, None
    task.max_attempts = task.attempts + 1
    task.message = "queued again"
    audit.record(actor, "task.retry", task, task.kind, now=now)
    return task


def handler_for(kind: str) -> Optional[Handler]:
    return _HANDLERS.get(kind)


def params_of(task: Task) -> dict[str, Any]:
    return dict(task.params or {})
