"""Demo litigation: the animation case goes to court (sealed evidence bundle first, as the workflow demands),
with parties, hearings, court deadlines, costs and a filing; a poster case settled with money agreed and paid.

Everything goes through the services and the workflow, so the guards hold. Idempotent: each part is looked
up before it is made.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy import select

from casework.extensions import db
from casework.models import User
from casework.models.cases import Case
from casework.models.monitoring import Infringer
from casework.services import cases as case_service
from casework.services import litigation as lit
from casework.services.actor import Actor
from casework.workflow import transition

LITIGATED = "Bilibili uploader re-cuts the animation"
SETTLED = "Souvenir shop settles over prints of the poster"


def _seal_bundle(case: Case, *, actor: Actor, now: datetime) -> None:
    """One screenshot as evidence and a sealed bundle of it, through the evidence services."""
    from casework.seed.works import png
    from casework.services import bundles, evidence
    from casework.services.works import Upload

    if not evidence.items_of(case, done_only=True):
        evidence.add_upload(case, kind="screenshot", title="Screenshot of the re-cut video page",
                            upload=Upload("bilibili-recut.png", io.BytesIO(png(96, 64, 7)), "image/png"),
                            url="https://www.bilibili.com/video/BV1demo0000", actor=actor, now=now)
    bundle = bundles.request_bundle(case, actor=actor, now=now)
    bundles.build(bundle, actor=actor, now=now)


def _litigate(case: Case, *, actor: Actor, now: datetime) -> list[str]:
    from casework.services.bundles import has_sealed_bundle, sealed_bundles

    lines = []
    filed = now - timedelta(days=14)
    if case.stage == "evidence":
        if not has_sealed_bundle(case):
            _seal_bundle(case, actor=actor, now=filed - timedelta(days=1))
        transition(case, "litigation", actor=actor, now=filed, note="Complaint filed with the internet court")
        lines.append("case moved to litigation")
    if lit.record_for(case) is not None:
        return lines
    infringer = case.infringer.name if case.infringer else "资源君"
    lit.open_record(case, actor=actor, now=filed, court="北京互联网法院 (Beijing Internet Court)",
                    case_number="(2026)京0491民初12345号", cause_of_action="侵害作品信息网络传播权纠纷",
                    filing_date=filed.date(), claim_amount="200000", claim_currency="CNY", injunction_sought=True)
    lit.add_party(case, side="plaintiff", name="Demo Studio (演示工作室)", counsel_name="Demo Counsel",
                  counsel_firm="Demo & Partners Law Firm", counsel_contact="counsel@demo.test", actor=actor, now=filed)
    lit.add_party(case, side="defendant", name=infringer, counsel_name="王律师", counsel_firm="某某律师事务所",
                  actor=actor, now=filed)
    held = lit.add_hearing(case, at=now - timedelta(days=5), kind="evidence_exchange", place="Online (在线庭审)",
                           note="Evidence exchanged; the defendant disputes the capture date", actor=actor, now=filed)
    lit.hearing_held(case, held, actor=actor, now=now - timedelta(days=5))
    lit.add_hearing(case, at=(now + timedelta(days=12)).replace(hour=1, minute=30, second=0, microsecond=0),
                    kind="trial", place="第三法庭 (Courtroom 3)", actor=actor, now=filed)
    lit.add_deadline(case, kind="court_evidence", title="Supplementary evidence to the court",
                     due_at=now + timedelta(days=6), actor=actor, now=filed)
    lit.add_deadline(case, kind="court_defence", title="Defendant's defence due (check it arrived)",
                     due_at=now - timedelta(days=1), actor=actor, now=filed)
    lit.add_cost(case, kind="court_fee", incurred_on=filed.date(), amount="4300", actor=actor, now=filed)
    lit.add_cost(case, kind="notary_fee", incurred_on=(filed - timedelta(days=3)).date(), amount="1500",
                 description="Notarised capture of the video page", actor=actor, now=filed)
    for bundle in sealed_bundles(case.id)[:1]:
        lit.add_filing(case, kind="bundle", ref_id=bundle.id, filed_on=filed.date(), note="Evidence bundle",
                       actor=actor, now=filed)
    lines.append("litigation record with 2 hearings, 2 court deadlines and costs")
    return lines


def _settled(work, *, legal, counsel, infringer, actor: Actor, now: datetime) -> list[str]:
    case = db.session.scalar(select(Case).where(Case.title == SETTLED))
    if case is None:
        opened = now - timedelta(days=70)
        case = case_service.open_case(title=SETTLED, works=[work], infringer=infringer, owner=legal, counsel=counsel,
                                      tags=("merchandise", "settled"), actor=actor, now=opened)
        case_service.add_url(case, "https://copycat-shop.demo.test/item/7", actor=actor, now=opened)
        transition(case, "letter", actor=actor, now=opened + timedelta(days=2), note="Lawyer's letter sent")
    if case.stage == "closed":
        return []
    agreed = now - timedelta(days=20)
    lit.resolve(case, lit.Resolution("settled", agreed.date(), amount_awarded="30000", amount_paid="30000",
                                     currency="CNY", note="Settlement agreement signed; stock destroyed"),
                actor=actor, now=agreed)
    lit.close_case(case, actor=actor, now=agreed + timedelta(days=1), note="Paid in full")
    return ["a case settled (CNY 30,000 agreed and paid) and closed"]


def seed(now: datetime) -> list[str]:
    from casework.models.works import Work

    actor = Actor.system("seed-demo")
    case = db.session.scalar(select(Case).where(Case.title == LITIGATED))
    work = db.session.scalar(select(Work).order_by(Work.id).limit(1))
    if case is None or work is None:
        return ["Litigation: the demo cases come first; skipped."]
    lines = _litigate(case, actor=actor, now=now)
    legal = db.session.scalar(select(User).where(User.email == "legal@demo.test"))
    counsel = db.session.scalar(select(User).where(User.email == "counsel@demo.test"))
    infringer = db.session.scalar(select(Infringer).where(Infringer.name.like("Shenzhen Copycat%")))
    lines += _settled(work, legal=legal, counsel=counsel, infringer=infringer, actor=actor, now=now)
    db.session.flush()
    return ["Litigation: " + ("; ".join(lines) if lines else "already there") + "."]
