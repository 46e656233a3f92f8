"""Moving a case: the table, the guards, a compare-and-swap on the stage, a deposited timeline event."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from casework.extensions import db
from casework.models.cases import Case, CaseEvent
from casework.workflow.guards import Move, check
from casework.workflow.stages import Stage, TRANSITIONS, allowed_targets

STAFF = ("admin", "legal")


class WorkflowError(Exception):
    """A move was refused; the message says which rule or guard refused it (the API answers 409)."""

    status = 409

    def __init__(self, message: str, reasons: Optional[list[str]] = None):
        super().__init__(message)
        self.reasons = reasons or [message]


def can_transition(user, case=None) -> bool:
    """Legal and admin move cases; counsel and creators never do (counsel record, legal decides)."""
    return getattr(user, "role", None) in STAFF


def can_assign(user, case=None) -> bool:
    return getattr(user, "role", None) in STAFF


def can_note(user, case=None) -> bool:
    return getattr(user, "role", None) in STAFF


def can_view_notes(user, case=None) -> bool:
    return getattr(user, "role", None) in STAFF


@dataclass(frozen=True)
class MoveOption:
    to: Stage
    reasons: tuple[str, ...]  # empty when the move may go ahead

    @property
    def allowed(self) -> bool:
        return not self.reasons


def move_options(case: Case, *, actor, now: datetime) -> list[MoveOption]:
    """Each stage the table allows from here, with what its guards say (closing is checked without outcome,
    since the form asks for it)."""
    current = Stage.parse(case.stage)
    options = []
    for target in allowed_targets(current):
        outcome = "not_pursued" if target == Stage.CLOSED else None
        reasons = check(case, Move(current, target, actor, now, None, outcome))
        options.append(MoveOption(target, tuple(reasons)))
    return options


def transition(case: Case, to, *, actor, now: datetime, note: Optional[str] = None,
               outcome: Optional[str] = None) -> CaseEvent:
    """Move `case` to stage `to`: the only code that writes a case's stage.

    Raises WorkflowError when the table does not allow the move, when a guard refuses it, or when
    the case was moved by someone else since it was loaded. On success the stage change, its
    timeline event and that event's ledger deposit are in the caller's transaction (flushed, not
    committed), and a "case.stage_changed" event is in the outbox.
    """
    from casework.services import audit, cases as case_service, events

    try:
        target = Stage.parse(to)
    except ValueError as exc:
        raise WorkflowError(str(exc)) from None
    current = Stage.parse(case.stage)
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in allowed_targets(current)) or "none: the case is closed"
        raise WorkflowError(f"a case cannot move from {current.value} to {target.value} (allowed: {allowed})")
    note = (note or "").strip() or None
    outcome = (outcome or "").strip() or None
    if target != Stage.CLOSED and outcome:
        raise WorkflowError("an outcome is given only when closing a case")
    reasons = check(case, Move(current, target, actor, now, note, outcome))
    if reasons:
        raise WorkflowError("; ".join(reasons), reasons)

    values = {"stage": target.value, "stage_changed_at": now, "updated_at": now}
    if target == Stage.CLOSED:
        values.update(outcome=outcome, closed_at=now)
    db.session.flush()
    result = db.session.execute(
        update(Case).where(Case.id == case.id, Case.stage == current.value).values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(case, ["stage"])
        raise WorkflowError(f"the case was moved to {case.stage} by someone else meanwhile; reload and try again")
    for key, value in values.items():
        set_committed_value(case, key, value)

    event = case_service.record_event(
        case, "stage_changed", note or "", actor=actor, now=now, from_stage=current.value, to_stage=target.value,
        data={"outcome": outcome} if outcome else None,
    )
    events.emit("case.stage_changed", {"case_id": case.id, "from": current.value, "to": target.value,
                                       "outcome": outcome, "event_id": event.id, "actor": actor.ledger_name},
                case_id=case.id, now=now)
    audit.record(actor, "case.transition", case, f"{current.value} -> {target.value}" + (f": {note}" if note else ""),
                 now=now)
    return event
