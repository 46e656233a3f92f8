"""Who sees and does what with takedowns, on pages and in the API: legal and admin work them; counsel
read those of their assigned cases; creators see platform and plain status on their cases only."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models.takedowns import TakedownNotice
from casework.services import takedowns as service
from tests.signing_fixtures import signed_app, signing_pki  # noqa: F401
from tests.case_factories import NOW, system
from tests.takedown_factories import case_with_urls, platform, ready_to_send, sent_takedown


@pytest.fixture
def setup(signed_app, ids, people):
    plat = platform("web_form", "us", domain="tube-acl.example")
    case = case_with_urls(ids["holder_a"], ["https://tube-acl.example/v/1"], counsel=people["counsel"],
                          owner=people["legal"])
    td = sent_takedown(case, plat, reference="SECRET-REF-42")
    service.refuse(td, actor=system(), now=NOW + timedelta(days=1), reason="internal reasoning of the platform")
    fresh = case_with_urls(ids["holder_a"], ["https://tube-acl.example/v/2"], counsel=people["counsel"])
    db.session.commit()
    return {"plat": plat, "case": case, "td": td, "fresh": fresh}


@pytest.mark.parametrize("role", ["legal", "admin"])
def test_staff_work_takedowns_on_pages(login_as, setup, role):
    web = login_as(role)
    page = web.get(f"/takedowns/{setup['td'].id}").get_data(as_text=True)
    assert "SECRET-REF-42" in page and "internal reasoning" in page
    resp = web.post(f"/cases/{setup['fresh'].id}/takedowns", data={"platform": setup["plat"].id, "lang": ""})
    assert resp.status_code == 302
    td = db.session.scalar(select(TakedownNotice).where(TakedownNotice.case_id == setup["fresh"].id))
    assert td.status == "draft" and td.created_by_id is not None
    detail = web.get(f"/takedowns/{td.id}").get_data(as_text=True)
    assert 'action="/takedowns/%d/send"' % td.id in detail
    # Sending without the platform's reference is refused with a message, nothing written.
    ready_to_send(td)
    db.session.commit()
    refused = web.post(f"/takedowns/{td.id}/send", data={"recipient": "https://tube-acl.example/copyright"})
    assert refused.status_code == 400 and "reference" in refused.get_data(as_text=True)
    sent = web.post(f"/takedowns/{td.id}/send", data={"recipient": "https://tube-acl.example/copyright",
                                                      "reference": "YT-9"})
    assert sent.status_code == 302
    db.session.expire_all()
    assert db.session.get(TakedownNotice, td.id).status == "sent"
    page = web.get(f"/takedowns/{td.id}").get_data(as_text=True)
    assert "Answer to YD-" in page  # the platform's response deadline (the notice document's) is listed
    moved = web.post(f"/takedowns/{td.id}/record", data={"to": "acknowledged", "reference": "T-9"})
    assert moved.status_code == 302
    wrong = web.post(f"/takedowns/{td.id}/record", data={"to": "restored"})
    assert wrong.status_code == 409
    db.session.expire_all()
    assert db.session.get(TakedownNotice, td.id).status == "acknowledged"


def test_case_page_offers_the_takedown_stage_through_the_workflow(login_as, ids):
    case = case_with_urls(ids["holder_a"], ["https://tube-acl.example/v/9"], stage="letter")
    platform("web_form", "us", domain="tube-acl.example")
    db.session.commit()
    web = login_as("legal")
    page = web.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Move the case to the takedown stage" in page
    assert web.post(f"/cases/{case.id}/move", data={"to": "takedown", "outcome": "", "note": "notices"}).status_code \
        == 302
    db.session.expire_all()
    assert db.session.get(type(case), case.id).stage == "takedown"


def test_assigned_counsel_reads_but_does_not_act(login_as, setup):
    web = login_as("counsel")
    page = web.get(f"/takedowns/{setup['td'].id}")
    assert page.status_code == 200 and "SECRET-REF-42" in page.get_data(as_text=True)
    assert "/record" not in page.get_data(as_text=True)
    case_page = web.get(f"/cases/{setup['case'].id}").get_data(as_text=True)
    assert f"/takedowns/{setup['td'].id}" in case_page and "Draft takedown notice" not in case_page
    assert web.post(f"/takedowns/{setup['td'].id}/record", data={"to": "withdrawn", "text": "x"}).status_code == 403
    assert web.post(f"/cases/{setup['fresh'].id}/takedowns", data={"platform": setup["plat"].id}).status_code == 403


def test_other_counsel_gets_404(login_as, setup):
    web = login_as("counsel2")
    assert web.get(f"/takedowns/{setup['td'].id}").status_code == 404
    assert web.get(f"/cases/{setup['case'].id}").status_code == 404


def test_creator_sees_a_plain_status_only(login_as, setup):
    web = login_as("creator")
    page = web.get(f"/cases/{setup['case'].id}").get_data(as_text=True)
    section = page[page.index('id="takedowns"'):]
    section = section[:section.index("</section>")]
    assert setup["plat"].name in section and "The platform declined to remove it" in section
    assert "SECRET-REF-42" not in page and "internal reasoning" not in page
    assert "/takedowns/" not in section
    assert web.get(f"/takedowns/{setup['td'].id}").status_code in (403, 404)
    assert login_as("creator2").get(f"/cases/{setup['case'].id}").status_code == 404


def test_platform_pages_are_staff_only(login_as, setup):
    assert login_as("legal").get("/takedowns/platforms").status_code == 200
    for role in ("counsel", "creator"):
        assert login_as(role).get("/takedowns/platforms").status_code == 403
    legal = login_as("legal")
    assert legal.post(f"/takedowns/platforms/{setup['plat'].id}/response-days", data={"days": "4"}).status_code == 302
    assert service.response_days(setup["plat"]) == 4
    assert login_as("counsel").post(f"/takedowns/platforms/{setup['plat'].id}/response-days",
                                    data={"days": "9"}).status_code == 403


# --- API -------------------------------------------------------------------------------------

def test_api_legal_lists_creates_and_moves(client, token_for, setup):
    h = token_for("legal")
    listed = client.get(f"/api/v1/cases/{setup['case'].id}/takedowns", headers=h).json
    assert listed["total"] == 1 and listed["items"][0]["status"] == "refused"
    assert listed["items"][0]["history"][-1]["to"] == "refused"
    made = client.post(f"/api/v1/cases/{setup['fresh'].id}/takedowns", headers=h,
                       json={"platform_id": setup["plat"].id})
    assert made.status_code == 201 and made.json["status"] == "draft" and made.json["format"] == "us"
    assert made.json["allowed_moves"] == ["sent", "withdrawn"]
    again = client.post(f"/api/v1/cases/{setup['fresh'].id}/takedowns", headers=h,
                        json={"platform_id": setup["plat"].id})
    assert again.status_code == 409 and "already under way" in again.json["error"]["message"]
    bad = client.post(f"/api/v1/cases/{setup['fresh'].id}/takedowns", headers=h, json={"platform_id": "x"})
    assert bad.status_code == 422
    td_id = made.json["id"]
    unsigned = client.post(f"/api/v1/takedowns/{td_id}/transitions", headers=h, json={"to": "sent", "reference": "R"})
    assert unsigned.status_code == 409 and "signed" in unsigned.json["error"]["message"]
    removed = client.post(f"/api/v1/takedowns/{td_id}/transitions", headers=h, json={"to": "removed"})
    assert removed.status_code == 422  # not a choice: only a re-check confirms removal
    ready_to_send(db.session.get(TakedownNotice, td_id))
    db.session.commit()
    sent = client.post(f"/api/v1/takedowns/{td_id}/transitions", headers=h, json={"to": "sent", "reference": "R-1"})
    assert sent.status_code == 200 and sent.json["status"] == "sent" and sent.json["platform_reference"] == "R-1"
    report = client.post(f"/api/v1/takedowns/{td_id}/transitions", headers=h,
                         json={"to": "platform_reports_removal"})
    assert report.status_code == 200 and report.json["status"] == "sent"
    assert report.json["platform_reported_removed_at"] is not None
    ended = client.post(f"/api/v1/takedowns/{setup['td'].id}/transitions", headers=h, json={"to": "acknowledged"})
    assert ended.status_code == 409 and ended.json["error"]["code"] == "workflow_refused"


def test_api_counsel_reads_assigned_only(client, token_for, setup):
    h = token_for("counsel")
    assert client.get(f"/api/v1/takedowns/{setup['td'].id}", headers=h).json["platform_reference"] == "SECRET-REF-42"
    assert client.get(f"/api/v1/cases/{setup['case'].id}/takedowns", headers=h).json["total"] == 1
    assert client.post(f"/api/v1/takedowns/{setup['td'].id}/transitions", headers=h,
                       json={"to": "withdrawn", "reason": "x"}).status_code == 403
    h2 = token_for("counsel2")
    assert client.get(f"/api/v1/takedowns/{setup['td'].id}", headers=h2).status_code == 404
    assert client.get(f"/api/v1/cases/{setup['case'].id}/takedowns", headers=h2).status_code == 404


def test_api_creator_gets_the_case_section_plain(client, token_for, setup):
    h = token_for("creator")
    case = client.get(f"/api/v1/cases/{setup['case'].id}", headers=h).json
    assert case["takedowns"] == [{"id": setup["td"].id, "platform": setup["plat"].name, "status": "refused"}]
    assert client.get(f"/api/v1/takedowns/{setup['td'].id}", headers=h).status_code == 403
    assert client.get(f"/api/v1/cases/{setup['case'].id}/takedowns", headers=h).status_code == 403
    assert client.get(f"/api/v1/cases/{setup['case'].id}", headers=token_for("creator2")).status_code == 404
    legal = client.get(f"/api/v1/cases/{setup['case'].id}", headers=token_for("legal")).json
    assert legal["takedowns"][0]["refusal_reason"] == "internal reasoning of the platform"
