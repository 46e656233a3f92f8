"""Commands: `flask --app app scheduler`, `flask --app app run-job NAME`, `flask --app app run-tasks`."""
from __future__ import annotations

import logging

import click
from flask import Flask, current_app

from casework.models import utcnow


def register(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
    app.cli.add_command(run_job_command)
    app.cli.add_command(run_tasks_command)


@click.command("scheduler")
@click.option("--lease-ttl", default=30.0, show_default=True, help="seconds a leader's lease lasts")
@click.option("--renew-every", default=10.0, show_default=True, help="seconds between lease renewals")
@click.option("--task-every", default=3.0, show_default=True, help="seconds between looks at the task queue")
def scheduler_command(lease_ttl, renew_every, task_every):
    """Run the scheduler (jobs and background tasks) until stopped; only one runs jobs at a time."""
    from casework.jobs.scheduler import run_forever

    if renew_every >= lease_ttl:
        raise click.ClickException("--renew-every must be shorter than --lease-ttl")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo("scheduler starting; stop it with Ctrl-C")
    run_forever(current_app._get_current_object(), lease_ttl=lease_ttl, renew_every=renew_every,
                task_every=task_every)


@click.command("run-job")
@click.argument("name")
def run_job_command(name):
    """Run one scheduled job now (outside the scheduler), recording a JobRun."""
    from casework.jobs.runner import UnknownJob, run_job

    try:
        run = run_job(name, now=utcnow(), holder="cli", clock=utcnow)
    except UnknownJob as exc:
        raise click.ClickException(str(exc)) from None
    if run.status != "ok":
        raise click.ClickException(f"{name} failed: {run.error}")
    click.echo(f"{name}: {run.message}")


@click.command("run-tasks")
@click.option("--limit", default=10, show_default=True)
def run_tasks_command(limit):
    """Run queued background tasks now (outside the scheduler)."""
    from casework.jobs import load_jobs
    from casework.services.tasks import run_pending_tasks

    load_jobs()
    ids = run_pending_tasks(utcnow(), limit)
    click.echo(f"{len(ids)} task(s) run" + (f": {', '.join(map(str, ids))}" if ids else ""))
