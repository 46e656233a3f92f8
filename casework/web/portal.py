"""The creator portal: a creator's home. Their rights holder's works, deposits and signed deposit
certificates; the detections and cases on their works in plain words, with a timeline in their
language. Never internal notes, who did what, or anything of another rights holder.

Everything is read through the access policy (`visible`, `get_or_404`), so the portal shows no more
than the creator's own rules allow; it only chooses plainer words.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from casework.extensions import db
from casework.models.documents import Document
from casework.models.cases import Case, CaseUrl, case_work
from casework.models.monitoring import Detection
from casework.models.works import Work
from casework.policy import allow, get_or_404, visible
from casework.services import cases as case_service
from casework.services import documents as docs
from casework.services import litigation as litigation_service
from casework.web import main
from casework.web.account import EmptyForm
from casework.web.helpers import actor, now

bp = Blueprint("portal", __name__)
main.HOME_BY_ROLE.setdefault("creator", "portal.index")

STATUS = {
    "review": _l("We are checking the report"),
    "letter": _l("We have written to the infringer"),
    "takedown": _l("We have asked the platform to remove it"),
    "evidence": _l("We are preserving the evidence"),
    "litigation": _l("In court"),
}
CLOSED = {
    "removed": _l("Closed: the copy was removed"),
    "licensed": _l("Closed: the use is now licensed"),
    "settled": _l("Closed: settled with the infringer"),
    "judgment_won": _l("Closed: the court ruled in your favour"),
    "judgment_lost": _l("Closed: the court ruled against us"),
    "withdrawn": _l("Closed: withdrawn"),
    "not_pursued": _l("Closed: not pursued further"),
}
DETECTION_STATUS = {"pending": _l("Being checked"), "confirmed": _l("Confirmed: we are acting on it"),
                    "dismissed": _l("Not pursued")}
EVENTS = {
    "opened": _l("We opened a case"),
    "url_added": _l("Another copy was found"),
    "work_added": _l("Another of your works was added to the case"),
    "detection_confirmed": _l("A report was confirmed as an infringement"),
    "document_sent": _l("We sent a letter or notice"),
    "evidence_added": _l("We preserved evidence of the infringement"),
    "bundle_sealed": _l("We sealed the evidence for court"),
    "url_removed": _l("A copy was taken down"),
    "url_restored": _l("A copy came back online"),
    "litigation_opened": _l("We took the case to court"),
    "litigation_hearing": _l("A court hearing was scheduled"),
    "litigation_hearing_changed": _l("A court hearing was moved"),
    "litigation_hearing_held": _l("A court hearing took place"),
    "litigation_resolved": _l("The court case reached a result"),
}
# Timeline rows about internal bookkeeping stay out of the creator's timeline.
WORKS_SHOWN = 24  # the newest; the works page lists them all
HIDDEN_EVENTS = {"assigned", "infringer_set", "litigation_updated", "litigation_party", "litigation_cost",
                 "litigation_deadline", "litigation_deadline_changed", "litigation_filing"}


def plain_status(case: Case, urls: list[CaseUrl] | None = None) -> str:
    if case.stage == "closed":
        return str(CLOSED.get(case.outcome or "", _("Closed")))
    if case.stage in ("takedown", "evidence") and urls and all(u.status == "removed" for u in urls):
        return _("The platform has removed it")
    return str(STATUS[case.stage])


def plain_timeline(case: Case) -> list[dict]:
    """What happened, in plain words and the reader's language: no notes, no names of staff."""
    out = []
    for e in case_service.timeline(case):
        if e.kind in HIDDEN_EVENTS:
            continue
        if e.kind == "stage_changed":
            text = str(CLOSED.get((e.data or {}).get("outcome") or "", _("Closed"))) if e.to_stage == "closed" \
                else str(STATUS.get(e.to_stage or "", e.to_stage))
        elif e.kind in EVENTS:
            text = str(EVENTS[e.kind])
        elif e.kind.startswith("takedown"):
            text = _("Progress with the platform")
        elif e.kind.startswith("document"):
            text = _("Progress with a letter or notice")
        else:
            continue
        out.append({"at": e.at, "text": text, "deposit_index": e.deposit_index})
    return out


