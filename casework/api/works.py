"""API: works and their files (API.md "Rights holders and works")."""
from __future__ import annotations

from datetime import date

from flask import request, send_file
from flask_login import current_user
from sqlalchemy import select

from casework.api.core import (PAGE_QUERY, ApiError, actor, endpoint, page_schema, paginate, refuse_if_invalid,
                               storage_refusals, whole_number)
from casework.extensions import db
from casework.models import RightsHolder, utcnow
from casework.models.works import WORK_KINDS, Work, WorkFile
from casework.policy import EVERYONE, can, get_or_404, visible
from casework.services import works as work_service
from casework.storage import StorageError

FILE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "sha256": {"type": "string"},
    "size": {"type": "integer"}, "media_type": {"type": "string"}, "deposit_index": {"type": ["integer", "null"]}}}
WORK = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "kind": {"enum": list(WORK_KINDS)},
    "rights_holder": {"type": "integer"}, "rights_holder_name": {"type": "string"},
    "created_on": {"type": ["string", "null"], "format": "date"},
    "published_on": {"type": ["string", "null"], "format": "date"}, "description": {"type": "string"},
    "registered_at": {"type": "string", "format": "date-time"}, "files": {"type": "array", "items": FILE}}}
REGISTER = {"type": "object", "required": ["title", "kind", "file"], "properties": {
    "title": {"type": "string", "maxLength": work_service.MAX_TITLE},
    "kind": {"enum": list(WORK_KINDS)},
    "rights_holder": {"type": "integer", "description": "the rights holder's id (creators: their own, the default)"},
    "created_on": {"type": "string", "format": "date"}, "published_on": {"type": "string", "format": "date"},
    "description": {"type": "string"},
    "file": {"type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1,
             "maxItems": work_service.MAX_FILES}}}


def _date(name: str, problems: list) -> date | None:
    value = (request.form.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append({"field": name, "message": f"{value!r} is not a date like 2026-01-31"})
        return None


def _holder(problems: list) -> RightsHolder | None:
    raw = (request.form.get("rights_holder") or "").strip()
    if not raw:
        if current_user.role == "creator":
            return current_user.rights_holder
        problems.append({"field": "rights_holder", "message": "give the rights holder's id"})
        return None
    try:
        holder_id = whole_number(raw)
    except ValueError:
        problems.append({"field": "rights_holder", "message": f"{raw!r} is not an id"})
        return None
    holder = db.session.get(RightsHolder, holder_id)
    if holder is None or not can(current_user, "rights_holder.view", holder):
        if current_user.role == "creator":
            raise ApiError(403, "creators register works for their own rights holder only")
        problems.append({"field": "rights_holder", "message": f"no rights holder with id {raw}"})
    return holder


def _uploads() -> list[work_service.Upload]:
    return [work_service.Upload(name=f.filename or "", stream=f.stream, media_type=f.mimetype or "")
            for f in request.files.getlist("file") if f is not None and (f.filename or f.content_length)]


@endpoint("/works", methods=("POST",), roles=("admin", "legal", "creator"), status=201, request_kind="multipart",
          request_schema=REGISTER, response_schema=WORK, tags=("works",),
          summary="Register a work: stores each file and deposits its SHA-256 in the ledger")
def register_work():
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "send multipart/form-data with the fields title, kind, rights_holder and one or more file")
    problems: list = []
    holder = _holder(problems)
    created_on, published_on = _date("created_on", problems), _date("published_on", problems)
    if holder is not None and not can(current_user, "work.register", holder):
        raise ApiError(403, "you may not register works for this rights holder")
    uploads = _uploads()
    if not uploads:
        problems.append({"field": "file", "message": "send at least one file in a part named 'file'"})
    kind = (request.form.get("kind") or "").strip()
    if kind not in WORK_KINDS:
        problems.append({"field": "kind", "message": f"kind must be one of {', '.join(WORK_KINDS)}"})
    if not (request.form.get("title") or "").strip():
        problems.append({"field": "title", "message": "a work needs a title"})
    refuse_if_invalid(problems)
    try:
        with storage_refusals():
            work = work_service.register_work(
                title=request.form.get("title", ""), kind=kind, rights_holder=holder, files=uploads,
                created_on=created_on, published_on=published_on, description=request.form.get("description", ""),
                actor=actor(), now=utcnow())
    except work_service.WorkError as exc:
        db.session.rollback()
        raise ApiError(422, str(exc), [{"field": exc.field or "(body)", "message": str(exc)}]) from None
    db.session.commit()
    return work_service.work_json(work), 201


@endpoint("/works", roles=EVERYONE, summary="Works this user may see (filter by kind, rights_holder, q)",
          query={"kind": {"enum": list(WORK_KINDS)}, "rights_holder": {"type": "integer"},
                 "q": {"type": "string", "description": "words in the title"}, **PAGE_QUERY},
          response_schema=page_schema(WORK), tags=("works",))
def list_works():
    stmt = visible(current_user, "work", select(Work))
    kind = request.args.get("kind")
    if kind:
        if kind not in WORK_KINDS:
            raise ApiError(400, f"kind must be one of {', '.join(WORK_KINDS)}")
        stmt = stmt.where(Work.kind == kind)
    holder = request.args.get("rights_holder")
    if holder:
        try:
            stmt = stmt.where(Work.rights_holder_id == whole_number(holder))
        except ValueError:
            raise ApiError(400, "rights_holder must be an id") from None
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(Work.title.ilike(f"%{q}%"))
    return paginate(stmt.order_by(Work.id.desc()), work_service.work_json)


@endpoint("/works/<int:work_id>", roles=EVERYONE, summary="A work and its files, each with its deposit index",
          response_schema=WORK, tags=("works",))
def get_work(work_id: int):
    return work_service.work_json(get_or_404(Work, work_id, "work.view"))


@endpoint("/works/<int:work_id>/files/<int:file_id>", roles=EVERYONE, response_kind="application/octet-stream",
          summary="A work file's content, as deposited", tags=("works",))
def download_work_file(work_id: int, file_id: int):
    work = get_or_404(Work, work_id, "work.view")
    wf = db.session.get(WorkFile, file_id)
    if wf is None or wf.work_id != work.id:
        raise ApiError(404, "no such file in this work")
    try:
        path = work_service.file_path_for_download(wf)
    except StorageError as exc:
        raise ApiError(404, str(exc)) from None
    return send_file(path, mimetype=wf.media_type, as_attachment=True, download_name=wf.name,
                     etag=wf.sha256, conditional=True)
