"""The demo's notifications come from running the jobs over the seeded events, and only once."""
from __future__ import annotations

from sqlalchemy import func, select

from casework.extensions import db
from casework.models import User
from casework.models.notifications import Notification
from casework.seed import accounts as seed_accounts
from casework.seed import cases as seed_cases
from casework.seed import notifications as seed_notifications
from casework.seed import works as seed_works
from tests.case_factories import NOW


def waiting() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for email, kind in db.session.execute(select(User.email, Notification.kind)
                                          .join(Notification, Notification.user_id == User.id)
                                          .where(Notification.read_at.is_(None))):
        out.setdefault(email, set()).add(kind)
    return out


def test_demo_users_find_notifications_waiting_and_a_second_run_adds_none():
    seed_accounts.seed(NOW)
    seed_works.seed(NOW)
    seed_cases.seed(NOW)
    report = seed_notifications.seed(NOW)
    assert "unread in demo inboxes" in report[0]
    inboxes = waiting()
    assert "case_stage" in inboxes["creator@demo.test"]
    assert "case_assigned" in inboxes["counsel@demo.test"]
    assert {"case_assigned", "escalation"} <= inboxes["legal@demo.test"]  # the overdue demo deadline
    count = db.session.scalar(select(func.count(Notification.id)))
    assert seed_notifications.seed(NOW)[0].startswith("notifications: 0 made")
    assert db.session.scalar(select(func.count(Notification.id))) == count
