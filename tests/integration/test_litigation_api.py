"""The litigation API: record, hearings and deadlines (GET/POST/PATCH), per role, with JSON errors."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from casework.extensions import db
from casework.models import utcnow
from casework.models.cases import CaseEvent
from casework.models.scheduling import Deadline
from casework.services.events import rfc3339
from tests.case_factories import case_at, make_work, sealed_bundle

BASE = "/api/v1/cases/{}/litigation"


def _case(ids, people, counsel="counsel", stage="litigation"):
    case = case_at(stage, [make_work(ids["holder_a"], "API work")], title="API case",
                   counsel=people[counsel] if counsel else None, owner=people["legal"])
    db.session.commit()
    return case


def test_counsel_opens_and_patches_the_record(client, token_for, ids, people):
    case = _case(ids, people)
    headers = token_for("counsel")
    url = BASE.format(case.id)
    assert client.get(url, headers=headers).status_code == 404  # no record yet
    resp = client.post(url, headers=headers, json={
        "court": "杭州互联网法院", "case_number": "(2026)浙0192民初77号", "filing_date": "2026-06-01",
        "claims": {"amount": "50000.00", "currency": "CNY", "injunction_sought": True}})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["claims"] == {"amount": "50000.00", "currency": "CNY", "injunction_sought": True}
    assert client.post(url, headers=headers, json={}).status_code == 409
    resp = client.patch(url, headers=headers, json={"cause_of_action": "信息网络传播权", "resolution": {
        "kind": "settled", "date": "2026-09-09", "amount_awarded": 30000, "amount_paid": "15000.5",
        "currency": "CNY"}})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["cause_of_action"] == "信息网络传播权"
    assert body["resolution"]["amount_awarded"] == "30000.00" and body["resolution"]["amount_paid"] == "15000.50"
    case_json = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()
    assert case_json["litigation"][0]["case_number"] == "(2026)浙0192民初77号"
    kinds = [e["kind"] for e in case_json["timeline"]]
    assert "litigation_opened" in kinds and "litigation_resolved" in kinds


def test_hearings_and_deadlines(client, token_for, ids, people):
    case = _case(ids, people)
    headers = token_for("legal")
    url = BASE.format(case.id)
    first = (utcnow() + timedelta(days=30)).replace(hour=1, minute=30, second=0, microsecond=0)
    later = first + timedelta(days=7)
    resp = client.post(url + "/hearings", headers=headers, json={"at": rfc3339(first), "kind": "pretrial",
                                                                  "place": "Room 2"})
    assert resp.status_code == 201, resp.get_json()
    hearing = resp.get_json()
    deadline = db.session.get(Deadline, hearing["deadline_id"])
    assert deadline.kind == "court_hearing" and deadline.due_at == first
    resp = client.patch(url + f"/hearings/{hearing['id']}", headers=headers, json={"at": rfc3339(later)})
    assert resp.status_code == 200 and resp.get_json()["at"] == rfc3339(later)
    db.session.expire_all()
    assert db.session.get(Deadline, hearing["deadline_id"]).due_at == later
    assert [h["id"] for h in client.get(url + "/hearings", headers=headers).get_json()["items"]] == [hearing["id"]]
    resp = client.patch(url + f"/hearings/{hearing['id']}", headers=headers, json={"held": True})
    assert resp.status_code == 422 and "once its time has come" in resp.get_json()["error"]["message"]

    resp = client.post(url + "/deadlines", headers=headers, json={"kind": "court_appeal", "title": "Appeal window",
                                                                   "due_at": "2026-12-20T16:00:00+08:00"})
    assert resp.status_code == 201 and resp.get_json()["due_at"] == "2026-12-20T08:00:00Z"
    did = resp.get_json()["id"]
    resp = client.patch(url + f"/deadlines/{did}", headers=headers, json={"done": True})
    assert resp.status_code == 200 and resp.get_json()["status"] == "done"
    items = client.get(url + "/deadlines", headers=headers).get_json()["items"]
    assert [d["id"] for d in items] == [did]
    # A deadline that is not a court deadline of this case is not reachable here.
    other = Deadline(kind="follow_up", title="x", due_at=deadline.due_at, case_id=case.id, status="open",
                     created_at=deadline.created_at)
    db.session.add(other)
    db.session.commit()
    assert client.patch(url + f"/deadlines/{other.id}", headers=headers, json={"done": True}).status_code == 404


def test_errors_are_json_and_nothing_is_stored(client, token_for, ids, people):
    case = _case(ids, people)
    headers = token_for("counsel")
    url = BASE.format(case.id)
    before = db.session.scalar(select(func.count()).select_from(CaseEvent))
    resp = client.post(url + "/hearings", headers=headers, json={"at": "tomorrow", "kind": "trial"})
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]
    resp = client.post(url + "/hearings", headers=headers, json={"at": "2026-12-01T09:00:00", "kind": "trial"})
    assert resp.status_code == 422 and "UTC offset" in resp.get_json()["error"]["message"]
    resp = client.post(url, headers=headers, json={"claims": {"amount": "-3"}})
    assert resp.status_code == 422 and resp.get_json()["error"]["details"][0]["field"] == "claim_amount"
    resp = client.post(url + "/costs", headers=headers, data="x", content_type="text/plain")
    assert resp.status_code == 415
    resp = client.post(url + "/filings", headers=headers, json={"kind": "document", "ref_id": 987654,
                                                                 "filed_on": "2026-06-01"})
    assert resp.status_code == 422 and "has no document" in resp.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == before


def test_access_per_role(client, token_for, ids, people):
    case = _case(ids, people, counsel="counsel2")
    url = BASE.format(case.id)
    legal = token_for("legal")
    assert client.post(url, headers=legal, json={"court": "Court A"}).status_code == 201
    client.post(url + "/costs", headers=legal, json={"kind": "court_fee", "incurred_on": "2026-06-01",
                                                      "amount": "100"})
    counsel = token_for("counsel")  # not assigned to this case
    for method, path in (("GET", ""), ("GET", "/hearings"), ("GET", "/deadlines"), ("PATCH", ""),
                         ("POST", "/hearings"), ("POST", "/deadlines"), ("POST", "/costs")):
        resp = client.open(url + path, method=method, headers=counsel,
                           json={"court": "x"} if method != "GET" else None)
        assert resp.status_code == 404, (method, path, resp.status_code)
    assert "Court A" not in client.get(f"/api/v1/cases/{case.id}", headers=counsel).get_data(as_text=True)
    creator = token_for("creator")
    body = client.get(url, headers=creator).get_json()
    assert body["court"] == "Court A" and "costs" not in body and "claims" not in body
    assert client.patch(url, headers=creator, json={"court": "y"}).status_code == 403
    assert client.get(url, headers=token_for("creator2")).status_code == 404
    assert client.post(url + "/close", headers=token_for("counsel2"), json={}).status_code == 403
    resp = client.post(url + "/close", headers=legal, json={})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "workflow_refused"


def test_close_through_the_api(client, token_for, ids, people):
    case = _case(ids, people, stage="evidence")
    sealed_bundle(case)
    db.session.commit()
    legal = token_for("legal")
    assert client.post(f"/api/v1/cases/{case.id}/transitions", headers=legal,
                       json={"to": "litigation"}).status_code == 200
    url = BASE.format(case.id)
    client.post(url, headers=legal, json={"resolution": {"kind": "judgment_lost", "date": "2026-11-01"}})
    resp = client.post(f"/api/v1/cases/{case.id}/transitions", headers=legal,
                       json={"to": "closed", "outcome": "judgment_won"})
    assert resp.status_code == 409 and "judgment_lost" in resp.get_json()["error"]["message"]
    resp = client.post(url + "/close", headers=legal, json={"note": "Appeal not worth it"})
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "judgment_lost"


def test_an_entry_is_removed_through_the_api(client, token_for, ids, people):
    case = _case(ids, people)
    url = BASE.format(case.id)
    headers = token_for("counsel")
    party = client.post(url + "/parties", headers=headers, json={"side": "defendant", "name": "Wrong Co"}).get_json()
    assert client.delete(url + f"/parties/{party['id']}", headers=token_for("counsel2")).status_code == 404
    assert client.delete(url + f"/hearings/{party['id']}", headers=headers).status_code == 404
    assert client.delete(url + f"/parties/{party['id']}", headers=headers).get_json() == {
        "removed": {"kind": "party", "id": party["id"]}}
    assert client.get(url, headers=headers).get_json()["parties"] == []
    assert client.delete(url + f"/parties/{party['id']}", headers=headers).status_code == 404
