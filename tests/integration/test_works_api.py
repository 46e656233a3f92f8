"""Works through the API: registration per role, what each role may (not) see, bad input, limits."""
from __future__ import annotations

import hashlib
import io
import os

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.ledger.receipt import check_receipt
from casework.models.ledger import Deposit
from casework.models.works import Work, WorkFile
from casework.services import ledger
from casework.storage import get_storage
from tests.case_factories import case_at


def post_work(client, headers, *, files=None, **fields):
    data = {"title": "Poster", "kind": "image", **fields}
    parts = files if files is not None else [(b"\x89PNG poster bytes", "poster.png")]
    data["file"] = [(io.BytesIO(content), name) for content, name in parts]
    return client.post("/api/v1/works", data=data, headers=headers, content_type="multipart/form-data")


def counts():
    return (db.session.scalar(select(func.count()).select_from(Work)),
            db.session.scalar(select(func.count()).select_from(WorkFile)),
            db.session.scalar(select(func.count()).select_from(Deposit)))


def tmp_files(app) -> list[str]:
    return os.listdir(os.path.join(app.config["BLOB_DIR"], ".tmp"))


def test_creator_registers_own_work_and_gets_a_verifiable_receipt(app, client, token_for, ids):
    content = b"an original photograph " + os.urandom(16)
    resp = post_work(client, token_for("creator"), files=[(content, "photo.jpg")], title="Harbour at dawn",
                     created_on="2026-01-02", published_on="2026-02-03", description="Shot on film")
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["title"] == "Harbour at dawn" and body["kind"] == "image" and body["rights_holder"] == ids["holder_a"]
    assert body["created_on"] == "2026-01-02" and body["published_on"] == "2026-02-03"
    (f,) = body["files"]
    assert f["name"] == "photo.jpg" and f["media_type"] == "image/jpeg" and f["size"] == len(content)
    assert f["sha256"] == hashlib.sha256(content).hexdigest()
    assert isinstance(f["deposit_index"], int)
    # The content is in the store under its hash, and the receipt proves the deposit.
    with get_storage().open(f["sha256"]) as fh:
        assert fh.read() == content
    receipt = client.get(f"/api/v1/deposits/{f['deposit_index']}").json
    entry = check_receipt(receipt, ledger.verifier_key())
    assert (entry.kind, entry.sha256, entry.size, entry.subject) == ("work_file", f["sha256"], len(content),
                                                                     f"work:{body['id']}")
    assert entry.actor == f"user:{ids['creator']}"
    # GET returns the same work.
    assert client.get(f"/api/v1/works/{body['id']}", headers=token_for("creator")).json == body


def test_identical_content_is_stored_once_but_deposited_per_file(app, client, token_for):
    content = os.urandom(3000)
    resp = post_work(client, token_for("legal"), rights_holder="1", files=[(content, "a.bin"), (content, "b.bin")])
    assert resp.status_code == 201, resp.json
    a, b = resp.json["files"]
    assert a["sha256"] == b["sha256"] and a["deposit_index"] + 1 == b["deposit_index"]
    assert os.path.isfile(get_storage().path(a["sha256"]))
    assert not tmp_files(app)


def test_creator_may_not_register_for_another_holder(client, token_for, ids):
    before = counts()
    resp = post_work(client, token_for("creator"), rights_holder=str(ids["holder_b"]))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"
    assert counts() == before


def test_visibility_per_role(client, token_for, ids, people):
    resp = post_work(client, token_for("legal"), rights_holder=str(ids["holder_b"]), title="B's song", kind="audio")
    work_id = resp.json["id"]
    assert client.get(f"/api/v1/works/{work_id}", headers=token_for("creator2")).status_code == 200
    assert client.get(f"/api/v1/works/{work_id}", headers=token_for("admin")).status_code == 200
    # Holder A's creator and every counsel: as if it did not exist.
    for role in ("creator", "counsel", "counsel2"):
        assert client.get(f"/api/v1/works/{work_id}", headers=token_for(role)).status_code == 404, role
        listed = client.get("/api/v1/works?per_page=200", headers=token_for(role)).json
        assert work_id not in [w["id"] for w in listed["items"]], role
        assert client.get(f"/api/v1/works/{work_id}/files/{resp.json['files'][0]['id']}",
                          headers=token_for(role)).status_code == 404
    listed = client.get("/api/v1/works?per_page=200", headers=token_for("creator2")).json
    assert work_id in [w["id"] for w in listed["items"]]
    assert all(w["rights_holder"] == ids["holder_b"] for w in listed["items"])
    # Counsel see a work once a case on it is assigned to them, and only that counsel.
    work = db.session.get(Work, work_id)
    case_at("letter", [work], counsel=people["counsel"])
    db.session.commit()
    assert client.get(f"/api/v1/works/{work_id}", headers=token_for("counsel")).status_code == 200
    assert client.get(f"/api/v1/works/{work_id}", headers=token_for("counsel2")).status_code == 404