def _certificates(work_ids: list[int]) -> dict[int, list]:
    """Signed deposit certificates of these works, newest first, in one query."""
    out: dict[int, list] = {i: [] for i in work_ids}
    if work_ids:
        for doc in db.session.scalars(select(Document).where(
                Document.work_id.in_(work_ids), Document.kind == "deposit_certificate",
                Document.status.in_(("signed", "sent", "answered", "no_answer"))).order_by(Document.id.desc())):
            out[doc.work_id].append(doc)
    return out


@bp.route("/portal")
@allow("creator")
def index():
    all_works = visible(current_user, "work", select(Work))
    total_works = db.session.scalar(select(func.count()).select_from(all_works.subquery()))
    works = list(db.session.scalars(all_works.options(selectinload(Work.files))
                                    .order_by(Work.id.desc()).limit(WORKS_SHOWN)))
    certificates = _certificates([w.id for w in works])
    own = select(Work.id).where(Work.id.in_(all_works.with_only_columns(Work.id)))
    detections = dict(db.session.execute(select(Detection.status, func.count()).where(
        Detection.work_id.in_(own)).group_by(Detection.status)).all())
    recent = list(db.session.execute(select(Detection, Work.title).join(Work, Work.id == Detection.work_id)
                                     .where(Detection.work_id.in_(own))
                                     .order_by(Detection.detected_at.desc(), Detection.id.desc()).limit(10)))
    # The policy's scope decides; the IN list of the holder's cases lets the database start from the holder's
    # works instead of testing every case (SQLite: 107 ms -> a few ms at 2,200 cases).
    on_own_works = select(case_work.c.case_id).join(Work, Work.id == case_work.c.work_id).where(
        Work.rights_holder_id == current_user.rights_holder_id)
    cases = list(db.session.scalars(visible(current_user, "case", select(Case)).where(Case.id.in_(on_own_works))
                                    .options(selectinload(Case.urls))
                                    .order_by(Case.stage == "closed", Case.stage_changed_at.desc()).limit(200)))
    rows = [{"case": c, "status": plain_status(c, list(c.urls))} for c in cases]
    return render_template("portal/index.html", works=works, total_works=total_works, certificates=certificates,
                           rows=rows, detections=detections, recent=recent, detection_status=DETECTION_STATUS,
                           empty=EmptyForm())


@bp.route("/portal/cases/<int:case_id>")
@allow("creator")
def case(case_id: int):
    case = get_or_404(Case, case_id, "case.view")
    urls = list(db.session.scalars(select(CaseUrl).where(CaseUrl.case_id == case.id).order_by(CaseUrl.id)))
    own = {w.id for w in db.session.scalars(visible(current_user, "work", select(Work)))}
    works = [w for w in case_service.works_of(case) if w.id in own]
    record = litigation_service.record_for(case)
    return render_template("portal/case.html", case=case, status=plain_status(case, urls), urls=urls, works=works,
                           timeline=plain_timeline(case), record=record, now=now(),
                           resolutions={"settled": CLOSED["settled"], "judgment_won": CLOSED["judgment_won"],
                                        "judgment_lost": CLOSED["judgment_lost"]})


@bp.route("/portal/works/<int:work_id>/certificate", methods=["POST"])
@allow("creator")
def issue_certificate(work_id: int):
    work = get_or_404(Work, work_id, "work.view")
    lang = request.form.get("lang", "")
    if not EmptyForm().validate_on_submit() or lang not in ("en", "zh"):
        flash(_("The form expired; try again."), "error")
        return redirect(url_for(".index") + "#works")
    try:
        doc = docs.issue_deposit_certificate(work, lang=lang, actor=actor(), now=now())
    except docs.DocumentError as exc:
        db.session.rollback()
        flash(_("No certificate could be issued: %(why)s", why=str(exc)), "error")
        return redirect(url_for(".index") + "#works")
    db.session.commit()
    flash(_("Your signed deposit certificate is ready."), "success")
    return redirect(url_for(".index", _anchor=f"work-{doc.work_id}"))


@bp.route("/portal/certificates/<int:document_id>.pdf")
@allow("creator")
def certificate(document_id: int):
    doc = db.session.get(Document, document_id)
    if doc is None or doc.kind != "deposit_certificate" or doc.work is None or not doc.is_signed:
        abort(404)
    get_or_404(Work, doc.work_id, "work.view")
    return send_file(io.BytesIO(docs.pdf_bytes(doc)), mimetype="application/pdf", as_attachment=True,
                     download_name=f"deposit-certificate-{doc.work_id}-{doc.lang}.pdf", etag=doc.sha256)
