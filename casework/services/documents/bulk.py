"""Bulk letters and notices: draft, approve and sign one document per selected case, in a task.

    start_bulk(case_ids, kind, lang, *, actor, now) -> Task

The handler works through the cases in batches and commits each batch, so a thousand letters do
not hold one transaction (on SQLite: the write lock) for minutes, and the page's progress bar
moves. Each case runs in a savepoint: one that fails is rolled back alone and listed with its
reason in the task's result; the others go on. A retried task skips the cases that already have a
signed document of this kind made since the task was queued, so nothing is signed twice.

With two or more cores and enough letters, rendering and signing (nearly all of the time) run in
worker processes (``pool``), a batch at a time, while drafting and deposits stay in this process's
transaction; a batch in which anything fails is rolled back and redone case by case.
"""
from __future__ import annotations

import logging
import statistics
import time
from contextlib import nullcontext
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from casework.extensions import db
from casework.models import User
from casework.models.cases import Case
from casework.models.documents import Document
from casework.services import tasks
from casework.services.actor import Actor
from casework.services.documents.lifecycle import (DocumentError, MissingElements, SigningJob, approve,
                                                   create_document, finish_signing, prepare_signing, sign)

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


class _Run:
    """One bulk run's state: what was signed, what failed and why, and how long each letter took."""

    def __init__(self, kind: str, lang: str, actor: Actor, now: datetime, done_before: set[int]):
        self.kind, self.lang, self.actor, self.now, self.done_before = kind, lang, actor, now, done_before
        self.signed: list[dict] = []
        self.failed: list[dict] = []
        self.durations: list[float] = []

    def _fail(self, case_id: int, exc: Exception) -> None:
        if not isinstance(exc, (DocumentError, ValueError)):
            log.error("bulk %s: case %s failed", self.kind, case_id, exc_info=exc)
        self.failed.append({"case_id": case_id, "reason": _reason(exc)[:1000]})

    def _case(self, case_id: int) -> Optional[Case]:
        if case_id in self.done_before:
            self.signed.append({"case_id": case_id, "document_id": None, "note": "signed in an earlier attempt"})
            return None
        case = db.session.get(Case, case_id)
        if case is None:
            self.failed.append({"case_id": case_id, "reason": "no such case"})
        return case

    def sequential(self, batch: list[int]) -> None:
        """Each case in its own savepoint: draft, approve, sign; a failure rolls back that case only."""
        for case_id in batch:
            began = time.perf_counter()
            case = self._case(case_id)
            if case is None:
                continue
            savepoint = db.session.begin_nested()
            try:
                doc = create_document(case, self.kind, self.lang, actor=self.actor, now=self.now)
                approve(doc, actor=self.actor, now=self.now)
                sign(doc, actor=self.actor, now=self.now)
                savepoint.commit()
            except Exception as exc:  # one case's failure must not stop the others
                savepoint.rollback()
                self._fail(case_id, exc)
            else:
                self.signed.append({"case_id": case_id, "document_id": doc.id})
                self.durations.append(time.perf_counter() - began)

    def parallel(self, batch: list[int], pool) -> None:
        """Draft and approve here, render and sign in the pool, store and deposit here. Any render or
        store failure rolls the whole batch back and runs it case by case, which records each failure."""
        mark = (len(self.signed), len(self.failed), len(self.durations))
        outer = db.session.begin_nested()
        prepared: list[tuple[int, Document, SigningJob, float]] = []
        for case_id in batch:
            began = time.perf_counter()
            case = self._case(case_id)
            if case is None:
                continue
            savepoint = db.session.begin_nested()
            try:
                doc = create_document(case, self.kind, self.lang, actor=self.actor, now=self.now)
                approve(doc, actor=self.actor, now=self.now)
                job = prepare_signing(doc, actor=self.actor, now=self.now)
                savepoint.commit()
            except Exception as exc:
                savepoint.rollback()
                self._fail(case_id, exc)
            else:
                prepared.append((case_id, doc, job, time.perf_counter() - began))
        results = pool.run([job for _, _, job, _ in prepared]) if prepared else []
        try:
            if not all(ok for ok, _, _ in results):
                raise DocumentError("a letter of this batch could not be rendered or signed")
            for (case_id, doc, job, spent), (_, (pdf, level), worker_seconds) in zip(prepared, results):
                began = time.perf_counter()
                finish_signing(doc, job, pdf, level, actor=self.actor, now=self.now)
                self.signed.append({"case_id": case_id, "document_id": doc.id})
                self.durations.append(spent + worker_seconds + time.perf_counter() - began)
            outer.commit()
        except Exception as exc:
            outer.rollback()
            log.warning("bulk %s: batch of %s redone case by case: %s", self.kind, len(batch), exc)
            del self.signed[mark[0]:], self.failed[mark[1]:], self.durations[mark[2]:]
            self.sequential(batch)


def run_bulk(task, *, now: datetime, progress) -> dict:
    from flask import current_app

    from casework.services.documents.pool import POOL_THRESHOLD, SigningPool, worker_count

    params = tasks.params_of(task)
    kind, lang, ids = params["kind"], params["lang"], [int(i) for i in params["case_ids"]]
    actor = _actor_of(task)
    run = _Run(kind, lang, actor, now, _done_already(ids, kind, task.created_at, actor.user_id))
    total = len(ids)
    workers = worker_count(current_app.config)
    use_pool = workers > 1 and total - len(run.done_before) >= POOL_THRESHOLD
    started = time.perf_counter()
    with SigningPool(current_app.config, workers) if use_pool else nullcontext() as pool:
        for first in range(0, total, BATCH):
            batch = ids[first:first + BATCH]
            if pool is not None:
                run.parallel(batch, pool)
            else:
                run.sequential(batch)
            db.session.commit()
            tasks.mark_clean()
            position = first + len(batch)
            progress(position / total, f"{position}/{total}: {len(run.signed)} signed, {len(run.failed)} failed")
    return {"kind": kind, "lang": lang, "total": total, "signed": len(run.signed), "failed": run.failed,
            "documents": [s["document_id"] for s in run.signed if s["document_id"]],
            "workers": workers if use_pool else 1, "seconds": round(time.perf_counter() - started, 3),
            "median_ms": round(statistics.median(run.durations) * 1000, 1) if run.durations else None}


tasks.task_handler(BULK_TASK)(run_bulk)
