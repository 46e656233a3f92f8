"""Demo takedowns: notices to YouTube (US form, web form channel) on the demo cases, in several states:
sent and awaiting an answer, acknowledged, removed once a re-check confirmed it, refused, and removed
then answered with a counter-notice (its 512(g) window open); and a Chinese notice (通知书) to Bilibili on
the animation case, which carries the preliminary proof art. 14 asks for (the work's deposit
certificate from the documents step, the captured page from the evidence step), acknowledged.

Everything goes through the services: the notice is drafted, approved and signed by the documents
service, sent, answered; the removals come from the re-check service, given the 404 a real fetch of
these (fictional) URLs would not return. Idempotent: a case with a YouTube takedown is left as it is.
Needs signing set up (`flask --app app signing init-dev`); without it the step says so and does nothing.
Runs after the evidence step; without that proof the Chinese notice is left out (said so, nothing kept).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from casework.extensions import db
from casework.models.cases import Case, CaseUrl
from casework.models.monitoring import Platform
from casework.models.takedowns import TakedownNotice
from casework.services import cases as case_service
from casework.services import takedowns as service
from casework.services.actor import Actor

PLATFORM = "YouTube"
CN_PLATFORM = "Bilibili (哔哩哔哩)"
CN_CASE = "Bilibili uploader re-cuts the animation"
EXTRA_CASE = "YouTube channel re-uploads the Starlight trailer"
OURS = {"email": "legal@demo.test", "address": "Yidun Legal Department, 100 Century Avenue, Shanghai",
        "phone": "+86 21 5000 0000"}
# (case title, URL on YouTube, what happens, days ago the notice went)
SCENARIOS = [
    ("Copycat shop sells prints of the poster", "https://www.youtube.com/watch?v=demoPoster01", "sent", 2),
    ("Pirate film site streams Starlight episodes", "https://www.youtube.com/watch?v=demoStarlt01", "acknowledged", 6),
    ("Weibo account reposts illustrations", "https://www.youtube.com/watch?v=demoIllust01", "refused", 3),
    ("Bilibili uploader re-cuts the animation", "https://www.youtube.com/watch?v=demoAnimat01", "removed", 20),
    (EXTRA_CASE, "https://www.youtube.com/watch?v=demoTrailr01", "counter_notice", 12),
]


def _signing_ready() -> bool:
    try:
        from casework.signing_setup import current_profile

        current_profile()
    except Exception:  # not configured, or the PKI files are missing
        return False
    return True


def _extra_case(actor: Actor, now: datetime):
    case = db.session.scalar(select(Case).where(Case.title == EXTRA_CASE))
    if case is not None:
        return case
    from casework.models.works import Work
    from casework.workflow import transition

    work = db.session.scalar(select(Work).order_by(Work.id).offset(1).limit(1)) or \
        db.session.scalar(select(Work).order_by(Work.id).limit(1))
    if work is None:
        return None
    case = case_service.open_case(title=EXTRA_CASE, works=[work], actor=actor, now=now - timedelta(days=16))
    transition(case, "takedown", actor=actor, now=now - timedelta(days=15), note="Takedown notice to the platform")
    return case


def _removed_by_recheck(td: TakedownNotice, *, actor: Actor, now: datetime) -> None:
    from casework.services import rechecks

    rows = list(db.session.scalars(select(CaseUrl).where(CaseUrl.id.in_([u.id for u in td.urls]))))
    rechecks.recheck_case_urls(rows, actor=Actor.job("url_rechecks"), now=now,
                               fetcher=lambda url: rechecks.Fetched(404, None, 0))


def _scenario(case: Case, url: str, outcome: str, sent: datetime, youtube: Platform, actor: Actor) -> None:
    from casework.models.documents import Document
    from casework.services import documents

    case_service.add_url(case, url, actor=actor, now=sent - timedelta(days=2), platform=youtube)
    td = service.create_takedown(case, youtube, actor=actor, now=sent - timedelta(hours=3))
    doc = db.session.get(Document, td.document_id)
    documents.update_fields(doc, {f"complainant.{k}": v for k, v in OURS.items()}, actor=actor,
                            now=sent - timedelta(hours=3))
    documents.approve(doc, actor=actor, now=sent - timedelta(hours=2))
    documents.sign(doc, actor=actor, now=sent - timedelta(hours=1))
    service.send(td, actor=actor, now=sent, reference=f"YT-DMCA-{case.id:05d}")
    if outcome == "acknowledged":
        service.acknowledge(td, actor=actor, now=sent + timedelta(hours=20), reference=f"YT-DMCA-{case.id:05d}-ACK")
    elif outcome == "refused":
        service.refuse(td, actor=actor, now=sent + timedelta(days=1),
                       reason="The platform considers the video a parody and asks for a court order.")
    elif outcome in ("removed", "counter_notice"):
        service.acknowledge(td, actor=actor, now=sent + timedelta(hours=10))
        service.record_platform_removal(td, actor=actor, now=sent + timedelta(days=1), note="E-mail from the platform")
        _removed_by_recheck(td, actor=actor, now=sent + timedelta(days=1, hours=6))
        if outcome == "counter_notice":
            service.record_counter_notice(
                td, actor=actor, now=sent + timedelta(days=5),
                content="I have a good faith belief the material was removed as a result of mistake or "
                        "misidentification; I consent to the jurisdiction of the federal district court. /s/ Uploader")


def _cn_notice(actor: Actor, now: datetime) -> str:
    """The Chinese notice to Bilibili on the animation case, in a savepoint: all of it or none."""
    from casework.models.documents import Document
    from casework.services import documents

    case = db.session.scalar(select(Case).where(Case.title == CN_CASE))
    bilibili = db.session.scalar(select(Platform).where(Platform.name == CN_PLATFORM))
    if case is None or bilibili is None or case.stage == "closed":
        return "no Chinese notice (its case or platform is missing)"
    if db.session.scalar(select(TakedownNotice.id).where(TakedownNotice.case_id == case.id,
                                                         TakedownNotice.platform_id == bilibili.id)):
        return "the Chinese notice to Bilibili is there"
    sent = now - timedelta(days=8)
    try:
        with db.session.begin_nested():
            td = service.create_takedown(case, bilibili, actor=actor, now=sent - timedelta(hours=3))
            doc = db.session.get(Document, td.document_id)
            documents.update_fields(doc, {f"right_holder.{k}": v for k, v in OURS.items()}, actor=actor,
                                    now=sent - timedelta(hours=3))
            documents.approve(doc, actor=actor, now=sent - timedelta(hours=2))
            documents.sign(doc, actor=actor, now=sent - timedelta(hours=1))
            service.send(td, actor=actor, now=sent, reference="BILI-IPR-2026-0418")
            service.acknowledge(td, actor=actor, now=sent + timedelta(hours=30), reference="BILI-IPR-2026-0418")
    except (documents.DocumentError, service.TakedownError) as exc:
        return f"no Chinese notice ({exc})"
    return "a Chinese notice to Bilibili"


def seed(now: datetime) -> list[str]:
    actor = Actor.system("seed-demo")
    youtube = db.session.scalar(select(Platform).where(Platform.name == PLATFORM))
    if youtube is None:
        return ["Takedowns: no demo platforms yet (the cases demo data comes first); skipped."]
    if not _signing_ready():
        return ["Takedowns: signing is not set up (flask --app app signing init-dev); skipped."]
    _extra_case(actor, now)
    made = 0
    for title, url, outcome, days in SCENARIOS:
        case = db.session.scalar(select(Case).where(Case.title == title))
        if case is None or case.stage == "closed":
            continue
        if db.session.scalar(select(TakedownNotice.id).where(TakedownNotice.case_id == case.id,
                                                             TakedownNotice.platform_id == youtube.id)):
            continue
        _scenario(case, url, outcome, now - timedelta(days=days), youtube, actor)
        made += 1
    cn_line = _cn_notice(actor, now)
    db.session.flush()
    states = dict(db.session.execute(
        select(TakedownNotice.status, db.func.count()).group_by(TakedownNotice.status)).all())
    summary = ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
    return [f"Takedowns: {made} new notice(s) to {PLATFORM}; {cn_line}; all: {summary or 'none'}."]
