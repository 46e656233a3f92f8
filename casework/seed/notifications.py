"""Demo notifications: the notification job run over the events the earlier steps left in the outbox
(cases opened with an owner and counsel, stage changes on the demo creators' works), after the
deadline jobs have had their first run (so the overdue demo deadline is escalated to its owner).

Nothing is written by hand: the rows come from the same services the scheduler runs. Idempotent:
events already handled are not handled again, and deadlines are reminded and escalated once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from casework.extensions import db
from casework.models import User
from casework.models.notifications import Notification
from casework.services import deadlines, notifications
from casework.services.actor import Actor


def seed(now: datetime) -> list[str]:
    reminded = deadlines.remind_due(actor=Actor.job("deadline_reminders"), now=now)
    escalated = deadlines.escalate_overdue(actor=Actor.job("deadline_escalations"), now=now)
    made = notifications.dispatch(now=now)
    waiting = dict(db.session.execute(
        select(User.email, func.count(Notification.id)).join(Notification, Notification.user_id == User.id)
        .where(Notification.read_at.is_(None), Notification.in_inbox.is_(True), User.email.like("%@demo.test"))
        .group_by(User.email)).all())
    summary = ", ".join(f"{email} {n}" for email, n in sorted(waiting.items())) or "none"
    return [f"notifications: {made} made ({len(reminded)} deadline reminder(s), {len(escalated)} escalation(s) "
            f"first); unread in demo inboxes: {summary}"]
