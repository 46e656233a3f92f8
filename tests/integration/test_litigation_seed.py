"""Demo litigation data: a case in court (entered through the workflow with a sealed bundle) with hearings and
court deadlines, a settled case with its amounts; running the seed twice changes nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from casework.extensions import db
from casework.models.cases import Case, CaseEvent
from casework.models.litigation import Hearing, LitigationRecord
from casework.models.scheduling import Deadline
from casework.seed import accounts as seed_accounts
from casework.seed import cases as seed_cases
from casework.seed import litigation as seed_litigation
from casework.seed import works as seed_works
from casework.services.bundles import has_sealed_bundle
from tests.case_factories import NOW


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Case, CaseEvent, LitigationRecord, Hearing, Deadline))


def test_seed_litigation_runs_through_the_workflow_and_twice_without_change(app, tmp_path):
    from tests import signing_fixtures as signing  # the bundle's evidence catalogue is signed
    with signing.use_signing(app, signing.signing_settings(tmp_path / "pki")):
        _seed_and_check()


def _seed_and_check():
    assert "skipped" in seed_litigation.seed(NOW)[0]
    seed_accounts.seed(NOW)
    seed_works.seed(NOW)
    seed_cases.seed(NOW)
    report = seed_litigation.seed(NOW)
    assert "litigation record" in report[0] and "settled" in report[0]
    court = db.session.scalar(select(Case).where(Case.title == seed_litigation.LITIGATED))
    assert court.stage == "litigation" and has_sealed_bundle(court)
    record = db.session.scalar(select(LitigationRecord).where(LitigationRecord.case_id == court.id))
    assert len(record.hearings) == 2 and any(h.at > NOW for h in record.hearings)
    assert {d.kind for d in db.session.scalars(select(Deadline).where(Deadline.case_id == court.id))} >= {
        "court_hearing", "court_evidence", "court_defence"}
    settled = db.session.scalar(select(Case).where(Case.title == seed_litigation.SETTLED))
    assert settled.stage == "closed" and settled.outcome == "settled"
    money = db.session.scalar(select(LitigationRecord).where(LitigationRecord.case_id == settled.id))
    assert money.amount_awarded_minor == money.amount_paid_minor == 3000000
    before = _counts()
    assert "already there" in seed_litigation.seed(NOW)[0]
    assert _counts() == before
