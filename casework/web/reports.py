"""Pages: reports for a period, platform and infringer (legal and admin), with SVG charts, a CSV
export and a printable PDF."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.extensions import db
from casework.models.monitoring import Infringer, Platform
from casework.policy import STAFF, allow
from casework.services import reports as service
from casework.web import charts
from casework.web.cases import OUTCOME_LABELS, STAGE_LABELS
from casework.web.helpers import now

bp = Blueprint("reports", __name__)

DEFAULT_DAYS = 30
ITEM_LABELS = {"cease_desist_letters": _l("Cease-and-desist letters"), "takedown_notices": _l("Takedown notices")}


def _filter() -> tuple[service.ReportFilter, list[str]]:
    """The filter from the query string; bad values fall back to the default with a message."""
    errors: list[str] = []
    today = now().date()
    start, end = today - timedelta(days=DEFAULT_DAYS - 1), today

    def day(name: str, default: date) -> date:
        raw = request.args.get(name, "").strip()
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors.append(_("“%(value)s” is not a date like 2026-01-31.", value=raw))
            return default

    def ident(name: str, model):
        raw = request.args.get(name, "").strip()
        if not raw:
            return None
        if not (raw.isascii() and raw.isdigit() and int(raw) <= 2**31 - 1) or db.session.get(model, int(raw)) is None:
            errors.append(_("There is no such %(what)s.", what=_("platform") if model is Platform else _("infringer")))
            return None
        return int(raw)

    start, end = day("from", start), day("to", end)
    platform_id, infringer_id = ident("platform", Platform), ident("infringer", Infringer)
    try:
        return service.ReportFilter(start, end, platform_id, infringer_id), errors
    except service.ReportError as exc:
        errors.append(str(exc))
        return service.ReportFilter(today - timedelta(days=DEFAULT_DAYS - 1), today, platform_id, infringer_id), errors


def _context(report: service.Report) -> dict:
    f = report.filter
    names = {"platform": db.session.get(Platform, f.platform_id).name if f.platform_id else "",
             "infringer": db.session.get(Infringer, f.infringer_id).name if f.infringer_id else ""}
    args = {"from": f.start.isoformat(), "to": f.end.isoformat()}
    if f.platform_id:
        args["platform"] = f.platform_id
    if f.infringer_id:
        args["infringer"] = f.infringer_id
    medians = [(str(STAGE_LABELS[s]), v, n) for s, v, n in report.stage_medians]
    return {
        "report": report, "f": f, "names": names, "args": args, "stages": STAGE_LABELS, "outcomes": OUTCOME_LABELS,
        "medians": medians, "item_labels": ITEM_LABELS,
        "median_chart": charts.hbar([(label, v) for label, v, _n in medians if v is not None],
                                    title=_("Median days in each stage"), unit=" d"),
        "platform_chart": charts.hbar(report.detections_by_platform, title=_("Detections by platform")),
        "infringer_chart": charts.hbar(report.cases_by_infringer, title=_("Cases opened by infringer")),
        "day_chart": _time_chart(report.detections_per_day),
    }


def _time_chart(per_day: list[tuple[date, int]]):
    """Detections over time: a column a day up to three months, a column a week beyond (it reads better)."""
    if not per_day:
        return None
    if len(per_day) <= 92:
        rows, title = [(d.strftime("%m-%d"), n) for d, n in per_day], _("Detections per day")
    else:
        weeks: dict[date, int] = {}
        for d, n in per_day:
            monday = d - timedelta(days=d.weekday())
            weeks[monday] = weeks.get(monday, 0) + n
        rows, title = [(d.strftime("%m-%d"), n) for d, n in weeks.items()], _("Detections per week")
    return charts.columns(rows, title=title, label_every=max(1, len(rows) // 6))


@bp.route("/reports")
@allow(*STAFF)
def index():
    f, errors = _filter()
    report = service.build(f)
    platforms = db.session.execute(select(Platform.id, Platform.name).order_by(Platform.name)).all()
    infringers = db.session.execute(select(Infringer.id, Infringer.name).order_by(Infringer.name).limit(500)).all()
    return render_template("reports/index.html", errors=errors, platforms=platforms, infringers=infringers,
                           **_context(report))


@bp.route("/reports.csv")
@allow(*STAFF)
def export_csv():
    f, errors = _filter()
    if errors:
        return Response("\n".join(errors) + "\n", status=400, mimetype="text/plain")
    report = service.build(f)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "value"])
    for row in service.rows_for_csv(report):
        writer.writerow([_csv_safe(v) for v in row])
    name = f"report-{f.start.isoformat()}-{f.end.isoformat()}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _csv_safe(value):
    """Names come from outside (infringers, platforms): never let a spreadsheet run them as formulas."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.route("/reports.pdf")
@allow(*STAFF)
def export_pdf():
    from casework.documents.render import RenderError, render_pdf

    f, errors = _filter()
    if errors:
        return Response("\n".join(errors) + "\n", status=400, mimetype="text/plain")
    report = service.build(f)
    lang = "zh-CN" if str(get_locale()) == "zh" else "en"
    html = render_template("reports/print.html", lang=lang, generated_at=now(), **_context(report))
    try:
        pdf = render_pdf(html)
    except RenderError:
        return Response(_("The PDF could not be made; try again or export CSV."), status=500, mimetype="text/plain")
    name = f"report-{f.start.isoformat()}-{f.end.isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


