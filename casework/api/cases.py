"""API: cases (scoped per user, redacted for creators), transitions, assignment, notes; tasks."""
from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.api.core import PAGE_QUERY, ApiError, actor, endpoint, json_body, page_schema, paginate, whole_number
from casework.case_sections import json_sections
from casework.extensions import db
from casework.models import User, utcnow
from casework.models.cases import OUTCOMES, PRIORITIES, STAGES, Case, CaseTag
from casework.models.scheduling import Deadline, Task
from casework.policy import EVERYONE, STAFF, can, visible
from casework.services import cases as case_service
from casework.services import tasks as task_service
from casework.services.events import rfc3339
from casework.workflow import WorkflowError, transition

CASE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "stage": {"enum": list(STAGES)},
    "infringer": {"type": ["object", "null"]}, "works": {"type": "array"}, "urls": {"type": "array"},
    "platforms": {"type": "array"}, "deadlines": {"type": "array"}, "timeline": {"type": "array"},
    "documents": {"type": "array"}, "evidence": {"type": "array"}, "takedowns": {"type": "array"},
    "litigation": {"type": "array"}, "notes": {"type": "array", "description": "legal and admin only"},
    "owner": {"type": ["object", "null"]}, "counsel": {"type": ["object", "null"]},
    "priority": {"enum": list(PRIORITIES)}, "tags": {"type": "array", "items": {"type": "string"}},
    "outcome": {"enum": [*OUTCOMES, None]}, "opened_at": {"type": "string"}, "closed_at": {"type": ["string", "null"]}}}
CASE_SUMMARY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "stage": {"enum": list(STAGES)},
    "priority": {"type": "string"}, "opened_at": {"type": "string"}}}
TRANSITION_IN = {"type": "object", "required": ["to"], "additionalProperties": False, "properties": {
    "to": {"enum": list(STAGES)}, "note": {"type": ["string", "null"], "maxLength": 10000},
    "outcome": {"enum": [*OUTCOMES, None]}}}
PATCH_IN = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
    "owner": {"type": ["integer", "null"]}, "counsel": {"type": ["integer", "null"]},
    "priority": {"enum": list(PRIORITIES)},
    "tags": {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 50}}}}
NOTE_IN = {"type": "object", "required": ["text"], "additionalProperties": False,
           "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 20000}}}
EVENT = {"type": "object", "properties": {
    "at": {"type": "string"}, "actor": {"type": "string"}, "from": {"type": ["string", "null"]},
    "to": {"type": ["string", "null"]}, "note": {"type": "string"}, "deposit_index": {"type": ["integer", "null"]}}}
TASK = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"},
    "status": {"enum": ["queued", "running", "done", "failed"]}, "progress": {"type": "number"},
    "message": {"type": "string"}, "result": {"type": ["object", "null"]}, "error": {"type": ["string", "null"]}}}


def _person(user) -> dict | None:
    return None if user is None else {"id": user.id, "name": user.name, "email": user.email}


def event_json(e, *, redacted: bool = False) -> dict:
    return {"id": e.id, "at": rfc3339(e.at), "kind": e.kind, "actor": "legal team" if redacted else e.actor_label,
            "from": e.from_stage, "to": e.to_stage, "note": "" if redacted else e.note,
            "deposit_index": e.deposit_index}


def deadline_json(d: Deadline, now) -> dict:
    return {"id": d.id, "kind": d.kind, "title": d.title, "due_at": rfc3339(d.due_at), "status": d.status,
            "owner_id": d.owner_id, "overdue": d.status == "open" and d.due_at < now,
            "escalated_at": rfc3339(d.escalated_at), "done_at": rfc3339(d.done_at)}


def _without_owner(deadline: dict) -> dict:
    """A deadline as creators see it: who on the staff owns it is internal (like the case's owner)."""
    deadline.pop("owner_id", None)
    return deadline


def case_json(case: Case, user) -> dict:
    """The case as this user may see it: creators get no internal fields, only staff get notes."""
    internal = can(user, "case.internal", case)
    redacted = user.role == "creator"
    now = utcnow()
    works = case_service.works_of(case)
    platforms = {}
    for u in case.urls:
        if u.platform is not None:
            platforms[u.platform.id] = {"id": u.platform.id, "name": u.platform.name}
    data = {
        "id": case.id, "title": case.title, "stage": case.stage, "outcome": case.outcome,
        "opened_at": rfc3339(case.opened_at), "closed_at": rfc3339(case.closed_at),
        "infringer": None if case.infringer is None else {"id": case.infringer.id, "name": case.infringer.name,
                                                          "kind": case.infringer.kind},
        "works": [{"id": w.id, "title": w.title} for w in works],
        "urls": [{"id": u.id, "url": u.url_normalized, "platform_id": u.platform_id, "status": u.status,
                  "last_checked_at": rfc3339(u.last_checked_at), "removed_at": rfc3339(u.removed_at)}
                 for u in case.urls],
        "platforms": list(platforms.values()),
        "deadlines": [_without_owner(deadline_json(d, now)) if redacted else deadline_json(d, now)
                      for d in db.session.scalars(
                          select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.due_at))],
        "timeline": [event_json(e, redacted=redacted) for e in case_service.timeline(case)],
        "counsel": _person(case.counsel) if not redacted else None,
    }
    if internal:
        data.update(owner=_person(case.owner), priority=case.priority, tags=case.tags,
                    notes=[{"id": n.id, "at": rfc3339(n.at), "author": n.author_label, "text": n.text}
                           for n in case_service.notes(case)])
    elif not redacted:
        data.update(owner=_person(case.owner), priority=case.priority, tags=case.tags)
    data.update(json_sections(case, user))
    return data


