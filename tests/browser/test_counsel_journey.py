"""Outside counsel logs in, sees only the cases assigned to them, opens one, adds a hearing and a court
deadline to its litigation record, and opens its evidence bundle."""
from __future__ import annotations

from datetime import timedelta

from casework.extensions import db
from casework.models import User, utcnow
from casework.services import cases as case_service
from casework.services import litigation as lit
from tests.case_factories import case_at, make_work, sealed_bundle, system


def _data(app) -> dict:
    with app.app_context():
        people = app.config["PEOPLE"]
        counsel, counsel2 = db.session.get(User, people["counsel"]), db.session.get(User, people["counsel2"])
        legal = db.session.get(User, people["legal"])
        work = make_work(people["holder_a"], "Moonrise animation")
        mine = case_at("litigation", [work], title="Uploader re-cuts Moonrise", counsel=counsel, owner=legal)
        theirs = case_at("litigation", [work], title="Someone else's court case", counsel=counsel2, owner=legal)
        case_service.add_note(mine, "INTERNAL: client would settle for 10k", actor=system(), now=utcnow())
        bundle = sealed_bundle(mine)
        lit.open_record(mine, actor=system(), now=utcnow(), court="北京互联网法院", case_number="(2026)京0491民初1号")
        lit.add_hearing(mine, at=utcnow() + timedelta(days=20), kind="pretrial", place="Online", actor=system(),
                        now=utcnow())
        db.session.commit()
        return {"mine": mine.id, "theirs": theirs.id, "bundle": bundle.id}


def test_counsel_sees_only_assigned_cases_and_adds_a_hearing(live_server, page, login, shot):
    ids = _data(live_server.app)
    login(page, "counsel")
    assert page.url.endswith("/workspace")
    cards = page.locator(".workspace-case")
    assert cards.count() == 1
    assert "Uploader re-cuts Moonrise" in cards.first.inner_text()
    assert "Someone else's court case" not in page.content()
    assert "Pre-trial conference" in page.locator("#hearings").inner_text()
    shot(page, "1-workspace")

    with page.expect_navigation():
        page.click(f"#case-{ids['mine']} h2 a")
    assert page.locator(".stagebar li.current").inner_text() == "Litigation"
    assert "INTERNAL: client would settle" not in page.content()
    assert "(2026)京0491民初1号" in page.locator("#litigation").inner_text()
    shot(page, "2-case")

    with page.expect_navigation():
        page.click("#litigation a.button")
    page.click("#hearings summary")
    page.fill("#hearing-form input[name=at]", "2026-12-15T09:30")
    page.select_option("#hearing-form select[name=kind]", "trial")
    page.fill("#hearing-form input[name=place]", "第三法庭 Courtroom 3")
    with page.expect_navigation():
        page.click("#hearing-form button[type=submit]")
    assert "Hearing added" in page.content()
    hearings = page.locator("#hearings").inner_text()
    assert "Courtroom 3" in hearings and "Dec 15, 2026" in hearings
    page.click("#deadlines summary")
    page.select_option("#deadline-form select[name=kind]", "court_evidence")
    page.fill("#deadline-form input[name=title]", "Supplementary evidence")
    page.fill("#deadline-form input[name=due_at]", "2026-12-01T10:00")
    with page.expect_navigation():
        page.click("#deadline-form button[type=submit]")
    assert "Supplementary evidence" in page.locator("#deadlines").inner_text()
    shot(page, "3-litigation-entries")

    # Someone else's case is not there at all (asked with this browser's session, outside the page so the
    # expected 404s do not count as page errors).
    for path in (f"/cases/{ids['theirs']}", f"/cases/{ids['theirs']}/litigation"):
        assert page.request.get(live_server.url(path)).status == 404

    # Back on the workspace: the case's sealed bundle, opened on the evidence domain's page.
    page.goto(live_server.url("/workspace"))
    bundle = page.locator(f"#case-{ids['mine']} .bundle")
    assert f"Bundle #{ids['bundle']}" in bundle.inner_text() and "sealed" in bundle.inner_text()
    with page.expect_navigation():
        bundle.locator("a").click()
    assert page.url.endswith(f"/bundles/{ids['bundle']}")
    shot(page, "4-bundle")
