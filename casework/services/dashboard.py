"""Figures for legal's dashboard: aggregate queries only (a few grouped SELECTs, nothing per row)."""
from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy import func, select

from casework.extensions import db
from casework.models.cases import STAGES, Case, CaseEvent, CaseUrl
from casework.models.monitoring import Detection, Infringer, Platform
from casework.models.scheduling import Deadline

LATER_STEPS = ("letter", "takedown", "evidence", "litigation", "closed")


def cases_by_stage() -> list[tuple[str, int]]:
    counts = dict(db.session.execute(select(Case.stage, func.count(Case.id)).group_by(Case.stage)).all())
    return [(s, counts.get(s, 0)) for s in STAGES]


def _day(column):
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return func.date_trunc("day", column)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def detections_per_day(now: datetime, days: int = 30) -> list[tuple[date, int]]:
    """New detections (by intake time) per UTC day, the last `days` days including today, zeros included."""
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = _day(Detection.created_at).label("day")
    counts = {_as_date(d): n for d, n in db.session.execute(
        select(day, func.count(Detection.id)).where(Detection.created_at >= start).group_by(day))}
    return [(start.date() + timedelta(days=i), counts.get(start.date() + timedelta(days=i), 0)) for i in range(days)]


def overdue_deadlines(now: datetime, limit: int = 20) -> tuple[int, list[Deadline]]:
    base = select(Deadline).where(Deadline.status == "open", Deadline.due_at < now)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = list(db.session.scalars(base.order_by(Deadline.due_at).limit(limit)))
    return total, rows


def top_infringers(limit: int = 10) -> list[tuple[Infringer, int, int]]:
    """(infringer, cases, open cases), most cases first: counted on the case index, then joined for names."""
    cases = func.count(Case.id).label("cases")
    counts = (select(Case.infringer_id.label("infringer_id"), cases,
                     func.count(Case.id).filter(Case.stage != "closed").label("open"))
              .where(Case.infringer_id.is_not(None)).group_by(Case.infringer_id)
              .order_by(cases.desc(), Case.infringer_id).limit(limit).subquery())
    stmt = (select(Infringer, counts.c.cases, counts.c.open).join(counts, counts.c.infringer_id == Infringer.id)
            .order_by(counts.c.cases.desc(), Infringer.id))
    return [(i, n, o) for i, n, o in db.session.execute(stmt)]


def top_platforms(now: datetime, days: int = 90, limit: int = 10) -> list[tuple[Platform, int, int]]:
    """(platform, detections in the last `days` days, URLs in cases), most detections first."""
    since = now - timedelta(days=days)
    detections = dict(db.session.execute(
        select(Detection.platform_id, func.count(Detection.id)).where(Detection.created_at >= since,
                                                                     Detection.platform_id.is_not(None))
        .group_by(Detection.platform_id)).all())
    urls = dict(db.session.execute(select(CaseUrl.platform_id, func.count(CaseUrl.id))
                                   .where(CaseUrl.platform_id.is_not(None)).group_by(CaseUrl.platform_id)).all())
    wanted = sorted(set(detections) | set(urls), key=lambda p: (-detections.get(p, 0), -urls.get(p, 0)))[:limit]
    platforms = {p.id: p for p in db.session.scalars(select(Platform).where(Platform.id.in_(wanted)))} if wanted else {}
    return [(platforms[p], detections.get(p, 0), urls.get(p, 0)) for p in wanted if p in platforms]


def median_days_to_steps(now: datetime, window_days: int = 365) -> list[tuple[str, Optional[float], int]]:
    """For cases opened in the window: median days from the first detection to confirmation and to the
    first entry into each later stage. Returns (step, median days or None, number of cases measured)."""
    since = now - timedelta(days=window_days)
    first_seen = (select(Detection.case_id.label("case_id"), func.min(Detection.detected_at).label("seen"),
                         func.min(Detection.reviewed_at).label("confirmed"))
                  .join(Case, Case.id == Detection.case_id).where(Case.opened_at >= since, Detection.case_id.is_not(None))
                  .group_by(Detection.case_id).subquery())
    entered = (select(CaseEvent.case_id.label("case_id"), CaseEvent.to_stage.label("stage"),
                      func.min(CaseEvent.at).label("at"))
               .join(first_seen, first_seen.c.case_id == CaseEvent.case_id)
               .where(CaseEvent.kind == "stage_changed").group_by(CaseEvent.case_id, CaseEvent.to_stage).subquery())
    postgres = db.session.get_bind().dialect.name == "postgresql"
    out: list[tuple[str, Optional[float], int]] = []
    if postgres:
        def median(expr, from_, where=None):
            stmt = select(func.percentile_cont(0.5).within_group(expr), func.count()).select_from(from_)
            if where is not None:
                stmt = stmt.where(where)
            value, count = db.session.execute(stmt).one()
            return (round(float(value) / 86400, 1) if value is not None else None), count

        seconds = func.extract("epoch", first_seen.c.confirmed - first_seen.c.seen)
        out.append(("confirmed", *median(seconds, first_seen, first_seen.c.confirmed.is_not(None))))
        joined = entered.join(first_seen, first_seen.c.case_id == entered.c.case_id)
        for step in LATER_STEPS:
            value, count = median(func.extract("epoch", entered.c.at - first_seen.c.seen), joined,
                                  entered.c.stage == step)
            out.append((step, value, count))
        return out
    # SQLite: fetch the differences (julianday arithmetic in SQL) and take medians here.
    diffs: dict[str, list[float]] = {step: [] for step in ("confirmed", *LATER_STEPS)}
    for seen, confirmed in db.session.execute(select(first_seen.c.seen, first_seen.c.confirmed)):
        if confirmed is not None:
            diffs["confirmed"].append((confirmed - seen).total_seconds() / 86400)
    for stage, seen, at in db.session.execute(select(entered.c.stage, first_seen.c.seen, entered.c.at)
                                              .join(first_seen, first_seen.c.case_id == entered.c.case_id)):
        if stage in diffs:
            diffs[stage].append((at - seen).total_seconds() / 86400)
    for step, values in diffs.items():
        out.append((step, round(statistics.median(values), 1) if values else None, len(values)))
    return out


def pending_review() -> int:
    return db.session.scalar(select(func.count(Detection.id)).where(Detection.status == "pending")) or 0


_STEPS_CACHE: dict[str, tuple[datetime, list]] = {}
STEPS_TTL = timedelta(minutes=5)


def median_days_to_steps_cached(now: datetime) -> tuple[list[tuple[str, Optional[float], int]], datetime]:
    """The medians, recomputed at most every five minutes per process (they move slowly and cost the most);
    returns them with the time they were computed, which the page shows."""
    from flask import current_app

    key = str(db.session.get_bind().engine.url)
    hit = _STEPS_CACHE.get(key)
    if hit is not None and not current_app.testing and now - hit[0] < STEPS_TTL:
        return hit[1], hit[0]
    value = median_days_to_steps(now)
    _STEPS_CACHE[key] = (now, value)
    return value, now
