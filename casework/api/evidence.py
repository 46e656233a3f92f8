"""API: evidence (captures, uploads, chain of custody) and evidence bundles (API.md "Evidence and bundles").

Reading an item, downloading it and downloading a bundle are recorded in the chain of custody,
with the token's user and the caller's address.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import request, send_file
from flask_login import current_user
from sqlalchemy import select

from casework.api.core import (PAGE_QUERY, ApiError, actor, endpoint, json_body, page_schema, paginate,
                               refuse_if_invalid, storage_refusals)
from casework.case_sections import json_section
from casework.database import writes_on_read
from casework.extensions import db
from casework.models import utcnow
from casework.models.cases import Case
from casework.models.evidence import EVIDENCE_KINDS, UPLOAD_KINDS, Bundle, CustodyEvent, EvidenceItem, ShareLink
from casework.policy import EVERYONE, can
from casework.services import bundles as bundle_service
from casework.services import capture_jobs  # noqa: F401  (registers the task handlers)
from casework.services import evidence as evidence_service
from casework.services.works import Upload
from casework.storage import StorageError

TEAM = ("admin", "legal", "counsel")
ITEM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "case_id": {"type": "integer"}, "kind": {"enum": list(EVIDENCE_KINDS)},
    "status": {"enum": ["pending", "done", "failed"]}, "error": {"type": ["string", "null"]},
    "url": {"type": ["string", "null"]}, "title": {"type": "string"}, "sha256": {"type": ["string", "null"]},
    "size": {"type": ["integer", "null"]}, "media_type": {"type": "string"},
    "deposit_index": {"type": ["integer", "null"]}, "exhibit_no": {"type": ["integer", "null"]},
    "captured_at": {"type": ["string", "null"], "format": "date-time"}, "supplied_by": {"type": "string"},
    "supplied_at": {"type": ["string", "null"], "format": "date-time"}, "capture": {"type": ["object", "null"]}}}
CUSTODY = {"type": "object", "properties": {
    "action": {"enum": ["view", "download", "export", "share_download"]}, "at": {"type": "string"},
    "actor": {"type": "string"}, "actor_kind": {"type": "string"}, "remote_addr": {"type": "string"}}}
BUNDLE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "case_id": {"type": "integer"},
    "status": {"enum": ["queued", "building", "sealed", "failed"]}, "progress": {"type": "number"},
    "error": {"type": ["string", "null"]}, "sha256": {"type": ["string", "null"]},
    "size": {"type": ["integer", "null"]},
    "deposit_index": {"type": ["integer", "null"]}, "sealed_at": {"type": ["string", "null"]}}}
CAPTURE_IN = {"type": "object", "required": ["url"], "additionalProperties": False, "properties": {
    "url": {"type": "string", "minLength": 1, "maxLength": evidence_service.MAX_URL},
    "title": {"type": "string", "maxLength": evidence_service.MAX_TITLE}}}
UPLOAD_IN = {"type": "object", "required": ["kind", "file"], "properties": {
    "kind": {"enum": list(UPLOAD_KINDS)}, "file": {"type": "string", "format": "binary"},
    "title": {"type": "string"}, "supplied_by": {"type": "string", "description": "who supplied it (default: you)"},
    "supplied_at": {"type": "string", "format": "date-time"}, "url": {"type": "string"}}}
SHARE_IN = {"type": "object", "additionalProperties": False, "properties": {
    "days": {"type": "integer", "minimum": 1, "maximum": bundle_service.MAX_SHARE_DAYS},
    "label": {"type": "string", "maxLength": 300}}}
SHARE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "url": {"type": "string", "description": "shown once: only its hash is stored"},
    "token": {"type": "string"}, "expires_at": {"type": "string"}, "downloads": {"type": "array"}}}


@json_section("evidence")
def _case_evidence(case, user) -> list:
    """Items (redacted for creators: kind, time, hash and deposit only) and, for the case team, bundles."""
    items = evidence_service.items_of(case)
    if not can(user, "evidence.add", case):
        return [evidence_service.item_summary_json(i) for i in items]
    bundles = [{**bundle_service.bundle_json(b), "type": "bundle"} for b in bundle_service.bundles_of(case)]
    return [{**evidence_service.item_json(i), "type": "item"} for i in items] + bundles


def _case(case_id: int, action: str) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can(current_user, "case.view", case):
        raise ApiError(404, f"there is no case {case_id}")
    if not can(current_user, action, case):
        raise ApiError(403, "only legal, admin and the case's counsel work its evidence")
    return case


def _item(item_id: int) -> EvidenceItem:
    item = db.session.get(EvidenceItem, item_id)
    if item is None or not can(current_user, "evidence.view", item):
        raise ApiError(404, f"there is no evidence {item_id}")
    return item


def _bundle(bundle_id: int) -> Bundle:
    bundle = db.session.get(Bundle, bundle_id)
    if bundle is None or not can(current_user, "bundle.view", bundle):
        raise ApiError(404, f"there is no bundle {bundle_id}")
    return bundle


def _agent() -> str:
    return (request.headers.get("User-Agent") or "")[:300]


@endpoint("/cases/<int:case_id>/captures", methods=("POST",), roles=TEAM, status=202, request_schema=CAPTURE_IN,
          response_schema={"type": "object", "properties": {"id": {"type": "integer"}, "task_id": {"type": "integer"}}},
          tags=("evidence",), summary="Start a capture of a web page (WARC with screenshot, hashed and deposited)")
def start_capture(case_id: int):
    case = _case(case_id, "evidence.add")
    body = json_body(CAPTURE_IN)
    try:
        item = evidence_service.request_capture(case, body["url"], title=body.get("title", ""), actor=actor(),
                                                now=utcnow())
    except evidence_service.EvidenceError as exc:
        db.session.rollback()
        raise ApiError(422, str(exc), [{"field": exc.field or "(body)", "message": str(exc)}]) from None
    db.session.commit()
    return {"id": item.id, "task_id": item.task_id}, 202


def _supplied_at(problems: list) -> datetime | None:
    raw = (request.form.get("supplied_at") or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        problems.append({"field": "supplied_at", "message": f"{raw!r} is not a time like 2026-01-31T09:00:00Z"})
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@endpoint("/cases/<int:case_id>/evidence", methods=("POST",), roles=TEAM, status=201, request_kind="multipart",
          request_schema=UPLOAD_IN, response_schema=ITEM, tags=("evidence",),
          summary="Upload evidence (screenshot, recording, notarial certificate, e-mail, other): stored and deposited")
def upload_evidence(case_id: int):
    case = _case(case_id, "evidence.add")
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "send multipart/form-data with the fields kind and file")
    problems: list = []
    supplied_at = _supplied_at(problems)
    kind = (request.form.get("kind") or "").strip()
    if kind not in UPLOAD_KINDS:
        problems.append({"field": "kind", "message": f"kind must be one of {', '.join(UPLOAD_KINDS)}"})
    files = [f for f in request.files.getlist("file") if f is not None and f.filename]
    if len(files) != 1:
        problems.append({"field": "file", "message": "send exactly one file in a part named 'file'"})
    refuse_if_invalid(problems)
    f = files[0]
    try:
        with storage_refusals():
            item = evidence_service.add_upload(
                case, kind=kind, upload=Upload(name=f.filename or "", stream=f.stream, media_type=f.mimetype or ""),
                title=request.form.get("title", ""), supplied_by=request.form.get("supplied_by", ""),
                supplied_at=supplied_at, url=request.form.get("url", ""), actor=actor(), now=utcnow())
    except evidence_service.UnsupportedType as exc:
        db.session.rollback()
        raise ApiError(415, str(exc)) from None
    except evidence_service.EvidenceError as exc:
        db.session.rollback()
        raise ApiError(422, str(exc), [{"field": exc.field or "(body)", "message": str(exc)}]) from None
    db.session.commit()
    return evidence_service.item_json(item), 201


@endpoint("/cases/<int:case_id>/evidence", roles=EVERYONE, query=PAGE_QUERY, tags=("evidence",),
          response_schema=page_schema(ITEM), summary="A case's evidence (creators: kind, time, hash and deposit only)")
def list_evidence(case_id: int):
    case = db.session.get(Case, case_id)
    if case is None or not can(current_user, "case.view", case):
        raise ApiError(404, f"there is no case {case_id}")
    full = can(current_user, "evidence.add", case)
    stmt = select(EvidenceItem).where(EvidenceItem.case_id == case.id).order_by(EvidenceItem.id)
    return paginate(stmt, evidence_service.item_json if full else evidence_service.item_summary_json)


@endpoint("/evidence/<int:item_id>", roles=TEAM, response_schema=ITEM, tags=("evidence",),
          summary="An evidence item: status (pending, done, failed with error), kind, sha256, deposit_index, "
                  "captured_at, url (recorded in the chain of custody)")
@writes_on_read
def get_evidence(item_id: int):
    item = _item(item_id)
    evidence_service.record_custody(item, "view", who=actor(), now=utcnow(), user_agent=_agent())
    db.session.commit()
    return evidence_service.item_json(item)


@endpoint("/evidence/<int:item_id>/download", roles=TEAM, response_kind="application/octet-stream",
          tags=("evidence",), summary="The stored file (a capture's WARC); recorded in the chain of custody")
@writes_on_read
def download_evidence(item_id: int):
    item = _item(item_id)
    try:
        path = evidence_service.blob_path(item)
    except StorageError as exc:
        raise ApiError(409 if item.status != "done" else 404, str(exc)) from None
    evidence_service.record_custody(item, "download", who=actor(), now=utcnow(), user_agent=_agent())
    db.session.commit()
    return send_file(path, mimetype=item.media_type, as_attachment=True,
                     download_name=evidence_service.download_name(item), etag=item.sha256, conditional=True)


@endpoint("/evidence/<int:item_id>/custody", roles=TEAM, query=PAGE_QUERY, response_schema=page_schema(CUSTODY),
          tags=("evidence",), summary="The item's chain of custody: every view, download and export, newest first")
def evidence_custody(item_id: int):
    item = _item(item_id)
    stmt = (select(CustodyEvent).where(CustodyEvent.item_id == item.id)
            .order_by(CustodyEvent.at.desc(), CustodyEvent.id.desc()))
    return paginate(stmt, evidence_service.custody_json)


@endpoint("/cases/<int:case_id>/bundles", methods=("POST",), roles=TEAM, status=202, tags=("evidence",),
          response_schema={"type": "object", "properties": {"id": {"type": "integer"}, "task_id": {"type": "integer"}}},
          summary="Start an evidence bundle export (legal, admin, the case's counsel)")
def start_bundle(case_id: int):
    case = _case(case_id, "bundle.export")
    try:
        bundle = bundle_service.request_bundle(case, actor=actor(), now=utcnow())
    except bundle_service.BundleError as exc:
        db.session.rollback()
        raise ApiError(409, str(exc)) from None
    db.session.commit()
    return {"id": bundle.id, "task_id": bundle.task_id}, 202


@endpoint("/bundles/<int:bundle_id>", roles=TEAM, response_schema=BUNDLE, tags=("evidence",),
          summary="A bundle: status, progress (0..1), sha256, deposit_index")
def get_bundle(bundle_id: int):
    return bundle_service.bundle_json(_bundle(bundle_id))


@endpoint("/bundles/<int:bundle_id>/download", roles=TEAM, response_kind="application/zip", tags=("evidence",),
          summary="The bundle ZIP (each item's download is recorded in its chain of custody)")
@writes_on_read
def download_bundle(bundle_id: int):
    bundle = _bundle(bundle_id)
    try:
        path = bundle_service.blob_path(bundle)
    except StorageError as exc:
        raise ApiError(409 if bundle.status != "sealed" else 404, str(exc)) from None
    bundle_service.record_download(bundle, who=actor(), now=utcnow(), user_agent=_agent())
    db.session.commit()
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=bundle_service.download_name(bundle), etag=bundle.sha256, conditional=True)


@endpoint("/bundles/<int:bundle_id>/share-links", methods=("POST",), roles=TEAM, status=201, request_schema=SHARE_IN,
          response_schema=SHARE, tags=("evidence",),
          summary="An expiring link to download a sealed bundle without an account (the token is shown once)")
def share_bundle(bundle_id: int):
    bundle = _bundle(bundle_id)
    body = json_body(SHARE_IN)
    now = utcnow()
    try:
        days = body.get("days", 14)  # JSON Schema counts 90.0 as an integer; the service wants an int
        link, token = bundle_service.create_share_link(bundle, days=int(days), label=body.get("label", ""),
                                                       actor=actor(), now=now)
    except bundle_service.BundleError as exc:
        db.session.rollback()
        raise ApiError(409, str(exc)) from None
    db.session.commit()
    return {**bundle_service.share_link_json(link, now), "token": token,
            "url": bundle_service.share_url(token)}, 201


@endpoint("/share-links/<int:link_id>/revoke", methods=("POST",), roles=TEAM, response_schema=SHARE,
          tags=("evidence",), summary="Revoke a share link: its URL answers 404 from now on")
def revoke_share(link_id: int):
    link = db.session.get(ShareLink, link_id)
    if link is None or not can(current_user, "bundle.share", link.bundle):
        raise ApiError(404, f"there is no share link {link_id}")
    now = utcnow()
    bundle_service.revoke_share_link(link, actor=actor(), now=now)
    db.session.commit()
    return bundle_service.share_link_json(link, now)


@endpoint("/share-links/<int:link_id>", roles=TEAM, response_schema=SHARE, tags=("evidence",),
          summary="A share link and its download log")
def get_share(link_id: int):
    link = db.session.get(ShareLink, link_id)
    if link is None or not can(current_user, "bundle.share", link.bundle):
        raise ApiError(404, f"there is no share link {link_id}")
    return bundle_service.share_link_json(link, utcnow())

