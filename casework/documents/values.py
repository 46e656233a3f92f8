"""Small value checks and formatters shared by the element checks and the templates.

The legal-element checks must look at values, not key presence: an empty string, a "URL" without a
host or a hash that is not 64 hex digits is as good as missing in a notice a platform will reject.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import urlsplit

__all__ = [
    "text", "has_text", "is_url", "is_email", "is_sha256", "is_index", "as_date", "mapping", "items",
    "format_date", "format_datetime", "format_size",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def text(value: Any) -> str:
    """The value as stripped text ("" for None and non-strings), so blanks count as missing."""
    return value.strip() if isinstance(value, str) else ""


def has_text(value: Any) -> bool:
    return bool(text(value))


def is_url(value: Any) -> bool:
    """An absolute http(s) URL with a host: what a platform needs to find the material."""
    candidate = text(value)
    if not candidate or any(ch.isspace() for ch in candidate):
        return False
    parts = urlsplit(candidate)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_email(value: Any) -> bool:
    return bool(_EMAIL.fullmatch(text(value)))


def is_sha256(value: Any) -> bool:
    """Lowercase hex SHA-256, the project's one spelling of a hash (API.md conventions)."""
    return isinstance(value, str) and bool(_SHA256.fullmatch(value))


def is_index(value: Any) -> bool:
    """A ledger index: a non-negative int (bool is an int in Python, and is not an index)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def as_date(value: Any) -> Optional[date]:
    """A date from a date, a datetime or an ISO 8601 string; None when it is none of those."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            return None
    return None


def mapping(value: Any) -> Mapping[str, Any]:
    """The value if it is a mapping, else an empty one, so checks read nested parts safely."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Mapping[str, Any]]:
    """The mappings in a list (non-mappings dropped: they cannot satisfy any element)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return []
    return [entry for entry in value if isinstance(entry, Mapping)]


_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def format_date(value: Any, lang: str) -> str:
    """A date as a letter writes it: 2026年11月24日 or 24 November 2026; text passes through."""
    day = as_date(value)
    if day is None:
        return text(value)
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def format_datetime(value: Any, lang: str) -> str:
    """A moment in UTC with seconds (evidence times matter to the second); text passes through."""
    if not isinstance(value, datetime):
        if isinstance(value, str) and value.strip():
            try:
                value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                return value.strip()
        else:
            return format_date(value, lang)
    moment = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    clock = moment.strftime("%H:%M:%S")
    return f"{format_date(moment, lang)} {clock} UTC"


def format_size(value: Any) -> str:
    """A byte count with thousands separators (exact, because it is compared with the ledger)."""
    return f"{value:,} B" if is_index(value) else text(value)
