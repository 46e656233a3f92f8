"""Reading and changing a case's litigation record: each change audited and a deposited timeline row."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select

from casework.extensions import db
from casework.models.cases import Case
from casework.models.litigation import (COST_KINDS, COURT_DEADLINE_KINDS, FILING_KINDS, HEARING_DEADLINE_KIND,
                                        HEARING_KINDS, PARTY_SIDES, Hearing, LitigationCost, LitigationFiling,
                                        LitigationParty, LitigationRecord)
from casework.models.scheduling import Deadline
from casework.services import audit
from casework.services import cases as case_service
from casework.services import deadlines as deadline_service
from casework.services.actor import Actor
from casework.services.litigation.values import (LitigationError, _aware, _date, _text, format_amount, parse_amount,
                                                 parse_currency)

RECORD_FIELDS = ("court", "case_number", "cause_of_action", "filing_date", "claim_amount", "claim_currency",
                 "injunction_sought")
LIMITS = {"court": 300, "case_number": 100, "cause_of_action": 300}


# --- reading --------------------------------------------------------------------------------------

def record_for(case: Case) -> Optional[LitigationRecord]:
    return db.session.scalar(select(LitigationRecord).where(LitigationRecord.case_id == case.id))


def records_for(case_ids: list[int]) -> dict[int, LitigationRecord]:
    """The records of several cases at once, by case id."""
    if not case_ids:
        return {}
    return {r.case_id: r for r in db.session.scalars(select(LitigationRecord)
                                                      .where(LitigationRecord.case_id.in_(case_ids)))}


def court_deadlines(case: Case) -> list[Deadline]:
    """The case's procedural court deadlines (hearings' own deadlines are listed with the hearings)."""
    return list(db.session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                          Deadline.kind.in_(COURT_DEADLINE_KINDS))
                                   .order_by(Deadline.due_at, Deadline.id)))


def hearing_of(case: Case, hearing_id: int) -> Optional[Hearing]:
    hearing = db.session.get(Hearing, hearing_id)
    if hearing is None or hearing.record.case_id != case.id:
        return None
    return hearing


def court_deadline_of(case: Case, deadline_id: int) -> Optional[Deadline]:
    deadline = db.session.get(Deadline, deadline_id)
    if deadline is None or deadline.case_id != case.id or deadline.kind not in COURT_DEADLINE_KINDS:
        return None
    return deadline


def upcoming_hearings(case_ids: list[int], now: datetime, limit: int = 50) -> list[Hearing]:
    if not case_ids:
        return []
    return list(db.session.scalars(
        select(Hearing).join(LitigationRecord, LitigationRecord.id == Hearing.record_id)
        .where(LitigationRecord.case_id.in_(case_ids), Hearing.at >= now).order_by(Hearing.at).limit(limit)))


def totals(record: LitigationRecord) -> dict[str, int]:
    """Costs per currency, in minor units."""
    out: dict[str, int] = {}
    for cost in record.costs:
        out[cost.currency] = out.get(cost.currency, 0) + cost.amount_minor
    return out


# --- recording a change ---------------------------------------------------------------------------

def _changed(case: Case, record: LitigationRecord, what: str, summary: str, *, actor: Actor, now: datetime,
             data: Optional[dict] = None) -> None:
    """Audit the change and record it as a deposited timeline row, in the caller's transaction."""
    record.updated_at = now
    case.updated_at = now
    db.session.flush()
    case_service.add_event(case, f"litigation_{what}", summary, actor=actor, now=now,
                           data={"litigation": record.id, **(data or {})})
    audit.record(actor, f"litigation.{what}", record, summary, now=now)


def open_record(case: Case, *, actor: Actor, now: datetime, **fields) -> LitigationRecord:
    """The case's record, created (with `fields`) if it has none; an existing one is updated with `fields`."""
    record = record_for(case)
    if record is not None:
        if fields:
            update_record(case, fields, actor=actor, now=now)
        return record
    record = LitigationRecord(case_id=case.id, created_at=now, updated_at=now, created_by_id=actor.user_id,
                              court="", case_number="", cause_of_action="", claim_currency="CNY",
                              resolution_currency="CNY", injunction_sought=False, resolution_note="")
    values = _record_values(fields, record)
    for key, value in values.items():
        setattr(record, key, value)
    db.session.add(record)
    db.session.flush()
    _changed(case, record, "opened", "litigation record opened" + _describe(values), actor=actor, now=now,
             data={"fields": sorted(values)})
    return record


