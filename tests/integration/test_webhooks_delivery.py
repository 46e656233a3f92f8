"""Webhooks: subscribing through the API, signed deliveries to a receiver on 127.0.0.1 (HMAC checked
here), retries after a 500 with the same event id, the delivery log, and the outbound guard."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.jobs.notifications import webhooks_deliver
from casework.models.notifications import WebhookDelivery, WebhookSubscription
from casework.services import webhooks
from casework.workflow import transition
from tests.case_factories import NOW, case_at, make_work, system


def nothing(fraction, message):
    pass


class Receiver:
    """An HTTP server on loopback that records each POST and answers with the next queued status."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def case(ids):
    return case_at("review", [make_work(ids["holder_a"], "Poster")], title="Poster copied")


def subscribe(api, token, url, events=("case.stage_changed",)):
    resp = api.post("/api/v1/webhooks", json={"url": url, "events": list(events)}, headers=token)
    assert resp.status_code == 201, resp.get_json()
    made = resp.get_json()
    # The API stamps the wall clock; these tests' events happen at the fixed NOW, after subscribing.
    db.session.get(WebhookSubscription, made["id"]).created_at = NOW - timedelta(days=1)
    return made


def verify(secret: str, request: dict) -> bool:
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-Yidun-Signature"])


def test_a_subscriber_gets_signed_events_and_the_log_shows_them(client, token_for, receiver, case):
    admin = token_for("admin")
    made = subscribe(client, admin, receiver.url)
    assert set(made) == {"id", "secret"} and len(made["secret"]) >= 40
    transition(case, "letter", actor=system(), now=NOW + timedelta(minutes=1), note="letter next")
    db.session.commit()
    assert receiver.requests == []  # nothing is sent by the change itself
    assert webhooks_deliver(now=NOW + timedelta(minutes=2), progress=nothing).startswith("1 delivered")

    [request] = receiver.requests
    assert request["path"] == "/hook" and verify(made["secret"], request)
    assert not verify("another secret", request)
    event = json.loads(request["body"])
    assert set(event) == {"id", "type", "at", "data"}
    assert event["type"] == "case.stage_changed" and event["data"]["case_id"] == case.id
    assert (event["data"]["from"], event["data"]["to"]) == ("review", "letter")
    assert event["at"] == "2026-06-01T08:01:00Z"
    assert request["headers"]["Content-Type"].startswith("application/json")

    log = client.get(f"/api/v1/webhooks/{made['id']}/deliveries", headers=admin).get_json()
    assert log["total"] == 1
    [row] = log["items"]
    assert (row["event_id"], row["type"], row["status_code"], row["attempts"]) == (
        event["id"], "case.stage_changed", 200, 1)
    assert row["at"] == "2026-06-01T08:02:00Z" and row["status"] == "delivered"
    # Delivered once: running the job again sends nothing more.
    webhooks_deliver(now=NOW + timedelta(minutes=3), progress=nothing)
    assert len(receiver.requests) == 1