def _load_case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can(current_user, "case.view", case):
        raise ApiError(404, f"there is no case {case_id}")
    return case


def summary_json(case: Case, *, redacted: bool = False) -> dict:
    data = {"id": case.id, "title": case.title, "stage": case.stage, "priority": case.priority,
            "opened_at": rfc3339(case.opened_at), "closed_at": rfc3339(case.closed_at),
            "infringer_id": case.infringer_id}
    if redacted:  # creators: the priority is internal, as in case_json
        del data["priority"]
    return data


@endpoint("/cases", roles=EVERYONE, summary="Cases this user may see (filter by stage, owner, priority, tag)",
          query={"stage": {"enum": list(STAGES)}, "owner": {"type": "integer"}, "priority": {"enum": list(PRIORITIES)},
                 "tag": {"type": "string"}, **PAGE_QUERY},
          response_schema=page_schema(CASE_SUMMARY), tags=("cases",))
def list_cases():
    stmt = visible(current_user, "case", select(Case)).order_by(Case.opened_at.desc(), Case.id.desc())
    redacted = current_user.role == "creator"
    stage, priority = request.args.get("stage"), request.args.get("priority")
    if stage:
        if stage not in STAGES:
            raise ApiError(400, f"stage must be one of {', '.join(STAGES)}")
        stmt = stmt.where(Case.stage == stage)
    if redacted:  # owner, priority and tags are not shown to creators: nor filtered on (no oracle)
        return paginate(stmt, lambda case: summary_json(case, redacted=True))
    if priority:
        if priority not in PRIORITIES:
            raise ApiError(400, f"priority must be one of {', '.join(PRIORITIES)}")
        stmt = stmt.where(Case.priority == priority)
    if request.args.get("owner"):
        try:
            stmt = stmt.where(Case.owner_id == whole_number(request.args["owner"]))
        except ValueError:
            raise ApiError(400, "owner must be a user id") from None
    if request.args.get("tag"):
        stmt = stmt.where(Case.id.in_(select(CaseTag.case_id).where(CaseTag.tag == request.args["tag"].lower())))
    return paginate(stmt, summary_json)


@endpoint("/cases/<int:case_id>", roles=EVERYONE, summary="A case, as this user may see it",
          response_schema=CASE, tags=("cases",))
def get_case(case_id: int):
    case = db.session.scalar(select(Case).where(Case.id == case_id)
                             .options(selectinload(Case.urls), selectinload(Case.tag_rows)))
    if case is None or not can(current_user, "case.view", case):
        raise ApiError(404, f"there is no case {case_id}")
    return case_json(case, current_user)


@endpoint("/cases/<int:case_id>/transitions", methods=("POST",), roles=STAFF,
          summary="Move a case to another stage (409 with the guard's reason when refused)",
          request_schema=TRANSITION_IN, response_schema=EVENT, tags=("cases",))
def move_case(case_id: int):
    case = _load_case(case_id)
    body = json_body(TRANSITION_IN)
    try:
        event = transition(case, body["to"], actor=actor(), now=utcnow(), note=body.get("note"),
                           outcome=body.get("outcome"))
    except WorkflowError as exc:
        db.session.rollback()
        raise ApiError(409, str(exc), {"reasons": exc.reasons}, code="workflow_refused") from None
    db.session.commit()
    return {**event_json(event), "case_id": case.id, "stage": case.stage}


@endpoint("/cases/<int:case_id>", methods=("PATCH",), roles=STAFF,
          summary="Assign a case (owner, counsel: user ids) and set its priority and tags",
          request_schema=PATCH_IN, response_schema=CASE, tags=("cases",))
def patch_case(case_id: int):
    case = _load_case(case_id)
    body = json_body(PATCH_IN)
    changes = {}
    for key in ("owner", "counsel"):
        if key in body:
            if body[key] is None:
                changes[key] = None
            else:
                user = db.session.get(User, body[key])
                if user is None:
                    raise ApiError(422, f"{key}: there is no user {body[key]}", [{"field": key, "message": "unknown user"}])
                changes[key] = user
    for key in ("priority", "tags"):
        if key in body:
            changes[key] = body[key]
    try:
        case_service.assign(case, actor=actor(), now=utcnow(), **changes)
    except case_service.CaseError as exc:
        db.session.rollback()
        raise ApiError(422, str(exc), [{"field": "(body)", "message": str(exc)}]) from None
    db.session.commit()
    return case_json(case, current_user)


@endpoint("/cases/<int:case_id>/notes", methods=("POST",), roles=STAFF, status=201,
          summary="Add an internal note (legal and admin only; never shown to counsel or creators)",
          request_schema=NOTE_IN, tags=("cases",))
def add_case_note(case_id: int):
    case = _load_case(case_id)
    body = json_body(NOTE_IN)
    try:
        note = case_service.add_note(case, body["text"], actor=actor(), now=utcnow())
    except case_service.CaseError as exc:
        db.session.rollback()
        raise ApiError(422, str(exc), [{"field": "text", "message": str(exc)}]) from None
    db.session.commit()
    return {"id": note.id, "at": rfc3339(note.at), "author": note.author_label, "text": note.text}, 201


@endpoint("/tasks/<int:task_id>", roles=EVERYONE, summary="A background task's status and progress",
          response_schema=TASK, tags=("tasks",))
def get_task(task_id: int):
    task = db.session.get(Task, task_id)
    if task is None or not can(current_user, "task.view", task):
        raise ApiError(404, f"there is no task {task_id}")
    return task_service.as_json(task)
