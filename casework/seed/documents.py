"""Demo documents: a signed deposit certificate for each demo work, signed cease-and-desist letters
(one sent by post and awaiting its answer, one sent and left without an answer, one signed and not yet
sent); the takedown step adds signed notices through the same service. Idempotent: a case's document of a kind and language is looked up first.

Needs the signing keys (`flask --app app signing init-dev`, which scripts/demo.sh runs first);
without them the step says so and makes nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from casework.extensions import db
from casework.models import User
from casework.models.cases import Case
from casework.models.documents import Document
from casework.models.works import Work
from casework.services import documents as docs
from casework.services.actor import Actor

# The letterhead the demo documents carry (a real installation sets DOCUMENT_ISSUER_* instead).
ISSUER = {"issuer.name": "驿盾维权中心 Yidun Rights Protection Centre", "issuer.address": "上海市徐汇区漕溪北路 88 号 12 楼",
          "issuer.phone": "+86 21 6000 0000", "issuer.email": "legal@demo.test"}
LETTERS = [
    # (case title, kind, lang, extra fields, sending: None | (channel, recipient, days ago, answer))
    ("Copycat shop sells prints of the poster", "cease_desist", "zh", {"recipient.address": "深圳市南山区科技园 1 号"},
     ("post", "深圳仿制贸易有限公司，深圳市南山区科技园 1 号 (EMS EE123456789CN)", 2, None)),
    ("Pirate film site streams Starlight episodes", "cease_desist", "en",
     {"recipient.email": "admin@pirate-films.demo.test"},
     ("email-recorded", "admin@pirate-films.demo.test", 30, "no_answer")),
    ("Weibo account reposts illustrations", "cease_desist", "zh", {}, None),
]


def _signing_ready() -> str:
    try:
        from casework.signing_setup import current_profile

        current_profile()
    except Exception as exc:  # not set up yet: say so instead of failing the whole seed
        return str(exc)
    return ""


def seed(now: datetime) -> list[str]:
    problem = _signing_ready()
    if problem:
        return [f"Documents: signing is not set up ({problem}); no demo documents made."]
    legal = db.session.scalar(select(User).where(User.email == "legal@demo.test"))
    actor = Actor.for_user(legal) if legal is not None else Actor.system("seed-demo")
    made = certificates = 0
    for work in db.session.scalars(select(Work).order_by(Work.id)):
        if not docs.certificates_of(work) and work.files and all(f.deposit_index is not None for f in work.files):
            docs.issue_deposit_certificate(work, lang="zh", actor=actor, now=now - timedelta(days=45))
            certificates += 1
    skipped = []
    for title, kind, lang, fields, sending in LETTERS:
        case = db.session.scalar(select(Case).where(Case.title == title))
        if case is None:
            skipped.append(title)
            continue
        if db.session.scalar(select(Document.id).where(Document.case_id == case.id, Document.kind == kind,
                                                       Document.lang == lang)) is not None:
            continue
        signed_on = now - timedelta(days=(sending[2] if sending else 0) + 1)
        doc = docs.create_document(case, kind, lang, actor=actor, now=signed_on, fields={**ISSUER, **fields})
        try:
            docs.approve(doc, actor=actor, now=signed_on)
        except docs.MissingElements as exc:
            skipped.append(f"{title} ({kind}: missing {', '.join(exc.missing)})")
            continue
        docs.sign(doc, actor=actor, now=signed_on)
        made += 1
        if sending:
            channel, recipient, days_ago, outcome = sending
            sent_at = now - timedelta(days=days_ago)
            docs.record_sending(doc, channel="email" if channel == "email-recorded" else channel, recipient=recipient,
                                actor=actor, now=sent_at, response_days=7)
            if outcome == "no_answer":
                docs.record_no_answer(doc, note="Nothing came back within 7 days.", actor=actor, now=sent_at + timedelta(days=8))
            elif outcome == "answered":
                docs.record_answer(doc, note="The host removed the pages and forwarded the notice to its customer.",
                                   actor=actor, now=sent_at + timedelta(days=3))
    db.session.flush()
    line = f"Documents: {certificates} deposit certificate(s) and {made} letter(s)/notice(s) signed."
    return [line] + ([f"Documents: skipped {', '.join(skipped)}."] if skipped else [])
