"""Evidence pages: upload and capture forms (CSRF, errors), the item page with its chain of custody, the
case page's section per role, a bundle exported and shared from its page."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import utcnow
from casework.models.evidence import Bundle, CustodyEvent, EvidenceItem, ShareLink
from casework.services import tasks as task_service
from tests.case_factories import case_at, make_work
from tests.signing_fixtures import signed_app, signing_pki  # noqa: F401  (fixtures)
from tests.unit.capture_helpers import make_png


@pytest.fixture
def case(people, ids):
    return case_at("evidence", [make_work(ids["holder_a"])], title="Poster copies", counsel=people["counsel"])


def upload(page, case_id, content=None, name="listing.png", kind="screenshot", **fields):
    return page.post(f"/cases/{case_id}/evidence/upload", content_type="multipart/form-data",
                     data={"kind": kind, "file": (io.BytesIO(content or make_png()), name), **fields})


def test_upload_form_and_item_page_with_custody(login_as, case):
    counsel = login_as("counsel")
    page = counsel.get(f"/cases/{case.id}/evidence")
    assert page.status_code == 200 and "Capture a web page" in page.get_data(as_text=True)
    resp = upload(counsel, case.id, title="Listing <script>x</script>", supplied_by="Paralegal Wang")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.case_id == case.id))
    assert resp.headers["Location"].endswith(f"/evidence/{item.id}")
    html = counsel.get(f"/evidence/{item.id}").get_data(as_text=True)
    assert item.sha256 in html and "Paralegal Wang" in html and "<script>x</script>" not in html  # escaped
    assert "Chain of custody" in html and "counsel@test.example" in html and "127.0.0.1" in html
    download = counsel.get(f"/evidence/{item.id}/download")
    assert download.status_code == 200 and download.data == make_png()
    actions = [e.action for e in db.session.scalars(select(CustodyEvent).where(CustodyEvent.item_id == item.id)
                                                    .order_by(CustodyEvent.id))]
    assert actions == ["view", "download"]


def test_form_errors_and_csrf(login_as, case):
    legal = login_as("legal")
    bad = upload(legal, case.id, content=b"not a png", name="x.png")
    assert bad.status_code == 400 and "not image/png" in bad.get_data(as_text=True)
    capture = legal.post(f"/cases/{case.id}/evidence/capture", data={"url": "file:///etc/passwd"})
    assert capture.status_code == 400 and "only http:// and https://" in capture.get_data(as_text=True)
    no_token = legal.c.post(f"/cases/{case.id}/evidence/capture", data={"url": "https://example.org/"})
    assert no_token.status_code == 400
    assert db.session.scalar(select(EvidenceItem.id).where(EvidenceItem.case_id == case.id)) is None


def test_capture_form_queues_a_task(login_as, case):
    legal = login_as("legal")
    resp = legal.post(f"/cases/{case.id}/evidence/capture", data={"url": "https://example.org/page"})
    assert resp.status_code == 302
    item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.case_id == case.id))
    assert item.status == "pending" and item.task.kind == "evidence.capture"
    html = legal.get(f"/evidence/{item.id}").get_data(as_text=True)
    assert f"/tasks/{item.task_id}.json" in html  # the page polls the task


def test_case_page_section_per_role(login_as, case):
    legal = login_as("legal")
    upload(legal, case.id, title="Listing with the poster")
    item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.case_id == case.id))
    team = legal.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="evidence"' in team and f"/evidence/{item.id}" in team and "Listing with the poster" in team
    creator = login_as("creator").get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="evidence"' in creator and "Screenshot" in creator
    assert f"/evidence/{item.id}" not in creator and "Listing with the poster" not in creator
    for key in ("counsel2", "creator"):
        client = login_as(key)
        assert client.get(f"/evidence/{item.id}").status_code in (403, 404)
        assert client.get(f"/cases/{case.id}/evidence").status_code in (403, 404)


def test_bundle_page_export_and_share(signed_app, login_as, app, case):
    counsel = login_as("counsel")
    upload(counsel, case.id)
    resp = counsel.post(f"/cases/{case.id}/bundles")
    assert resp.status_code == 302
    bundle = db.session.scalar(select(Bundle).where(Bundle.case_id == case.id))
    queued = counsel.get(f"/bundles/{bundle.id}").get_data(as_text=True)
    assert "queued" in queued and f"/tasks/{bundle.task_id}.json" in queued
    task_service.run_pending_tasks(utcnow(), limit=5)
    db.session.refresh(bundle)
    html = counsel.get(f"/bundles/{bundle.id}").get_data(as_text=True)
    assert "sealed" in html and bundle.sha256 in html
    shared = counsel.post(f"/bundles/{bundle.id}/share-links", data={"days": "3", "label": "Opposing counsel"})
    assert shared.status_code == 200
    url = re.search(r"<code>(http[^<]+/shared/([^<]+))</code>", shared.get_data(as_text=True))
    assert url, shared.get_data(as_text=True)[:3000]
    token = url.group(2)
    assert app.test_client().get(f"/shared/{token}/download").status_code == 200
    again = counsel.get(f"/bundles/{bundle.id}").get_data(as_text=True)
    assert token not in again and "Opposing counsel" in again  # shown once; the log lists the download
    link = db.session.scalar(select(ShareLink).where(ShareLink.bundle_id == bundle.id))
    assert counsel.post(f"/share-links/{link.id}/revoke").status_code == 302
    assert app.test_client().get(f"/shared/{token}").status_code == 404
    assert login_as("counsel2").post(f"/cases/{case.id}/bundles").status_code == 404
