"""Per-platform takedown figures, measured from our own records.

    figures(platform_ids) -> {platform_id: {...}}

* `sent`: notices that went out (a withdrawn draft never did);
* `response_rate`: notices with an answer of any kind (acknowledgement, refusal, forwarded counter-
  notice, the platform's removal report) or a confirmed removal, over `sent`;
* `median_days_to_first_response`: sending -> that first answer;
* `median_days_to_removal`: sending -> removal confirmed by re-check (never the platform's word);
* `by_status`: how many takedowns are in each state now.

Two queries per call whatever the number of platforms: a count per (platform, status) on
ix_takedown_platform_status, and the times of the sent notices from the covering index
ix_takedown_platform_sent. PostgreSQL takes the medians itself (percentile_cont), so one row per
platform crosses the wire; SQLite returns each difference as a number and Python takes the medians.
"""
from __future__ import annotations

import statistics
from typing import Iterable, Optional

from sqlalchemy import func, select

from casework.extensions import db
from casework.models.takedowns import TAKEDOWN_STATUSES, TakedownNotice

__all__ = ["figures", "empty_figures"]


def _days(seconds: list[float]) -> Optional[float]:
    return round(statistics.median(seconds) / 86400, 2) if seconds else None


def empty_figures() -> dict:
    return {"sent": 0, "responded": 0, "response_rate": None, "removed": 0, "median_days_to_first_response": None,
            "median_days_to_removal": None, "by_status": {s: 0 for s in TAKEDOWN_STATUSES}}


def _times_in_sql(ids: list[int], out: dict[int, dict]) -> None:
    """PostgreSQL: counts and medians (percentile_cont(0.5), the mean of the middle two as statistics.median)
    aggregated in the server from the covering index; one row per platform comes back."""
    T = TakedownNotice
    response = func.extract("epoch", T.first_response_at - T.sent_at)
    removal = func.extract("epoch", T.removed_at - T.sent_at)
    stmt = (select(T.platform_id, func.count(), func.count(T.first_response_at), func.count(T.removed_at),
                   func.percentile_cont(0.5).within_group(response), func.percentile_cont(0.5).within_group(removal))
            .where(T.platform_id.in_(ids), T.sent_at.is_not(None)).group_by(T.platform_id))
    for pid, sent, responded, removed, med_response, med_removal in db.session.execute(stmt):
        row = out[pid]
        row.update(sent=sent, responded=responded, removed=removed,
                   median_days_to_first_response=_days([float(med_response)]) if med_response is not None else None,
                   median_days_to_removal=_days([float(med_removal)]) if med_removal is not None else None)


def _times_elsewhere(ids: list[int], out: dict[int, dict]) -> None:
    """SQLite has no percentile: the differences come back as plain numbers (julianday, no datetime objects
    to build) and Python takes the medians; at 200,000 notices this is a few hundred milliseconds."""
    T = TakedownNotice
    response = (func.julianday(T.first_response_at) - func.julianday(T.sent_at)) * 86400.0
    removal = (func.julianday(T.removed_at) - func.julianday(T.sent_at)) * 86400.0
    responses: dict[int, list[float]] = {}
    removals: dict[int, list[float]] = {}
    for pid, first, removed in db.session.execute(
            select(T.platform_id, response, removal).where(T.platform_id.in_(ids), T.sent_at.is_not(None))):
        out[pid]["sent"] += 1
        if first is not None:
            responses.setdefault(pid, []).append(first)
        if removed is not None:
            removals.setdefault(pid, []).append(removed)
    for pid, row in out.items():
        row["responded"] = len(responses.get(pid, ()))
        row["removed"] = len(removals.get(pid, ()))
        row["median_days_to_first_response"] = _days(responses.get(pid, []))
        row["median_days_to_removal"] = _days(removals.get(pid, []))


def figures(platform_ids: Iterable[int]) -> dict[int, dict]:
    ids = sorted(set(platform_ids))
    out = {pid: empty_figures() for pid in ids}
    if not ids:
        return out
    T = TakedownNotice
    for pid, status, n in db.session.execute(
            select(T.platform_id, T.status, func.count()).where(T.platform_id.in_(ids))
            .group_by(T.platform_id, T.status)):
        out[pid]["by_status"][status] = n
    if db.session.get_bind().dialect.name == "postgresql":
        _times_in_sql(ids, out)
    else:
        _times_elsewhere(ids, out)
    for row in out.values():
        row["response_rate"] = round(row["responded"] / row["sent"], 4) if row["sent"] else None
    return out
