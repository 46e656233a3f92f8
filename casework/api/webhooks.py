"""API: webhook subscriptions and their delivery log (API.md "Webhooks"); admin only."""
from __future__ import annotations

from casework.api.core import PAGE_QUERY, ApiError, actor, endpoint, json_body, page_schema, paginate
from casework.extensions import db
from casework.models import utcnow
from casework.models.notifications import WebhookSubscription
from casework.services import webhooks as service

SUBSCRIBE_IN = {"type": "object", "required": ["url", "events"], "additionalProperties": False, "properties": {
    "url": {"type": "string", "minLength": 1, "maxLength": service.MAX_URL,
            "description": "the receiver (http or https; private addresses refused unless ALLOW_PRIVATE_URLS=1)"},
    "events": {"type": "array", "minItems": 1, "maxItems": 50,
               "items": {"type": "string", "maxLength": 60, "examples": list(service.KNOWN_TYPES)}},
    "description": {"type": "string", "maxLength": 300}}}
SUBSCRIBED = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "secret": {"type": "string", "description": "the HMAC key; shown in this answer only"}}}
DELIVERY = {"type": "object", "properties": {
    "id": {"type": "integer"}, "event_id": {"type": "string"}, "type": {"type": "string"},
    "status": {"enum": ["delivered", "retry", "retried", "failed"]},
    "status_code": {"type": ["integer", "null"]}, "attempts": {"type": "integer"},
    "at": {"type": "string", "format": "date-time"},
    "next_attempt_at": {"type": ["string", "null"], "format": "date-time"}, "error": {"type": "string"}}}


@endpoint("/webhooks", methods=("POST",), roles=("admin",), status=201, request_schema=SUBSCRIBE_IN,
          response_schema=SUBSCRIBED, tags=("webhooks",),
          summary="Subscribe a URL to events; the answer holds the signing secret, shown this once")
def subscribe_webhook():
    body = json_body(SUBSCRIBE_IN)
    try:
        sub, secret = service.subscribe(body["url"], body["events"], actor=actor(), now=utcnow(),
                                        description=body.get("description", ""))
    except service.WebhookError as exc:
        db.session.rollback()
        raise ApiError(422, str(exc), [{"field": exc.field or "(body)", "message": str(exc)}]) from None
    db.session.commit()
    return {"id": sub.id, "secret": secret}, 201


@endpoint("/webhooks/<int:subscription_id>/deliveries", roles=("admin",), query=PAGE_QUERY,
          response_schema=page_schema(DELIVERY), tags=("webhooks",),
          summary="The delivery log of a subscription, newest first: one row per attempt")
def webhook_deliveries(subscription_id: int):
    sub = db.session.get(WebhookSubscription, subscription_id)
    if sub is None:
        raise ApiError(404, f"there is no webhook subscription {subscription_id}")
    return paginate(service.deliveries_query(sub), service.delivery_json)
