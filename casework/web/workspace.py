"""Outside counsel's workspace: their assigned cases only, each with its evidence, documents, bundles and
deadlines, the upcoming hearings, and what they may do (add litigation entries, add evidence, export a
bundle). Counsel's home page.

Other domains' records are counted through their case JSON sections (casework.case_sections), so the
workspace shows them as they arrive without knowing their tables; links go to their case pages when
those exist and let counsel in.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from casework.case_sections import JSON_SECTIONS
from casework.extensions import db
from casework.models.cases import Case
from casework.models.scheduling import Deadline
from casework.policy import allow, visible
from casework.services import litigation as litigation_service
from casework.web import main
from casework.web.cases import OUTCOME_LABELS, STAGE_LABELS
from casework.web.helpers import now
from casework.web.litigation import HEARING_LABELS

bp = Blueprint("workspace", __name__)
main.HOME_BY_ROLE.setdefault("counsel", "workspace.index")

COUNTED = ("evidence", "documents")
# Case pages of other domains that counsel may open, by the path after /cases/<id>/.
LINKED = ("evidence", "bundles", "documents")


def _case_pages() -> dict[str, str]:
    """Endpoints of GET /cases/<int:case_id>/<name> pages that counsel may reach, by name."""
    found: dict[str, str] = {}
    for rule in current_app.url_map.iter_rules():
        for name in LINKED:
            if rule.rule == f"/cases/<int:case_id>/{name}" and "GET" in rule.methods:
                access = getattr(current_app.view_functions[rule.endpoint], "access", None)
                if access is not None and "counsel" in access.roles:
                    found[name] = rule.endpoint
    return found


def _sections(case: Case, user, bundle_endpoint) -> tuple[dict[str, int], list[dict]]:
    """How many evidence items and documents the case has, and its bundles, from the domains' JSON sections.

    The evidence section lists the case team's bundles too (entries with "type": "bundle"): they are shown
    apart, each linked to its page where the evidence domain has one.
    """
    counts, bundles = {}, []
    for name in COUNTED:
        fn = JSON_SECTIONS.get(name)
        if fn is None:
            continue
        entries = fn(case, user) or []
        counts[name] = 0
        for entry in entries:
            if isinstance(entry, dict) and entry.get("type") == "bundle":
                url = url_for(bundle_endpoint, bundle_id=entry["id"]) if bundle_endpoint else None
                bundles.append({"id": entry["id"], "status": entry.get("status", ""), "url": url})
            else:
                counts[name] += 1
    return counts, bundles


@bp.route("/workspace")
@allow("counsel")
def index():
    when = now()
    cases = list(db.session.scalars(
        visible(current_user, "case", select(Case)).options(joinedload(Case.infringer))
        .order_by(Case.stage == "closed", Case.stage_changed_at.desc(), Case.id.desc())))
    ids = [c.id for c in cases]
    deadlines: dict[int, list[Deadline]] = {i: [] for i in ids}
    if ids:
        for d in db.session.scalars(select(Deadline).where(Deadline.case_id.in_(ids), Deadline.status == "open")
                                    .order_by(Deadline.due_at, Deadline.id)):
            deadlines[d.case_id].append(d)
    hearings = litigation_service.upcoming_hearings(ids, when)
    by_case = {c.id: c for c in cases}
    records = litigation_service.records_for(ids)
    pages = _case_pages()
    bundle_endpoint = "evidence.bundle" if "evidence.bundle" in current_app.view_functions else None
    rows = []
    for c in cases:
        counts, bundles = _sections(c, current_user, bundle_endpoint)
        rows.append({"case": c, "counts": counts, "bundles": bundles, "deadlines": deadlines[c.id],
                     "record": records.get(c.id),
                     "links": {name: url_for(endpoint, case_id=c.id) for name, endpoint in pages.items()}})
    return render_template("workspace/index.html", rows=rows, hearings=hearings, by_case=by_case, now=when,
                           hearing_kinds=HEARING_LABELS, stages=STAGE_LABELS, outcomes=OUTCOME_LABELS,
                           open_count=sum(1 for c in cases if c.is_open))
