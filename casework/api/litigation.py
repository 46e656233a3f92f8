"""API: a case's litigation record, hearings, court deadlines, parties, costs, filings; closing from it.

Reads: whoever may see the case (creators get the public facts only: court, case number, hearings'
times and places, the outcome). Writes: legal, admin and the case's assigned counsel; closing: legal
and admin. A case the user may not see is a 404 as everywhere.
"""
from __future__ import annotations

from flask_login import current_user

from casework.api.core import ApiError, actor, endpoint, json_body
from casework.case_sections import json_section
from casework.extensions import db
from casework.models import utcnow
from casework.models.cases import Case
from casework.models.litigation import (COST_KINDS, COURT_DEADLINE_KINDS, FILING_KINDS, HEARING_KINDS, PARTY_SIDES,
                                        RESOLUTIONS)
from casework.policy import EVERYONE, STAFF, can
from casework.services import litigation as service
from casework.workflow import WorkflowError

EDITORS = ("admin", "legal", "counsel")
TAGS = ("litigation",)
_AMOUNT = {"type": ["string", "number", "null"], "description": "a decimal amount, e.g. \"12345.67\""}
_CURRENCY = {"type": "string", "pattern": "^[A-Za-z]{3}$"}
_TIME = {"type": "string", "format": "date-time"}
_DATE = {"type": ["string", "null"], "format": "date"}
CLAIMS_IN = {"type": "object", "additionalProperties": False, "properties": {
    "amount": _AMOUNT, "currency": _CURRENCY, "injunction_sought": {"type": "boolean"}}}
RESOLUTION_IN = {"type": "object", "additionalProperties": False, "required": ["kind", "date"], "properties": {
    "kind": {"enum": list(RESOLUTIONS)}, "date": {"type": "string", "format": "date"},
    "amount_awarded": _AMOUNT, "amount_paid": _AMOUNT, "currency": _CURRENCY,
    "note": {"type": "string", "maxLength": 5000}}}
RECORD_IN = {"type": "object", "additionalProperties": False, "properties": {
    "court": {"type": "string", "maxLength": 300}, "case_number": {"type": "string", "maxLength": 100},
    "cause_of_action": {"type": "string", "maxLength": 300}, "filing_date": _DATE, "claims": CLAIMS_IN,
    "resolution": RESOLUTION_IN}}
RECORD_PATCH = {**RECORD_IN, "minProperties": 1}
HEARING_IN = {"type": "object", "additionalProperties": False, "required": ["at", "kind"], "properties": {
    "at": _TIME, "kind": {"enum": list(HEARING_KINDS)}, "place": {"type": "string", "maxLength": 300},
    "note": {"type": "string", "maxLength": 5000}}}
HEARING_PATCH = {"type": "object", "additionalProperties": False, "minProperties": 1,
                 "properties": {**HEARING_IN["properties"],
                                "held": {"const": True, "description": "the hearing took place (its deadline is met)"}}}
DEADLINE_IN = {"type": "object", "additionalProperties": False, "required": ["kind", "title", "due_at"],
               "properties": {"kind": {"enum": list(COURT_DEADLINE_KINDS)},
                              "title": {"type": "string", "minLength": 1, "maxLength": 300}, "due_at": _TIME}}
DEADLINE_PATCH = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
    "title": {"type": "string", "minLength": 1, "maxLength": 300}, "due_at": _TIME, "done": {"type": "boolean"}}}
PARTY_IN = {"type": "object", "additionalProperties": False, "required": ["side", "name"], "properties": {
    "side": {"enum": list(PARTY_SIDES)}, "name": {"type": "string", "minLength": 1, "maxLength": 300},
    "counsel_name": {"type": "string", "maxLength": 200}, "counsel_firm": {"type": "string", "maxLength": 300},
    "counsel_contact": {"type": "string", "maxLength": 300}}}
COST_IN = {"type": "object", "additionalProperties": False, "required": ["kind", "incurred_on", "amount"],
           "properties": {"kind": {"enum": list(COST_KINDS)}, "incurred_on": {"type": "string", "format": "date"},
                          "amount": _AMOUNT, "currency": _CURRENCY,
                          "description": {"type": "string", "maxLength": 500}}}
