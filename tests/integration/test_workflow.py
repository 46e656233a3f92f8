"""The case workflow: the transition table, guards (built-in and registered), compare-and-swap, deposits."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from casework.extensions import db
from casework.models.cases import Case, CaseEvent
from casework.models.scheduling import DomainEvent
from casework.workflow import (Stage, TRANSITIONS, WorkflowError, allowed_targets, guard, guards_for, is_allowed,
                               move_options, transition)
from tests.case_factories import NOW, case_at, make_work, sealed_bundle, system


@pytest.fixture
def work(ids):
    return make_work(ids["holder_a"], "Starlight poster")


def test_the_table_allows_the_documented_skips_and_nothing_backwards():
    assert is_allowed("review", "takedown")  # a notice needs no prior letter
    assert is_allowed("letter", "evidence")  # litigation after evidence without a takedown
    assert is_allowed("evidence", "litigation")
    assert not is_allowed("review", "litigation")
    assert not is_allowed("takedown", "letter")
    assert not is_allowed("takedown", "litigation")
    assert allowed_targets("closed") == []
    for stage in Stage:
        if stage != Stage.CLOSED:
            assert Stage.CLOSED in TRANSITIONS[stage]


def test_a_move_is_a_deposited_timeline_event_and_an_outbox_event(work):
    case = case_at("review", [work])
    event = transition(case, "letter", actor=system(), now=NOW, note="send the letter")
    db.session.flush()
    assert case.stage == "letter" and case.stage_changed_at == NOW
    assert db.session.scalar(select(Case.stage).where(Case.id == case.id)) == "letter"
    assert (event.kind, event.from_stage, event.to_stage, event.note) == ("stage_changed", "review", "letter",
                                                                         "send the letter")
    assert event.deposit_index is not None and event.actor_ref == "system:tests"
    outbox = db.session.scalars(select(DomainEvent).where(DomainEvent.type == "case.stage_changed",
                                                          DomainEvent.case_id == case.id)).all()
    assert [e.data["to"] for e in outbox] == ["letter"]


def test_moves_outside_the_table_are_refused_with_the_allowed_ones(work):
    case = case_at("review", [work])
    with pytest.raises(WorkflowError, match="cannot move from review to litigation.*allowed: letter, takedown"):
        transition(case, "litigation", actor=system(), now=NOW)
    with pytest.raises(WorkflowError, match="unknown stage"):
        transition(case, "appeal", actor=system(), now=NOW)
    assert case.stage == "review"


def test_leaving_review_needs_every_work_deposited(ids, work):
    undeposited = make_work(ids["holder_a"], "Draft sketch", deposited=False)
    case = case_at("review", [work, undeposited])
    with pytest.raises(WorkflowError, match="rights not confirmed.*Draft sketch") as err:
        transition(case, "takedown", actor=system(), now=NOW)
    assert err.value.reasons and "Draft sketch" in err.value.reasons[0]
    # Closing does not need rights confirmed: a case can be dropped from review.
    transition(case, "closed", actor=system(), now=NOW, outcome="not_pursued")
    assert case.stage == "closed" and case.outcome == "not_pursued" and case.closed_at == NOW


def test_a_case_without_works_cannot_leave_review():
    case = case_at("review", [])
    with pytest.raises(WorkflowError, match="no works"):
        transition(case, "letter", actor=system(), now=NOW)


def test_closing_needs_a_known_outcome_and_outcomes_only_close(work):
    case = case_at("takedown", [work])
    with pytest.raises(WorkflowError, match="needs an outcome"):
        transition(case, "closed", actor=system(), now=NOW)
    with pytest.raises(WorkflowError, match="unknown outcome"):
        transition(case, "closed", actor=system(), now=NOW, outcome="won")
    with pytest.raises(WorkflowError, match="only when closing"):
        transition(case, "evidence", actor=system(), now=NOW, outcome="removed")
    transition(case, "closed", actor=system(), now=NOW, outcome="removed")
    with pytest.raises(WorkflowError, match="none: the case is closed"):
        transition(case, "letter", actor=system(), now=NOW)


def test_compare_and_swap_refuses_a_stale_case(work):
    case = case_at("review", [work])
    db.session.flush()
    # Someone else moves the case after we loaded it.
    db.session.execute(update(Case).where(Case.id == case.id).values(stage="letter")
                       .execution_options(synchronize_session=False))
    with pytest.raises(WorkflowError, match="moved to letter by someone else"):
        transition(case, "takedown", actor=system(), now=NOW)
    assert db.session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id,
                                                        CaseEvent.kind == "stage_changed")) is None


def test_other_domains_register_guards(work):
    calls = []

    @guard("litigation")
    def needs_bundle(case, move):
        calls.append((move.from_stage, move.to_stage))
        if case.title == "no bundle":
            return "litigation needs a sealed evidence bundle"
        return None

    try:
        case = case_at("evidence", [work], title="no bundle")
        sealed_bundle(case)  # so that only the guard under test refuses (the evidence domain's passes)
        options = {o.to.value: o.reasons for o in move_options(case, actor=system(), now=NOW)}
        assert options["litigation"] == ("litigation needs a sealed evidence bundle",)
        assert options["closed"] == ()
        with pytest.raises(WorkflowError, match="sealed evidence bundle"):
            transition(case, "litigation", actor=system(), now=NOW)
        ok = case_at("evidence", [work], title="has bundle")
        sealed_bundle(ok)
        transition(ok, "litigation", actor=system(), now=NOW)
        assert ok.stage == "litigation" and calls
    finally:
        from casework.workflow.guards import _GUARDS

        _GUARDS[Stage.LITIGATION].remove(needs_bundle)
    assert needs_bundle not in guards_for("litigation")
