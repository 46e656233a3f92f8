"""Captures through the API and the task runner: a loopback page becomes a checked, deposited WARC;
loopback, private and metadata addresses are refused by default, with the reason on the item.

The page is served by the test itself on 127.0.0.1; Debian's Chromium loads it (skipped without it).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.ledger.receipt import check_receipt
from casework.models import utcnow
from casework.models.cases import CaseEvent
from casework.models.evidence import CustodyEvent, EvidenceItem
from casework.models.ledger import Deposit
from casework.services import ledger
from casework.services import tasks as task_service
from casework.storage import get_storage
from tests.case_factories import case_at, make_work
from tests.unit.capture_helpers import Site, make_png, page, send

CHROMIUM = "/usr/bin/chromium"
WARCIO = Path(sys.executable).parent / "warcio"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")


@pytest.fixture(scope="module")
def site():
    site = Site({"/image.png": lambda h: send(h, 200, make_png(8, 6), "image/png"),
                 "/item/88": page("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
                                  "<title>盗版海报 Poster copy</title></head><body><h1>Poster for sale</h1>"
                                  "<img src='/image.png'></body></html>")})
    yield site
    site.close()


@pytest.fixture
def case(people, ids):
    return case_at("evidence", [make_work(ids["holder_a"])], title="Copycat shop", counsel=people["counsel"])


def run_tasks() -> list[int]:
    return task_service.run_pending_tasks(utcnow(), limit=5)


@needs_chromium
def test_capture_of_a_local_page_is_a_checked_and_deposited_warc(app, client, token_for, case, site, tmp_path):
    headers = token_for("counsel")  # the case's counsel may add evidence
    url = f"http://127.0.0.1:{site.port}/item/88"
    resp = client.post(f"/api/v1/cases/{case.id}/captures", json={"url": url}, headers=headers)
    assert resp.status_code == 202, resp.json
    item_id = resp.json["id"]
    assert client.get(f"/api/v1/evidence/{item_id}", headers=headers).json["status"] == "pending"

    assert run_tasks()
    body = client.get(f"/api/v1/evidence/{item_id}", headers=headers).json
    assert body["status"] == "done", str(db.session.get(EvidenceItem, item_id).task.errors)[:1500]
    assert body["kind"] == "capture" and body["url"] == url and body["exhibit_no"] == 1
    assert body["title"] == "盗版海报 Poster copy" and body["captured_at"].endswith("Z")
    assert body["capture"]["status"] == 200 and body["capture"]["server"]["ip"] == "127.0.0.1"

    # The file: in the store under its hash, a WARC that warcio's own checker accepts.
    download = client.get(f"/api/v1/evidence/{item_id}/download", headers=headers)
    assert download.status_code == 200 and download.mimetype == "application/warc"
    warc = tmp_path / "capture.warc.gz"
    warc.write_bytes(download.data)
    import hashlib

    assert hashlib.sha256(download.data).hexdigest() == body["sha256"] == get_storage().verify(body["sha256"]).sha256
    check = subprocess.run([str(WARCIO), "check", "-v", str(warc)], capture_output=True, text=True)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout + check.stderr
    from casework.capture import extract_screenshot, read_capture_metadata

    assert extract_screenshot(warc).startswith(b"\x89PNG")
    assert read_capture_metadata(warc)["final_url"] == url

    # The deposit verifies against the signed checkpoint with the log's key.
    receipt = client.get(f"/api/v1/deposits/{body['deposit_index']}").json
    entry = check_receipt(receipt, ledger.verifier_key())
    assert (entry.kind, entry.sha256, entry.size, entry.subject) == ("evidence", body["sha256"], body["size"],
                                                                     f"evidence:{item_id}")
    assert db.session.get(Deposit, body["deposit_index"]) is not None

    # The case timeline says so, and the chain of custody has both GETs and the download.
    kinds = [e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))]
    assert "evidence_added" in kinds
    actions = [e.action for e in db.session.scalars(select(CustodyEvent).where(CustodyEvent.item_id == item_id)
                                                    .order_by(CustodyEvent.id))]
    assert actions == ["view", "view", "download"]
    custody = client.get(f"/api/v1/evidence/{item_id}/custody", headers=headers).json["items"]
    assert custody[0]["action"] == "download" and custody[0]["actor"] == "counsel@test.example"
    assert custody[0]["remote_addr"] == "127.0.0.1"


@pytest.mark.parametrize("target, why", [("127.0.0.1:{port}/item/88", "loopback"), ("10.1.2.3/admin", "private"),
                                         ("169.254.169.254/latest/meta-data/", "metadata")])
def test_private_addresses_are_refused_by_default(app, client, token_for, case, site, monkeypatch, target, why):
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_URLS", False)  # the default outside tests
    headers = token_for("legal")
    url = "http://" + target.format(port=site.port)
    resp = client.post(f"/api/v1/cases/{case.id}/captures", json={"url": url}, headers=headers)
    assert resp.status_code == 202
    seen_before = len(site.seen)
    run_tasks()
    body = client.get(f"/api/v1/evidence/{resp.json['id']}", headers=headers).json
    assert body["status"] == "failed" and body["sha256"] is None and body["deposit_index"] is None
    assert body["error"].startswith("refused:") and why in body["error"], body["error"]
    assert len(site.seen) == seen_before  # refused before any connection
    item = db.session.get(EvidenceItem, resp.json["id"])
    assert item.task.status == "done" and item.task.attempts == 1  # a refusal is final: no retries


def test_capture_input_and_access(client, token_for, case, ids):
    legal = token_for("legal")
    for bad in ("ftp://example.org/x", "not a url", "http://user:pw@example.org/", ""):
        resp = client.post(f"/api/v1/cases/{case.id}/captures", json={"url": bad}, headers=legal)
        assert resp.status_code == 422, (bad, resp.json)
    assert client.post(f"/api/v1/cases/{case.id}/captures", data="x", headers=legal).status_code == 415
    # Counsel not assigned to the case: it does not exist for them. Creators never start captures.
    assert client.post(f"/api/v1/cases/{case.id}/captures", json={"url": "https://example.org/"},
                       headers=token_for("counsel2")).status_code == 404
    assert client.post(f"/api/v1/cases/{case.id}/captures", json={"url": "https://example.org/"},
                       headers=token_for("creator")).status_code == 403
    assert db.session.scalar(select(EvidenceItem.id).where(EvidenceItem.case_id == case.id)) is None


@needs_chromium
def test_a_page_that_does_not_load_is_retried_then_fails_with_the_reason(app, client, token_for, case, monkeypatch):
    from datetime import timedelta

    from tests.unit.capture_helpers import slow

    monkeypatch.setitem(app.config, "CAPTURE_NAVIGATION_TIMEOUT", 1.5)
    slow_site = Site({"/hang": slow(4.0)})
    try:
        headers = token_for("legal")
        url = f"http://127.0.0.1:{slow_site.port}/hang"
        item_id = client.post(f"/api/v1/cases/{case.id}/captures", json={"url": url}, headers=headers).json["id"]
        now = utcnow()
        task_service.run_pending_tasks(now)
        item = db.session.get(EvidenceItem, item_id)
        assert item.status == "pending" and item.task.status == "queued" and item.task.attempts == 1
        assert item.task.errors[0]["error"]  # the first attempt's reason is kept on the task
        for minutes in (5, 10):
            task_service.run_pending_tasks(now + timedelta(minutes=minutes))
        body = client.get(f"/api/v1/evidence/{item_id}", headers=headers).json
        assert body["status"] == "failed" and body["error"], body
        assert db.session.get(EvidenceItem, item_id).task.attempts == 3
    finally:
        slow_site.close()


def test_the_warc_check_before_storing_catches_a_damaged_record(tmp_path):
    """The task checks every WARC's digests in process (as `warcio check` does) before storing it."""
    from datetime import datetime, timezone

    from casework.capture import WarcContentError
    from casework.capture.warc import CaptureWarc, write_capture_warc
    from casework.services.capture_jobs import check_warc
    from tests.unit.test_capture_warc import exchange

    path = tmp_path / "c.warc"  # uncompressed, so one byte of a payload can be changed in place
    write_capture_warc(CaptureWarc(final_url="https://site.test/page", captured_at=datetime.now(timezone.utc),
                                   exchanges=[exchange("https://site.test/page", "<p>页面 original</p>".encode())],
                                   screenshot=make_png(), dom="<p>页面</p>", metadata={"format": "test"},
                                   software="test"), path)
    assert check_warc(str(path)) >= 4
    data = path.read_bytes()
    path.write_bytes(data.replace(b"original", b"0riginal", 1))
    with pytest.raises(WarcContentError, match="digest"):
        check_warc(str(path))
    path.write_bytes(b"not a WARC at all")
    with pytest.raises(WarcContentError):
        check_warc(str(path))
