"""Scheduled jobs: a registry of thin, idempotent job functions, their runner, and the scheduler.

A job is registered by name and scheduled by a row in `job_schedule` (the schedule is data):

    @job("deadline_reminders")
    def deadline_reminders(*, now, progress) -> str:
        return f"{len(remind_due(...))} reminder(s)"

`run_job(name, now=...)` gives it an app context's session, one transaction and a JobRun row;
tests call it (or the job function) directly with a fixed `now`. The scheduler process
(`flask --app app scheduler`, casework/jobs/scheduler.py) runs the jobs only while it holds the
leader lease, so two started schedulers never both run them.
"""
from __future__ import annotations

from typing import Callable

JobFn = Callable[..., str | None]
JOBS: dict[str, JobFn] = {}


def job(name: str):
    def decorate(fn: JobFn) -> JobFn:
        JOBS[name] = fn
        return fn

    return decorate


def load_jobs() -> dict[str, JobFn]:
    """Import the modules that register jobs (and the task handlers the scheduler runs)."""
    from casework.jobs import builtin  # noqa: F401
    from casework.jobs import notifications  # noqa: F401

    return JOBS
