"""Uploaded evidence through the API: stored, hashed and deposited on arrival with who supplied it and
when; refused for a wrong type, a content that is not what it claims, or a file past the limit,
leaving nothing behind; what each role sees."""
from __future__ import annotations

import hashlib
import io
import os

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.ledger.receipt import check_receipt
from casework.models.evidence import CustodyEvent, EvidenceItem
from casework.models.ledger import Deposit
from casework.services import ledger
from casework.storage import get_storage
from tests.case_factories import case_at, make_work
from tests.signing_fixtures import local_tsa, signing_pki  # noqa: F401  (fixtures)
from tests.unit.capture_helpers import make_png


@pytest.fixture
def case(people, ids):
    return case_at("evidence", [make_work(ids["holder_a"])], title="Netdisk share", counsel=people["counsel"])


def post(client, headers, case_id, content, name, kind="screenshot", mimetype=None, **fields):
    part = (io.BytesIO(content), name, mimetype) if mimetype else (io.BytesIO(content), name)
    return client.post(f"/api/v1/cases/{case_id}/evidence", headers=headers, content_type="multipart/form-data",
                       data={"kind": kind, "file": part, **fields})


def counts():
    return (db.session.scalar(select(func.count()).select_from(EvidenceItem)),
            db.session.scalar(select(func.count()).select_from(Deposit)))


def tmp_files(app) -> list[str]:
    return [n for n in os.listdir(os.path.join(app.config["BLOB_DIR"], ".tmp"))]


def test_upload_is_stored_hashed_and_deposited_with_its_supplier(client, token_for, case, ids):
    pdf = "%PDF-1.7\n% notarial certificate (公证书) ".encode() + os.urandom(32)
    resp = post(client, token_for("counsel"), case.id, pdf, "公证书.pdf", kind="notarial_certificate",
                supplied_by="Shanghai Oriental Notary Office", supplied_at="2026-05-20T10:00:00Z",
                url="https://copycat-shop.example/item/12")
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["status"] == "done" and body["kind"] == "notarial_certificate" and body["exhibit_no"] == 1
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest() and body["size"] == len(pdf)
    assert body["media_type"] == "application/pdf" and body["file_name"] == "公证书.pdf"
    assert body["supplied_by"] == "Shanghai Oriental Notary Office" and body["supplied_at"] == "2026-05-20T10:00:00Z"
    with get_storage().open(body["sha256"]) as fh:
        assert fh.read() == pdf
    entry = check_receipt(client.get(f"/api/v1/deposits/{body['deposit_index']}").json, ledger.verifier_key())
    assert (entry.kind, entry.sha256, entry.subject) == ("evidence", body["sha256"], f"evidence:{body['id']}")
    assert entry.actor == f"user:{ids['counsel']}"
    second = post(client, token_for("legal"), case.id, make_png(), "shot.png").json
    assert second["exhibit_no"] == 2 and second["supplied_by"] == "legal@test.example"


@pytest.mark.parametrize("content, name, kind, mimetype, status, words", [
    (b"%PDF-1.7 a pdf", "shot.pdf", "screenshot", None, 415, "cannot be a application/pdf"),
    (b"just text, not an image", "shot.png", "screenshot", None, 415, "not image/png"),
    (b"MZ\x90\x00 a program", "tool.exe", "other", "application/x-msdownload", 415, "cannot be"),
    (b"", "empty.png", "screenshot", None, 422, "empty"),
    (b"\x89PNG\r\n\x1a\n", "shot.png", "video", None, 422, "kind must be one of"),
])
def test_refused_uploads_leave_nothing(app, client, token_for, case, content, name, kind, mimetype, status, words):
    before = counts()
    resp = post(client, token_for("legal"), case.id, content, name, kind=kind, mimetype=mimetype)
    assert resp.status_code == status, resp.json
    assert words in resp.json["error"]["message"]
    assert counts() == before and tmp_files(app) == []


def test_size_limit(app, client, token_for, case, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 4096)
    before = counts()
    resp = post(client, token_for("legal"), case.id, make_png() + b"\x00" * 5000, "big.png")
    assert resp.status_code == 413 and "4,096" in resp.json["error"]["message"]
    assert counts() == before and tmp_files(app) == []


def test_bad_fields(client, token_for, case):
    legal = token_for("legal")
    assert post(client, legal, case.id, make_png(), "a.png", supplied_at="2999-01-01T00:00:00Z").status_code == 422
    assert post(client, legal, case.id, make_png(), "a.png", supplied_at="yesterday").status_code == 422
    assert post(client, legal, case.id, make_png(), "a.png", url="javascript:alert(1)").status_code == 422
    as_json = client.post(f"/api/v1/cases/{case.id}/evidence", headers=legal, json={"kind": "screenshot"})
    assert as_json.status_code == 415


def test_who_adds_and_who_sees_evidence(client, token_for, case, ids):
    item = post(client, token_for("legal"), case.id, make_png(), "a.png", title="Listing with our poster").json
    assert post(client, token_for("counsel2"), case.id, make_png(), "b.png").status_code == 404
    assert post(client, token_for("creator"), case.id, make_png(), "b.png").status_code == 403
    # Reading an item is for the case team; counsel of another case and creators never get it.
    assert client.get(f"/api/v1/evidence/{item['id']}", headers=token_for("counsel")).status_code == 200
    assert client.get(f"/api/v1/evidence/{item['id']}", headers=token_for("counsel2")).status_code == 404
    assert client.get(f"/api/v1/evidence/{item['id']}/download", headers=token_for("creator")).status_code == 403
    # Creators following the case see that evidence exists: kind, time, hash and deposit, nothing else.
    creator_view = client.get(f"/api/v1/cases/{case.id}", headers=token_for("creator")).json["evidence"]
    assert creator_view == [{"id": item["id"], "kind": "screenshot", "status": "done", "exhibit_no": 1,
                             "captured_at": None, "supplied_at": item["supplied_at"], "sha256": item["sha256"],
                             "deposit_index": item["deposit_index"]}]
    listed = client.get(f"/api/v1/cases/{case.id}/evidence", headers=token_for("creator")).json["items"]
    assert "title" not in listed[0] and "supplied_by" not in listed[0]
    team_view = client.get(f"/api/v1/cases/{case.id}", headers=token_for("counsel")).json["evidence"]
    assert team_view[0]["title"] == "Listing with our poster" and team_view[0]["type"] == "item"
    # Only the team's reads are in the chain of custody (the creator's case read is not an item view).
    actors = {e.actor_label for e in db.session.scalars(select(CustodyEvent).where(CustodyEvent.item_id == item["id"]))}
    assert actors == {"counsel@test.example"}


def test_the_deposit_checkpoint_is_timestamped_when_a_tsa_is_configured(app, client, token_for, case, local_tsa,
                                                                        monkeypatch):
    import base64

    from casework.models.ledger import Checkpoint

    monkeypatch.setitem(app.config, "TSA_URL", local_tsa.url)
    body = post(client, token_for("legal"), case.id, make_png(5, 5) + os.urandom(8), "stamped.png").json
    # The checkpoint signed with the deposit (in the same transaction) carries the TSA's token over its note.
    checkpoint = db.session.scalar(select(Checkpoint).where(Checkpoint.size > body["deposit_index"])
                                   .order_by(Checkpoint.size))
    assert checkpoint is not None and checkpoint.timestamp_token
    receipt = client.get(f"/api/v1/deposits/{body['deposit_index']}").json
    assert receipt["timestamp_token"] and base64.b64decode(receipt["timestamp_token"])[:1] == b"\x30"  # DER
