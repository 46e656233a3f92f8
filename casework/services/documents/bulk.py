"""Bulk letters and notices: draft, approve and sign one document per selected case, in a task.

    start_bulk(case_ids, kind, lang, *, actor, now) -> Task

The handler works through the cases in batches and commits each batch, so a thousand letters do
not hold one transaction (on SQLite: the write lock) for minutes, and the page's progress bar
moves. Each case runs in a savepoint: one that fails is rolled back alone and listed with its
reason in the task's result; the others go on. A retried task skips the cases that already have a
signed document of this kind made since the task was queued, so nothing is signed twice.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from casework.extensions import db
from casework.models import User
from casework.models.cases import Case
from casework.models.documents import Document
from casework.services import tasks
from casework.services.actor import Actor
from casework.services.documents.lifecycle import (CASE_KINDS, DocumentError, MissingElements, approve,
                                                   create_document, sign)

__all__ = ["BULK_TASK", "MAX_BULK", "start_bulk", "run_bulk"]

log = logging.getLogger(__name__)
BULK_TASK = "documents.bulk"
MAX_BULK = 5_000
BATCH = 25
BULK_KINDS = ("cease_desist", "takedown_notice_us", "takedown_notice_cn")


def start_bulk(case_ids: list[int], kind: str, lang: str, *, actor: Actor, now: datetime):
    """Queue the job (the caller has checked the role and that each case exists and is visible)."""
    if kind not in BULK_KINDS:
        raise DocumentError(f"bulk documents are one of {', '.join(BULK_KINDS)}", "kind")
    if lang not in ("zh", "en"):
        raise DocumentError("lang must be zh or en", "lang")
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    if not ids:
        raise DocumentError("select at least one case", "cases")
    if len(ids) > MAX_BULK:
        raise DocumentError(f"at most {MAX_BULK} cases at a time", "cases")
    return tasks.enqueue(BULK_TASK, {"case_ids": ids, "kind": kind, "lang": lang}, actor=actor, now=now,
                         max_attempts=2)


def _actor_of(task) -> Actor:
    user = db.session.get(User, task.created_by_id) if task.created_by_id else None
    if user is None or not user.active or user.role not in ("admin", "legal"):
        raise tasks.TaskError("the person who started this job may no longer approve documents")
    return Actor.for_user(user)


def _done_already(case_ids: list[int], kind: str, since: datetime, user_id) -> set[int]:
    rows = db.session.scalars(select(Document.case_id).where(
        Document.case_id.in_(case_ids), Document.kind == kind, Document.created_at >= since,
        Document.created_by_id == user_id, Document.status == "signed"))
    return set(rows)


def _reason(exc: Exception) -> str:
    if isinstance(exc, MissingElements):
        return "missing: " + ", ".join(exc.missing)
    if isinstance(exc, (DocumentError, ValueError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def run_bulk(task, *, now: datetime, progress) -> dict:
    params = tasks.params_of(task)
    kind, lang, ids = params["kind"], params["lang"], [int(i) for i in params["case_ids"]]
    actor = _actor_of(task)
    done_before = _done_already(ids, kind, task.created_at, actor.user_id)
    signed: list[dict] = []
    failed: list[dict] = []
    total = len(ids)
    for position, case_id in enumerate(ids, start=1):
        if case_id in done_before:
            signed.append({"case_id": case_id, "document_id": None, "note": "signed in an earlier attempt"})
        else:
            case = db.session.get(Case, case_id)
            if case is None:
                failed.append({"case_id": case_id, "reason": "no such case"})
            else:
                savepoint = db.session.begin_nested()
                try:
                    doc = create_document(case, kind, lang, actor=actor, now=now)
                    approve(doc, actor=actor, now=now)
                    sign(doc, actor=actor, now=now)
                    savepoint.commit()
                    signed.append({"case_id": case_id, "document_id": doc.id})
                except Exception as exc:  # one case's failure must not stop the others
                    savepoint.rollback()
                    if not isinstance(exc, (DocumentError, ValueError)):
                        log.exception("bulk %s: case %s failed", kind, case_id)
                    failed.append({"case_id": case_id, "reason": _reason(exc)[:1000]})
        if position % BATCH == 0 or position == total:
            db.session.commit()
            tasks.mark_clean()
            progress(position / total, f"{position}/{total}: {len(signed)} signed, {len(failed)} failed")
    return {"kind": kind, "lang": lang, "total": total, "signed": len(signed), "failed": failed,
            "documents": [s["document_id"] for s in signed if s["document_id"]]}


tasks.task_handler(BULK_TASK)(run_bulk)