FILING_IN = {"type": "object", "additionalProperties": False, "required": ["kind", "ref_id", "filed_on"],
             "properties": {"kind": {"enum": list(FILING_KINDS)}, "ref_id": {"type": "integer", "minimum": 1},
                            "filed_on": {"type": "string", "format": "date"},
                            "note": {"type": "string", "maxLength": 500}}}
CLOSE_IN = {"type": "object", "additionalProperties": False,
            "properties": {"note": {"type": ["string", "null"], "maxLength": 10000}}}
HEARING = {"type": "object", "properties": {
    "id": {"type": "integer"}, "at": _TIME, "kind": {"enum": list(HEARING_KINDS)}, "place": {"type": "string"},
    "note": {"type": "string", "description": "not for creators"}, "deadline_id": {"type": ["integer", "null"]},
    "held": {"type": "boolean"}}}
DEADLINE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "title": {"type": "string"}, "due_at": _TIME,
    "status": {"enum": ["open", "done"]}, "overdue": {"type": "boolean"}, "done_at": {"type": ["string", "null"]}}}
RECORD = {"type": "object", "properties": {
    "id": {"type": "integer"}, "case_id": {"type": "integer"}, "court": {"type": "string"},
    "case_number": {"type": "string"}, "cause_of_action": {"type": "string"}, "filing_date": _DATE,
    "claims": {"type": "object", "description": "not for creators"},
    "hearings": {"type": "array", "items": HEARING}, "deadlines": {"type": "array", "items": DEADLINE},
    "parties": {"type": "array"}, "costs": {"type": "array"}, "cost_totals": {"type": "object"},
    "filings": {"type": "array"}, "resolution": {"type": ["object", "null"]}, "updated_at": _TIME}}
LIST_OF = lambda item: {"type": "object", "properties": {"items": {"type": "array", "items": item}}}  # noqa: E731


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can(current_user, "case.view", case):
        raise ApiError(404, f"there is no case {case_id}")
    return case


def _editable(case_id: int) -> Case:
    case = _case(case_id)
    if not can(current_user, "litigation.edit", case):
        raise ApiError(403, "only legal, admin and the case's assigned counsel change its litigation")
    return case


def _record_or_404(case: Case):
    record = service.record_for(case)
    if record is None:
        raise ApiError(404, f"case {case.id} has no litigation record yet")
    return record


def _as_json(case: Case) -> dict:
    record = _record_or_404(case)
    db.session.refresh(record)
    return service.record_json(record, case, full=can(current_user, "litigation.full", case), now=utcnow())


def _invalid(exc: service.LitigationError):
    db.session.rollback()
    raise ApiError(422, str(exc), [{"field": exc.field or "(body)", "message": str(exc)}]) from None


def _record_fields(body: dict) -> dict:
    fields = {k: body[k] for k in ("court", "case_number", "cause_of_action", "filing_date") if k in body}
    claims = body.get("claims") or {}
    for key, name in (("amount", "claim_amount"), ("currency", "claim_currency"),
                      ("injunction_sought", "injunction_sought")):
        if key in claims:
            fields[name] = claims[key]
    return fields


def _apply(case: Case, body: dict, now) -> None:
    fields = _record_fields(body)
    if fields:
        service.update_record(case, fields, actor=actor(), now=now)
    if body.get("resolution"):
        r = body["resolution"]
        service.resolve(case, service.Resolution(
            resolution=r["kind"], resolved_on=r["date"], amount_awarded=r.get("amount_awarded"),
            amount_paid=r.get("amount_paid"), currency=r.get("currency", "CNY"), note=r.get("note", "")),
            actor=actor(), now=now)


@json_section("litigation")
def _case_json(case, user):
    record = service.record_for(case)
    if record is None:
        return []
    return [service.record_json(record, case, full=can(user, "litigation.full", case), now=utcnow())]


@endpoint("/cases/<int:case_id>/litigation", roles=EVERYONE, response_schema=RECORD, tags=TAGS,
          summary="A case's litigation record (creators: court, case number, hearings and outcome only)")
def litigation_get(case_id: int):
    return _as_json(_case(case_id))


@endpoint("/cases/<int:case_id>/litigation", methods=("POST",), roles=EDITORS, status=201, tags=TAGS,
          request_schema=RECORD_IN, response_schema=RECORD,
          summary="Open the case's litigation record (409 if it has one: PATCH it)")