def _record_values(fields: dict, record: LitigationRecord) -> dict:
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise LitigationError(f"unknown fields: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name in ("court", "case_number", "cause_of_action"):
        if name in fields:
            values[name] = _text(fields[name], name, LIMITS[name])
    if "filing_date" in fields:
        values["filing_date"] = _date(fields["filing_date"], "filing_date")
    if "claim_amount" in fields:
        values["claim_amount_minor"] = parse_amount(fields["claim_amount"], "claim_amount")
    if "claim_currency" in fields:
        values["claim_currency"] = parse_currency(fields["claim_currency"], "claim_currency")
    if "injunction_sought" in fields:
        if not isinstance(fields["injunction_sought"], bool):
            raise LitigationError("injunction_sought: true or false", "injunction_sought")
        values["injunction_sought"] = fields["injunction_sought"]
    return {k: v for k, v in values.items() if getattr(record, k) != v}


def _describe(values: dict) -> str:
    if not values:
        return ""
    parts = []
    for key in sorted(values):
        value = values[key]
        if key.endswith("_minor"):
            value = format_amount(value)
        parts.append(f"{key.removesuffix('_minor')}={value if value not in (None, '') else '—'}")
    return ": " + "; ".join(parts)


def update_record(case: Case, fields: dict, *, actor: Actor, now: datetime) -> list[str]:
    """Change the court, case number, cause of action, filing date or claims; returns the fields changed."""
    record = record_for(case)
    if record is None:
        record = open_record(case, actor=actor, now=now)
    values = _record_values(fields, record)
    if not values:
        return []
    for key, value in values.items():
        setattr(record, key, value)
    _changed(case, record, "updated", "litigation record" + _describe(values), actor=actor, now=now,
             data={"fields": sorted(values)})
    return sorted(k.removesuffix("_minor") for k in values)


def add_party(case: Case, *, side: str, name: str, counsel_name: str = "", counsel_firm: str = "",
              counsel_contact: str = "", actor: Actor, now: datetime) -> LitigationParty:
    if side not in PARTY_SIDES:
        raise LitigationError(f"side: one of {', '.join(PARTY_SIDES)}", "side")
    name = _text(name, "name", 300)
    if not name:
        raise LitigationError("name: a party needs a name", "name")
    record = open_record(case, actor=actor, now=now)
    party = LitigationParty(side=side, name=name, counsel_name=_text(counsel_name, "counsel_name", 200),
                            counsel_firm=_text(counsel_firm, "counsel_firm", 300),
                            counsel_contact=_text(counsel_contact, "counsel_contact", 300))
    record.parties.append(party)
    db.session.flush()
    counsel = ", ".join(x for x in (party.counsel_name, party.counsel_firm) if x)
    _changed(case, record, "party", f"party ({side}): {name}" + (f", represented by {counsel}" if counsel else ""),
             actor=actor, now=now, data={"party": party.id})
    return party


def _hearing_title(hearing: Hearing, case: Case) -> str:
    return f"Court hearing ({hearing.kind.replace('_', ' ')})" + (f" at {hearing.place}" if hearing.place else "")


def add_hearing(case: Case, *, at: Any, kind: str, place: str = "", note: str = "", actor: Actor,
                now: datetime) -> Hearing:
    """A hearing, with a `court_hearing` deadline at its time so the scheduler reminds about it."""
    at = _aware(at, "at")
    if kind not in HEARING_KINDS:
        raise LitigationError(f"kind: one of {', '.join(HEARING_KINDS)}", "kind")
    record = open_record(case, actor=actor, now=now)
    hearing = Hearing(at=at, kind=kind, place=_text(place, "place", 300), note=_text(note, "note", 5000))
    record.hearings.append(hearing)
    db.session.flush()
    deadline = deadline_service.create(kind=HEARING_DEADLINE_KIND, title=_hearing_title(hearing, case), due_at=at,
                                       case=case, actor=actor, now=now, source_type="litigation_hearing",
                                       source_id=hearing.id)
    hearing.deadline_id = deadline.id
    _changed(case, record, "hearing", f"hearing ({kind}) on {at:%Y-%m-%d %H:%M} UTC"
             + (f" at {hearing.place}" if hearing.place else "") + (f"; {hearing.note}" if hearing.note else ""),
             actor=actor, now=now, data={"hearing": hearing.id, "deadline": deadline.id})
    return hearing


def update_hearing(case: Case, hearing: Hearing, fields: dict, *, actor: Actor, now: datetime) -> list[str]:
    """Move or describe a hearing; its deadline follows its time (and is reminded about afresh)."""
    unknown = set(fields) - {"at", "kind", "place", "note"}
    if unknown:
        raise LitigationError(f"unknown fields: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    if "at" in fields:
        values["at"] = _aware(fields["at"], "at")
    if "kind" in fields:
        if fields["kind"] not in HEARING_KINDS:
            raise LitigationError(f"kind: one of {', '.join(HEARING_KINDS)}", "kind")
        values["kind"] = fields["kind"]
    if "place" in fields:
        values["place"] = _text(fields["place"], "place", 300)
    if "note" in fields:
        values["note"] = _text(fields["note"], "note", 5000)
    values = {k: v for k, v in values.items() if getattr(hearing, k) != v}
    if not values:
        return []
    for key, value in values.items():
        setattr(hearing, key, value)
    deadline = hearing.deadline
    if deadline is not None:
        if "at" in values:
            deadline_service.reschedule(deadline, hearing.at, actor=actor, now=now)
        deadline.title = _hearing_title(hearing, case)
    described = "; ".join(f"{k}={v:%Y-%m-%d %H:%M} UTC" if isinstance(v, datetime) else f"{k}={v or '—'}"
                          for k, v in sorted(values.items()))
    _changed(case, hearing.record, "hearing_changed", f"hearing #{hearing.id}: {described}", actor=actor, now=now,
             data={"hearing": hearing.id, "fields": sorted(values)})
    return sorted(values)


def hearing_held(case: Case, hearing: Hearing, *, actor: Actor, now: datetime) -> bool:
    """The hearing took place: its deadline is met (so it is not escalated as overdue). False if already so."""
    if hearing.at > now:
        raise LitigationError("held: a hearing is marked held once its time has come", "held")
    deadline = hearing.deadline
    if deadline is None or deadline.status == "done":
        return False
    deadline_service.complete(deadline, actor=actor, now=now)
    _changed(case, hearing.record, "hearing_held", f"hearing #{hearing.id} ({hearing.kind}) on "
             f"{hearing.at:%Y-%m-%d %H:%M} UTC held", actor=actor, now=now, data={"hearing": hearing.id})
    return True


def add_deadline(case: Case, *, kind: str, title: str, due_at: Any, actor: Actor, now: datetime) -> Deadline:
    """A procedural court deadline (defence, evidence, appeal, payment...): a casework Deadline row."""
    if kind not in COURT_DEADLINE_KINDS:
        raise LitigationError(f"kind: one of {', '.join(COURT_DEADLINE_KINDS)}", "kind")
    title = _text(title, "title", 300)
    if not title:
        raise LitigationError("title: say what is due", "title")
    due_at = _aware(due_at, "due_at")
    record = open_record(case, actor=actor, now=now)
    deadline = deadline_service.create(kind=kind, title=title, due_at=due_at, case=case, actor=actor, now=now,
                                       source_type="litigation", source_id=record.id)
    _changed(case, record, "deadline", f"court deadline ({kind}): {title}, due {due_at:%Y-%m-%d %H:%M} UTC",
             actor=actor, now=now, data={"deadline": deadline.id})
    return deadline


def update_deadline(case: Case, deadline: Deadline, fields: dict, *, actor: Actor, now: datetime) -> list[str]:
    """Reschedule, retitle or mark a court deadline done."""
    unknown = set(fields) - {"due_at", "title", "done"}
    if unknown:
        raise LitigationError(f"unknown fields: {', '.join(sorted(unknown))}")
    changed: list[str] = []
    if "title" in fields:
        title = _text(fields["title"], "title", 300)
        if not title:
            raise LitigationError("title: say what is due", "title")
        if title != deadline.title:
            deadline.title = title
            changed.append(f"title={title}")
    if "due_at" in fields:
        due_at = _aware(fields["due_at"], "due_at")
        if due_at != deadline.due_at:
            deadline_service.reschedule(deadline, due_at, actor=actor, now=now)
            changed.append(f"due {due_at:%Y-%m-%d %H:%M} UTC")
    if fields.get("done") is True and deadline.status != "done":
        deadline_service.complete(deadline, actor=actor, now=now)
        changed.append("done")
    elif fields.get("done") is False and deadline.status == "done":
        raise LitigationError("done: a met deadline is not reopened; add a new one", "done")
    if not changed:
        return []
    record = open_record(case, actor=actor, now=now)
    _changed(case, record, "deadline_changed", f"court deadline #{deadline.id}: " + "; ".join(changed), actor=actor,
             now=now, data={"deadline": deadline.id})
    return changed


def add_cost(case: Case, *, kind: str, incurred_on: Any, amount: Any, currency: str = "CNY", description: str = "",
             actor: Actor, now: datetime) -> LitigationCost:
    if kind not in COST_KINDS:
        raise LitigationError(f"kind: one of {', '.join(COST_KINDS)}", "kind")
    minor = parse_amount(amount, "amount")
    if minor is None:
        raise LitigationError("amount: give the amount spent", "amount")
    day = _date(incurred_on, "incurred_on")
    if day is None:
        raise LitigationError("incurred_on: give the date", "incurred_on")
    record = open_record(case, actor=actor, now=now)
    cost = LitigationCost(kind=kind, incurred_on=day, amount_minor=minor, currency=parse_currency(currency),
                          description=_text(description, "description", 500))
    record.costs.append(cost)
    db.session.flush()
    _changed(case, record, "cost", f"cost ({kind}) {cost.currency} {format_amount(minor)} on {day.isoformat()}"
             + (f": {cost.description}" if cost.description else ""), actor=actor, now=now, data={"cost": cost.id})
    return cost


def _filing_target_exists(kind: str, ref_id: int, case: Case) -> Optional[bool]:
    """Whether the document or bundle exists in this case; None when its domain has no table (yet)."""
    from casework.models.base import Base

    tables = {"document": ("document",), "bundle": ("evidence_bundle", "bundle")}[kind]
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__tablename__", None) in tables and hasattr(cls, "case_id"):
            row = db.session.get(cls, ref_id)
            return row is not None and row.case_id == case.id
    return None


def add_filing(case: Case, *, kind: str, ref_id: Any, filed_on: Any, note: str = "", actor: Actor,
               now: datetime) -> LitigationFiling:
    """Record that a document or bundle of this case was filed with the court (referenced by id)."""
    if kind not in FILING_KINDS:
        raise LitigationError(f"kind: one of {', '.join(FILING_KINDS)}", "kind")
    if isinstance(ref_id, bool) or not isinstance(ref_id, int) or ref_id < 1:
        raise LitigationError("ref_id: the id of the document or bundle", "ref_id")
    if _filing_target_exists(kind, ref_id, case) is False:
        raise LitigationError(f"ref_id: this case has no {kind} #{ref_id}", "ref_id")
    day = _date(filed_on, "filed_on")
    if day is None:
        raise LitigationError("filed_on: give the date", "filed_on")
    record = open_record(case, actor=actor, now=now)
    if any(f.kind == kind and f.ref_id == ref_id for f in record.filings):
        raise LitigationError(f"ref_id: {kind} #{ref_id} is already recorded as filed", "ref_id")
    filing = LitigationFiling(kind=kind, ref_id=ref_id, filed_on=day, note=_text(note, "note", 500))
    record.filings.append(filing)
    db.session.flush()
    _changed(case, record, "filing", f"{kind} #{ref_id} filed on {day.isoformat()}"
             + (f": {filing.note}" if filing.note else ""), actor=actor, now=now, data={"filing": filing.id})
    return filing


REMOVABLE = {"party": LitigationParty, "cost": LitigationCost, "filing": LitigationFiling}


def remove_entry(case: Case, kind: str, entry_id: int, *, actor: Actor, now: datetime) -> bool:
    """Take back a party, cost or filing recorded by mistake; the removal is itself a deposited timeline row,
    so what was recorded and when it was withdrawn both stay provable. False when there is no such entry."""
    model = REMOVABLE.get(kind)
    if model is None:
        raise LitigationError(f"kind: one of {', '.join(REMOVABLE)}", "kind")
    record = record_for(case)
    entry = db.session.get(model, entry_id) if record is not None else None
    if entry is None or entry.record_id != record.id:
        return False
    what = {"party": lambda e: f"party ({e.side}): {e.name}",
            "cost": lambda e: f"cost ({e.kind}) {e.currency} {format_amount(e.amount_minor)} on {e.incurred_on}",
            "filing": lambda e: f"{e.kind} #{e.ref_id} filed on {e.filed_on}"}[kind](entry)
    db.session.delete(entry)
    db.session.flush()
    db.session.expire(record)
    _changed(case, record, "removed", f"removed {what}", actor=actor, now=now, data={kind: entry_id})
    return True
