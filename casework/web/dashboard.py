"""Legal's dashboard, their landing page: where cases stand, what came in, what is late, who infringes most."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from casework.policy import STAFF, allow
from casework.services import dashboard as figures
from casework.web import charts, main
from casework.web.cases import STAGE_LABELS
from casework.web.helpers import now

bp = Blueprint("dashboard", __name__)

for _role in STAFF:
    main.HOME_BY_ROLE.setdefault(_role, "dashboard.index")


@bp.route("/dashboard")
@allow(*STAFF)
def index():
    when = now()
    stages = figures.cases_by_stage()
    per_day = figures.detections_per_day(when, 30)
    overdue_total, overdue = figures.overdue_deadlines(when)
    infringers = figures.top_infringers()
    platforms = figures.top_platforms(when)
    steps, steps_at = figures.median_days_to_steps_cached(when)
    step_labels = {"confirmed": _("Confirmed"), **{k: str(v) for k, v in STAGE_LABELS.items()}}
    return render_template(
        "dashboard/index.html", now=when, stages=stages, per_day=per_day, overdue_total=overdue_total,
        overdue=overdue, infringers=infringers, platforms=platforms, steps=steps, step_labels=step_labels,
        stage_labels=STAGE_LABELS, pending=figures.pending_review(), steps_at=steps_at,
        stage_chart=charts.hbar([(str(STAGE_LABELS[s]), n) for s, n in stages], title=_("Cases by stage")),
        day_chart=charts.columns([(d.strftime("%m-%d"), n) for d, n in per_day],
                                 title=_("New detections per day, last 30 days")),
        infringer_chart=charts.hbar([(i.name, n) for i, n, _o in infringers], title=_("Top infringers by cases")),
        platform_chart=charts.hbar([(p.name, n) for p, n, _u in platforms],
                                   title=_("Top platforms by detections, last 90 days")),
        step_chart=charts.hbar([(step_labels[s], v) for s, v, _n in steps if v is not None],
                               title=_("Median days from detection"), unit=" d"),
    )