def litigation_create(case_id: int):
    case = _editable(case_id)
    body = json_body(RECORD_IN)
    if service.record_for(case) is not None:
        raise ApiError(409, f"case {case.id} already has a litigation record; change it with PATCH")
    now = utcnow()
    try:
        service.open_record(case, actor=actor(), now=now)
        _apply(case, body, now)
    except service.LitigationError as exc:
        _invalid(exc)
    db.session.commit()
    return _as_json(case), 201


@endpoint("/cases/<int:case_id>/litigation", methods=("PATCH",), roles=EDITORS, tags=TAGS,
          request_schema=RECORD_PATCH, response_schema=RECORD,
          summary="Change the court, case number, cause of action, filing date, claims, judgment or settlement")
def litigation_patch(case_id: int):
    case = _editable(case_id)
    body = json_body(RECORD_PATCH)
    _record_or_404(case)
    try:
        _apply(case, body, utcnow())
    except service.LitigationError as exc:
        _invalid(exc)
    db.session.commit()
    return _as_json(case)


@endpoint("/cases/<int:case_id>/litigation/hearings", roles=EVERYONE, response_schema=LIST_OF(HEARING), tags=TAGS,
          summary="The hearings of a case")
def litigation_hearings(case_id: int):
    case = _case(case_id)
    record = service.record_for(case)
    full = can(current_user, "litigation.full", case)
    return {"items": [service.hearing_json(h, full=full) for h in (record.hearings if record else [])]}


@endpoint("/cases/<int:case_id>/litigation/hearings", methods=("POST",), roles=EDITORS, status=201, tags=TAGS,
          request_schema=HEARING_IN, response_schema=HEARING,
          summary="Add a hearing (a court_hearing deadline at its time is watched by the scheduler)")
def litigation_add_hearing(case_id: int):
    case = _editable(case_id)
    body = json_body(HEARING_IN)
    try:
        hearing = service.add_hearing(case, at=body["at"], kind=body["kind"], place=body.get("place", ""),
                                      note=body.get("note", ""), actor=actor(), now=utcnow())
    except service.LitigationError as exc:
        _invalid(exc)
    db.session.commit()
    return service.hearing_json(hearing), 201


@endpoint("/cases/<int:case_id>/litigation/hearings/<int:hearing_id>", methods=("PATCH",), roles=EDITORS,
          tags=TAGS, request_schema=HEARING_PATCH, response_schema=HEARING,
          summary="Move or describe a hearing (its deadline follows), or mark it held")
def litigation_patch_hearing(case_id: int, hearing_id: int):
    case = _editable(case_id)
    hearing = service.hearing_of(case, hearing_id)
    if hearing is None:
        raise ApiError(404, f"case {case.id} has no hearing {hearing_id}")
    body = json_body(HEARING_PATCH)
    held = body.pop("held", False)
    try:
        now = utcnow()
        service.update_hearing(case, hearing, body, actor=actor(), now=now)
        if held:
            service.hearing_held(case, hearing, actor=actor(), now=now)
    except service.LitigationError as exc:
        _invalid(exc)
    db.session.commit()
    return service.hearing_json(hearing)


@endpoint("/cases/<int:case_id>/litigation/deadlines", roles=EDITORS, response_schema=LIST_OF(DEADLINE),
          tags=TAGS, summary="The case's procedural court deadlines")
def litigation_deadlines(case_id: int):
    case = _case(case_id)
    now = utcnow()
    return {"items": [service.deadline_json(d, now) for d in service.court_deadlines(case)]}


@endpoint("/cases/<int:case_id>/litigation/deadlines", methods=("POST",), roles=EDITORS, status=201, tags=TAGS,
          request_schema=DEADLINE_IN, response_schema=DEADLINE,
          summary="Add a procedural court deadline (a casework deadline the scheduler reminds about)")
def litigation_add_deadline(case_id: int):
    case = _editable(case_id)
    body = json_body(DEADLINE_IN)
    now = utcnow()
    try:
        deadline = service.add_deadline(case, kind=body["kind"], title=body["title"], due_at=body["due_at"],
                                        actor=actor(), now=now)
    except service.LitigationError as exc:
        _invalid(exc)
    db.session.commit()
    return service.deadline_json(deadline, now), 201


