"""POST/GET /api/v1/detections, confirm and dismiss: all or nothing, duplicates, licences, access."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models.cases import Case, CaseEvent, CaseUrl
from casework.models.monitoring import Detection, Infringer
from casework.models.scheduling import DomainEvent
from casework.services import monitoring
from tests.case_factories import NOW, make_work, system


@pytest.fixture
def works(ids):
    return make_work(ids["holder_a"], "Poster A"), make_work(ids["holder_b"], "Clip B")


@pytest.fixture
def legal(token_for):
    return token_for("legal")


def _count():
    return db.session.scalar(select(func.count(Detection.id)))


def post(client, headers, items):
    return client.post("/api/v1/detections", json={"detections": items}, headers=headers)


def test_a_batch_is_stored_and_duplicates_are_reported_not_stored_twice(client, legal, works):
    a, b = works
    monitoring.create_platform(name="Bilibili", domains="bilibili.com", actor=system(), now=NOW)
    db.session.commit()
    items = [
        {"work_id": a.id, "url": "https://www.bilibili.com/video/BV1?utm_source=x", "similarity": 0.93,
         "detected_at": "2026-05-30T10:00:00+08:00", "infringer": "Pirate Uploader"},
        {"work_id": b.id, "url": "https://pirate.example/clip#t=3", "platform": None},
        {"work_id": a.id, "url": "HTTPS://www.bilibili.com/video/BV1/"},  # the same as the first
    ]
    resp = post(client, legal, items)
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert len(body["created"]) == 2 and body["duplicates"] == [body["created"][0]]
    first = db.session.get(Detection, body["created"][0])
    assert first.url_normalized == "https://www.bilibili.com/video/BV1" and first.platform.name == "Bilibili"
    assert first.source == "api" and first.status == "pending" and first.similarity == 0.93
    assert first.detected_at.isoformat() == "2026-05-30T02:00:00+00:00"
    assert first.infringer.name == "Pirate Uploader" and first.infringer.kind == "platform_account"
    again = post(client, legal, items[:2])
    assert again.status_code == 201 and again.json == {"created": [], "duplicates": body["created"], "licensed": []}
    assert _count() == 2
    assert db.session.scalar(select(func.count(DomainEvent.seq)).where(DomainEvent.type == "detection.created")) == 1


def test_one_bad_item_refuses_the_batch_and_names_every_bad_item(client, legal, works):
    a, _ = works
    items = [
        {"work_id": a.id, "url": "https://ok.example/1"},
        {"work_id": 999999, "url": "https://ok.example/2"},
        {"work_id": a.id, "url": "ftp://nope.example/"},
        {"work_id": a.id, "url": "https://ok.example/3", "similarity": 1.5, "detected_at": "yesterday"},
        {"work_id": a.id, "url": "https://ok.example/4", "platform": "No Such Platform"},
        "not an object",
    ]
    resp = post(client, legal, items)
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "invalid" and "nothing was stored" in err["message"]
    named = {(d["index"], d["field"].rsplit("/", 1)[-1]) for d in err["details"]}
    assert {(1, "work_id"), (2, "url"), (3, "similarity"), (3, "detected_at"), (4, "platform"), (5, "(item)")} <= named
    assert (0, "url") not in named
    assert _count() == 0


@pytest.mark.parametrize("body,status", [
    ({"detections": []}, 422), ({}, 422), ({"detections": "x"}, 422),
    ({"detections": [{"work_id": 1, "url": "https://a.example/"}] * 1001}, 422),
])
def test_malformed_batches(client, legal, body, status):
    assert client.post("/api/v1/detections", json=body, headers=legal).status_code == status
    assert client.post("/api/v1/detections", data="{", headers={**legal, "Content-Type": "application/json"}
                       ).status_code == 400
    assert client.post("/api/v1/detections", data="x", headers=legal).status_code == 415


def test_a_full_batch_of_a_thousand(client, legal, works):
    a, _ = works
    items = [{"work_id": a.id, "url": f"https://mirror{i % 7}.example/p/{i}"} for i in range(1000)]
    resp = post(client, legal, items)
    assert resp.status_code == 201 and len(resp.json["created"]) == 1000 and _count() == 1000


def test_licensed_detections_are_flagged_on_intake(client, legal, works):
    a, b = works
    monitoring.add_licence(a.id, kind="domain", value="partner.example", licensee="Partner Co", actor=system(), now=NOW)
    monitoring.add_licence(a.id, kind="account", value="https://weibo.com/u/777", actor=system(), now=NOW)
    db.session.commit()
    resp = post(client, legal, [
        {"work_id": a.id, "url": "https://m.partner.example/a"},
        {"work_id": a.id, "url": "https://weibo.com/u/777/status/1"},
        {"work_id": a.id, "url": "https://weibo.com/u/7770/status/1"},
        {"work_id": b.id, "url": "https://partner.example/a"},  # licensed for a, not for b
    ])
    created = resp.json["created"]
    assert resp.json["licensed"] == created[:2]
    assert "Partner Co" in db.session.get(Detection, created[0]).licence_note
    assert not db.session.get(Detection, created[3]).licensed


def test_the_queue_lists_pending_detections(client, legal, works):
    a, b = works
    post(client, legal, [{"work_id": a.id, "url": "https://x.example/1"}, {"work_id": b.id, "url": "https://x.example/2"}])
    resp = client.get("/api/v1/detections?status=pending&per_page=1", headers=legal)
    assert resp.status_code == 200 and resp.json["total"] == 2 and len(resp.json["items"]) == 1
    assert client.get(f"/api/v1/detections?status=pending&work_id={a.id}", headers=legal).json["total"] == 1
    assert client.get("/api/v1/detections?status=nope", headers=legal).status_code == 400


def test_confirm_opens_a_case_and_the_same_infringer_joins_it(client, legal, works):
    a, b = works
    ids = post(client, legal, [
        {"work_id": a.id, "url": "https://pirate.example/a"},
        {"work_id": b.id, "url": "https://www.pirate.example/b"},
        {"work_id": a.id, "url": "https://other.example/a"},
    ]).json["created"]
    first = client.post(f"/api/v1/detections/{ids[0]}/confirm", json={}, headers=legal)
    assert first.status_code == 200
    case = db.session.get(Case, first.json["case_id"])
    assert case.infringer.name == "pirate.example" and case.infringer.domains == ["pirate.example"]
    second = client.post(f"/api/v1/detections/{ids[1]}/confirm", json={}, headers=legal)
    assert second.json["case_id"] == case.id  # www.pirate.example is the same infringer
    third = client.post(f"/api/v1/detections/{ids[2]}/confirm", headers=legal)  # no body at all is fine
    assert third.json["case_id"] != case.id
    db.session.expire_all()
    urls = db.session.scalars(select(CaseUrl.url_normalized).where(CaseUrl.case_id == case.id)).all()
    assert sorted(urls) == ["https://pirate.example/a", "https://www.pirate.example/b"]
    from casework.services.cases import work_ids

    assert work_ids(case) == sorted([a.id, b.id])
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    assert kinds == ["opened", "detection_confirmed", "detection_confirmed"]
    assert client.post(f"/api/v1/detections/{ids[0]}/confirm", json={}, headers=legal).status_code == 409


def test_confirm_into_a_given_case_and_not_into_a_closed_one(client, legal, works):
    a, _ = works
    from tests.case_factories import case_at

    open_case, closed = case_at("letter", [a]), case_at("closed", [a])
    db.session.commit()
    ids = post(client, legal, [{"work_id": a.id, "url": "https://q.example/1"},
                               {"work_id": a.id, "url": "https://q.example/2"}]).json["created"]
    assert client.post(f"/api/v1/detections/{ids[0]}/confirm", json={"case_id": open_case.id},
                       headers=legal).json == {"case_id": open_case.id}
    resp = client.post(f"/api/v1/detections/{ids[1]}/confirm", json={"case_id": closed.id}, headers=legal)
    assert resp.status_code == 409 and "closed" in resp.json["error"]["message"]
    assert client.post(f"/api/v1/detections/{ids[1]}/confirm", json={"case_id": 999999},
                       headers=legal).status_code == 422


def test_dismiss_needs_a_known_reason(client, legal, works):
    a, _ = works
    did = post(client, legal, [{"work_id": a.id, "url": "https://fair.example/review"}]).json["created"][0]
    assert client.post(f"/api/v1/detections/{did}/dismiss", json={"reason": "boring"}, headers=legal).status_code == 422
    resp = client.post(f"/api/v1/detections/{did}/dismiss", json={"reason": "fair_use", "note": "a review"},
                       headers=legal)
    assert resp.status_code == 200 and resp.json["status"] == "dismissed" and resp.json["dismiss_reason"] == "fair_use"
    assert client.post(f"/api/v1/detections/{did}/dismiss", json={"reason": "fair_use"}, headers=legal).status_code == 409
    assert client.post("/api/v1/detections/999999/dismiss", json={"reason": "fair_use"}, headers=legal).status_code == 404


@pytest.mark.parametrize("role", ["counsel", "creator"])
def test_only_legal_and_admin_take_in_and_review(client, token_for, works, role):
    a, _ = works
    headers = token_for(role)
    assert post(client, headers, [{"work_id": a.id, "url": "https://x.example/"}]).status_code == 403
    assert client.get("/api/v1/detections", headers=headers).status_code == 403
    assert client.post("/api/v1/detections/1/confirm", json={}, headers=headers).status_code == 403


def test_a_read_only_token_cannot_take_in(client, token_for, works):
    a, _ = works
    resp = post(client, token_for("legal", scopes=("read",)), [{"work_id": a.id, "url": "https://x.example/"}])
    assert resp.status_code == 403 and "write" in resp.json["error"]["message"]


def test_infringers_and_platforms_lists(client, legal, works):
    a, _ = works
    monitoring.create_infringer(name="Repeat Co", kind="company", domains=["repeat.example"], actor=system(), now=NOW)
    db.session.commit()
    items = client.get("/api/v1/infringers", headers=legal).json["items"]
    assert items[0]["name"] == "Repeat Co" and items[0]["domains"] == ["repeat.example"]
    assert client.get("/api/v1/platforms", headers=legal).status_code == 200
    assert db.session.scalar(select(func.count(Infringer.id))) == 1


def test_a_json_body_past_the_limit_is_refused_unread(app, client, legal):
    """JSON is read whole into memory: past MAX_JSON_BYTES it is a 413, without a Content-Length too."""
    limit = app.config["MAX_JSON_BYTES"]
    body = b'{"detections": "' + b"x" * limit + b'"}'
    resp = client.post("/api/v1/detections", data=body, headers={**legal, "Content-Type": "application/json"})
    assert resp.status_code == 413 and resp.json["error"]["code"] == "too_large"

    # Sent chunked: no Content-Length for the first check to read; the stream itself is bounded.
    resp = client.post("/api/v1/detections", input_stream=io.BytesIO(body), environ_overrides={
        "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}, headers={**legal, "Content-Type": "application/json"})
    assert resp.status_code == 413
    assert _count() == 0
