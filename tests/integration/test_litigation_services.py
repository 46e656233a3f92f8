"""Litigation services on a real database: every change audited and deposited, hearings and court deadlines
watched by the scheduler, money exact, closing outcomes that follow the record."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import AuditEntry, Deposit
from casework.models.cases import CaseEvent
from casework.models.litigation import Hearing, LitigationRecord
from casework.models.scheduling import Deadline
from casework.services import deadlines as deadline_service
from casework.services import litigation as lit
from casework.services.actor import Actor
from casework.workflow import WorkflowError, transition
from tests.case_factories import NOW, case_at, make_work, sealed_bundle

ACTOR = Actor.system("tests")


@pytest.fixture
def case(ids, people):
    work = make_work(ids["holder_a"], "Court poster")
    return case_at("evidence", [work], title="Going to court", counsel=people["counsel"], owner=people["legal"])


def litigation_events(case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                           CaseEvent.kind.like("litigation%"))
                                   .order_by(CaseEvent.id)))


def test_amounts_are_exact_and_bad_ones_refused():
    assert lit.parse_amount("12,345.67") == 1234567
    assert lit.parse_amount(0.1) == 10
    assert lit.parse_amount("") is None and lit.parse_amount(None) is None
    for bad in ("-1", "1.234", "abc", "1e20", True, "NaN"):
        with pytest.raises(lit.LitigationError):
            lit.parse_amount(bad)
    assert lit.format_amount(1234567) == "12,345.67" and lit.amount_str(5) == "0.05"
    assert lit.parse_currency("usd") == "USD"
    with pytest.raises(lit.LitigationError):
        lit.parse_currency("RMB¥")


def test_every_change_is_a_deposited_timeline_row_and_audited(case):
    record = lit.open_record(case, actor=ACTOR, now=NOW, court="上海市徐汇区人民法院",
                             case_number="(2026)沪0104民初1234号", cause_of_action="侵害作品信息网络传播权纠纷",
                             filing_date=date(2026, 6, 2), claim_amount="50000", injunction_sought=True)
    lit.update_record(case, {"claim_amount": "80000.50"}, actor=ACTOR, now=NOW)
    lit.add_party(case, side="defendant", name="Pirate Films Ltd", counsel_name="Li Wei", counsel_firm="Li & Co",
                  actor=ACTOR, now=NOW)
    lit.add_cost(case, kind="court_fee", incurred_on="2026-06-02", amount="1050", actor=ACTOR, now=NOW)
    lit.add_cost(case, kind="notary_fee", incurred_on="2026-06-03", amount="300.25", actor=ACTOR, now=NOW)
    events = litigation_events(case)
    assert [e.kind for e in events] == ["litigation_opened", "litigation_updated", "litigation_party",
                                        "litigation_cost", "litigation_cost"]
    assert all(e.deposit_index is not None for e in events)
    deposits = db.session.scalars(select(Deposit).where(Deposit.index.in_([e.deposit_index for e in events])))
    assert {d.kind for d in deposits} == {"case_event"}
    assert "(2026)沪0104民初1234号" in events[0].note and "claim_amount=80,000.50" in events[1].note
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("litigation.%"))
                                      .order_by(AuditEntry.id)))
    assert actions[-5:] == ["litigation.opened", "litigation.updated", "litigation.party", "litigation.cost",
                            "litigation.cost"]
    assert record.claim_amount_minor == 8000050 and lit.totals(record) == {"CNY": 135025}
    # Nothing changed: no event.
    assert lit.update_record(case, {"claim_amount": "80000.5"}, actor=ACTOR, now=NOW) == []
    assert len(litigation_events(case)) == 5


def test_bad_input_leaves_nothing_half_written(case):
    lit.open_record(case, actor=ACTOR, now=NOW)
    before = db.session.scalar(select(func.count()).select_from(CaseEvent))
    for call in (
        lambda: lit.add_hearing(case, at="2026-07-01T09:00:00", kind="trial", actor=ACTOR, now=NOW),  # naive time
        lambda: lit.add_hearing(case, at=NOW, kind="duel", actor=ACTOR, now=NOW),
        lambda: lit.add_deadline(case, kind="follow_up", title="x", due_at=NOW, actor=ACTOR, now=NOW),
        lambda: lit.add_cost(case, kind="court_fee", incurred_on="2026-06-02", amount="-5", actor=ACTOR, now=NOW),
        lambda: lit.update_record(case, {"court": "x" * 301}, actor=ACTOR, now=NOW),
        lambda: lit.resolve(case, lit.Resolution("judgment_lost", "2026-09-01", amount_awarded="10"), actor=ACTOR,
                            now=NOW),
    ):
        with pytest.raises(lit.LitigationError):
            call()
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == before
    assert db.session.scalar(select(func.count()).select_from(Hearing)) == 0


def test_hearings_and_court_deadlines_are_scheduler_deadlines(case, people):
    at = NOW + timedelta(days=1)
    hearing = lit.add_hearing(case, at=at, kind="trial", place="Courtroom 3", actor=ACTOR, now=NOW)
    deadline = lit.add_deadline(case, kind="court_evidence", title="Submit the evidence list",
                                due_at=NOW + timedelta(hours=30), actor=ACTOR, now=NOW)
    assert hearing.deadline.kind == "court_hearing" and hearing.deadline.due_at == at
    assert hearing.deadline.owner_id == people["legal"].id and hearing.deadline.case_id == case.id
    assert deadline.source_type == "litigation" and lit.court_deadlines(case) == [deadline]
    # The scheduler's reminder job finds both, as it finds every deadline.
    reminded = deadline_service.remind_due(actor=Actor.job("reminders"), now=NOW)
    assert {hearing.deadline_id, deadline.id} <= {d.id for d in reminded}
    # Moving the hearing moves its deadline and re-arms the reminder.
    lit.update_hearing(case, hearing, {"at": (at + timedelta(days=7)).isoformat()}, actor=ACTOR, now=NOW)
    assert hearing.deadline.due_at == at + timedelta(days=7) and hearing.deadline.reminded_at is None
    escalated = deadline_service.escalate_overdue(actor=Actor.job("escalations"), now=NOW + timedelta(days=2))
    assert deadline.id in {d.id for d in escalated}
    lit.update_deadline(case, deadline, {"done": True}, actor=ACTOR, now=NOW)
    assert deadline.status == "done"
    with pytest.raises(lit.LitigationError):
        lit.update_deadline(case, deadline, {"done": False}, actor=ACTOR, now=NOW)
    assert lit.upcoming_hearings([case.id], NOW) == [hearing]


def test_filings_reference_this_cases_documents_and_bundles(case, ids):
    bundle = sealed_bundle(case)
    filing = lit.add_filing(case, kind="bundle", ref_id=bundle.id, filed_on="2026-06-05", actor=ACTOR, now=NOW)
    assert filing.ref_id == bundle.id
    with pytest.raises(lit.LitigationError, match="already recorded"):
        lit.add_filing(case, kind="bundle", ref_id=bundle.id, filed_on="2026-06-05", actor=ACTOR, now=NOW)
    other = case_at("evidence", [make_work(ids["holder_a"])], title="Another")
    foreign = sealed_bundle(other)
    with pytest.raises(lit.LitigationError, match="has no bundle"):
        lit.add_filing(case, kind="bundle", ref_id=foreign.id, filed_on="2026-06-05", actor=ACTOR, now=NOW)


def test_closing_outcome_follows_the_record(case):
    sealed_bundle(case)
    transition(case, "litigation", actor=ACTOR, now=NOW)
    with pytest.raises(WorkflowError, match="record the settlement"):
        transition(case, "closed", actor=ACTOR, now=NOW, outcome="settled")
    with pytest.raises(WorkflowError, match="record the judgment"):
        lit.close_case(case, actor=ACTOR, now=NOW)
    lit.resolve(case, lit.Resolution("settled", date(2026, 9, 1), amount_awarded="30000", amount_paid="10000"),
                actor=ACTOR, now=NOW)
    with pytest.raises(WorkflowError, match="the litigation record says settled"):
        transition(case, "closed", actor=ACTOR, now=NOW, outcome="judgment_won")
    with pytest.raises(WorkflowError, match="the litigation record says settled"):
        transition(case, "closed", actor=ACTOR, now=NOW, outcome="withdrawn")
    event = lit.close_case(case, actor=ACTOR, now=NOW)
    assert case.stage == "closed" and case.outcome == "settled" and event.deposit_index is not None
    # Payment arrives after the case is closed: still recorded.
    lit.resolve(case, lit.Resolution("settled", date(2026, 9, 1), amount_awarded="30000", amount_paid="30000"),
                actor=ACTOR, now=NOW)
    assert lit.record_for(case).amount_paid_minor == 3000000


def test_a_settlement_before_court_needs_no_record_but_a_judgment_does(ids):
    work = make_work(ids["holder_a"])
    early = case_at("letter", [work], title="Settled by letter")
    transition(early, "closed", actor=ACTOR, now=NOW, outcome="settled")
    assert early.outcome == "settled"
    other = case_at("letter", [work], title="No judgment")
    with pytest.raises(WorkflowError, match="record the judgment"):
        transition(other, "closed", actor=ACTOR, now=NOW, outcome="judgment_won")


def test_record_json_for_creators_leaves_out_costs_parties_and_notes(case):
    lit.open_record(case, actor=ACTOR, now=NOW, court="Court", case_number="(2026)1号", claim_amount="10")
    lit.add_hearing(case, at=NOW + timedelta(days=3), kind="trial", note="bring the originals", actor=ACTOR, now=NOW)
    lit.add_cost(case, kind="travel", incurred_on="2026-06-01", amount="99", actor=ACTOR, now=NOW)
    record = db.session.scalar(select(LitigationRecord).where(LitigationRecord.case_id == case.id))
    full = lit.record_json(record, case, full=True, now=NOW)
    plain = lit.record_json(record, case, full=False, now=NOW)
    assert full["claims"]["amount"] == "10.00" and full["costs"][0]["amount"] == "99.00"
    assert full["hearings"][0]["note"] == "bring the originals"
    assert set(plain) == {"id", "case_id", "court", "case_number", "cause_of_action", "filing_date", "status",
                          "hearings", "resolution", "updated_at"}
    assert plain["status"] == "preparing"
    assert "note" not in plain["hearings"][0]


def test_a_hearing_that_took_place_is_not_escalated(case):
    hearing = lit.add_hearing(case, at=NOW + timedelta(hours=2), kind="trial", actor=ACTOR, now=NOW)
    with pytest.raises(lit.LitigationError, match="once its time has come"):
        lit.hearing_held(case, hearing, actor=ACTOR, now=NOW)
    assert lit.hearing_held(case, hearing, actor=ACTOR, now=NOW + timedelta(hours=3)) is True
    assert lit.hearing_held(case, hearing, actor=ACTOR, now=NOW + timedelta(hours=3)) is False
    escalated = deadline_service.escalate_overdue(actor=Actor.job("escalations"), now=NOW + timedelta(days=1))
    assert hearing.deadline_id not in {d.id for d in escalated}
    assert litigation_events(case)[-1].kind == "litigation_hearing_held"
