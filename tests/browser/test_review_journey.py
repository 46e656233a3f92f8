"""Legal reviews detections in bulk with the keyboard, opens a case, and moves it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from casework.extensions import db
from casework.models import utcnow
from casework.services import detections
from tests.case_factories import make_work, system


def _data(app) -> int:
    with app.app_context():
        holder = app.config["PEOPLE"]["holder_a"]
        work = make_work(holder, "Starlight poster")
        now = utcnow()
        detections.intake([
            {"work_id": work.id, "url": "https://pirate.example/a", "similarity": 0.97, "detected_at": now - timedelta(hours=3)},
            {"work_id": work.id, "url": "https://pirate.example/b", "similarity": 0.95, "detected_at": now - timedelta(hours=2)},
            {"work_id": work.id, "url": "https://fanart.example/c", "similarity": 0.40, "detected_at": now - timedelta(hours=1)},
        ], source="api", actor=system(), now=now)
        db.session.commit()
        return work.id


def test_legal_reviews_in_bulk_opens_a_case_and_moves_it(live_server, page, login, shot):
    _data(live_server.app)
    login(page, "legal")
    assert page.url.endswith("/dashboard")
    shot(page, "1-dashboard")

    page.goto(live_server.url("/review?sort=similarity&dir=asc"))
    rows = page.locator("#review-table tbody tr[data-id]")
    assert rows.count() == 3
    # The lowest score comes first: dismiss it as fair use with the keyboard.
    page.select_option("#reason", "fair_use")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert rows.nth(0).locator("input[name=ids]").is_checked()
    shot(page, "2-queue-selected")
    with page.expect_navigation():
        page.keyboard.press("d")
    assert "dismissed as Fair use" in page.content()
    assert page.locator("#review-table tbody tr[data-id]").count() == 2

    # Select the two remaining with x and confirm them together with c.
    page.locator("body").click(position={"x": 5, "y": 5})
    for key in ("j", "x", "j", "x"):
        page.keyboard.press(key)
    shot(page, "3-two-selected")
    with page.expect_navigation():
        page.keyboard.press("c")
    assert "2 detection(s) confirmed into 1 case(s)" in page.content()
    assert "Nothing to review." in page.content()

    page.goto(live_server.url("/cases"))
    with page.expect_navigation():
        page.click("table a:has-text('pirate.example')")
    assert page.locator(".stagebar li.current").inner_text() == "Review"
    assert page.locator("#urls").inner_text().count("https://pirate.example/") == 2
    shot(page, "4-case-in-review")

    page.select_option("#move-form select[name=to]", "takedown")
    page.fill("#move-form textarea[name=note]", "Hosting provider first: no letter needed")
    with page.expect_navigation():
        page.click("#move-form button[type=submit]")
    assert "Case moved to Takedown" in page.content()
    assert page.locator(".stagebar li.current").inner_text() == "Takedown"
    timeline = page.locator("#timeline").inner_text()
    assert "Review → Takedown" in timeline and "Hosting provider first" in timeline and "deposit #" in timeline
    shot(page, "5-case-moved")
