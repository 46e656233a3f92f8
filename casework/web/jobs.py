"""Pages: scheduled jobs and their runs, background tasks, and the task polling endpoint."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from casework.extensions import db
from casework.jobs import lease, load_jobs
from casework.models.scheduling import JobRun, JobSchedule, Task
from casework.policy import EVERYONE, STAFF, allow, can, get_or_404, visible
from casework.services import audit
from casework.services import tasks as task_service
from casework.web.account import EmptyForm
from casework.web.helpers import actor, now, page_args

bp = Blueprint("jobs", __name__)


@bp.route("/jobs")
@allow(*STAFF)
def index():
    schedule = list(db.session.scalars(select(JobSchedule).order_by(JobSchedule.job)))
    latest = (select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery())
    last_runs = {r.job: r for r in db.session.scalars(select(JobRun).join(latest, latest.c.id == JobRun.id))}
    failures = dict(db.session.execute(select(JobRun.job, func.count(JobRun.id)).where(JobRun.status == "failed")
                                       .group_by(JobRun.job)).all())
    job_filter = request.args.get("job", "")
    runs_stmt = select(JobRun).order_by(JobRun.id.desc()).limit(100)
    if job_filter:
        runs_stmt = runs_stmt.where(JobRun.job == job_filter)
    runs = list(db.session.scalars(runs_stmt))
    leader = lease.current()
    return render_template("jobs/index.html", schedule=schedule, last_runs=last_runs, failures=failures, runs=runs,
                           leader=leader, now=now(), registered=set(load_jobs()), job_filter=job_filter,
                           empty=EmptyForm())


@bp.route("/jobs/<int:schedule_id>/toggle", methods=["POST"])
@allow("admin")
def toggle(schedule_id: int):
    row = db.session.get(JobSchedule, schedule_id)
    if row is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        row.enabled = not row.enabled
        audit.record(actor(), "job.enable" if row.enabled else "job.disable", row, row.job, now=now())
        db.session.commit()
        flash(_("%(job)s enabled.", job=row.job) if row.enabled else _("%(job)s disabled.", job=row.job), "success")
    return redirect(url_for(".index"))


@bp.route("/tasks")
@allow(*EVERYONE)
def tasks():
    page, per_page = page_args()
    status = request.args.get("status", "")
    stmt = visible(current_user, "task", select(Task))
    if status in ("queued", "running", "done", "failed"):
        stmt = stmt.where(Task.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(db.session.scalars(stmt.options(joinedload(Task.created_by)).order_by(Task.id.desc())
                                   .offset((page - 1) * per_page).limit(per_page)))
    return render_template("jobs/tasks.html", rows=rows, total=total, page=page, per_page=per_page, status=status,
                           empty=EmptyForm())


@bp.route("/tasks/<int:task_id>")
@allow(*EVERYONE)
def task(task_id: int):
    row = get_or_404(Task, task_id, "task.view")
    return render_template("jobs/task.html", task=row, empty=EmptyForm())


@bp.route("/tasks/<int:task_id>.json")
@allow(*EVERYONE)
def task_json(task_id: int):
    """For a page's progress bar: the task's status, progress and message (the creator, legal and admin)."""
    row = db.session.get(Task, task_id)
    if row is None or not can(current_user, "task.view", row):
        return jsonify({"error": {"code": "not_found", "message": f"there is no task {task_id}", "details": None}}), 404
    response = jsonify(task_service.as_json(row))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tasks/<int:task_id>/retry", methods=["POST"])
@allow(*STAFF)
def retry(task_id: int):
    row = get_or_404(Task, task_id, "task.view")
    if EmptyForm().validate_on_submit():
        try:
            task_service.retry(row, actor=actor(), now=now())
        except task_service.TaskError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Task queued again."), "success")
    return redirect(url_for(".task", task_id=task_id))
