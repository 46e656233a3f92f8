"""API: takedown notices per case (list, create per platform), one takedown, its transitions, and the
per-platform figures. Counsel read the takedowns of their assigned cases; creators get the case's
"takedowns" section with platform and plain status only, and no takedown endpoint."""
from __future__ import annotations

from datetime import datetime

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

import casework.policy.takedowns  # noqa: F401  (registers the takedown rules)
from casework.api.core import PAGE_QUERY, ApiError, actor, endpoint, json_body, page_schema, paginate
from casework.case_sections import json_section
from casework.extensions import db
from casework.models import utcnow
from casework.models.cases import Case
from casework.models.monitoring import Platform
from casework.models.takedowns import TAKEDOWN_STATUSES, TakedownNotice
from casework.policy import STAFF, can, visible
from casework.services import takedown_figures
from casework.services import takedowns as service
from casework.services.events import rfc3339

READERS = ("admin", "legal", "counsel")
TAKEDOWN = {"type": "object", "properties": {
    "id": {"type": "integer"}, "case_id": {"type": "integer"},
    "platform": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
    "format": {"enum": ["us", "cn"]}, "lang": {"type": "string"}, "status": {"enum": list(TAKEDOWN_STATUSES)},
    "document_id": {"type": ["integer", "null"]}, "urls": {"type": "array"},
    "sent_channel": {"type": ["string", "null"]}, "sent_recipient": {"type": "string"},
    "sent_at": {"type": ["string", "null"]}, "platform_reference": {"type": "string"},
    "first_response_at": {"type": ["string", "null"]}, "acknowledged_at": {"type": ["string", "null"]},
    "platform_reported_removed_at": {"type": ["string", "null"]},
    "removed_at": {"type": ["string", "null"], "description": "removal confirmed by re-check"},
    "refused_at": {"type": ["string", "null"]}, "refusal_reason": {"type": "string"},
    "counter_notice_at": {"type": ["string", "null"]}, "counter_notice_content": {"type": "string"},
    "restored_at": {"type": ["string", "null"]}, "withdrawn_at": {"type": ["string", "null"]},
    "withdrawal_reason": {"type": "string"}, "allowed_moves": {"type": "array", "items": {"type": "string"}},
    "history": {"type": "array"}}}
CREATE_IN = {"type": "object", "required": ["platform_id"], "additionalProperties": False, "properties": {
    "platform_id": {"type": "integer", "minimum": 1}, "lang": {"enum": ["zh", "en", None]}}}
_TEXT = {"type": ["string", "null"], "maxLength": 20000}
TRANSITION_IN = {"type": "object", "required": ["to"], "additionalProperties": False, "properties": {
    "to": {"enum": ["sent", "acknowledged", "refused", "counter_notice", "restored", "withdrawn",
                    "platform_reports_removal"],
           "description": "a new state, or platform_reports_removal (recorded; the state waits for a re-check)"},
    "at": {"type": ["string", "null"], "format": "date-time", "description": "when the platform did it (default now)"},
    "reference": {"type": ["string", "null"], "maxLength": 300}, "recipient": {"type": ["string", "null"],
                                                                              "maxLength": 500},
    "reason": _TEXT, "content": {"type": ["string", "null"], "maxLength": 100000}, "note": _TEXT}}
FIGURES = {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
    "platform": {"type": "object"}, "sent": {"type": "integer"}, "responded": {"type": "integer"},
    "response_rate": {"type": ["number", "null"]}, "removed": {"type": "integer"},
    "median_days_to_first_response": {"type": ["number", "null"]},
    "median_days_to_removal": {"type": ["number", "null"]}, "by_status": {"type": "object"}}}}}}


def takedown_json(td: TakedownNotice, *, detail: bool = True) -> dict:
    data = {"id": td.id, "case_id": td.case_id, "platform": {"id": td.platform_id, "name": td.platform.name},
            "format": td.format, "lang": td.lang, "status": td.status, "document_id": td.document_id,
            "urls": [{"id": u.id, "url": u.url_normalized, "status": u.status} for u in td.urls],
            "sent_channel": td.sent_channel, "sent_recipient": td.sent_recipient, "sent_at": rfc3339(td.sent_at),
            "platform_reference": td.platform_reference, "first_response_at": rfc3339(td.first_response_at),
            "acknowledged_at": rfc3339(td.acknowledged_at),
            "platform_reported_removed_at": rfc3339(td.platform_reported_removed_at),
            "removed_at": rfc3339(td.removed_at), "refused_at": rfc3339(td.refused_at),
            "refusal_reason": td.refusal_reason, "counter_notice_at": rfc3339(td.counter_notice_at),
            "counter_notice_content": td.counter_notice_content, "restored_at": rfc3339(td.restored_at),
            "withdrawn_at": rfc3339(td.withdrawn_at), "withdrawal_reason": td.withdrawal_reason,
            "allowed_moves": [s.value for s in service.manual_targets(td)]}
    if detail:
        data["history"] = [{"at": rfc3339(e.at), "kind": e.kind, "from": e.from_status, "to": e.to_status,
                            "actor": e.actor_label, "note": e.note, "deposit_index": e.deposit_index}
                           for e in td.events]
    return data


