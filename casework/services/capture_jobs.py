"""Background tasks of the evidence domain: page captures and bundle exports.

Both run in the scheduler process (casework.services.tasks), never inside a web request:

    evidence.capture  {"item_id"}    capture_page -> WARC (digests checked as `warcio check` does) -> blob
                                     store -> deposit; retried on timeouts
    evidence.bundle   {"bundle_id"}  the bundle ZIP, streamed to disk, stored, deposited, sealed

A capture the outbound policy refuses (loopback, private, metadata addresses, after DNS and on every
redirect) fails at once with the policy's reason: retrying cannot change the answer. Other capture
failures (timeouts, a browser crash) are retried with back-off; the last attempt's reason is kept
on the evidence item.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from datetime import datetime

from flask import current_app

from casework.capture import (CaptureError, CaptureSettings, URLRefused, WarcContentError, capture_page,
                              thread_capturer)
from casework.extensions import db
from casework.models.evidence import Bundle, EvidenceItem
from casework.services import evidence as evidence_service
from casework.services.actor import Actor
from casework.services.tasks import RetryLater, task_handler
from casework.storage import CHUNK, get_storage

CAPTURE_TASK = "evidence.capture"
BUNDLE_TASK = "evidence.bundle"


def capture_settings(app=None) -> CaptureSettings:
    app = app or current_app
    return CaptureSettings(allow_private=bool(app.config.get("ALLOW_PRIVATE_URLS")),
                           chromium_path=app.config.get("CHROMIUM_PATH") or "/usr/bin/chromium",
                           navigation_timeout=float(app.config.get("CAPTURE_NAVIGATION_TIMEOUT", 30.0)))


def _capture(url: str, path: str, settings: CaptureSettings):
    """Scheduler worker threads keep one browser each; the main thread (tests, CLI, seeding) starts its own,
    so no Playwright instance outlives the call there."""
    if threading.current_thread() is threading.main_thread():
        return capture_page(url, path, settings)
    return thread_capturer(settings).capture(url, path, settings)


def check_warc(path: str) -> int:
    """What `warcio check` does, in process, and a little more: every record has WARC headers and matches its
    digests; returns the record count.

    Raises WarcContentError when a record does not match its digest or the file cannot be read, so a
    capture file that would fail the check is never stored or deposited.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    records = 0
    try:
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream, check_digests=True)
            for record in iterator:
                # warcio reads any bytes as a headerless record; a capture's records all say what they are.
                if not str(record.rec_headers.protocol).startswith("WARC/") or \
                        not record.rec_headers.get_header("WARC-Record-ID"):
                    raise WarcContentError("the capture file holds something that is not a WARC record")
                content = record.content_stream()
                while content.read(CHUNK):
                    pass
                if record.digest_checker.passed is False:
                    problems = "; ".join(str(p) for p in record.digest_checker.problems)
                    raise WarcContentError(f"the capture file fails warcio's digest check: {problems}")
                records += 1
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        raise WarcContentError(f"the capture file cannot be read as WARC: {exc}") from None
    if not records:
        raise WarcContentError("the capture file holds no WARC records")
    return records


def _task_actor(task) -> Actor:
    """The person who asked, as the ledger and the custody log should name them."""
    from casework.models import User

    user = db.session.get(User, task.created_by_id) if task.created_by_id else None
    return Actor.for_user(user) if user is not None else Actor.job(task.kind)


def _capture_given_up(task, reason: str, now: datetime) -> None:
    """The task gave up (last attempt failed, or its worker died): the item says so, with the reason."""
    item = db.session.get(EvidenceItem, int((task.params or {}).get("item_id", 0)))
    if item is not None and item.status == "pending":
        evidence_service.fail_capture(item, reason, actor=Actor.job(task.kind), now=now)


@task_handler(CAPTURE_TASK, on_give_up=_capture_given_up)
def run_capture(task, *, now: datetime, progress) -> dict:
    item = db.session.get(EvidenceItem, int((task.params or {}).get("item_id", 0)))
    if item is None:
        raise ValueError("the evidence item of this capture no longer exists")
    if item.status != "pending":
        return {"evidence_id": item.id, "status": item.status}
    actor = _task_actor(task)
    settings = capture_settings()
    folder = tempfile.mkdtemp(prefix="capture-", dir=get_storage().tmp)
    try:
        path = os.path.join(folder, f"capture-{item.id}.warc.gz")
        progress(0.1, "loading the page")
        try:
            result = _capture(item.url, path, settings)
        except URLRefused as exc:
            evidence_service.fail_capture(item, f"refused: {exc}", actor=actor, now=now)
            return {"evidence_id": item.id, "status": "failed", "error": item.error}
        except CaptureError as exc:
            if task.attempts >= task.max_attempts:
                evidence_service.fail_capture(item, str(exc), actor=actor, now=now)
                return {"evidence_id": item.id, "status": "failed", "error": item.error}
            raise RetryLater(str(exc)) from None
        progress(0.7, "checking the WARC file")
        try:
            check_warc(str(result.path))
        except CaptureError as exc:
            if task.attempts >= task.max_attempts:
                evidence_service.fail_capture(item, str(exc), actor=actor, now=now)
                return {"evidence_id": item.id, "status": "failed", "error": item.error}
            raise RetryLater(str(exc)) from None
        progress(0.8, "storing and depositing the capture")
        # The deposit cannot be dated before the page was loaded (`now` is when this run of tasks began).
        deposited_at = max(now, result.captured_at)
        with open(result.path, "rb") as warc:
            evidence_service.finish_capture(item, warc=warc, captured_at=result.captured_at,
                                            metadata=result.metadata, actor=actor, now=deposited_at,
                                            file_name=f"capture-{item.id}.warc.gz")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"evidence_id": item.id, "status": "done", "sha256": item.sha256, "deposit_index": item.deposit_index}


@task_handler(BUNDLE_TASK)
def run_bundle(task, *, now: datetime, progress) -> dict:
    from casework.services import bundles

    bundle = db.session.get(Bundle, int((task.params or {}).get("bundle_id", 0)))
    if bundle is None:
        raise ValueError("this bundle no longer exists")
    if bundle.status == "sealed":
        return {"bundle_id": bundle.id, "sha256": bundle.sha256, "deposit_index": bundle.deposit_index}
    # A failure rolls the whole export back; the bundle then reports its task's failure and reason.
    bundles.build(bundle, actor=_task_actor(task), now=now, progress=progress)  # the evidence its task names
    return {"bundle_id": bundle.id, "sha256": bundle.sha256, "deposit_index": bundle.deposit_index}
