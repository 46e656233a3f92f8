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
