"""GET/PATCH /api/v1/cases, transitions (409 with the reason), notes: what each role sees and may do."""
from __future__ import annotations

import pytest

from casework.case_sections import JSON_SECTIONS, json_section
from casework.extensions import db
from casework.services import cases as case_service
from tests.case_factories import NOW, case_at, make_work, system


@pytest.fixture
def setup(ids, people):
    work_a = make_work(ids["holder_a"], "Poster A")
    work_b = make_work(ids["holder_b"], "Clip B")
    mine = case_at("review", [work_a], title="Case on A", counsel=people["counsel"], owner=people["legal"])
    case_service.add_url(mine, "https://pirate.example/a", actor=system(), now=NOW)
    case_service.add_note(mine, "settlement floor: 5,000 CNY", actor=system(), now=NOW)
    other = case_at("letter", [work_b], title="Case on B")
    db.session.commit()
    return {"mine": mine, "other": other, "work_a": work_a}


def get(client, headers, case):
    return client.get(f"/api/v1/cases/{case.id}", headers=headers)


def test_legal_sees_everything_including_notes(client, token_for, setup):
    body = get(client, token_for("legal"), setup["mine"]).json
    assert body["stage"] == "review" and body["works"] == [{"id": setup["work_a"].id, "title": "Poster A"}]
    assert body["urls"][0]["url"] == "https://pirate.example/a"
    assert [n["text"] for n in body["notes"]] == ["settlement floor: 5,000 CNY"]
    assert body["owner"]["email"] == "legal@test.example" and body["counsel"]["email"] == "counsel@test.example"
    assert body["timeline"][0]["to"] == "review" and body["timeline"][0]["deposit_index"] is not None
    for key in ("documents", "evidence", "takedowns", "litigation", "deadlines", "platforms"):
        assert key in body


def test_counsel_sees_only_assigned_cases_without_notes(client, token_for, setup):
    headers = token_for("counsel")
    body = get(client, headers, setup["mine"]).json
    assert "notes" not in body and body["stage"] == "review"
    assert get(client, headers, setup["other"]).status_code == 404
    assert get(client, token_for("counsel2"), setup["mine"]).status_code == 404
    listed = client.get("/api/v1/cases", headers=headers).json
    assert [c["id"] for c in listed["items"]] == [setup["mine"].id]


def test_creators_see_cases_on_their_works_redacted(client, token_for, setup):
    body = get(client, token_for("creator"), setup["mine"]).json
    assert "notes" not in body and "owner" not in body and "tags" not in body and "priority" not in body
    assert body["counsel"] is None
    assert all(e["note"] == "" and e["actor"] == "legal team" for e in body["timeline"])
    assert get(client, token_for("creator"), setup["other"]).status_code == 404
    assert get(client, token_for("creator2"), setup["mine"]).status_code == 404
    assert [c["id"] for c in client.get("/api/v1/cases", headers=token_for("creator2")).json["items"]] == \
        [setup["other"].id]


def test_creators_case_list_carries_no_internal_fields_and_ignores_filters_on_them(client, token_for, setup, ids):
    case_service.assign(setup["mine"], tags=["repeat"], priority="urgent", actor=system(), now=NOW)
    db.session.commit()
    headers = token_for("creator")
    listed = client.get("/api/v1/cases", headers=headers).json["items"]
    assert [c["id"] for c in listed] == [setup["mine"].id] and "priority" not in listed[0]
    for query in ("tag=repeat", "tag=no-such-tag", "priority=urgent", "priority=low", f"owner={ids['legal']}",
                  f"owner={ids['admin']}"):
        found = client.get(f"/api/v1/cases?{query}", headers=headers).json
        assert [c["id"] for c in found["items"]] == [setup["mine"].id], query
    staff = client.get("/api/v1/cases?priority=urgent", headers=token_for("legal")).json["items"]
    assert [c["id"] for c in staff] == [setup["mine"].id] and staff[0]["priority"] == "urgent"
    assert client.get("/api/v1/cases?tag=no-such-tag", headers=token_for("legal")).json["total"] == 0


def test_creators_do_not_learn_who_owns_a_deadline(client, token_for, setup, people):
    from datetime import timedelta

    from casework.services import deadlines

    deadlines.create(kind="response", title="Reply due", due_at=NOW + timedelta(days=3), case=setup["mine"],
                     owner=people["legal"], actor=system(), now=NOW)
    db.session.commit()
    body = get(client, token_for("creator"), setup["mine"]).json
    assert [d["title"] for d in body["deadlines"]] == ["Reply due"]
    assert all("owner_id" not in d for d in body["deadlines"])
    assert get(client, token_for("legal"), setup["mine"]).json["deadlines"][0]["owner_id"] == people["legal"].id


