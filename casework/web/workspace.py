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
from casework.web.litigation import HEARING_LABELS, labels

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


def _bundles(case: Case) -> list[dict]:
    """The case's evidence bundles with a link to each, where the evidence domain offers them."""
    try:
        from casework.services.bundles import bundles_of
    except ImportError:
        return []
    endpoint = "evidence.bundle" if "evidence.bundle" in current_app.view_functions else None
    return [{"bundle": b, "url": url_for(endpoint, bundle_id=b.id) if endpoint else None} for b in bundles_of(case)]


def _counts(case: Case, user) -> dict[str, int]:
    out = {}
    for name in COUNTED:
        fn = JSON_SECTIONS.get(name)
        if fn is not None:
            # The evidence section lists the case team's bundles too ("type": "bundle"): they are shown apart.
            out[name] = sum(1 for x in (fn(case, user) or []) if not (isinstance(x, dict) and x.get("type") == "bundle"))
    return out


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
    pages = _case_pages()
    rows = [{"case": c, "counts": _counts(c, current_user), "deadlines": deadlines[c.id],
             "record": litigation_service.record_for(c), "bundles": _bundles(c),
             "links": {name: url_for(endpoint, case_id=c.id) for name, endpoint in pages.items()}}
            for c in cases]
    return render_template("workspace/index.html", rows=rows, hearings=hearings, by_case=by_case, now=when,
                           hearing_kinds=HEARING_LABELS, stages=STAGE_LABELS, outcomes=OUTCOME_LABELS, open_count=sum(1 for c in cases if c.is_open), **{
                               k: v for k, v in labels().items() if k != "hearing_kinds"})
