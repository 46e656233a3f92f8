"""How the action ended (judgment or settlement), and closing the case with the outcome the record decides."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from casework.models.cases import Case
from casework.models.litigation import RESOLUTIONS, LitigationRecord
from casework.services.actor import Actor
from casework.services.litigation.records import _changed, open_record, record_for
from casework.services.litigation.values import LitigationError, _date, _text, format_amount, parse_amount, parse_currency
from casework.workflow import Move, guard


@dataclass(frozen=True)
class Resolution:
    resolution: str
    resolved_on: Any
    amount_awarded: Any = None
    amount_paid: Any = None
    currency: str = "CNY"
    note: str = ""


def resolve(case: Case, resolution: Resolution, *, actor: Actor, now: datetime) -> LitigationRecord:
    """Record the judgment or settlement (or correct it, e.g. when payment arrives)."""
    if resolution.resolution not in RESOLUTIONS:
        raise LitigationError(f"resolution: one of {', '.join(RESOLUTIONS)}", "resolution")
    day = _date(resolution.resolved_on, "resolved_on")
    if day is None:
        raise LitigationError("resolved_on: the date of the judgment or settlement", "resolved_on")
    awarded = parse_amount(resolution.amount_awarded, "amount_awarded")
    paid = parse_amount(resolution.amount_paid, "amount_paid")
    if resolution.resolution == "judgment_lost" and awarded:
        raise LitigationError("amount_awarded: a lost judgment awards nothing", "amount_awarded")
    currency = parse_currency(resolution.currency, "currency")
    note = _text(resolution.note, "note", 5000)
    record = open_record(case, actor=actor, now=now)
    values = {"resolution": resolution.resolution, "resolved_on": day, "amount_awarded_minor": awarded,
              "amount_paid_minor": paid, "resolution_currency": currency, "resolution_note": note}
    values = {k: v for k, v in values.items() if getattr(record, k) != v}
    if not values:
        return record
    for key, value in values.items():
        setattr(record, key, value)
    word = {"settled": "settlement", "judgment_won": "judgment won", "judgment_lost": "judgment lost"}
    summary = (f"{word[record.resolution]} on {record.resolved_on.isoformat()}; "
               f"{'agreed' if record.resolution == 'settled' else 'awarded'} {currency} "
               f"{format_amount(record.amount_awarded_minor) or '—'}; paid {currency} "
               f"{format_amount(record.amount_paid_minor) or '—'}" + (f"; {note}" if note else ""))
    _changed(case, record, "resolved", summary, actor=actor, now=now,
             data={"resolution": record.resolution, "fields": sorted(values)})
    return record


def close_case(case: Case, *, actor: Actor, now: datetime, note: Optional[str] = None):
    """Close the case with the outcome its record decides, through the workflow (guards and all)."""
    from casework.workflow import WorkflowError, transition

    record = record_for(case)
    if record is None or record.resolution is None:
        raise WorkflowError("record the judgment or settlement before closing the case from its litigation")
    return transition(case, "closed", actor=actor, now=now, note=note or f"closed: {record.resolution}",
                      outcome=record.resolution)


@guard("closed")
def outcome_follows_the_record(case, move: Move) -> Optional[str]:
    """Settled / judgment won / judgment lost follow from the litigation record, never contradict it.

    A settlement reached before any court action needs no record; a judgment always does, and a case
    in litigation closes as settled or by judgment only once the record says so.
    """
    in_court = move.from_stage.value == "litigation"
    if move.outcome not in RESOLUTIONS and not in_court:
        return None
    record = record_for(case)
    resolution = record.resolution if record is not None else None
    if move.outcome in RESOLUTIONS and resolution is None and (in_court or move.outcome != "settled"):
        return (f"record the {'settlement' if move.outcome == 'settled' else 'judgment'} in the case's litigation "
                f"record before closing it as {move.outcome}")
    if resolution is not None and move.outcome != resolution and (move.outcome in RESOLUTIONS or in_court):
        return f"the litigation record says {resolution}: close the case with that outcome"
    return None
