"""Values a litigation record takes: exact money in minor units, ISO currencies, dates and aware times."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

MAX_MINOR = 10 ** 15  # ten trillion in major units: far beyond any claim, well inside BIGINT
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class LitigationError(ValueError):
    """A litigation change that cannot be made; `field` names the input at fault (for forms and 422s)."""

    def __init__(self, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.field = field


def parse_amount(value: Any, field: str = "amount") -> Optional[int]:
    """'12,345.67' (or a number) -> 1234567 minor units; None/'' -> None. At most two decimals, never negative."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise LitigationError(f"{field}: give an amount such as 12345.67", field)
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise LitigationError(f"{field}: {value!r} is not an amount such as 12345.67", field) from None
    if not amount.is_finite() or amount < 0:
        raise LitigationError(f"{field}: an amount is a number of at least 0", field)
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise LitigationError(f"{field}: at most two decimal places", field)
    if minor >= MAX_MINOR:
        raise LitigationError(f"{field}: the amount is too large", field)
    return int(minor)


def format_amount(minor: Optional[int]) -> str:
    if minor is None:
        return ""
    return f"{Decimal(minor) / 100:,.2f}"


def amount_str(minor: Optional[int]) -> Optional[str]:
    """The JSON form: a decimal string (exact), e.g. "12345.67"."""
    return None if minor is None else f"{Decimal(minor) / 100:.2f}"


def parse_currency(value: Any, field: str = "currency") -> str:
    text = str(value or "").strip().upper()
    if not _CURRENCY.match(text):
        raise LitigationError(f"{field}: an ISO 4217 code of three letters, such as CNY or USD", field)
    return text


def _text(value: Any, field: str, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise LitigationError(f"{field}: at most {limit} characters", field)
    return text


def _date(value: Any, field: str) -> Optional[date]:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise LitigationError(f"{field}: {value!r} is not a date like 2026-01-31", field) from None


FIRST_YEAR, LAST_YEAR = 1900, 2999


def _aware(value: Any, field: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise LitigationError(f"{field}: {value!r} is not a time like 2026-01-31T09:30:00Z", field) from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise LitigationError(f"{field}: give a time with its UTC offset", field)
    try:  # a court date is stored, reminded about and escalated in UTC: it must stay well inside the calendar
        in_utc = value.astimezone(timezone.utc)
    except OverflowError:
        in_utc = None
    if in_utc is None or not FIRST_YEAR <= in_utc.year <= LAST_YEAR:
        raise LitigationError(f"{field}: give a time between the years {FIRST_YEAR} and {LAST_YEAR}", field)
    return value