@endpoint("/cases/<int:case_id>/litigation/deadlines/<int:deadline_id>", methods=("PATCH",), roles=EDITORS,
          tags=TAGS, request_schema=DEADLINE_PATCH, response_schema=DEADLINE,
          summary="Reschedule, retitle or complete a court deadline")
def litigation_patch_deadline(case_id: int, deadline_id: int):
    case = _editable(case_id)
    deadline = service.court_deadline_of(case, deadline_id)
    if deadline is None:
        raise ApiError(404, f"case {case.id} has no court deadline {deadline_id}")
    body = json_body(DEADLINE_PATCH)
    now = utcnow()
    try:
        service.update_deadline(case, deadline, body, actor=actor(), now=now)
    except service.LitigationError as exc:
        _invalid(exc)
    db.session.commit()
    return service.deadline_json(deadline, now)


@endpoint("/cases/<int:case_id>/litigation/parties", methods=("POST",), roles=EDITORS, status=201, tags=TAGS,
          request_schema=PARTY_IN, summary="Add a party and its counsel")
def litigation_add_party(case_id: int):
    case = _editable(case_id)
    body = json_body(PARTY_IN)
    try:
        party = service.add_party(case, actor=actor(), now=utcnow(), **body)
    except service.LitigationError as exc:
        _invalid(exc)
    db.session.commit()
    return {"id": party.id, "side": party.side, "name": party.name}, 201


@endpoint("/cases/<int:case_id>/litigation/costs", methods=("POST",), roles=EDITORS, status=201, tags=TAGS,
          request_schema=COST_IN, summary="Add a cost (court fee, attorney's fee, ...)")
def litigation_add_cost(case_id: int):
    case = _editable(case_id)
    body = json_body(COST_IN)
    try:
        cost = service.add_cost(case, kind=body["kind"], incurred_on=body["incurred_on"], amount=body["amount"],
                                currency=body.get("currency", "CNY"), description=body.get("description", ""),
                                actor=actor(), now=utcnow())
    except service.LitigationError as exc:
        _invalid(exc)
    db.session.commit()
    return {"id": cost.id, "kind": cost.kind, "amount": service.amount_str(cost.amount_minor),
            "currency": cost.currency}, 201


@endpoint("/cases/<int:case_id>/litigation/filings", methods=("POST",), roles=EDITORS, status=201, tags=TAGS,
          request_schema=FILING_IN, summary="Record a document or evidence bundle (by id) as filed with the court")
def litigation_add_filing(case_id: int):
    case = _editable(case_id)
    body = json_body(FILING_IN)
    try:
        filing = service.add_filing(case, kind=body["kind"], ref_id=body["ref_id"], filed_on=body["filed_on"],
                                    note=body.get("note", ""), actor=actor(), now=utcnow())
    except service.LitigationError as exc:
        _invalid(exc)
    db.session.commit()
    return {"id": filing.id, "kind": filing.kind, "ref_id": filing.ref_id}, 201


@endpoint("/cases/<int:case_id>/litigation/close", methods=("POST",), roles=STAFF, tags=TAGS, request_schema=CLOSE_IN,
          summary="Close the case with the outcome its litigation record decides (409 when refused)")
def litigation_close(case_id: int):
    case = _case(case_id)
    body = json_body(CLOSE_IN)
    try:
        event = service.close_case(case, actor=actor(), now=utcnow(), note=body.get("note"))
    except WorkflowError as exc:
        db.session.rollback()
        raise ApiError(409, str(exc), {"reasons": exc.reasons}, code="workflow_refused") from None
    db.session.commit()
    return {"case_id": case.id, "stage": case.stage, "outcome": case.outcome, "deposit_index": event.deposit_index}


@endpoint("/cases/<int:case_id>/litigation/<collection>/<int:entry_id>", methods=("DELETE",), roles=EDITORS,
          tags=TAGS, summary="Take back a party, cost or filing recorded by mistake (parties, costs, filings); "
                             "the removal is a deposited timeline row")
def litigation_remove_entry(case_id: int, collection: str, entry_id: int):
    case = _editable(case_id)
    kind = {"parties": "party", "costs": "cost", "filings": "filing"}.get(collection)
    if kind is None or not service.remove_entry(case, kind, entry_id, actor=actor(), now=utcnow()):
        raise ApiError(404, f"case {case.id} has no {collection} entry {entry_id}")
    db.session.commit()
    return {"removed": {"kind": kind, "id": entry_id}}