@json_section("takedowns")
def _case_takedowns(case: Case, user) -> list:
    rows = list(db.session.scalars(select(TakedownNotice).where(TakedownNotice.case_id == case.id)
                                   .options(joinedload(TakedownNotice.platform), selectinload(TakedownNotice.urls))
                                   .order_by(TakedownNotice.id)))
    if user.role == "creator":  # a plain status, nothing internal; drafts are not news to them
        return [{"id": t.id, "platform": t.platform.name, "status": t.status} for t in rows if t.status != "draft"]
    return [takedown_json(t, detail=False) for t in rows if can(user, "takedown.view", t)]


def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can(current_user, "case.view", case):
        raise ApiError(404, f"there is no case {case_id}")
    return case


def _takedown(takedown_id: int) -> TakedownNotice:
    td = db.session.get(TakedownNotice, takedown_id)
    if td is None or not can(current_user, "takedown.view", td):
        raise ApiError(404, f"there is no takedown {takedown_id}")
    return td


def _refused(exc: service.TakedownError):
    db.session.rollback()
    if isinstance(exc, service.TransitionRefused):
        return ApiError(409, str(exc), {"reasons": [str(exc)]}, code="workflow_refused")
    return ApiError(422, str(exc), [{"field": "(body)", "message": str(exc)}])


@endpoint("/cases/<int:case_id>/takedowns", roles=READERS, summary="The takedown notices of a case",
          query=PAGE_QUERY, response_schema=page_schema(TAKEDOWN), tags=("takedowns",))
def list_case_takedowns(case_id: int):
    case = _case(case_id)
    stmt = visible(current_user, "takedown", select(TakedownNotice)).where(TakedownNotice.case_id == case.id) \
        .options(joinedload(TakedownNotice.platform), selectinload(TakedownNotice.urls),
                 selectinload(TakedownNotice.events)).order_by(TakedownNotice.id)
    return paginate(stmt, takedown_json)


@endpoint("/cases/<int:case_id>/takedowns", methods=("POST",), roles=STAFF, status=201,
          summary="Draft a takedown notice to one platform, covering the case's URLs there (US or CN form "
                  "as the platform takes)",
          request_schema=CREATE_IN, response_schema=TAKEDOWN, tags=("takedowns",))
def create_takedown(case_id: int):
    case = _case(case_id)
    body = json_body(CREATE_IN)
    platform = db.session.get(Platform, body["platform_id"])
    if platform is None:
        raise ApiError(422, f"platform_id: there is no platform {body['platform_id']}",
                       [{"field": "platform_id", "message": "unknown platform"}])
    try:
        td = service.create_takedown(case, platform, actor=actor(), now=utcnow(), lang=body.get("lang"))
    except service.TakedownError as exc:
        raise _refused(exc) from None
    db.session.commit()
    return takedown_json(td), 201


@endpoint("/takedowns/<int:takedown_id>", roles=READERS, summary="A takedown notice with its history",
          response_schema=TAKEDOWN, tags=("takedowns",))
def get_takedown(takedown_id: int):
    return takedown_json(_takedown(takedown_id))


def _at(body: dict):
    value = body.get("at")
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(422, "at: not an RFC 3339 time", [{"field": "at", "message": "not an RFC 3339 time"}]) from None
    if parsed.tzinfo is None:
        raise ApiError(422, "at: give a time zone (Z)", [{"field": "at", "message": "no time zone"}])
    return parsed


@endpoint("/takedowns/<int:takedown_id>/transitions", methods=("POST",), roles=STAFF,
          summary="Send a takedown or record the platform's answer (409 when the state does not allow it; "
                  "removal is confirmed by re-check only)",
          request_schema=TRANSITION_IN, response_schema=TAKEDOWN, tags=("takedowns",))
def move_takedown(takedown_id: int):
    td = _takedown(takedown_id)
    body = json_body(TRANSITION_IN)
    kw = {"actor": actor(), "now": utcnow(), "note": body.get("note") or ""}
    to, at = body["to"], _at(body)
    try:
        if to == "sent":
            service.send(td, reference=body.get("reference") or "", recipient=body.get("recipient"), **kw)
        elif to == "acknowledged":
            service.acknowledge(td, at=at, reference=body.get("reference") or "", **kw)
        elif to == "refused":
            service.refuse(td, reason=body.get("reason") or "", at=at, **kw)
        elif to == "counter_notice":
            service.record_counter_notice(td, content=body.get("content") or "", at=at, **kw)
        elif to == "restored":
            service.restore(td, at=at, **kw)
        elif to == "withdrawn":
            service.withdraw(td, reason=body.get("reason") or "", **kw)
        else:
            service.record_platform_removal(td, at=at, **kw)
    except service.TakedownError as exc:
        raise _refused(exc) from None
    db.session.commit()
    return takedown_json(td)


@endpoint("/takedowns/figures", roles=STAFF, summary="Per-platform takedown figures from our own records",
          response_schema=FIGURES, tags=("takedowns",))
def takedown_platform_figures():
    platforms = list(db.session.scalars(select(Platform).order_by(Platform.name)))
    figures = takedown_figures.figures([p.id for p in platforms])
    return {"items": [{"platform": {"id": p.id, "name": p.name}, **figures[p.id]} for p in platforms]}
