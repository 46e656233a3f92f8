"""A creator logs in to the portal, sees their works and a case's status in plain words, registers a work,
and downloads a signed deposit certificate."""
from __future__ import annotations

from casework.extensions import db
from casework.models import utcnow
from casework.services import cases as case_service
from casework.workflow import transition
from tests.case_factories import case_at, make_work, system
from tests.signing_fixtures import signing_settings


def _data(app) -> dict:
    with app.app_context():
        people = app.config["PEOPLE"]
        mine = make_work(people["holder_a"], "Starlight poster")
        other = make_work(people["holder_b"], "Holder B's animation")
        case = case_at("letter", [mine], title="Pirate site copies the poster")
        transition(case, "takedown", actor=system(), now=utcnow(), note="Host first")
        case_service.add_note(case, "INTERNAL: ask for 5k", actor=system(), now=utcnow())
        case_at("takedown", [other], title="Holder B's case")
        db.session.commit()
        return {"case": case.id, "work": mine.id}


def test_creator_sees_plain_status_registers_a_work_and_gets_a_certificate(live_server, page, login, shot, tmp_path):
    ids = _data(live_server.app)
    live_server.app.config.update(signing_settings(tmp_path / "pki"))  # certificates are signed
    login(page, "creator")
    assert page.url.endswith("/portal")
    assert "Starlight poster" in page.locator("#works").inner_text()
    cases = page.locator("#cases").inner_text()
    assert "Pirate site copies the poster" in cases and "We have asked the platform to remove it" in cases
    assert "Holder B" not in page.content()
    shot(page, "1-portal")

    with page.expect_navigation():
        page.click(f"a[href$='/portal/cases/{ids['case']}']")
    timeline = page.locator("#timeline").inner_text()
    assert "We opened a case" in timeline and "We have asked the platform to remove it" in timeline
    assert "INTERNAL" not in page.content() and "Host first" not in page.content()
    shot(page, "2-case-timeline")

    page.goto(live_server.url("/portal"))
    with page.expect_navigation():
        page.click("a:has-text('Register a work')")
    poster = tmp_path / "new-poster.png"
    poster.write_bytes(b"\x89PNG\r\n\x1a\n" + b"creator's new poster" * 20)
    page.fill("input[name=title]", "Autumn poster")
    page.select_option("select[name=kind]", "image")
    page.set_input_files("input[name=files]", str(poster))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "deposited in the ledger" in page.content()
    shot(page, "3-work-registered")

    page.goto(live_server.url("/portal"))
    assert "Autumn poster" in page.locator("#works").inner_text()
    card = page.locator(f"#work-{ids['work']}")
    assert card.locator("form").count() == 1
    card.locator("select[name=lang]").select_option("en")
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    assert "Your signed deposit certificate is ready." in page.content()
    card = page.locator(f"#work-{ids['work']}")
    with page.expect_download() as info:
        card.locator("a:has-text('Certificate')").first.click()
    path = tmp_path / "certificate.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    shot(page, "4-certificate")
