"""API conventions: tokens, JSON errors, scopes, pagination, the OpenAPI document."""
from __future__ import annotations


def test_no_token_bad_token_and_malformed_header(client):
    assert client.get("/api/v1/me").status_code == 401
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer yd_nope"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "unauthorized"
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401 and "Bearer" in basic.get_json()["error"]["message"]


def test_session_cookie_does_not_authenticate_the_api(login_as):
    c = login_as("admin")
    assert c.get("/api/v1/me").status_code == 401


def test_role_may_not_is_403(client, token_for):
    resp = client.get("/api/v1/users", headers=token_for("counsel"))
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"


def test_read_only_token_cannot_write(app, client, token_for):
    from casework.api.core import bp, endpoint  # noqa: F401

    headers = token_for("legal", scopes=("read",))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    resp = client.post("/api/v1/me", headers=headers)
    assert resp.status_code == 405 and resp.mimetype == "application/json"


def test_pagination(client, token_for):
    headers = token_for("legal")
    first = client.get("/api/v1/users?per_page=2", headers=headers).get_json()
    assert first["page"] == 1 and len(first["items"]) == 2 and first["total"] >= 7
    second = client.get("/api/v1/users?per_page=2&page=2", headers=headers).get_json()
    assert {u["id"] for u in first["items"]}.isdisjoint({u["id"] for u in second["items"]})
    assert client.get("/api/v1/users?per_page=201", headers=headers).status_code == 400
    assert client.get("/api/v1/users?page=x", headers=headers).status_code == 400
    counsel = client.get("/api/v1/users?role=counsel", headers=headers).get_json()
    assert {u["role"] for u in counsel["items"]} == {"counsel"}


def test_creator_sees_only_their_rights_holder(client, token_for, ids):
    items = client.get("/api/v1/rights-holders", headers=token_for("creator")).get_json()["items"]
    assert [h["id"] for h in items] == [ids["holder_a"]]
    assert len(client.get("/api/v1/rights-holders", headers=token_for("legal")).get_json()["items"]) >= 2
    assert client.get("/api/v1/rights-holders", headers=token_for("counsel")).status_code == 403


def test_openapi_document_is_generated_from_the_routes(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = set(doc["paths"])
    registered = {r.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
                  for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    assert documented == registered
    assert "/api/v1/users" in documented
