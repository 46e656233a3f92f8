"""Running one job: a JobRun row, one transaction, progress visible while it runs, errors recorded."""
from __future__ import annotations

import logging
import traceback
from datetime import datetime
from typing import Callable

from sqlalchemy import update

from casework.extensions import db
from casework.jobs import load_jobs
from casework.models.scheduling import JobRun
from casework.services.tasks import mark_clean, write_aside

log = logging.getLogger(__name__)


class UnknownJob(LookupError):
    pass


def _progress_writer(run_id: int) -> Callable[[float, str], None]:
    def progress(fraction: float, message: str = "") -> None:
        write_aside(update(JobRun).where(JobRun.id == run_id).values(
            progress=min(1.0, max(0.0, float(fraction))), message=str(message)[:500]))

    return progress


def run_job(name: str, *, now: datetime, holder: str = "", clock: Callable[[], datetime] | None = None) -> JobRun:
    """Run a registered job once, inside the current app context, and return its JobRun.

    The run row is committed first (the jobs page shows it running); the job's own writes and
    the run's final state commit together; on an exception the job's writes roll back and the
    run records the error.
    """
    jobs = load_jobs()
    fn = jobs.get(name)
    if fn is None:
        raise UnknownJob(f"there is no job named {name!r}; jobs are: {', '.join(sorted(jobs))}")
    run = JobRun(job=name, started_at=now, status="running", progress=0.0, message="", error="", holder=holder[:100])
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    finished = clock or (lambda: now)
    mark_clean()
    try:
        message = fn(now=now, progress=_progress_writer(run_id)) or ""
    except Exception as exc:
        db.session.rollback()
        log.error("job %s failed:\n%s", name, traceback.format_exc())
        run = db.session.get(JobRun, run_id)
        run.status, run.finished_at = "failed", finished()
        run.error = f"{type(exc).__name__}: {exc}"[:4000]
        db.session.commit()
        return run
    run = db.session.get(JobRun, run_id)
    db.session.refresh(run)
    run.status, run.finished_at, run.progress = "ok", finished(), 1.0
    run.message = str(message)[:2000]
    db.session.commit()
    return run
