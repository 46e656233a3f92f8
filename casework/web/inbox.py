"""Pages: the user's own inbox (mark read, mark all read) and their notification preferences.

Everyone has an inbox and sees only their own rows: another user's notification is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select

from casework.database import writes_on_read
from casework.extensions import db
from casework.models.notifications import DELIVERIES, Notification
from casework.policy import EVERYONE, allow
from casework.services import notifications as service
from casework.web.account import EmptyForm
from casework.web.helpers import actor, now, page_args, safe_next

bp = Blueprint("inbox", __name__)


class InboxLabel:
    """The navigation entry: "Inbox" with the unread count as a badge (one indexed COUNT per page)."""

    text = _l("Inbox")

    def __html__(self) -> str:
        label = escape(str(self.text))
        if not current_user.is_authenticated:
            return str(label)
        unread = service.unread_count(current_user)
        if not unread:
            return str(label)
        title = escape(_("%(n)s unread", n=unread))
        return str(Markup('{} <span class="badge warn" title="{}" aria-label="{}">{}</span>')
                   .format(label, title, title, unread))

    def __str__(self) -> str:
        return str(self.text)


INBOX_LABEL = InboxLabel()


def _own_or_404(notification_id: int) -> Notification:
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id or not row.in_inbox:
        abort(404)
    return row


@bp.route("/inbox")
@allow(*EVERYONE)
def index():
    page, per_page = page_args()
    unread_only = request.args.get("unread") == "1"
    stmt = service.inbox_query(current_user, unread_only=unread_only)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)).all()
    return render_template("inbox/index.html", rows=rows, total=total, page=page, per_page=per_page,
                           unread=service.unread_count(current_user), unread_only=unread_only,
                           kinds=service.KIND_LABELS, form=EmptyForm(),
                           args={"unread": "1"} if unread_only else {})


@bp.route("/inbox/<int:notification_id>")
@allow(*EVERYONE)
@writes_on_read
def open_item(notification_id: int):
    """Follow a notification: it is marked read, then the page it is about opens."""
    row = _own_or_404(notification_id)
    service.mark_read(row, now=now())
    db.session.commit()
    return redirect(safe_next(row.link, url_for(".index")))


@bp.route("/inbox/<int:notification_id>/read", methods=["POST"])
@allow(*EVERYONE)
def mark_read(notification_id: int):
    row = _own_or_404(notification_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.mark_read(row, now=now())
    db.session.commit()
    return redirect(url_for(".index"))


@bp.route("/inbox/read-all", methods=["POST"])
@allow(*EVERYONE)
def mark_all_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    n = service.mark_all_read(current_user, now=now())
    db.session.commit()
    flash(_("%(n)s notification(s) marked read.", n=n), "success")
    return redirect(url_for(".index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@allow(*EVERYONE)
def preferences():
    kinds = service.kinds_for(current_user)
    form = EmptyForm()
    current = service.preferences(current_user)
    errors: list[str] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen = {}
        for kind in kinds:
            delivery = request.form.get(f"{kind}-delivery", "")
            if delivery not in DELIVERIES:
                errors.append(_("Choose how to receive “%(kind)s”.", kind=service.KIND_LABELS[kind]))
                continue
            chosen[kind] = service.Preference(delivery, request.form.get(f"{kind}-email") == "y",
                                              request.form.get(f"{kind}-inbox") == "y")
        if not errors:
            for kind, pref in chosen.items():
                service.set_preference(current_user, kind, pref, actor=actor(), now=now())
            db.session.commit()
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for(".preferences"))
    return render_template("inbox/preferences.html", kinds=kinds, current=current, form=form, errors=errors,
                           labels=service.KIND_LABELS, deliveries=service.DELIVERY_LABELS)
