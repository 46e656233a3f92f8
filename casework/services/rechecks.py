"""Re-checks: are the infringing URLs of open cases still there, and has their content changed?

Fetching goes through the capture package's netguard (no private addresses unless allowed, limits
on time and size) in a few threads; the database is written only from the calling thread. A URL
answering 404, 410 or 451 counts as removed; one that answers again is restored. Each check is a
UrlCheck row; each change of status is a deposited timeline row and a "case_url.status_changed"
event in the outbox (the takedown domain listens for verified removals).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional

from flask import current_app
from sqlalchemy import or_, select

from casework.extensions import db
from casework.models.cases import Case, CaseUrl, UrlCheck
from casework.models.monitoring import WatchedUrl
from casework.services import cases, events
from casework.services.actor import Actor

REMOVED_CODES = (404, 410, 451)
RECHECK_EVERY = timedelta(hours=6)
MAX_BYTES = 20 * 1024 * 1024
TIMEOUT = 20.0
THREADS = 8
# Other domains act on a confirmed status change in the same transaction as the check, without this
# module knowing them: fn(case_url, old_status, new_status, *, actor, now). The takedown domain moves
# a notice to removed once every URL it covers is confirmed gone.
URL_STATUS_LISTENERS: list[Callable[..., None]] = []


@dataclass(frozen=True)
class Fetched:
    status_code: Optional[int]
    sha256: Optional[str]
    size: Optional[int]
    error: str = ""


Fetcher = Callable[[str], Fetched]


def default_fetcher() -> Fetcher:
    """Fetch through netguard's safe_fetch with the app's private-address setting (the body is hashed
    while streamed, never kept)."""
    from casework.capture.netguard import safe_fetch

    allow_private = bool(current_app.config.get("ALLOW_PRIVATE_URLS"))

    def fetch(url: str) -> Fetched:
        try:
            result = safe_fetch(url, allow_private=allow_private, timeout=TIMEOUT, max_bytes=MAX_BYTES,
                                keep_body=False)
        except Exception as exc:  # refused address, DNS failure, timeout, too large: all recorded
            return Fetched(None, None, None, f"{type(exc).__name__}: {exc}"[:2000])
        return Fetched(result.status, result.sha256, result.size)

    return fetch


def _fetch_all(urls: list[str], fetcher: Fetcher) -> list[Fetched]:
    if len(urls) <= 1:
        return [fetcher(u) for u in urls]
    with ThreadPoolExecutor(max_workers=min(THREADS, len(urls))) as pool:
        return list(pool.map(fetcher, urls))


def _outcome(row_status: str, baseline: Optional[str], fetched: Fetched) -> str:
    if fetched.status_code is None:
        return "unreachable"
    if fetched.status_code in REMOVED_CODES:
        return "removed"
    if fetched.status_code >= 400:
        return "unreachable"
    if baseline is not None and fetched.sha256 != baseline:
        return "changed"
    return "active"


def due_case_urls(now: datetime, *, limit: int, every: timedelta = RECHECK_EVERY) -> list[CaseUrl]:
    """URLs of open cases not checked within `every`, the longest-unchecked first."""
    stmt = (select(CaseUrl).join(Case, Case.id == CaseUrl.case_id)
            .where(Case.stage != "closed",
                   or_(CaseUrl.last_checked_at.is_(None), CaseUrl.last_checked_at < now - every))
            .order_by(CaseUrl.last_checked_at.is_not(None), CaseUrl.last_checked_at, CaseUrl.id).limit(limit))
    return list(db.session.scalars(stmt))


def recheck_case_urls(rows: list[CaseUrl], *, actor: Actor, now: datetime, fetcher: Optional[Fetcher] = None,
                      progress: Callable[[float, str], None] = lambda f, m: None) -> dict[str, int]:
    """Check each URL, record what came back, and move its status; returns counts per outcome."""
    fetcher = fetcher or default_fetcher()
    counts: dict[str, int] = {}
    chunk = 50
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        results = _fetch_all([r.url_normalized for r in part], fetcher)
        for row, fetched in zip(part, results):
            outcome = _apply(row, fetched, actor=actor, now=now)
            counts[outcome] = counts.get(outcome, 0) + 1
        progress((start + len(part)) / max(1, len(rows)), f"{start + len(part)} of {len(rows)} URLs checked")
    return counts


def _apply(row: CaseUrl, fetched: Fetched, *, actor: Actor, now: datetime) -> str:
    outcome = _outcome(row.status, row.baseline_sha256, fetched)
    db.session.add(UrlCheck(case_url_id=row.id, at=now, status_code=fetched.status_code, sha256=fetched.sha256,
                            size=fetched.size, error=fetched.error[:2000], outcome=outcome))
    row.last_checked_at, row.last_status_code, row.last_error = now, fetched.status_code, fetched.error[:2000]
    if fetched.status_code is not None and fetched.status_code < 400:
        row.last_sha256 = fetched.sha256
        if row.baseline_sha256 is None:
            row.baseline_sha256 = fetched.sha256
    old = row.status
    if outcome != old:
        row.status = outcome
        row.removed_at = now if outcome == "removed" else None
        case = db.session.get(Case, row.case_id)
        kind = {"removed": "url_removed", "unreachable": "url_unreachable", "changed": "url_changed",
                "active": "url_restored" if old in ("removed", "unreachable") else "url_active"}[outcome]
        detail = f"HTTP {fetched.status_code}" if fetched.status_code is not None else fetched.error[:200]
        cases.record_event(case, kind, f"{row.url_normalized} ({detail})", actor=actor, now=now,
                           data={"case_url": row.id, "from": old, "to": outcome,
                                 "status_code": fetched.status_code, "sha256": fetched.sha256})
        events.emit("case_url.status_changed", {"case_url_id": row.id, "url": row.url_normalized, "from": old,
                                                "to": outcome, "status_code": fetched.status_code},
                    case_id=row.case_id, now=now)
        for listener in URL_STATUS_LISTENERS:
            listener(row, old, outcome, actor=actor, now=now)
    return outcome


def due_watched_urls(now: datetime, *, limit: int, every: timedelta = RECHECK_EVERY) -> list[WatchedUrl]:
    stmt = (select(WatchedUrl).where(WatchedUrl.active.is_(True),
                                     or_(WatchedUrl.last_checked_at.is_(None),
                                         WatchedUrl.last_checked_at < now - every))
            .order_by(WatchedUrl.last_checked_at.is_not(None), WatchedUrl.last_checked_at, WatchedUrl.id)
            .limit(limit))
    return list(db.session.scalars(stmt))


def recheck_watched(rows: list[WatchedUrl], *, actor: Actor, now: datetime, fetcher: Optional[Fetcher] = None,
                    progress: Callable[[float, str], None] = lambda f, m: None) -> dict[str, int]:
    """A watched URL that answers with content not seen before becomes a detection (source "recheck")."""
    from casework.services import detections

    fetcher = fetcher or default_fetcher()
    results = _fetch_all([r.url_normalized for r in rows], fetcher)
    counts = {"checked": 0, "new_content": 0, "detections": 0, "unreachable": 0}
    items = []
    for row, fetched in zip(rows, results):
        counts["checked"] += 1
        row.last_checked_at, row.last_status_code, row.last_error = now, fetched.status_code, fetched.error[:2000]
        if fetched.status_code is None or fetched.status_code >= 400:
            counts["unreachable"] += 1
            continue
        if fetched.sha256 == row.last_sha256:
            continue
        row.last_sha256 = fetched.sha256
        counts["new_content"] += 1
        item = {"work_id": row.work_id, "url": row.url_normalized, "detected_at": now}
        if row.platform_id:
            item["platform"] = row.platform_id
        if row.infringer_id:
            item["infringer"] = row.infringer_id
        items.append(item)
    progress(0.9, f"{counts['checked']} watched URLs checked")
    for start in range(0, len(items), detections.MAX_BATCH):
        result = detections.intake(items[start:start + detections.MAX_BATCH], source="recheck", actor=actor, now=now)
        counts["detections"] += len(result.created)
    return counts
