"""Reports for a period (from/to, whole UTC days), optionally for one platform and one infringer.

Figures: detections, cases opened and closed (by outcome), confirmed removals, the median time a case
spends in each stage (from the case timeline), and what other domains contribute (letters and
notices sent, money recovered) through the small registry below.

Contributions: a domain registers `@contribution("key", label)` with a function taking the
`ReportFilter` and the case-narrowing clause and returning rows `[(item, value)]` (or None when it
has nothing recorded); an item is a stable key (the pages translate the ones they know) or a
currency code. The two built in here read the documents and litigation tables through the
metadata (`document`, `litigation_record`), so they work as soon as those tables exist, and a domain
may register its own function under the same key to replace them.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select, true

from casework.extensions import db
from casework.models.base import Base
from casework.models.cases import OUTCOMES, Case, CaseEvent, CaseUrl
from casework.models.monitoring import DETECTION_STATUSES, Detection, Infringer, Platform

MEASURED_STAGES = ("review", "letter", "takedown", "evidence", "litigation")
MAX_DAYS = 3660


class ReportError(ValueError):
    pass


@dataclass(frozen=True)
class ReportFilter:
    start: date
    end: date  # inclusive
    platform_id: Optional[int] = None
    infringer_id: Optional[int] = None

    def __post_init__(self):
        if self.end < self.start:
            raise ReportError("the period ends before it starts")
        if (self.end - self.start).days > MAX_DAYS:
            raise ReportError("a report covers at most ten years")

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=timezone.utc)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=timezone.utc)


@dataclass
class Report:
    filter: ReportFilter
    detections: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    closed_by_outcome: list[tuple[str, int]] = field(default_factory=list)
    removals: int = 0
    stage_medians: list[tuple[str, Optional[float], int]] = field(default_factory=list)
    contributions: list[tuple[str, object, Optional[list[tuple[str, object]]]]] = field(default_factory=list)
    detections_by_platform: list[tuple[str, int]] = field(default_factory=list)
    cases_by_infringer: list[tuple[str, int]] = field(default_factory=list)
    detections_per_day: list[tuple[date, int]] = field(default_factory=list)


# --- the registry of other domains' figures -----------------------------------------------------------

ContributionFn = Callable[["ReportFilter", object], Optional[list[tuple[str, object]]]]
CONTRIBUTIONS: dict[str, tuple[object, ContributionFn]] = {}


def contribution(key: str, label):
    """Register (or replace) a report figure computed by another domain."""

    def decorate(fn: ContributionFn) -> ContributionFn:
        CONTRIBUTIONS[key] = (label, fn)
        return fn

    return decorate


def _table(name: str, *columns: str):
    table = Base.metadata.tables.get(name)
    if table is None or any(c not in table.c for c in columns):
        return None
    return table


@contribution("letters_notices_sent", _l("Letters and notices sent"))
def _documents_sent(f: ReportFilter, case_clause) -> Optional[list[tuple[str, object]]]:
    doc = _table("document", "kind", "sent_at", "case_id")
    if doc is None:
        return None
    stmt = (select(doc.c.kind, func.count()).join(Case, Case.id == doc.c.case_id)
            .where(doc.c.sent_at >= f.since, doc.c.sent_at < f.until, case_clause).group_by(doc.c.kind))
    counts = dict(db.session.execute(stmt).all())
    letters = counts.get("cease_desist", 0)
    notices = sum(n for k, n in counts.items() if k.startswith("takedown_notice"))
    return [("cease_desist_letters", letters), ("takedown_notices", notices)]


@contribution("money_recovered", _l("Money recovered (paid)"))
def _money_recovered(f: ReportFilter, case_clause) -> Optional[list[tuple[str, object]]]:
    lit = _table("litigation_record", "case_id", "amount_paid_minor", "resolution_currency", "resolved_on")
    if lit is None:
        return None
    stmt = (select(lit.c.resolution_currency, func.sum(lit.c.amount_paid_minor))
            .join(Case, Case.id == lit.c.case_id)
            .where(lit.c.resolved_on >= f.start, lit.c.resolved_on <= f.end, lit.c.amount_paid_minor.is_not(None),
                   case_clause)
            .group_by(lit.c.resolution_currency).order_by(lit.c.resolution_currency))
    return [(currency, f"{int(total) / 100:,.2f}") for currency, total in db.session.execute(stmt)]


# --- the figures ----------------------------------------------------------------------------------------

def _case_clause(f: ReportFilter):
    """Narrow cases to the platform (a URL of the case on it) and the infringer."""
    clause = true()
    if f.infringer_id is not None:
        clause = and_(clause, Case.infringer_id == f.infringer_id)
    if f.platform_id is not None:
        clause = and_(clause, exists().where(CaseUrl.case_id == Case.id, CaseUrl.platform_id == f.platform_id))
    return clause


def _detection_clause(f: ReportFilter):
    # Every status, named: a no-op for the rows, but it lets the database read the review queue's
    # (status, [platform,] detected_at) indexes one status at a time instead of scanning the table.
    clause = and_(Detection.status.in_(DETECTION_STATUSES), Detection.detected_at >= f.since,
                  Detection.detected_at < f.until)
    if f.platform_id is not None:
        clause = and_(clause, Detection.platform_id == f.platform_id)
    if f.infringer_id is not None:
        clause = and_(clause, Detection.infringer_id == f.infringer_id)
    return clause


def build(f: ReportFilter) -> Report:
    report = Report(filter=f)
    cases = _case_clause(f)
    detections = _detection_clause(f)
    report.detections = db.session.scalar(select(func.count(Detection.id)).where(detections)) or 0
    report.cases_opened = db.session.scalar(select(func.count(Case.id)).where(
        Case.opened_at >= f.since, Case.opened_at < f.until, cases)) or 0
    closed = dict(db.session.execute(select(Case.outcome, func.count(Case.id)).where(
        Case.closed_at >= f.since, Case.closed_at < f.until, cases).group_by(Case.outcome)).all())
    report.closed_by_outcome = [(o, closed.get(o, 0)) for o in OUTCOMES]
    report.cases_closed = sum(closed.values())
    removed = select(func.count(CaseUrl.id)).join(Case, Case.id == CaseUrl.case_id).where(
        CaseUrl.status == "removed", CaseUrl.removed_at >= f.since, CaseUrl.removed_at < f.until)
    if f.platform_id is not None:
        removed = removed.where(CaseUrl.platform_id == f.platform_id)
    if f.infringer_id is not None:
        removed = removed.where(Case.infringer_id == f.infringer_id)
    report.removals = db.session.scalar(removed) or 0
    report.stage_medians = stage_medians(f, cases)
    for key, (label, fn) in CONTRIBUTIONS.items():
        report.contributions.append((key, label, fn(f, cases)))
    # Counted on the detection index first, then joined for names (10 rows, not every detection).
    per_platform = (select(Detection.platform_id.label("platform_id"), func.count(Detection.id).label("n"))
                    .where(detections).group_by(Detection.platform_id).subquery())
    report.detections_by_platform = [
        (name or "—", n) for name, n in db.session.execute(
            select(Platform.name, per_platform.c.n).select_from(per_platform)
            .outerjoin(Platform, Platform.id == per_platform.c.platform_id)
            .order_by(per_platform.c.n.desc(), Platform.name).limit(10))]
    report.cases_by_infringer = [
        (name or "—", n) for name, n in db.session.execute(
            select(Infringer.name, func.count(Case.id)).select_from(Case)
            .outerjoin(Infringer, Infringer.id == Case.infringer_id)
            .where(Case.opened_at >= f.since, Case.opened_at < f.until, cases)
            .group_by(Infringer.name).order_by(func.count(Case.id).desc(), Infringer.name).limit(10))]
    report.detections_per_day = _per_day(f, detections)
    return report


def _per_day(f: ReportFilter, detections) -> list[tuple[date, int]]:
    days = (f.end - f.start).days + 1
    if days > 366:
        return []
    if db.session.get_bind().dialect.name == "sqlite":
        day = func.date(Detection.detected_at)
    else:
        day = func.date_trunc("day", Detection.detected_at)
    counts: dict[date, int] = {}
    for d, n in db.session.execute(select(day, func.count(Detection.id)).where(detections).group_by(day)):
        key = d.date() if isinstance(d, datetime) else d if isinstance(d, date) else date.fromisoformat(str(d)[:10])
        counts[key] = n
    return [(f.start + timedelta(days=i), counts.get(f.start + timedelta(days=i), 0)) for i in range(days)]


def stage_medians(f: ReportFilter, cases=None) -> list[tuple[str, Optional[float], int]]:
    """Median days spent in each stage, over the stays that ended within the period.

    A stay runs from a case's entry into a stage (its opening, or a stage change) to its next stage
    change, both read from the timeline; stays still running are not counted. The stays are paired
    in SQL (LEAD over each case's timeline); PostgreSQL also takes the medians, SQLite hands the
    durations back and they are taken here.
    """
    cases = _case_clause(f) if cases is None else cases
    moved = (select(CaseEvent.case_id).join(Case, Case.id == CaseEvent.case_id)
             .where(CaseEvent.kind == "stage_changed", CaseEvent.at >= f.since, CaseEvent.at < f.until, cases))
    timeline = (select(CaseEvent.to_stage.label("stage"), CaseEvent.at.label("entered"),
                       func.lead(CaseEvent.at).over(partition_by=CaseEvent.case_id,
                                                    order_by=(CaseEvent.at, CaseEvent.id)).label("left"))
                .where(CaseEvent.case_id.in_(moved), CaseEvent.kind.in_(("opened", "stage_changed")))
                .subquery())
    ended = and_(timeline.c.left >= f.since, timeline.c.left < f.until, timeline.c.stage.in_(MEASURED_STAGES))
    found: dict[str, tuple[Optional[float], int]] = {}
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", timeline.c.left - timeline.c.entered)
        for stage, median, n in db.session.execute(
                select(timeline.c.stage, func.percentile_cont(0.5).within_group(seconds), func.count())
                .where(ended).group_by(timeline.c.stage)):
            found[stage] = (round(float(median) / 86400, 2), n)
    else:
        days = func.julianday(timeline.c.left) - func.julianday(timeline.c.entered)
        stays: dict[str, list[float]] = {}
        for stage, value in db.session.execute(select(timeline.c.stage, days).where(ended)):
            stays.setdefault(stage, []).append(float(value))
        found = {stage: (round(statistics.median(v), 2), len(v)) for stage, v in stays.items()}
    return [(s, *found.get(s, (None, 0))) for s in MEASURED_STAGES]


# --- export ---------------------------------------------------------------------------------------------

def rows_for_csv(report: Report) -> list[list]:
    """The report as (section, item, value) rows, in the order the page shows them."""
    f = report.filter
    out: list[list] = [["period", "from", f.start.isoformat()], ["period", "to", f.end.isoformat()],
                       ["filter", "platform_id", f.platform_id or ""], ["filter", "infringer_id", f.infringer_id or ""],
                       ["totals", "detections", report.detections], ["totals", "cases_opened", report.cases_opened],
                       ["totals", "cases_closed", report.cases_closed],
                       ["totals", "removals_confirmed", report.removals]]
    out += [["closed_by_outcome", o, n] for o, n in report.closed_by_outcome]
    out += [["median_days_in_stage", s, "" if v is None else v] for s, v, _n in report.stage_medians]
    out += [["stays_measured", s, n] for s, _v, n in report.stage_medians]
    for key, _label, rows in report.contributions:
        if rows is None:
            out.append([key, "not recorded", ""])
        else:
            out += [[key, item, value] for item, value in rows]
    out += [["detections_by_platform", name, n] for name, n in report.detections_by_platform]
    out += [["cases_by_infringer", name, n] for name, n in report.cases_by_infringer]
    out += [["detections_per_day", d.isoformat(), n] for d, n in report.detections_per_day]
    return out
