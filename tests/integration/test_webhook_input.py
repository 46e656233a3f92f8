"""Subscribing a webhook to an address that is not a valid URL is a 422 (API) or a form message (page),
never a 500, and nothing is stored; an event named twice is stored once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models.notifications import WebhookSubscription


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookSubscription))


@pytest.mark.parametrize("url", ["https://[::1/hook", "https://a.example:99999/hook", "https://a.example/\u0000",
                                 "https://a.example/a b", "https://a.example/\nX-Injected: 1"])
def test_an_invalid_url_is_422_and_nothing_is_stored(client, token_for, url):
    before = _count()
    response = client.post("/api/v1/webhooks", json={"url": url, "events": ["case.opened"]},
                           headers=token_for("admin"))
    assert response.status_code == 422, response.json
    assert response.json["error"]["details"][0]["field"] == "url"
    assert _count() == before


def test_an_invalid_url_on_the_page_is_a_form_message(login_as):
    before = _count()
    response = login_as("admin").post("/admin/webhooks/", data={"url": "https://[::1/hook", "events": "case.opened"})
    assert response.status_code in (200, 400, 422)
    assert "not a valid URL" in response.get_data(as_text=True)
    assert _count() == before


def test_an_event_named_twice_is_stored_once(client, token_for):
    response = client.post("/api/v1/webhooks", json={"url": "https://receiver.example/hook",
                                                     "events": ["case.opened", "case.opened"]},
                           headers=token_for("admin"))
    assert response.status_code == 201
    assert db.session.get(WebhookSubscription, response.json["id"]).events == ["case.opened"]
