"""Admin pages: webhook subscriptions (add, list, disable, enable) and each one's delivery log.

The secret is shown once, on the page that follows adding a subscription, and never again.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from casework.extensions import db
from casework.models.notifications import WebhookDelivery, WebhookSubscription
from casework.policy import allow
from casework.services import webhooks as service
from casework.web.account import EmptyForm
from casework.web.helpers import actor, now, page_args

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


class SubscriptionForm(FlaskForm):
    url = StringField(_l("Receiver URL"), validators=[DataRequired(), Length(max=service.MAX_URL)])
    events = SelectMultipleField(_l("Events"), choices=[(t, t) for t in service.KNOWN_TYPES],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    description = StringField(_l("Description"), validators=[Length(max=300)])


def _load(subscription_id: int) -> WebhookSubscription:
    sub = db.session.get(WebhookSubscription, subscription_id)
    if sub is None:
        abort(404)
    return sub


@bp.route("/", methods=["GET", "POST"])
@allow("admin")
def index():
    form = SubscriptionForm()
    if form.validate_on_submit():
        try:
            sub, secret = service.subscribe(form.url.data, form.events.data or [], actor=actor(), now=now(),
                                            description=form.description.data or "")
        except service.WebhookError as exc:
            db.session.rollback()
            field = getattr(form, exc.field, None) or form.url
            field.errors = list(field.errors) + [str(exc)]
        else:
            db.session.commit()
            return render_template("webhooks/created.html", sub=sub, secret=secret)
    subs = db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id.desc())).all()
    last = dict(db.session.execute(select(WebhookDelivery.subscription_id, func.max(WebhookDelivery.at))
                                   .group_by(WebhookDelivery.subscription_id)).all())
    return render_template("webhooks/index.html", form=form, subs=subs, last=last, empty=EmptyForm())


@bp.route("/<int:subscription_id>")
@allow("admin")
def detail(subscription_id: int):
    sub = _load(subscription_id)
    page, per_page = page_args()
    stmt = service.deliveries_query(sub)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)).all()
    return render_template("webhooks/detail.html", sub=sub, rows=rows, total=total, page=page, per_page=per_page,
                           empty=EmptyForm())


@bp.route("/<int:subscription_id>/active", methods=["POST"])
@allow("admin")
def set_active(subscription_id: int):
    sub = _load(subscription_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    service.set_active(sub, active, actor=actor(), now=now())
    db.session.commit()
    flash(_("The subscription is enabled.") if active else _("The subscription is disabled: nothing more is sent."),
          "success")
    return redirect(url_for(".detail", subscription_id=sub.id))
