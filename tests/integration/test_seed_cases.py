"""The demo data for monitoring and cases: real work at several stages, and idempotent."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models.cases import Case, CaseEvent
from casework.models.monitoring import Detection, Platform
from casework.models.scheduling import Deadline
from casework.seed import accounts as seed_accounts
from casework.seed import cases as seed_cases
from tests.case_factories import NOW, make_work


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Case, CaseEvent, Detection, Platform,
                                                                                  Deadline))


def test_seed_cases_shows_real_work_and_runs_twice_without_change(ids):
    seed_accounts.seed(NOW)
    for i in range(4):
        make_work(ids["holder_a"], f"Demo work {i}")
    report = seed_cases.seed(NOW)
    assert "5 cases" in report[0]
    stages = dict(db.session.execute(select(Case.stage, func.count(Case.id)).group_by(Case.stage)).all())
    assert {"review", "letter", "takedown", "evidence", "closed"} <= set(stages)
    assert db.session.scalar(select(func.count(Detection.id)).where(Detection.status == "pending")) == 10
    assert db.session.scalar(select(func.count(Detection.id)).where(Detection.licensed.is_(True))) == 1
    assert db.session.scalar(select(func.count(Deadline.id)).where(Deadline.due_at < NOW)) == 1
    assert db.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.deposit_index.is_(None))) == 0
    before = _counts()
    seed_cases.seed(NOW)
    assert _counts() == before


def test_seed_cases_waits_for_works():
    assert "no works yet" in seed_cases.seed(NOW)[0]