def test_download_returns_the_deposited_content(client, token_for):
    content = os.urandom(5000)
    body = post_work(client, token_for("creator"), files=[(content, "clip.mp4")], kind="video").json
    f = body["files"][0]
    resp = client.get(f"/api/v1/works/{body['id']}/files/{f['id']}", headers=token_for("creator"))
    assert resp.status_code == 200 and resp.data == content
    assert resp.mimetype == "video/mp4" and "clip.mp4" in resp.headers["Content-Disposition"]


@pytest.mark.parametrize("fields,files,field", [
    ({"kind": "painting"}, None, "kind"),
    ({"title": "  "}, None, "title"),
    ({}, [], "file"),
    ({"created_on": "yesterday"}, None, "created_on"),
    ({"created_on": "2026-03-01", "published_on": "2026-01-01"}, None, "published_on"),
    ({"created_on": "2999-01-01"}, None, "created_on"),
    ({"rights_holder": "abc"}, None, "rights_holder"),
])
def test_bad_input_is_422_naming_the_field_and_stores_nothing(app, client, token_for, fields, files, field):
    before = counts()
    resp = post_work(client, token_for("creator"), files=files, **fields)
    assert resp.status_code == 422, resp.json
    assert field in [d["field"] for d in resp.json["error"]["details"]]
    assert counts() == before
    assert not tmp_files(app)


def test_staff_must_name_an_existing_holder(client, token_for):
    assert post_work(client, token_for("legal")).status_code == 422
    resp = post_work(client, token_for("legal"), rights_holder="999999")
    assert resp.status_code == 422 and resp.json["error"]["details"][0]["field"] == "rights_holder"


def test_json_body_is_415_and_read_only_token_is_403(client, token_for):
    resp = client.post("/api/v1/works", json={"title": "x"}, headers=token_for("creator"))
    assert resp.status_code == 415 and resp.json["error"]["code"] == "unsupported_media_type"
    assert post_work(client, token_for("creator", scopes=("read",))).status_code == 403
    assert post_work(client, {}).status_code == 401
    assert post_work(client, token_for("counsel")).status_code == 403


def test_too_large_is_413_and_leaves_nothing_behind(app, client, token_for, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    small, large = os.urandom(500), os.urandom(1001)
    before = counts()
    resp = post_work(client, token_for("creator"), files=[(small, "ok.bin"), (large, "big.bin")])
    assert resp.status_code == 413 and resp.json["error"]["code"] == "too_large"
    assert counts() == before
    storage = get_storage()
    assert not storage.exists(hashlib.sha256(small).hexdigest())  # the first file was never linked in
    assert not storage.exists(hashlib.sha256(large).hexdigest())
    assert not tmp_files(app)
    # A file exactly at the limit is fine.
    assert post_work(client, token_for("creator"), files=[(os.urandom(1000), "edge.bin")]).status_code == 201


def test_list_is_paginated_and_filtered(client, token_for):
    for n in range(3):
        post_work(client, token_for("creator"), title=f"Series part {n}", kind="tv_series",
                  files=[(os.urandom(64), f"ep{n}.mkv")])
    page = client.get("/api/v1/works?kind=tv_series&per_page=2&page=1", headers=token_for("creator")).json
    assert page["total"] >= 3 and len(page["items"]) == 2 and page["page"] == 1
    assert all(w["kind"] == "tv_series" for w in page["items"])
    found = client.get("/api/v1/works?q=part 1", headers=token_for("creator")).json["items"]
    assert [w["title"] for w in found] == ["Series part 1"]
    assert client.get("/api/v1/works?kind=painting", headers=token_for("creator")).status_code == 400
    assert client.get("/api/v1/works?per_page=500", headers=token_for("creator")).status_code == 400
