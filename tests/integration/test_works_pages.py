"""Works pages per role, and the public verification page."""
from __future__ import annotations

import hashlib
import io
import os

from sqlalchemy import func, select

from casework.extensions import db
from casework.models.works import Work
from casework.services import works as work_service
from casework.services.actor import Actor
from tests.case_factories import NOW, case_at


def register(holder, title="A registered work", content=None):
    content = content if content is not None else os.urandom(300)
    work = work_service.register_work(title=title, kind="film", rights_holder=holder,
                                      files=[work_service.Upload("reel.mov", io.BytesIO(content))],
                                      actor=Actor.system("tests"), now=NOW)
    db.session.commit()
    return work


def form(title="Spring poster", holder=None, files=None, **extra):
    data = {"title": title, "kind": "image", "description": "", **extra}
    if holder is not None:
        data["rights_holder"] = str(holder)
    data["files"] = files if files is not None else [(io.BytesIO(b"poster " + os.urandom(8)), "poster.png")]
    return data


def work_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Work))


def test_creator_registers_in_the_browser_and_sees_hash_and_deposit(login_as, ids):
    page = login_as("creator")
    assert page.get("/works/new").status_code == 200
    content = b"my poster " + os.urandom(8)
    resp = page.post("/works/new", data=form(holder=ids["holder_a"], files=[(io.BytesIO(content), "poster.png")]),
                     content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    html = page.get(resp.headers["Location"]).get_data(as_text=True)
    work = db.session.scalar(select(Work).order_by(Work.id.desc()))
    assert work.rights_holder_id == ids["holder_a"]
    f = work.files[0]
    assert f.sha256 == hashlib.sha256(content).hexdigest()
    assert f.sha256 in html and f"Index {f.deposit_index}" in html
    assert f"/api/v1/deposits/{f.deposit_index}" in html
    assert "Spring poster" in page.get("/works").get_data(as_text=True)


def test_creator_cannot_register_for_another_holder(login_as, ids):
    page = login_as("creator")
    before = work_count()
    resp = page.post("/works/new", data=form(holder=ids["holder_b"]), content_type="multipart/form-data")
    assert resp.status_code == 400 and "Not a valid choice" in resp.get_data(as_text=True)
    assert work_count() == before


def test_legal_registers_for_any_holder(login_as, ids):
    page = login_as("legal")
    html = page.get("/works/new").get_data(as_text=True)
    assert "Holder A" in html and "Holder B Ltd" in html
    resp = page.post("/works/new", data=form(holder=ids["holder_b"]), content_type="multipart/form-data")
    assert resp.status_code == 302
    assert db.session.scalar(select(Work).order_by(Work.id.desc())).rights_holder_id == ids["holder_b"]


def test_bad_form_input_is_shown_and_nothing_stored(app, login_as, ids, monkeypatch):
    page = login_as("creator")
    before = work_count()
    resp = page.post("/works/new", data=form(holder=ids["holder_a"], files=[]), content_type="multipart/form-data")
    assert resp.status_code == 400 and "Choose at least one file." in resp.get_data(as_text=True)
    resp = page.post("/works/new", data=form(holder=ids["holder_a"], created_on="2026-05-01",
                                             published_on="2026-01-01"), content_type="multipart/form-data")
    assert resp.status_code == 400 and "cannot be published before it was created" in resp.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 100)
    big = os.urandom(101)
    resp = page.post("/works/new", data=form(holder=ids["holder_a"], files=[(io.BytesIO(big), "big.bin")]),
                     content_type="multipart/form-data")
    assert resp.status_code == 400 and "larger than the limit of 100 bytes" in resp.get_data(as_text=True)
    assert work_count() == before
    assert not os.listdir(os.path.join(app.config["BLOB_DIR"], ".tmp"))


