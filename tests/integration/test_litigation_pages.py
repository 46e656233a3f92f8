"""The litigation page per role: legal and assigned counsel edit, others read or get 404/403; bad input is
shown and stores nothing; closing from the page goes through the workflow."""
from __future__ import annotations

from sqlalchemy import func, select

from casework.extensions import db
from casework.models.cases import Case, CaseEvent
from casework.models.litigation import Hearing, LitigationRecord
from casework.services import cases as case_service
from casework.services import litigation as lit
from casework.services.actor import Actor
from tests.case_factories import NOW, case_at, make_work, sealed_bundle

ACTOR = Actor.system("tests")


def _case(ids, people, stage="litigation", counsel="counsel"):
    work = make_work(ids["holder_a"], "Litigated work")
    case = case_at(stage, [work], title="Court case", counsel=people[counsel] if counsel else None,
                   owner=people["legal"])
    case_service.add_note(case, "SECRET-STRATEGY: settle below 20k", actor=ACTOR, now=NOW)
    db.session.commit()
    return case


def test_legal_fills_in_the_record_on_the_page(login_as, ids, people):
    case = _case(ids, people)
    page = login_as("legal")
    assert page.get(f"/cases/{case.id}/litigation").status_code == 200
    resp = page.post(f"/cases/{case.id}/litigation/record", data={
        "court": "北京互联网法院", "case_number": "(2026)京0491民初555号", "cause_of_action": "著作权侵权",
        "filing_date": "2026-06-03", "claim_amount": "120000", "claim_currency": "cny", "injunction_sought": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    record = db.session.scalar(select(LitigationRecord).where(LitigationRecord.case_id == case.id))
    assert record.case_number == "(2026)京0491民初555号" and record.claim_amount_minor == 12000000
    assert record.claim_currency == "CNY" and record.injunction_sought
    html = page.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="litigation"' in html and "(2026)京0491民初555号" in html


def test_assigned_counsel_adds_a_hearing_and_a_cost(login_as, ids, people):
    case = _case(ids, people)
    page = login_as("counsel")
    html = page.get(f"/cases/{case.id}/litigation").get_data(as_text=True)
    assert "hearing-form" in html and "close-form" not in html
    resp = page.post(f"/cases/{case.id}/litigation/hearings", data={
        "at": "2026-12-15T09:30", "kind": "trial", "place": "Courtroom 7", "note": "Bring the notarised copies"})
    assert resp.status_code == 302
    hearing = db.session.scalar(select(Hearing).join(LitigationRecord).where(LitigationRecord.case_id == case.id))
    assert hearing.at.isoformat() == "2026-12-15T09:30:00+00:00" and hearing.deadline.kind == "court_hearing"
    assert page.post(f"/cases/{case.id}/litigation/costs", data={
        "kind": "attorney_fee", "incurred_on": "2026-06-10", "amount": "8000", "currency": "CNY"}).status_code == 302
    assert page.post(f"/cases/{case.id}/litigation/deadlines", data={
        "kind": "court_evidence", "title": "Evidence list due", "due_at": "2026-12-01T10:00"}).status_code == 302
    html = page.get(f"/cases/{case.id}/litigation").get_data(as_text=True)
    assert "Courtroom 7" in html and "8,000.00" in html and "Evidence list due" in html
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                      CaseEvent.kind == "litigation_hearing"))
    assert event.actor_user_id == ids["counsel"] and event.deposit_index is not None


def test_bad_input_is_shown_and_nothing_stored(login_as, ids, people):
    case = _case(ids, people)
    page = login_as("counsel")
    before = db.session.scalar(select(func.count()).select_from(CaseEvent))
    resp = page.post(f"/cases/{case.id}/litigation/costs", data={
        "kind": "court_fee", "incurred_on": "2026-06-10", "amount": "12.345", "currency": "CNY"})
    assert resp.status_code == 400 and "at most two decimal places" in resp.get_data(as_text=True)
    resp = page.post(f"/cases/{case.id}/litigation/hearings", data={"at": "", "kind": "trial"})
    assert resp.status_code == 400
    resp = page.post(f"/cases/{case.id}/litigation/resolution", data={
        "resolution": "judgment_lost", "resolved_on": "2026-09-01", "amount_awarded": "5", "currency": "CNY"})
    assert resp.status_code == 400 and "a lost judgment awards nothing" in resp.get_data(as_text=True)
    resp = page.c.post(f"/cases/{case.id}/litigation/record", data={"court": "X", "claim_currency": "CNY"})
    assert resp.status_code == 400  # no CSRF token
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == before
    assert db.session.scalar(select(LitigationRecord).where(LitigationRecord.case_id == case.id)) is None


