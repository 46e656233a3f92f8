"""The jobs of notifications and webhooks: both read the outbox, so nothing goes out for a change
that did not commit.

Thin: each calls a service with the `now` it is given and returns a line for the jobs page.
"""
from __future__ import annotations

from casework.jobs import job
from casework.services import notifications, webhooks


@job("notifications")
def notifications_dispatch(*, now, progress) -> str:
    made = notifications.dispatch(now=now)
    return f"{made} notification(s) made from outbox events"


@job("notification_mail")
def notification_mail(*, now, progress) -> str:
    counts = notifications.send_due_mail(now=now)
    return (f"{counts['sent']} e-mail(s) and {counts['digests']} digest(s) sent, {counts['failed']} failed "
            f"(retried later), {counts['skipped']} not e-mailed")


@job("webhooks")
def webhooks_deliver(*, now, progress) -> str:
    counts = webhooks.deliver_pending(now=now)
    return (f"{counts['delivered']} delivered, {counts['failed']} failed (retried later), "
            f"{counts['gave_up']} given up")
