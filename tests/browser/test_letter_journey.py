"""Legal drafts a letter from a case, sees what is missing, completes it with the live preview
following the typing, approves, signs, downloads the PDF and checks it on the validation page."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from casework.extensions import db
from signing import Trust, validate_pdf
from tests.case_factories import system
from tests.signing_fixtures import signing_settings, use_signing


def _case(app) -> int:
    from casework.models import utcnow
    from casework.services.cases import add_url
    from tests.case_factories import case_at, make_work

    with app.app_context():
        work = make_work(app.config["PEOPLE"]["holder_a"], "Harbour at dawn")
        case = case_at("letter", [work], title="Shop copies the harbour photo")
        add_url(case, "https://copyshop.example/item/7", actor=system(), now=utcnow())
        db.session.commit()
        return case.id


def test_legal_drafts_completes_signs_and_validates_a_letter(live_server, page, login, shot, tmp_path):
    settings = signing_settings(tmp_path / "pki")
    with use_signing(live_server.app, settings):
        case_id = _case(live_server.app)
        login(page, "legal")
        page.goto(live_server.url(f"/cases/{case_id}"))
        page.select_option("#documents select[name=kind]", "cease_desist")
        page.select_option("#documents select[name=lang]", "en")
        with page.expect_navigation():
            page.click("#documents button[type=submit]")
        assert re.search(r"/documents/\d+$", page.url)
        # No infringer on the case: the addressee is missing and approval is blocked.
        missing = page.locator("#completeness li")
        assert missing.all_inner_texts() == ["Addressee (the infringer)"]
        assert page.locator("#approve").is_disabled()
        shot(page, "1-draft-missing")

        # Typing updates the preview after a pause, without saving.
        preview = page.frame(name="preview")
        page.fill("input[name='recipient.name']", "Copy Shop Trading Ltd")
        for _ in range(50):
            if "Copy Shop Trading Ltd" in preview.content():
                break
            page.wait_for_timeout(200)
        assert "Copy Shop Trading Ltd" in preview.content()
        page.wait_for_selector("#complete:not([hidden])")  # the list follows the typing too
        assert page.locator("#missing-list li").count() == 0 and page.locator("#unsaved").is_visible()
        shot(page, "2-live-preview")

        with page.expect_navigation():
            page.click("#draft-form button[type=submit]:not([data-preview])")
        assert page.locator("#complete").is_visible()
        with page.expect_navigation():
            page.click("#approve")
        with page.expect_navigation():
            page.click("#sign")
        assert "Signed; the PDF" in page.content()
        sha256 = page.locator("#doc-sha256").inner_text().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", sha256)
        shot(page, "3-signed")

        response = page.request.get(live_server.url(page.locator("#pdf-link").get_attribute("href")))
        pdf = response.body()
        assert response.headers["content-type"] == "application/pdf"
        # pyHanko validates with asyncio.run, which cannot run in this thread (Playwright's loop is here).
        with ThreadPoolExecutor(1) as pool:
            report = pool.submit(validate_pdf, pdf, Trust.from_files([settings["SIGNING_TRUST_ROOTS"]])).result()
        (sig,) = report.signatures
        assert sig.intact and sig.trusted and sig.covers_whole_document

        path = tmp_path / "letter.pdf"
        path.write_bytes(pdf)
        page.goto(live_server.url("/validate"))
        page.set_input_files("#file", str(path))
        with page.expect_navigation():
            page.click("#validate-form button[type=submit]")
        report = page.locator(".signature-report")
        assert report.get_attribute("data-intact") == "true" and report.get_attribute("data-trusted") == "true"
        assert sha256 in page.content()
        shot(page, "4-validated")
