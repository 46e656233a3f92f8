"""The scheduler process: APScheduler 3, jobs from the `job_schedule` table, run only by the leader.

Every scheduler started runs a small "lease" loop. The one holding the lease (casework.jobs.lease)
adds the scheduled jobs and the task runner; the others wait and take over when the lease expires
(a crashed leader) or is released (a clean stop). Each job is added with max_instances=1 and
coalesce=True, and checks the lease again before it runs, so a leader that lost its lease while
busy does not start anything new.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from datetime import timedelta
from typing import Optional

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import func, select

from casework.extensions import db
from casework.jobs import lease, load_jobs
from casework.jobs.runner import run_job
from casework.models import utcnow
from casework.models.scheduling import JobRun, JobSchedule

log = logging.getLogger(__name__)
LEASE_JOB = "__lease__"
TASKS_JOB = "__tasks__"


class Scheduler:
    def __init__(self, app: Flask, *, holder: Optional[str] = None, lease_ttl: float = 30.0,
                 renew_every: float = 10.0, task_every: float = 3.0, task_batch: int = 5):
        if renew_every >= lease_ttl:
            raise ValueError("the lease must be renewed more often than it expires")
        self.app = app
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease_ttl = timedelta(seconds=lease_ttl)
        self.renew_every = renew_every
        self.task_every = task_every
        self.task_batch = task_batch
        self.is_leader = False
        self._schedule_signature: tuple = (False, ())
        self._lock = threading.Lock()
        self.aps = BackgroundScheduler(timezone="UTC", job_defaults={"max_instances": 1, "coalesce": True,
                                                                     "misfire_grace_time": 60})

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        load_jobs()
        self.aps.start()
        self.aps.add_job(self._lease_tick, IntervalTrigger(seconds=self.renew_every), id=LEASE_JOB,
                         next_run_time=utcnow())
        log.info("scheduler %s started", self.holder)

    def stop(self) -> None:
        self.aps.shutdown(wait=True)
        if self.is_leader:
            with self.app.app_context():
                try:
                    lease.release(self.holder, now=utcnow())
                finally:
                    db.session.remove()
        self.is_leader = False
        log.info("scheduler %s stopped", self.holder)

    # --- leadership ---------------------------------------------------------------------------
    def _lease_tick(self) -> None:
        with self._lock, self.app.app_context():
            try:
                leader = lease.try_acquire(self.holder, now=utcnow(), ttl=self.lease_ttl)
                schedule = self._load_schedule() if leader else []
            except Exception:
                log.exception("scheduler %s could not reach the database; stepping down", self.holder)
                leader, schedule = False, []
            finally:
                db.session.remove()
            if leader and not self.is_leader:
                log.info("scheduler %s is now the leader", self.holder)
            if not leader and self.is_leader:
                log.warning("scheduler %s lost the lease", self.holder)
            self.is_leader = leader
            self._apply(schedule)

    def _load_schedule(self) -> list[tuple]:
        rows = db.session.scalars(select(JobSchedule).where(JobSchedule.enabled.is_(True)).order_by(JobSchedule.job))
        return [(r.job, r.interval_seconds, r.cron) for r in rows]

    def _first_runs(self, names: list[str]) -> dict[str, object]:
        """When each interval job is next due, from its last recorded run: a restarted or newly elected
        scheduler carries on the rhythm instead of waiting a whole interval (or running everything at once)."""
        last = dict(db.session.execute(select(JobRun.job, func.max(JobRun.started_at))
                                       .where(JobRun.job.in_(names)).group_by(JobRun.job)).all())
        return last

    def _apply(self, schedule: list[tuple]) -> None:
        signature = (self.is_leader, tuple(schedule))
        if signature == self._schedule_signature:
            return
        for aps_job in self.aps.get_jobs():
            if aps_job.id != LEASE_JOB:
                aps_job.remove()
        self._schedule_signature = signature
        if not self.is_leader:
            return
        known = load_jobs()
        with self.app.app_context():
            try:
                last_runs = self._first_runs([name for name, _i, _c in schedule])
            finally:
                db.session.remove()
        now = utcnow()
        for name, interval, cron in schedule:
            if name not in known:
                log.error("the schedule names job %r, which no module registers; skipped", name)
                continue
            if interval:
                last = last_runs.get(name)
                first = now if last is None else max(now, last + timedelta(seconds=interval))
                self.aps.add_job(self._run, IntervalTrigger(seconds=interval), args=[name], id=name, name=name,
                                 replace_existing=True, next_run_time=first)
            else:
                self.aps.add_job(self._run, CronTrigger.from_crontab(cron, timezone="UTC"), args=[name], id=name,
                                 name=name, replace_existing=True)
        self.aps.add_job(self._run_tasks, IntervalTrigger(seconds=self.task_every), id=TASKS_JOB,
                         replace_existing=True)

    # --- work ---------------------------------------------------------------------------------
    def _still_leader(self) -> bool:
        try:
            return lease.holds(self.holder, now=utcnow())
        finally:
            db.session.commit()

    def _run(self, name: str) -> None:
        with self.app.app_context():
            try:
                if self.is_leader and self._still_leader():
                    run_job(name, now=utcnow(), holder=self.holder, clock=utcnow)
            except Exception:
                log.exception("job %s could not be run", name)
            finally:
                db.session.remove()

    def _run_tasks(self) -> None:
        from casework.services.tasks import run_pending_tasks

        with self.app.app_context():
            try:
                if self.is_leader and self._still_leader():
                    run_pending_tasks(utcnow(), self.task_batch, worker=self.holder)
            except Exception:
                log.exception("the task runner failed")
            finally:
                db.session.remove()


def run_forever(app: Flask, **options) -> None:
    """`flask --app app scheduler`: run until SIGINT or SIGTERM, then release the lease."""
    scheduler = Scheduler(app, **options)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    scheduler.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        scheduler.stop()
