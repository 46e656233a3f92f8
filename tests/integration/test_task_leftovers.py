"""What an evidence task leaves when it dies mid-way: a failed export cleans its working folder and stores
nothing; a worker killed mid-export leaves its bundle "building" only until the stale-task requeue runs it
again, and its working folder (outside the blob store's atomic path) is listed by `ledger verify`."""
from __future__ import annotations

import os
import tempfile
from datetime import timedelta

from sqlalchemy import func, select

from casework.extensions import db
from casework.models import utcnow
from casework.models.ledger import Deposit
from casework.services import tasks as task_service
from casework.storage import get_storage
from tests.integration.test_bundles_export import case, upload  # noqa: F401  (fixture)
from tests.signing_fixtures import signed_app, signing_pki  # noqa: F401  (fixtures)
from tests.unit.capture_helpers import make_png


def _work_folders() -> set[str]:
    tmp = get_storage().tmp
    return {n for n in os.listdir(tmp) if n.startswith(("bundle-", "capture-"))}


def test_an_export_that_fails_while_writing_leaves_no_file_and_no_deposit(signed_app, client, token_for, case,
                                                                          monkeypatch):
    from casework.services import bundles

    legal = token_for("legal")
    upload(client, legal, case.id, make_png(7, 7) + os.urandom(32), "shot.png", "screenshot")
    bundle_id = client.post(f"/api/v1/cases/{case.id}/bundles", headers=legal).json["id"]
    before_folders = _work_folders()
    entries_before = db.session.scalar(select(func.count()).select_from(Deposit))

    def half_written(target, *args, **kwargs):
        with open(target, "wb") as fh:
            fh.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(bundles, "write_zip", half_written)
    task_service.run_pending_tasks(utcnow())
    body = client.get(f"/api/v1/bundles/{bundle_id}", headers=legal).json
    assert body["status"] == "queued" and "disk full" in body["error"] and body["sha256"] is None
    assert _work_folders() == before_folders
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Deposit)) == entries_before


def test_a_killed_export_is_requeued_and_its_working_folder_is_listed(signed_app, app, client, token_for, case):
    legal = token_for("legal")
    upload(client, legal, case.id, make_png(8, 8) + os.urandom(32), "shot.png", "screenshot")
    bundle_id = client.post(f"/api/v1/cases/{case.id}/bundles", headers=legal).json["id"]
    now = utcnow()
    assert task_service._claim(now, "dead-worker:1") is not None  # claimed, then the process was killed
    folder = tempfile.mkdtemp(prefix="bundle-", dir=get_storage().tmp)  # what build() had written so far
    with open(os.path.join(folder, f"bundle-{bundle_id}.zip"), "wb") as fh:
        fh.write(b"PK\x03\x04 half a zip")
    try:
        assert client.get(f"/api/v1/bundles/{bundle_id}", headers=legal).json["status"] == "building"
        result = app.test_cli_runner().invoke(args=["ledger", "verify", "--quiet"])
        assert f"LEFTOVER blob {folder}: the working folder of a capture or bundle export" in result.output

        task_service.run_pending_tasks(now + timedelta(minutes=29))  # still within its heartbeat allowance
        assert client.get(f"/api/v1/bundles/{bundle_id}", headers=legal).json["status"] == "building"
        task_service.run_pending_tasks(now + timedelta(minutes=31))  # requeued as a failed attempt
        body = client.get(f"/api/v1/bundles/{bundle_id}", headers=legal).json
        assert body["status"] == "queued" and "stopped responding" in body["error"]
        task_service.run_pending_tasks(now + timedelta(minutes=40))
        assert client.get(f"/api/v1/bundles/{bundle_id}", headers=legal).json["status"] == "sealed"
    finally:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


def _capture_case(ids, people):
    from tests.case_factories import case_at, make_work

    made = case_at("evidence", [make_work(ids["holder_a"])], title="Copycat shop", counsel=people["counsel"])
    db.session.commit()
    return made


def test_a_capture_whose_task_gives_up_unexpectedly_reads_failed_not_pending(app, client, token_for, ids, people,
                                                                            monkeypatch):
    from casework.services import capture_jobs

    def store_broke(url, path, settings):
        with open(path, "wb") as fh:
            fh.write(b"half a WARC")
        raise OSError("No space left on device")  # not a CaptureError: the handler's own failure path is skipped

    monkeypatch.setattr(capture_jobs, "_capture", store_broke)
    case_ = _capture_case(ids, people)
    headers = token_for("legal")
    before_folders = _work_folders()
    item_id = client.post(f"/api/v1/cases/{case_.id}/captures", json={"url": "https://pirate.example/x"},
                          headers=headers).json["id"]
    now = utcnow()
    for minutes in (0, 5, 10):
        task_service.run_pending_tasks(now + timedelta(minutes=minutes))
    body = client.get(f"/api/v1/evidence/{item_id}", headers=headers).json
    assert body["status"] == "failed" and "No space left on device" in body["error"], body
    assert body["sha256"] is None and body["deposit_index"] is None
    listed = client.get(f"/api/v1/cases/{case_.id}/evidence", headers=token_for("creator")).json
    assert [i["status"] for i in listed["items"] if i["id"] == item_id] in ([], ["failed"])
    assert _work_folders() == before_folders


def test_a_capture_killed_on_its_last_attempt_reads_failed(app, client, token_for, ids, people, login_as):
    case_ = _capture_case(ids, people)
    headers = token_for("legal")
    item_id = client.post(f"/api/v1/cases/{case_.id}/captures", json={"url": "https://pirate.example/y"},
                          headers=headers).json["id"]
    now = utcnow()
    from casework.models.evidence import EvidenceItem

    task = db.session.get(EvidenceItem, item_id).task
    task.attempts = task.max_attempts - 1
    db.session.commit()
    assert task_service._claim(now, "dead-worker:2") is not None  # the last attempt's worker is killed
    assert client.get(f"/api/v1/evidence/{item_id}", headers=headers).json["status"] == "pending"
    task_service.run_pending_tasks(now + timedelta(minutes=31))
    body = client.get(f"/api/v1/evidence/{item_id}", headers=headers).json
    assert body["status"] == "failed" and "stopped responding" in body["error"], body
    db.session.expire_all()
    item = db.session.get(EvidenceItem, item_id)  # the row itself: the task system told the capture it gave up
    assert item.status == "failed" and "stopped responding" in item.error
    page = login_as("legal").get(f"/evidence/{item_id}").get_data(as_text=True)
    assert ">failed<" in page and ">pending<" not in page


def test_share_link_days_written_as_a_whole_float_are_accepted(signed_app, client, token_for, case):
    legal = token_for("legal")
    upload(client, legal, case.id, make_png(6, 6) + os.urandom(32), "shot.png", "screenshot")
    bundle_id = client.post(f"/api/v1/cases/{case.id}/bundles", headers=legal).json["id"]
    task_service.run_pending_tasks(utcnow())
    response = client.post(f"/api/v1/bundles/{bundle_id}/share-links", json={"days": 90.0}, headers=legal)
    assert response.status_code == 201, response.json  # was a 409 "a share link lasts from 1 to 90 days"
    for days in (1.5, 91, 0):
        response = client.post(f"/api/v1/bundles/{bundle_id}/share-links", json={"days": days}, headers=legal)
        assert response.status_code == 422, response.json
