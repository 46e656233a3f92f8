"""API: detection intake (monitoring vendors), the review queue, confirm and dismiss; infringers, platforms."""
from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.api.core import PAGE_QUERY, ApiError, actor, endpoint, json_body, page_schema, paginate, whole_number
from casework.extensions import db
from casework.models import utcnow
from casework.models.cases import Case
from casework.models.monitoring import (DETECTION_SOURCES, DETECTION_STATUSES, DISMISS_REASONS, INFRINGER_KINDS,
                                        Detection, Infringer, Platform)
from casework.policy import STAFF, can, visible
from casework.services import detections as detection_service
from casework.services import monitoring

ITEM = {"type": "object", "properties": {
    "work_id": {"type": "integer", "minimum": 1}, "url": {"type": "string", "maxLength": 4096},
    "platform": {"type": ["integer", "string", "null"], "description": "platform id or name"},
    "detected_at": {"type": ["string", "null"], "description": "RFC 3339; default: now"},
    "similarity": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
    "infringer": {"type": ["integer", "string", "null"], "description": "infringer id, or a name (new names are added)"},
    "source": {"type": ["string", "null"], "description": "ignored: API intake is recorded as source 'api'"}},
    "required": ["work_id", "url"]}
INTAKE_IN = {"type": "object", "required": ["detections"], "properties": {
    "detections": {"type": "array", "minItems": 1, "maxItems": detection_service.MAX_BATCH}}}
INTAKE_OUT = {"type": "object", "properties": {
    "created": {"type": "array", "items": {"type": "integer"}},
    "duplicates": {"type": "array", "items": {"type": "integer"}},
    "licensed": {"type": "array", "items": {"type": "integer"}, "description": "created ids flagged by a licence"}}}
DETECTION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "work_id": {"type": "integer"}, "url": {"type": "string"},
    "url_normalized": {"type": "string"}, "platform_id": {"type": ["integer", "null"]},
    "infringer_id": {"type": ["integer", "null"]}, "source": {"enum": list(DETECTION_SOURCES)},
    "similarity": {"type": ["number", "null"]}, "detected_at": {"type": "string"},
    "status": {"enum": list(DETECTION_STATUSES)}, "licensed": {"type": "boolean"},
    "dismiss_reason": {"enum": [*DISMISS_REASONS, None]}, "case_id": {"type": ["integer", "null"]}}}
CONFIRM_IN = {"type": "object", "additionalProperties": False,
              "properties": {"case_id": {"type": ["integer", "null"]}, "note": {"type": "string", "maxLength": 5000}}}
DISMISS_IN = {"type": "object", "required": ["reason"], "additionalProperties": False, "properties": {
    "reason": {"enum": list(DISMISS_REASONS)}, "note": {"type": ["string", "null"], "maxLength": 5000}}}
INFRINGER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"enum": list(INFRINGER_KINDS)},
    "domains": {"type": "array"}, "accounts": {"type": "array"}, "cases": {"type": "integer"}}}
PLATFORM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "takedown_channel": {"type": "string"},
    "channel_address": {"type": "string"}, "notice_format": {"enum": ["us", "cn"]}, "domains": {"type": "array"}}}


@endpoint("/detections", methods=("POST",), roles=STAFF, status=201, summary="Take in a batch of detections "
          "(up to 1,000; all or nothing; duplicates reported, not stored twice)",
          request_schema=INTAKE_IN, response_schema=INTAKE_OUT, tags=("detections",))
def create_detections():
    body = json_body(INTAKE_IN)
    try:
        result = detection_service.intake(body["detections"], source="api", actor=actor(), now=utcnow())
    except detection_service.IntakeError as exc:
        db.session.rollback()
        details = [{"index": e["index"], "field": (f"detections/{e['index']}/{e['field']}" if e["index"] is not None
                                                   else e["field"]), "message": e["message"]} for e in exc.errors]
        raise ApiError(422, str(exc), details) from None
    db.session.commit()
    return {"created": result.created, "duplicates": result.duplicates, "licensed": result.licensed}, 201


@endpoint("/detections", roles=STAFF, summary="Detections (the review queue with status=pending)",
          query={"status": {"enum": list(DETECTION_STATUSES)}, "work_id": {"type": "integer"},
                 "platform_id": {"type": "integer"}, "source": {"enum": list(DETECTION_SOURCES)}, **PAGE_QUERY},
          response_schema=page_schema(DETECTION), tags=("detections",))