def test_list_filters(client, token_for, setup):
    headers = token_for("admin")
    assert client.get("/api/v1/cases?stage=letter", headers=headers).json["total"] == 1
    assert client.get("/api/v1/cases?stage=nope", headers=headers).status_code == 400
    assert client.get(f"/api/v1/cases?owner={setup['mine'].owner_id}", headers=headers).json["total"] == 1


def test_transitions_move_or_answer_409_with_the_reason(client, token_for, ids, setup):
    headers = token_for("legal")
    case = setup["mine"]
    bad = client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "litigation"}, headers=headers)
    assert bad.status_code == 409 and "cannot move from review to litigation" in bad.json["error"]["message"]
    undeposited = make_work(ids["holder_a"], "Unregistered", deposited=False)
    case_service.add_work(case, undeposited, actor=system(), now=NOW)
    db.session.commit()
    refused = client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "letter"}, headers=headers)
    assert refused.status_code == 409 and "rights not confirmed" in refused.json["error"]["message"]
    assert refused.json["error"]["details"]["reasons"]
    no_outcome = client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "closed"}, headers=headers)
    assert no_outcome.status_code == 409 and "outcome" in no_outcome.json["error"]["message"]
    moved = client.post(f"/api/v1/cases/{setup['other'].id}/transitions", json={"to": "takedown", "note": "no reply"},
                        headers=headers)
    assert moved.status_code == 200 and moved.json["stage"] == "takedown" and moved.json["from"] == "letter"
    assert moved.json["deposit_index"] is not None and moved.json["note"] == "no reply"
    assert client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "x"}, headers=headers).status_code == 422


@pytest.mark.parametrize("role", ["counsel", "creator"])
def test_only_staff_move_assign_and_note(client, token_for, setup, role):
    headers = token_for(role)
    case = setup["mine"]
    assert client.post(f"/api/v1/cases/{case.id}/transitions", json={"to": "closed", "outcome": "removed"},
                       headers=headers).status_code == 403
    assert client.patch(f"/api/v1/cases/{case.id}", json={"priority": "high"}, headers=headers).status_code == 403
    assert client.post(f"/api/v1/cases/{case.id}/notes", json={"text": "x"}, headers=headers).status_code == 403


def test_patch_assigns_and_validates(client, token_for, ids, setup):
    headers = token_for("admin")
    case = setup["other"]
    resp = client.patch(f"/api/v1/cases/{case.id}", json={"owner": ids["legal2"], "counsel": ids["counsel2"],
                                                           "priority": "urgent", "tags": ["Film", "repeat", "film"]},
                        headers=headers)
    assert resp.status_code == 200, resp.json
    assert resp.json["owner"]["id"] == ids["legal2"] and resp.json["counsel"]["id"] == ids["counsel2"]
    assert resp.json["priority"] == "urgent" and resp.json["tags"] == ["film", "repeat"]
    assert resp.json["timeline"][-1]["note"].startswith("owner: legal2@test.example")
    assert client.get(f"/api/v1/cases/{case.id}", headers=token_for("counsel2")).status_code == 200
    wrong = client.patch(f"/api/v1/cases/{case.id}", json={"counsel": ids["legal"]}, headers=headers)
    assert wrong.status_code == 422 and "counsel" in wrong.json["error"]["message"]
    assert client.patch(f"/api/v1/cases/{case.id}", json={"owner": 999999}, headers=headers).status_code == 422
    assert client.patch(f"/api/v1/cases/{case.id}", json={"colour": "red"}, headers=headers).status_code == 422
    assert client.patch(f"/api/v1/cases/{case.id}", json={"owner": None}, headers=headers).json["owner"] is None


def test_notes(client, token_for, setup):
    headers = token_for("legal")
    resp = client.post(f"/api/v1/cases/{setup['other'].id}/notes", json={"text": "call them Monday"}, headers=headers)
    assert resp.status_code == 201 and resp.json["text"] == "call them Monday"
    assert client.post(f"/api/v1/cases/{setup['other'].id}/notes", json={"text": ""}, headers=headers).status_code == 422
    assert client.post("/api/v1/cases/999999/notes", json={"text": "x"}, headers=headers).status_code == 404


def test_other_domains_add_json_sections(client, token_for, setup):
    previous = JSON_SECTIONS.get("documents")  # the documents domain's own section, put back afterwards

    @json_section("documents")
    def documents(case, user):
        return [{"kind": "cease_desist", "for": user.role, "case": case.id}]

    try:
        body = get(client, token_for("counsel"), setup["mine"]).json
        assert body["documents"] == [{"kind": "cease_desist", "for": "counsel", "case": setup["mine"].id}]
    finally:
        if previous is None:
            JSON_SECTIONS.pop("documents", None)
        else:
            JSON_SECTIONS["documents"] = previous
