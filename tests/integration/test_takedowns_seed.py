"""Demo takedowns: several states on the demo cases, through the services, and idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from casework.extensions import db
from casework.models.scheduling import Deadline
from casework.models.takedowns import TakedownEvent, TakedownNotice
from casework.seed import accounts as seed_accounts
from casework.seed import cases as seed_cases
from casework.seed import takedowns as seed_takedowns
from tests.case_factories import NOW, make_work
from tests.signing_fixtures import signed_app, signing_pki  # noqa: F401


def test_demo_takedowns_in_several_states_and_idempotent(signed_app, ids):
    seed_accounts.seed(NOW)
    for i in range(4):
        make_work(ids["holder_a"], f"Demo work {i}")
    seed_cases.seed(NOW)
    report = seed_takedowns.seed(NOW)
    assert "5 new notice(s)" in report[0], report
    # Without the evidence step's captures a Chinese notice lacks its preliminary proof: left out whole.
    assert "no Chinese notice" in report[0] and "preliminary_proof" in report[0]
    states = dict(db.session.execute(select(TakedownNotice.status, func.count())
                                     .group_by(TakedownNotice.status)).all())
    assert states == {"sent": 1, "acknowledged": 1, "refused": 1, "removed": 1, "counter_notice": 1}
    removed = db.session.scalar(select(TakedownNotice).where(TakedownNotice.status == "removed"))
    last = db.session.scalar(select(TakedownEvent).where(TakedownEvent.takedown_id == removed.id,
                                                         TakedownEvent.to_status == "removed"))
    assert last.actor_ref == "job:url_rechecks" and removed.platform_reported_removed_at < removed.removed_at
    assert db.session.scalar(select(func.count()).select_from(Deadline).where(
        Deadline.kind == "counter_notice_window", Deadline.status == "open")) == 1
    before = (db.session.scalar(select(func.count()).select_from(TakedownNotice)),
              db.session.scalar(select(func.count()).select_from(TakedownEvent)))
    assert "0 new notice(s)" in seed_takedowns.seed(NOW)[0]
    assert (db.session.scalar(select(func.count()).select_from(TakedownNotice)),
            db.session.scalar(select(func.count()).select_from(TakedownEvent))) == before


def test_demo_takedowns_wait_for_the_platforms():
    assert "skipped" in seed_takedowns.seed(NOW)[0]


def test_the_chinese_notice_cites_certificate_and_evidence_when_they_are_there(signed_app, ids):
    import io

    from casework.models.cases import Case
    from casework.models.documents import Document
    from casework.seed.works import png
    from casework.services import cases as case_service
    from casework.services import documents, evidence
    from casework.services.works import Upload
    from tests.case_factories import system

    seed_accounts.seed(NOW)
    for i in range(4):
        make_work(ids["holder_a"], f"Demo work {i}")
    seed_cases.seed(NOW)
    case = db.session.scalar(select(Case).where(Case.title == seed_takedowns.CN_CASE))
    for work in case_service.works_of(case):
        documents.issue_deposit_certificate(work, lang="zh", actor=system(), now=NOW)
    evidence.add_upload(case, kind="screenshot", title="Screenshot of the re-cut", actor=system(), now=NOW,
                        upload=Upload("recut.png", io.BytesIO(png(64, 48, 3)), "image/png"))
    report = seed_takedowns.seed(NOW)
    assert "a Chinese notice to Bilibili" in report[0], report
    td = db.session.scalar(select(TakedownNotice).where(TakedownNotice.case_id == case.id,
                                                        TakedownNotice.format == "cn"))
    doc = db.session.get(Document, td.document_id)
    assert (td.status, td.lang, doc.kind, doc.status) == ("acknowledged", "zh", "takedown_notice_cn", "answered")
    assert documents.missing(doc) == [] and doc.deposit_index is not None