def list_detections():
    stmt = visible(current_user, "detection", select(Detection))
    status = request.args.get("status")
    if status:
        if status not in DETECTION_STATUSES:
            raise ApiError(400, f"status must be one of {', '.join(DETECTION_STATUSES)}")
        stmt = stmt.where(Detection.status == status)
    source = request.args.get("source")
    if source:
        if source not in DETECTION_SOURCES:
            raise ApiError(400, f"source must be one of {', '.join(DETECTION_SOURCES)}")
        stmt = stmt.where(Detection.source == source)
    for arg, column in (("work_id", Detection.work_id), ("platform_id", Detection.platform_id)):
        if request.args.get(arg):
            try:
                stmt = stmt.where(column == whole_number(request.args[arg]))
            except ValueError:
                raise ApiError(400, f"{arg} must be a whole number") from None
    stmt = stmt.order_by(Detection.detected_at.desc(), Detection.id.desc())
    return paginate(stmt, detection_service.as_json)


def _load_detection(detection_id: int) -> Detection:
    detection = db.session.get(Detection, detection_id)
    if detection is None or not can(current_user, "detection.review", detection):
        raise ApiError(404, f"there is no detection {detection_id}")
    return detection


@endpoint("/detections/<int:detection_id>/confirm", methods=("POST",), roles=STAFF,
          summary="Confirm a detection into a new case, the infringer's open case, or the case given",
          request_schema=CONFIRM_IN, tags=("detections",))
def confirm_detection(detection_id: int):
    detection = _load_detection(detection_id)
    body = json_body(CONFIRM_IN) if request.get_data() else {}
    case = None
    if body.get("case_id") is not None:
        case = db.session.get(Case, body["case_id"])
        if case is None or not can(current_user, "case.edit", case):
            raise ApiError(422, f"there is no case {body['case_id']}",
                           [{"field": "case_id", "message": "unknown case"}])
    try:
        case = detection_service.confirm(detection, actor=actor(), now=utcnow(), case=case, note=body.get("note") or "")
    except detection_service.ReviewError as exc:
        db.session.rollback()
        raise ApiError(409, str(exc)) from None
    db.session.commit()
    return {"case_id": case.id}


@endpoint("/detections/<int:detection_id>/dismiss", methods=("POST",), roles=STAFF,
          summary="Dismiss a detection with a reason", request_schema=DISMISS_IN, response_schema=DETECTION,
          tags=("detections",))
def dismiss_detection(detection_id: int):
    detection = _load_detection(detection_id)
    body = json_body(DISMISS_IN)
    try:
        detection_service.dismiss(detection, body["reason"], actor=actor(), now=utcnow(), note=body.get("note") or "")
    except detection_service.ReviewError as exc:
        db.session.rollback()
        raise ApiError(409, str(exc)) from None
    db.session.commit()
    return detection_service.as_json(detection)


def infringer_json(i: Infringer, history: dict | None = None) -> dict:
    history = history or {}
    return {"id": i.id, "name": i.name, "kind": i.kind, "domains": i.domains, "accounts": i.accounts,
            "contacts": i.contacts, "address": i.address, "cases": history.get("cases", 0),
            "open_cases": history.get("open_cases", 0), "repeat": monitoring.is_repeat(history)}


@endpoint("/infringers", roles=STAFF, summary="Infringers, with their case history",
          query=PAGE_QUERY, response_schema=page_schema(INFRINGER), tags=("detections",))
def list_infringers():
    stmt = select(Infringer).options(selectinload(Infringer.aliases)).order_by(Infringer.name, Infringer.id)
    page = paginate(stmt, lambda i: i)
    history = monitoring.infringer_history(i.id for i in page["items"])
    page["items"] = [infringer_json(i, history.get(i.id)) for i in page["items"]]
    return page


def platform_json(p: Platform) -> dict:
    return {"id": p.id, "name": p.name, "takedown_channel": p.takedown_channel, "channel_address": p.channel_address,
            "notice_format": p.notice_format, "domains": p.domains or []}


@endpoint("/platforms", roles=STAFF, summary="Platforms and how they take notices",
          query=PAGE_QUERY, response_schema=page_schema(PLATFORM), tags=("detections",))
def list_platforms():
    return paginate(select(Platform).order_by(Platform.name), platform_json)