def test_a_500_is_retried_with_backoff_and_the_same_event_id(client, token_for, receiver, case):
    admin = token_for("admin")
    made = subscribe(client, admin, receiver.url)
    receiver.statuses = [500, 503]
    transition(case, "letter", actor=system(), now=NOW)
    db.session.commit()
    t0 = NOW + timedelta(minutes=1)
    assert webhooks_deliver(now=t0, progress=nothing).startswith("0 delivered, 1 failed")
    first = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.subscription_id == made["id"]))
    assert (first.status, first.status_code, first.attempts) == ("retry", 500, 1)
    assert first.next_attempt_at == t0 + webhooks.FIRST_RETRY and "HTTP 500" in first.last_error

    webhooks_deliver(now=t0 + timedelta(seconds=10), progress=nothing)  # not due yet
    assert len(receiver.requests) == 1
    t1 = t0 + webhooks.FIRST_RETRY
    webhooks_deliver(now=t1, progress=nothing)  # second attempt: 503, next pause doubles
    second = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.attempts == 2)).one()
    assert second.status == "retry" and second.next_attempt_at == t1 + 2 * webhooks.FIRST_RETRY
    t2 = second.next_attempt_at
    webhooks_deliver(now=t2, progress=nothing)  # third: 200

    ids = {json.loads(r["body"])["id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1
    assert all(verify(made["secret"], r) for r in receiver.requests)
    log = client.get(f"/api/v1/webhooks/{made['id']}/deliveries", headers=admin).get_json()["items"]
    assert [(r["attempts"], r["status_code"], r["status"]) for r in log] == [
        (3, 200, "delivered"), (2, 503, "retried"), (1, 500, "retried")]
    assert {r["event_id"] for r in log} == ids


def test_a_private_address_is_refused_by_default_and_the_reason_logged(app, client, token_for, receiver, case):
    made = subscribe(client, token_for("admin"), receiver.url)
    transition(case, "letter", actor=system(), now=NOW)
    db.session.commit()
    saved = app.config["ALLOW_PRIVATE_URLS"]
    app.config["ALLOW_PRIVATE_URLS"] = False
    try:
        webhooks_deliver(now=NOW + timedelta(minutes=1), progress=nothing)
    finally:
        app.config["ALLOW_PRIVATE_URLS"] = saved
    assert receiver.requests == []
    row = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.subscription_id == made["id"]))
    assert row.status == "retry" and row.status_code is None
    assert "AddressRefused" in row.last_error and "127.0.0.1" in row.last_error


def test_only_subscribed_types_after_subscribing_and_not_when_disabled(client, token_for, receiver, case, ids):
    transition(case, "letter", actor=system(), now=NOW - timedelta(hours=1))  # before anyone subscribed
    db.session.commit()
    made = subscribe(client, token_for("admin"), receiver.url, events=("case.assigned",))
    sub = db.session.get(WebhookSubscription, made["id"])
    sub.created_at = NOW  # subscribed at NOW, after the first move
    transition(case, "takedown", actor=system(), now=NOW + timedelta(minutes=1))  # not subscribed
    db.session.commit()
    webhooks_deliver(now=NOW + timedelta(minutes=2), progress=nothing)
    assert receiver.requests == []
    other = case_at("review", [make_work(ids["holder_a"])], title="Other")
    from casework.models import User
    from casework.services import cases as case_service

    case_service.assign(other, counsel=db.session.get(User, ids["counsel"]), actor=system(),
                        now=NOW + timedelta(minutes=3))
    webhooks.set_active(sub, False, actor=system(), now=NOW + timedelta(minutes=3))
    db.session.commit()
    webhooks_deliver(now=NOW + timedelta(minutes=4), progress=nothing)
    assert receiver.requests == []
    webhooks.set_active(sub, True, actor=system(), now=NOW + timedelta(minutes=5))
    case_service.assign(other, counsel=db.session.get(User, ids["counsel2"]), actor=system(),
                        now=NOW + timedelta(minutes=6))
    db.session.commit()
    webhooks_deliver(now=NOW + timedelta(minutes=7), progress=nothing)
    [request] = receiver.requests
    body = json.loads(request["body"])
    assert body["type"] == "case.assigned" and body["data"] == {"case_id": other.id, "counsel": ids["counsel2"],
                                                                "actor": "system:tests"}


