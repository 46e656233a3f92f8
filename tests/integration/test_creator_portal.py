"""The creator portal: their works, deposits, detections and cases in plain words, a timeline without notes or
staff names, nothing of another rights holder."""
from __future__ import annotations

from datetime import timedelta

from casework.extensions import db
from casework.services import cases as case_service
from casework.services import detections
from casework.services import litigation as lit
from casework.services.actor import Actor
from casework.workflow import transition
from tests.case_factories import NOW, case_at, make_work

ACTOR = Actor.system("tests")
NOTE = "INTERNAL-ONLY: weak evidence on ep 2"


def _data(ids, people):
    mine = make_work(ids["holder_a"], "My Starlight poster")
    other = make_work(ids["holder_b"], "Holder B secret work")
    takedown = case_at("takedown", [mine], title="Copy on a video site", owner=people["legal"])
    court = case_at("litigation", [mine], title="Copycat shop in court", owner=people["legal"],
                    counsel=people["counsel"])
    lit.open_record(court, actor=ACTOR, now=NOW, court="上海知识产权法院", case_number="(2026)沪73民初9号")
    lit.add_hearing(court, at=NOW + timedelta(days=500), kind="trial", note="HEARING-NOTE", actor=ACTOR, now=NOW)
    lit.add_cost(court, kind="attorney_fee", incurred_on="2026-06-01", amount="7777", actor=ACTOR, now=NOW)
    settled = case_at("letter", [mine], title="Settled shop", owner=people["legal"])
    transition(settled, "closed", actor=ACTOR, now=NOW, outcome="settled", note="STAFF-ONLY-MOVE-NOTE")
    foreign = case_at("takedown", [other], title="Holder B case")
    for case in (takedown, court, foreign):
        case_service.add_note(case, NOTE, actor=ACTOR, now=NOW)
    detections.intake([{"work_id": mine.id, "url": "https://mirror.example/poster", "detected_at": NOW},
                       {"work_id": other.id, "url": "https://mirror.example/b-secret", "detected_at": NOW}],
                      source="api", actor=ACTOR, now=NOW)
    db.session.commit()
    return {"takedown": takedown, "court": court, "settled": settled, "foreign": foreign}


def test_creator_lands_on_the_portal_with_plain_statuses(login_as, ids, people):
    cases = _data(ids, people)
    page = login_as("creator")
    assert page.get("/").headers["Location"].endswith("/portal")
    html = page.get("/portal").get_data(as_text=True)
    assert "My Starlight poster" in html and "https://mirror.example/poster" in html
    assert "We have asked the platform to remove it" in html and "In court" in html
    assert "Closed: settled with the infringer" in html
    assert "Register a work" in html and "/works/new" in html
    for secret in ("Holder B secret work", "Holder B case", "b-secret", NOTE):
        assert secret not in html
    assert f"/portal/cases/{cases['court'].id}" in html


def test_case_timeline_in_plain_words_without_notes_or_staff(login_as, ids, people):
    cases = _data(ids, people)
    page = login_as("creator")
    html = page.get(f"/portal/cases/{cases['court'].id}").get_data(as_text=True)
    assert "In court" in html and "(2026)沪73民初9号" in html and "A court hearing was scheduled" in html
    assert "We took the case to court" in html and "We opened a case" in html
    for hidden in (NOTE, "HEARING-NOTE", "7,777", "legal@test.example", "counsel@test.example", "tests"):
        assert hidden not in html, hidden
    html = page.get(f"/portal/cases/{cases['settled'].id}").get_data(as_text=True)
    assert "Closed: settled with the infringer" in html and "STAFF-ONLY-MOVE-NOTE" not in html


def test_timeline_in_the_creators_language(login_as, ids, people):
    cases = _data(ids, people)
    page = login_as("creator")
    page.post("/language/zh", data={"next": "/portal"})
    html = page.get(f"/portal/cases/{cases['court'].id}").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "2026年" in html  # times in the timeline are written the Chinese way
    # and the plain words come from the Chinese catalogue (compiled by scripts/setup.sh)
    assert "诉讼中" in html and "我们已立案" in html and "法院已安排开庭" in html
    assert "We opened a case" not in html


def test_nothing_of_another_rights_holder(login_as, client, token_for, ids, people):
    cases = _data(ids, people)
    page = login_as("creator")
    foreign = cases["foreign"]
    assert page.get(f"/portal/cases/{foreign.id}").status_code == 404
    assert page.get(f"/cases/{foreign.id}").status_code == 404
    assert client.get(f"/api/v1/cases/{foreign.id}", headers=token_for("creator")).status_code == 404
    other = login_as("creator2")
    assert other.get(f"/portal/cases/{cases['court'].id}").status_code == 404
    html = other.get("/portal").get_data(as_text=True)
    assert "Holder B case" in html and "Copycat shop in court" not in html


def test_creators_case_json_has_no_notes_or_internal_litigation(client, token_for, ids, people):
    cases = _data(ids, people)
    body = client.get(f"/api/v1/cases/{cases['court'].id}", headers=token_for("creator")).get_json()
    assert "notes" not in body and NOTE not in str(body)
    record = body["litigation"][0]
    assert record["case_number"] == "(2026)沪73民初9号" and "costs" not in record
    assert "HEARING-NOTE" not in str(body)


def test_portal_is_for_creators(login_as):
    for role in ("legal", "counsel", "admin"):
        assert login_as(role).get("/portal").status_code == 403


def test_creator_gets_a_signed_certificate_of_their_own_works_only(app, login_as, ids, tmp_path):
    import re

    from tests import signing_fixtures as signing
    mine = make_work(ids["holder_a"], "Certified poster")
    other = make_work(ids["holder_b"], "Not yours")
    db.session.commit()
    with signing.use_signing(app, signing.signing_settings(tmp_path / "pki")):
        page = login_as("creator")
        assert page.post(f"/portal/works/{mine.id}/certificate", data={"lang": "zh"}).status_code == 302
        assert page.post(f"/portal/works/{other.id}/certificate", data={"lang": "zh"}).status_code == 404
        html = page.get("/portal").get_data(as_text=True)
        links = re.findall(r'href="(/portal/certificates/\d+\.pdf)"', html)
        assert len(links) == 1
        pdf = page.get(links[0])
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
        assert login_as("creator2").get(links[0]).status_code == 404
