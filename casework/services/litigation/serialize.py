"""The litigation record as the API shows it: in full for staff and counsel, the public facts for creators."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from casework.models.cases import Case
from casework.models.litigation import Hearing, LitigationRecord
from casework.models.scheduling import Deadline
from casework.services.events import rfc3339 as _rfc3339
from casework.services.litigation.records import court_deadlines, totals
from casework.services.litigation.values import amount_str


def status(record: LitigationRecord) -> str:
    """Where the action stands: being prepared, filed with the court, or ended by judgment or settlement."""
    if record.resolution is not None:
        return "resolved"
    return "filed" if record.filing_date is not None else "preparing"


def deadline_json(d: Deadline, now: datetime) -> dict:
    return {"id": d.id, "kind": d.kind, "title": d.title, "due_at": _rfc3339(d.due_at), "status": d.status,
            "overdue": d.status == "open" and d.due_at < now, "done_at": _rfc3339(d.done_at)}


def hearing_json(h: Hearing, *, full: bool = True) -> dict:
    out = {"id": h.id, "at": _rfc3339(h.at), "kind": h.kind, "place": h.place}
    if full:
        out.update(note=h.note, deadline_id=h.deadline_id,
                   held=h.deadline is not None and h.deadline.status == "done")
    return out


def record_json(record: LitigationRecord, case: Case, *, full: bool, now: datetime) -> dict:
    """The record as the API shows it: `full` for staff and counsel; creators get the public facts only."""
    out: dict[str, Any] = {
        "id": record.id, "case_id": record.case_id, "court": record.court, "case_number": record.case_number,
        "cause_of_action": record.cause_of_action,
        "filing_date": record.filing_date.isoformat() if record.filing_date else None,
        "status": status(record),
        "hearings": [hearing_json(h, full=full) for h in record.hearings],
        "resolution": None if record.resolution is None else {
            "kind": record.resolution, "date": record.resolved_on.isoformat(),
            "amount_awarded": amount_str(record.amount_awarded_minor),
            "amount_paid": amount_str(record.amount_paid_minor), "currency": record.resolution_currency},
        "updated_at": _rfc3339(record.updated_at),
    }
    if full:
        out.update(
            claims={"amount": amount_str(record.claim_amount_minor), "currency": record.claim_currency,
                    "injunction_sought": record.injunction_sought},
            parties=[{"id": p.id, "side": p.side, "name": p.name, "counsel_name": p.counsel_name,
                      "counsel_firm": p.counsel_firm, "counsel_contact": p.counsel_contact} for p in record.parties],
            deadlines=[deadline_json(d, now) for d in court_deadlines(case)],
            costs=[{"id": c.id, "kind": c.kind, "incurred_on": c.incurred_on.isoformat(),
                    "amount": amount_str(c.amount_minor), "currency": c.currency, "description": c.description}
                   for c in record.costs],
            cost_totals={cur: amount_str(v) for cur, v in sorted(totals(record).items())},
            filings=[{"id": f.id, "kind": f.kind, "ref_id": f.ref_id, "filed_on": f.filed_on.isoformat(),
                      "note": f.note} for f in record.filings],
        )
        if out["resolution"] is not None:
            out["resolution"]["note"] = record.resolution_note
    return out