def test_who_sees_which_work(login_as, people):
    work_b = register(people["creator2"].rights_holder, title="Holder B's secret film")
    url = f"/works/{work_b.id}"
    file_url = f"{url}/files/{work_b.files[0].id}/download"
    for role in ("admin", "legal", "creator2"):
        page = login_as(role)
        assert page.get(url).status_code == 200, role
        assert "Holder B&#39;s secret film" in page.get("/works?per_page=200").get_data(as_text=True), role
        assert page.get(file_url).status_code == 200
    for role in ("creator", "counsel"):
        page = login_as(role)
        assert page.get(url).status_code == 404, role
        assert page.get(file_url).status_code == 404, role
        assert "secret film" not in page.get("/works?per_page=200").get_data(as_text=True), role
    assert login_as("counsel").get("/works/new").status_code == 403
    # Counsel: through a case assigned to them.
    case_at("evidence", [work_b], counsel=people["counsel"])
    db.session.commit()
    counsel = login_as("counsel")
    assert counsel.get(url).status_code == 200
    assert "Add and deposit" not in counsel.get(url).get_data(as_text=True)  # read-only
    assert counsel.post(f"{url}/files", data={}).status_code == 403
    assert login_as("counsel2").get(url).status_code == 404


def test_adding_files_deposits_them(login_as, people):
    work = register(people["creator"].rights_holder)
    page = login_as("creator")
    content = os.urandom(77)
    resp = page.post(f"/works/{work.id}/files", data={"files": [(io.BytesIO(content), "extra.txt")]},
                     content_type="multipart/form-data")
    assert resp.status_code == 302
    db.session.expire_all()
    assert [f.name for f in db.session.get(Work, work.id).files] == ["reel.mov", "extra.txt"]
    added = db.session.get(Work, work.id).files[1]
    assert added.deposit_index == work.files[0].deposit_index + 1
    assert login_as("creator2").post(f"/works/{work.id}/files", data={}).status_code == 404


def test_download_gives_the_exact_bytes(login_as, people):
    content = os.urandom(1234)
    work = register(people["creator"].rights_holder, content=content)
    resp = login_as("creator").get(f"/works/{work.id}/files/{work.files[0].id}/download")
    assert resp.status_code == 200 and resp.data == content


def test_public_verify_page_finds_deposits_without_leaking_titles(client, login_as, people):
    content = os.urandom(500)
    work = register(people["creator"].rights_holder, title="Unreleased trailer", content=content)
    digest = hashlib.sha256(content).hexdigest()
    page = client.get("/verify")
    assert page.status_code == 200 and 'src="/static/js/verify.js"' in page.get_data(as_text=True)
    html = client.get(f"/verify?sha256={digest.upper()}").get_data(as_text=True)
    f = work.files[0]
    assert "Deposited once" in html and f"work:{work.id}" in html and f"/api/v1/deposits/{f.deposit_index}" in html
    assert "Unreleased trailer" not in html  # anonymous visitors see what a receipt shows, no more
    assert "Unreleased trailer" in login_as("creator").get(f"/verify?sha256={digest}").get_data(as_text=True)
    assert "Unreleased trailer" not in login_as("creator2").get(f"/verify?sha256={digest}").get_data(as_text=True)
    missing = client.get(f"/verify?sha256={'0' * 64}")
    assert missing.status_code == 200 and "Not found" in missing.get_data(as_text=True)
    bad = client.get("/verify?sha256=not-a-hash")
    assert bad.status_code == 400 and "64 hexadecimal digits" in bad.get_data(as_text=True)
    assert "<script>" not in client.get("/verify").get_data(as_text=True)  # CSP: scripts only from files


def test_creators_do_not_see_which_staff_member_registered_their_work(login_as, ids, people):
    from casework.models import RightsHolder

    people["legal"].name = "Staff Wang Fawu"
    work = register(db.session.get(RightsHolder, ids["holder_a"]), title="Registered by legal")
    work.created_by_id = ids["legal"]
    db.session.commit()
    page = login_as("creator").get(f"/works/{work.id}")
    assert page.status_code == 200 and "Registered by legal" in page.get_data(as_text=True)
    assert "Staff Wang Fawu" not in page.get_data(as_text=True)
    assert "Staff Wang Fawu" in login_as("legal").get(f"/works/{work.id}").get_data(as_text=True)