def test_who_may_not(login_as, ids, people):
    case = _case(ids, people, counsel="counsel2")
    counsel = login_as("counsel")
    assert counsel.get(f"/cases/{case.id}/litigation").status_code == 404
    assert counsel.post(f"/cases/{case.id}/litigation/hearings", data={
        "at": "2026-12-15T09:30", "kind": "trial"}).status_code == 404
    creator = login_as("creator")
    assert creator.get(f"/cases/{case.id}/litigation").status_code == 403
    assert creator.post(f"/cases/{case.id}/litigation/record", data={"court": "x"}).status_code == 403
    # Counsel record, legal decides: counsel cannot close the case.
    assert login_as("counsel2").post(f"/cases/{case.id}/litigation/close", data={}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(LitigationRecord)) == 0


def test_legal_closes_from_the_litigation_page_with_the_recorded_outcome(login_as, ids, people):
    case = _case(ids, people, stage="evidence")
    sealed_bundle(case)
    db.session.commit()
    page = login_as("legal")
    assert page.post(f"/cases/{case.id}/move", data={"to": "litigation", "note": "Filed"}).status_code == 302
    resp = page.post(f"/cases/{case.id}/litigation/close", data={})
    assert resp.status_code == 409 and "record the judgment or settlement" in resp.get_data(as_text=True)
    assert page.post(f"/cases/{case.id}/litigation/resolution", data={
        "resolution": "judgment_won", "resolved_on": "2026-10-01", "amount_awarded": "45000",
        "amount_paid": "0", "currency": "CNY"}).status_code == 302
    html = page.get(f"/cases/{case.id}/litigation").get_data(as_text=True)
    assert "Close the case as: Judgment won" in html
    resp = page.post(f"/cases/{case.id}/litigation/close", data={"note": "Judgment final"})
    assert resp.status_code == 302
    db.session.expire_all()
    closed = db.session.get(Case, case.id)
    assert closed.stage == "closed" and closed.outcome == "judgment_won"
    # The case page's own move form cannot contradict the record either.
    assert lit.record_for(closed).amount_awarded_minor == 4500000


def test_filings_list_what_can_be_filed_and_link_to_it(login_as, ids, people):
    case = _case(ids, people)
    bundle = sealed_bundle(case)
    db.session.commit()
    page = login_as("counsel")
    html = page.get(f"/cases/{case.id}/litigation").get_data(as_text=True)
    assert f"#{bundle.id} (sealed)" in html
    assert page.post(f"/cases/{case.id}/litigation/filings", data={
        "kind": "bundle", "ref_id": str(bundle.id), "filed_on": "2026-06-05", "note": "Exhibit bundle"}).status_code == 302
    html = page.get(f"/cases/{case.id}/litigation").get_data(as_text=True)
    assert f'href="/bundles/{bundle.id}"' in html and "Exhibit bundle" in html
    resp = page.post(f"/cases/{case.id}/litigation/filings", data={
        "kind": "bundle", "ref_id": str(bundle.id), "filed_on": "2026-06-05"})
    assert resp.status_code == 400 and "already recorded as filed" in resp.get_data(as_text=True)


def test_an_entry_recorded_by_mistake_is_removed_on_the_timeline(login_as, ids, people):
    case = _case(ids, people)
    cost_id = lit.add_cost(case, kind="travel", incurred_on="2026-06-01", amount="999", actor=ACTOR, now=NOW).id
    db.session.commit()
    html = login_as("legal").get(f"/cases/{case.id}/litigation").get_data(as_text=True)
    assert "Preparing the action" in html and "999.00" in html
    assert login_as("counsel2").post(f"/cases/{case.id}/litigation/cost/{cost_id}/remove").status_code == 404
    page = login_as("counsel")
    assert page.post(f"/cases/{case.id}/litigation/nothing/{cost_id}/remove").status_code == 404
    assert page.post(f"/cases/{case.id}/litigation/party/{cost_id}/remove").status_code == 404
    assert page.post(f"/cases/{case.id}/litigation/cost/{cost_id}/remove").status_code == 302
    db.session.expire_all()
    assert lit.record_for(case).costs == []
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id)
                              .order_by(CaseEvent.id.desc()).limit(1))
    assert event.kind == "litigation_removed" and "999.00" in event.note and event.deposit_index is not None
    assert page.post(f"/cases/{case.id}/litigation/cost/{cost_id}/remove").status_code == 404
