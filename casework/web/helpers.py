"""Small helpers shared by the page views."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from flask_login import current_user

from casework.models import utcnow
from casework.services.actor import Actor


def actor() -> Actor:
    return Actor.for_user(current_user, ip=(request.remote_addr or "")[:45])


def now():
    return utcnow()


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative redirects after login: no open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


LARGEST_ID = 2**31 - 1  # ids are 32-bit integer columns


def row_id(value: str) -> int:
    """`request.args.get(name, type=row_id)`: a filter's id, or the default when it is not one a row can have."""
    if not (value.isascii() and value.isdigit()):
        raise ValueError("not an id")
    number = int(value)
    if not 0 < number <= LARGEST_ID:
        raise ValueError("not an id")
    return number


def day_count(value: str) -> int:
    """`request.args.get(name, type=day_count)`: a number of days a date can go back (at most a century)."""
    if not (value.isascii() and value.isdigit()):
        raise ValueError("not a number of days")
    number = int(value)
    if not 0 < number <= 36500:
        raise ValueError("not a number of days")
    return number


def page_args(default_per_page: int = 50, max_per_page: int = 200) -> tuple[int, int]:
    try:
        page = min(1_000_000, max(1, int(request.args.get("page", 1))))
    except ValueError:
        page = 1
    try:
        per_page = min(max_per_page, max(1, int(request.args.get("per_page", default_per_page))))
    except ValueError:
        per_page = default_per_page
    return page, per_page


class EmailAddress:
    """WTForms validator using the same rules as the account service (demo .test addresses included)."""

    def __call__(self, form, field):
        from wtforms.validators import ValidationError

        from casework.services.accounts import AccountError, normalize_email

        if field.data:
            try:
                field.data = normalize_email(field.data)
            except AccountError as exc:
                raise ValidationError(str(exc)) from None
