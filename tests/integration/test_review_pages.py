"""Pages: the review queue (filters, bulk confirm and dismiss), the detection form and the CSV upload."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models.monitoring import Detection
from casework.services import monitoring
from tests.case_factories import NOW, detect, make_work, system
from tests.conftest import csrf_from


@pytest.fixture
def work(ids):
    return make_work(ids["holder_a"], "Poster A")


def test_queue_lists_filters_and_sorts(login_as, work, ids):
    other = make_work(ids["holder_b"], "Clip B")
    detect(work, "https://a.example/1", similarity=0.5)
    detect(work, "https://a.example/2", similarity=0.99)
    detect(other, "https://b.example/1", similarity=0.7)
    db.session.commit()
    page = login_as("legal").get("/review?sort=similarity&dir=desc")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "https://a.example/2" in html and 'src="/static/js/review.js"' in html
    assert html.index("https://a.example/2") < html.index("https://b.example/1") < html.index("https://a.example/1")
    only = login_as("legal").get(f"/review?work_id={other.id}").get_data(as_text=True)
    assert "https://b.example/1" in only and "https://a.example/1" not in only
    scored = login_as("legal").get("/review?min_score=90").get_data(as_text=True)
    assert "https://a.example/2" in scored and "https://b.example/1" not in scored
    assert login_as("legal").get("/review?sort=bogus&age=x&dir=up").status_code == 200


@pytest.mark.parametrize("role", ["counsel", "creator"])
def test_queue_is_for_legal_and_admin(login_as, role):
    assert login_as(role).get("/review").status_code == 403
    assert login_as(role).get("/detections/upload").status_code == 403


def test_bulk_dismiss_and_confirm(login_as, work):
    a = detect(work, "https://bulk.example/1")
    b = detect(work, "https://bulk.example/2")
    c = detect(work, "https://bulk.example/3")
    db.session.commit()
    client = login_as("legal")
    no_reason = client.post("/review/bulk", data={"ids": [a, b], "action": "dismiss", "reason": ""})
    assert no_reason.status_code == 302
    assert db.session.get(Detection, a).status == "pending"
    client.post("/review/bulk", data={"ids": [a, b], "action": "dismiss", "reason": "false_positive", "note": "logo only"})
    db.session.expire_all()
    assert {db.session.get(Detection, i).dismiss_reason for i in (a, b)} == {"false_positive"}
    resp = client.post("/review/bulk", data={"ids": [c], "action": "confirm"})
    db.session.expire_all()
    confirmed = db.session.get(Detection, c)
    assert confirmed.status == "confirmed" and resp.headers["Location"].endswith(f"/cases/{confirmed.case_id}")
    again = client.post("/review/bulk", data={"ids": [a, c], "action": "confirm"}, follow_redirects=True)
    assert "already reviewed" in again.get_data(as_text=True)


def test_the_detection_form(login_as, work):
    client = login_as("legal")
    page = client.get("/detections/new")
    assert page.status_code == 200
    bad = client.post("/detections/new", data={"work_id": work.id, "url": "example.com/x", "platform": 0})
    assert bad.status_code == 400 and "scheme" in bad.get_data(as_text=True)
    ok = client.post("/detections/new", data={"work_id": work.id, "url": "https://form.example/x?utm_medium=a",
                                              "platform": 0, "similarity": "0.8", "infringer": "Form Pirate"})
    assert ok.status_code == 302
    d = db.session.scalar(select(Detection).where(Detection.url_normalized == "https://form.example/x"))
    assert d.source == "form" and d.infringer.name == "Form Pirate"
    dup = client.post("/detections/new", data={"work_id": work.id, "url": "https://form.example/x", "platform": 0},
                      follow_redirects=True)
    assert "Already known" in dup.get_data(as_text=True)


def _upload(client, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/detections/upload", data={"file": (io.BytesIO(data), "detections.csv")},
                       content_type="multipart/form-data")


def test_csv_preview_names_each_bad_row_and_stores_nothing(login_as, work):
    client = login_as("legal")
    csv_text = (f"work_id,url,similarity,detected_at\n{work.id},https://csv.example/1,0.9,2026-05-01T00:00:00Z\n"
                f"999999,https://csv.example/2,,\n{work.id},ftp://x.example/f,,\n{work.id},https://csv.example/3,2,\n")
    resp = _upload(client, csv_text)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "there is no work 999999" in html and "only http and https" in html and "between 0 and 1" in html
    assert "Import all rows" not in html
    assert db.session.scalar(select(func.count(Detection.id))) == 0


def test_csv_preview_then_import_all_rows(login_as, work):
    monitoring.add_licence(work.id, kind="domain", value="licensee.example", actor=system(), now=NOW)
    existing = detect(work, "https://csv.example/known")
    db.session.commit()
    client = login_as("legal")
    csv_text = ("\ufeffwork,链接,平台,相似度\n"  # Excel's BOM and Chinese headers are understood
                f"{work.id},https://csv.example/new,,87%\n{work.id},https://csv.example/known/,,\n"
                f"{work.id},https://licensee.example/a,,\n")
    resp = _upload(client, csv_text)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert "2 new detection(s), 1 of them flagged as licensed; 1 duplicate(s)" in html
    assert db.session.scalar(select(func.count(Detection.id))) == 1  # the preview stored nothing
    token = csrf_from(html)
    import re

    upload = re.search(r'name="upload" type="hidden" value="([^"]*)"', html).group(1)
    stranger = login_as("admin").post("/detections/upload", data={"upload": upload})  # another session
    assert stranger.status_code == 302
    assert db.session.scalar(select(func.count(Detection.id))) == 1
    done = client.c.post("/detections/upload", data={"upload": upload, "csrf_token": token})
    assert done.status_code == 302
    rows = db.session.scalars(select(Detection).order_by(Detection.id)).all()
    assert [r.id for r in rows][0] == existing and len(rows) == 3
    again = client.c.post("/detections/upload", data={"upload": upload, "csrf_token": token}, follow_redirects=True)
    assert "expired" in again.get_data(as_text=True)  # an import happens once
    assert rows[1].similarity == pytest.approx(0.87) and rows[1].source == "csv" and rows[2].licensed


def test_csv_in_gb18030_and_bad_headers(login_as, work):
    client = login_as("legal")
    ok = _upload(client, f"work_id,url,infringer\n{work.id},https://gbk.example/1,盗版网\n".encode("gb18030"))
    assert ok.status_code == 200 and "盗版网" in ok.get_data(as_text=True)
    bad = _upload(client, "title,link\nx,y\n")
    assert bad.status_code == 422 and "missing column(s): work_id" in bad.get_data(as_text=True)
    empty = _upload(client, b"")
    assert empty.status_code in (400, 422)
