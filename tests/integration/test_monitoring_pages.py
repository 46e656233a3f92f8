"""Infringers, platforms, licences, watched URLs, the jobs and tasks pages, and the dashboard."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.jobs.runner import run_job
from casework.models.monitoring import Infringer, Platform, WorkLicence
from casework.services import dashboard, detections, monitoring, tasks
from casework.services.actor import Actor
from casework.workflow import transition
from tests.case_factories import NOW, case_at, detect, make_work, system


@tasks.task_handler("test.page_task")
def _page_task(task, *, now, progress):
    return {"ok": True}


def test_infringer_create_edit_and_alias_conflicts(login_as, ids):
    client = login_as("legal")
    resp = client.post("/infringers/new", data={"name": "Pirate Bay-ish", "kind": "site",
                                                 "domains": "https://www.Pirate.example/\npirate2.example",
                                                 "accounts": "weibo.com/u/42"})
    assert resp.status_code == 302
    infringer = db.session.scalar(select(Infringer).where(Infringer.name == "Pirate Bay-ish"))
    assert infringer.domains == ["pirate2.example", "www.pirate.example"] and infringer.accounts == ["weibo.com/u/42"]
    clash = client.post("/infringers/new", data={"name": "Copycat", "kind": "site", "domains": "pirate2.example"})
    assert clash.status_code == 400 and "already belongs to infringer" in clash.get_data(as_text=True)
    bad = client.post(f"/infringers/{infringer.id}", data={"name": "", "kind": "site"})
    assert bad.status_code == 400
    work = make_work(ids["holder_a"])
    case_at("review", [work], infringer=infringer, title="First")
    case_at("closed", [work], infringer=infringer, title="Second")
    db.session.commit()
    listing = client.get("/infringers?repeat=1").get_data(as_text=True)
    assert "Pirate Bay-ish" in listing and "repeat" in listing
    page = client.get(f"/infringers/{infringer.id}").get_data(as_text=True)
    assert "First" in page and "Second" in page and "repeat infringer" in page
    assert login_as("counsel").get("/infringers").status_code == 403


def test_platforms_with_measured_figures(login_as, ids):
    client = login_as("admin")
    assert client.post("/platforms/new", data={"name": "Douyin", "domains": "douyin.com", "takedown_channel": "email",
                                               "channel_address": "not-an-email", "notice_format": "cn"}).status_code == 400
    assert client.post("/platforms/new", data={"name": "Douyin", "domains": "douyin.com", "takedown_channel": "web_form",
                                               "channel_address": "https://douyin.example/ip", "notice_format": "cn"}
                       ).status_code == 302
    platform = db.session.scalar(select(Platform).where(Platform.name == "Douyin"))
    work = make_work(ids["holder_a"])
    case = case_at("takedown", [work])
    from casework.services import cases as case_service

    row = case_service.add_url(case, "https://www.douyin.com/video/1", actor=system(), now=NOW)
    assert row.platform_id == platform.id
    row.status, row.removed_at = "removed", row.first_detected_at + timedelta(days=3)
    db.session.commit()
    assert monitoring.platform_stats([platform.id])[platform.id] == {"urls": 1, "removed": 1,
                                                                     "median_days_to_removal": 3.0}
    assert "Douyin" in client.get("/platforms").get_data(as_text=True)
    dup = client.post("/platforms/new", data={"name": "douyin", "takedown_channel": "email", "notice_format": "us"})
    assert dup.status_code == 400 and "already exists" in dup.get_data(as_text=True)


def test_licences_and_watch_pages(login_as, ids):
    work = make_work(ids["holder_a"])
    db.session.commit()
    client = login_as("legal")
    assert client.post("/licences", data={"work_id": 999999, "kind": "domain", "value": "x.example"}).status_code == 400
    assert client.post("/licences", data={"work_id": work.id, "kind": "domain", "value": "partner.example",
                                          "licensee": "Partner"}).status_code == 302
    licence = db.session.scalar(select(WorkLicence))
    assert licence.value == "partner.example"
    assert client.post("/licences", data={"work_id": work.id, "kind": "domain", "value": "partner.example"}
                       ).status_code == 400
    assert client.post(f"/licences/{licence.id}/remove").status_code == 302
    assert db.session.scalar(select(WorkLicence)) is None
    assert client.post("/watch", data={"work_id": work.id, "url": "https://watch.example/ch"}).status_code == 302
    assert "https://watch.example/ch" in client.get("/watch").get_data(as_text=True)
    assert client.post("/watch", data={"work_id": work.id, "url": "https://watch.example/ch"}).status_code == 400


def test_jobs_page_shows_runs_and_errors(login_as):
    from casework.jobs import job

    @job("test_page_failure")
    def failing(*, now, progress):
        raise ValueError("the platform API said no")

    run_job("test_page_failure", now=NOW)
    run_job("deadline_reminders", now=NOW)
    page = login_as("legal").get("/jobs").get_data(as_text=True)
    assert "deadline_reminders" in page and "the platform API said no" in page and "No scheduler is running" in page
    assert login_as("counsel").get("/jobs").status_code == 403
    assert login_as("legal").post("/jobs/1/toggle").status_code == 403  # admin only


def test_task_polling_by_owner_and_staff_only(login_as, client, token_for, people):
    task = tasks.enqueue("test.page_task", {}, actor=Actor.for_user(people["counsel"]), now=NOW)
    db.session.commit()
    own = login_as("counsel").get(f"/tasks/{task.id}.json")
    assert own.status_code == 200 and own.json["status"] == "queued" and own.headers["Cache-Control"] == "no-store"
    assert login_as("legal").get(f"/tasks/{task.id}.json").status_code == 200
    assert login_as("counsel2").get(f"/tasks/{task.id}.json").status_code == 404
    assert login_as("creator").get(f"/tasks/{task.id}").status_code == 404
    assert client.get(f"/api/v1/tasks/{task.id}", headers=token_for("counsel")).json["kind"] == "test.page_task"
    assert client.get(f"/api/v1/tasks/{task.id}", headers=token_for("creator")).status_code == 404
    tasks.run_pending_tasks(NOW)
    page = login_as("counsel").get("/tasks").get_data(as_text=True)
    assert "test.page_task" in page


def test_dashboard_figures(login_as, ids):
    work = make_work(ids["holder_a"], "Poster")
    first = detect(work, "https://d.example/1", detected_at=NOW - timedelta(days=4), now=NOW - timedelta(days=3))
    detect(work, "https://d.example/2", now=NOW)
    case = detections.confirm(db.session.get(detections.Detection, first), actor=system(), now=NOW - timedelta(days=2))
    transition(case, "takedown", actor=system(), now=NOW - timedelta(days=1))
    db.session.commit()
    per_day = dict(dashboard.detections_per_day(NOW, 30))
    assert per_day[NOW.date()] == 1 and per_day[(NOW - timedelta(days=3)).date()] == 1 and len(per_day) == 30
    steps = {s: (v, n) for s, v, n in dashboard.median_days_to_steps(NOW)}
    assert steps["confirmed"] == (2.0, 1) and steps["takedown"] == (3.0, 1) and steps["litigation"] == (None, 0)
    assert dict(dashboard.cases_by_stage())["takedown"] == 1
    assert dashboard.top_infringers()[0][0].name == "d.example"
    page = login_as("legal").get("/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and "d.example" in html
    assert login_as("legal").get("/").headers["Location"].endswith("/dashboard")
    assert login_as("counsel").get("/dashboard").status_code == 403