def test_the_api_is_admin_only_and_checks_its_input(client, token_for, receiver):
    body = {"url": receiver.url, "events": ["case.stage_changed"]}
    for role in ("legal", "counsel", "creator"):
        assert client.post("/api/v1/webhooks", json=body, headers=token_for(role)).status_code == 403
    admin = token_for("admin")
    made = subscribe(client, admin, receiver.url)
    for role in ("legal", "counsel", "creator"):
        assert client.get(f"/api/v1/webhooks/{made['id']}/deliveries", headers=token_for(role)).status_code == 403
    assert client.post("/api/v1/webhooks", json=body).status_code == 401
    bad = client.post("/api/v1/webhooks", json={"url": "ftp://x.example/", "events": ["case.stage_changed"]},
                      headers=admin)
    assert bad.status_code == 422 and bad.get_json()["error"]["details"][0]["field"] == "url"
    bad = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["Not A Type"]}, headers=admin)
    assert bad.status_code == 422 and "event type" in bad.get_json()["error"]["message"]
    assert client.post("/api/v1/webhooks", json={"url": receiver.url}, headers=admin).status_code == 422
    assert client.post("/api/v1/webhooks", data="x", headers=admin).status_code == 415
    missing = client.get("/api/v1/webhooks/999999/deliveries", headers=admin)
    assert missing.status_code == 404 and missing.get_json()["error"]
    stored = db.session.get(WebhookSubscription, made["id"])
    assert stored.url == receiver.url and stored.secret == made["secret"]  # kept: each signature needs it
    # The secret never appears again: not in the delivery log.
    assert made["secret"] not in client.get(f"/api/v1/webhooks/{made['id']}/deliveries", headers=admin).get_data(
        as_text=True)


def test_admin_pages_add_show_the_secret_once_list_disable_and_log(login_as, receiver):
    admin = login_as("admin")
    resp = admin.post("/admin/webhooks/", data={"url": receiver.url, "events": ["case.stage_changed", "bundle.sealed"],
                                                "description": "DMS sync"})
    assert resp.status_code == 200
    sub = db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id.desc())).first()
    page = resp.get_data(as_text=True)
    assert sub.secret in page and "not shown again" in page
    listing = admin.get("/admin/webhooks/").get_data(as_text=True)
    assert receiver.url in listing and sub.secret not in listing
    detail = admin.get(f"/admin/webhooks/{sub.id}").get_data(as_text=True)
    assert "bundle.sealed" in detail and sub.secret not in detail
    assert admin.post(f"/admin/webhooks/{sub.id}/active", data={"active": "0"}).status_code == 302
    db.session.refresh(sub)
    assert sub.active is False and sub.disabled_at is not None
    bad = admin.post("/admin/webhooks/", data={"url": "javascript:alert(1)", "events": ["case.stage_changed"]})
    assert bad.status_code == 200 and "http:// or https://" in bad.get_data(as_text=True)
    none = admin.post("/admin/webhooks/", data={"url": receiver.url})
    assert "choose at least one event type" in none.get_data(as_text=True)
    # CSRF: a form post without the token changes nothing.
    assert admin.c.post(f"/admin/webhooks/{sub.id}/active", data={"active": "1"}).status_code == 400
    for role in ("legal", "counsel", "creator"):
        page = login_as(role)
        assert page.get("/admin/webhooks/").status_code == 403
        assert page.get(f"/admin/webhooks/{sub.id}").status_code == 403
        assert page.post(f"/admin/webhooks/{sub.id}/active", data={"active": "1"}).status_code == 403
        assert "/admin/webhooks/" not in page.get("/works").get_data(as_text=True)  # not in their navigation


def test_document_signing_and_bundle_sealing_events_reach_their_subscribers(client, token_for, receiver, case):
    """Whatever domain emits them, each type goes to the subscriptions that list it, signed alike."""
    from casework.services import events

    signed_only = subscribe(client, token_for("admin"), receiver.url + "?signed", events=("document.signed",))
    both = subscribe(client, token_for("admin"), receiver.url + "?both", events=("document.signed", "bundle.sealed"))
    events.emit("document.signed", {"document_id": 7, "kind": "cease_desist"}, case_id=case.id, now=NOW)
    events.emit("bundle.sealed", {"bundle_id": 3, "sha256": "b" * 64}, case_id=case.id, now=NOW)
    db.session.commit()
    webhooks_deliver(now=NOW + timedelta(minutes=1), progress=nothing)
    seen = sorted((r["path"], json.loads(r["body"])["type"]) for r in receiver.requests)
    assert seen == [("/hook?both", "bundle.sealed"), ("/hook?both", "document.signed"),
                    ("/hook?signed", "document.signed")]
    secrets = {"/hook?signed": signed_only["secret"], "/hook?both": both["secret"]}
    for r in receiver.requests:
        assert verify(secrets[r["path"]], r) and json.loads(r["body"])["data"]["case_id"] == case.id
