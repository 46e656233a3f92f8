"""Ledger entries: what one deposit says, as RFC 8785 canonical JSON.

The exact bytes of an entry are what the Merkle leaf hashes, and receipts carry them verbatim, so
an entry has exactly one valid encoding: the canonical JSON of its fields. Parsing refuses any
other spelling of the same data (spaces, key order, escapes), unknown or missing fields, and bad
values, so that a receipt cannot smuggle in a second meaning for a leaf.

Only hashes and opaque ids enter the log (the ledger is public); names and content stay in the
application's database and blob store.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Union

import rfc8785

from casework.ledger.merkle import leaf_hash

__all__ = ["ENTRY_VERSION", "KINDS", "MAX_SIZE", "EntryError", "LedgerEntry", "build_entry", "parse_entry", "format_time"]

ENTRY_VERSION = 1
KINDS = frozenset({
    "work_file",          # a registered work's file (step 1, confirm rights)
    "evidence",           # a captured page's WARC or screenshot, an uploaded evidence file
    "document",           # a signed PDF: letter, takedown notice, certificate, catalogue
    "case_event",         # a case timeline row: stage move, assignment, outcome
    "bundle",             # an exported evidence bundle (the ZIP)
    "custody_event",      # chain of custody: an evidence file was downloaded, exported or handed over
    "correspondence",     # something received: a platform's response, a counter-notice, a reply
    "litigation_record",  # a court filing, hearing record, judgment or settlement
})
MAX_SIZE = 2**53 - 1
"""Largest size RFC 8785 (I-JSON) can carry exactly."""

_FIELDS = ("v", "kind", "sha256", "size", "subject", "at", "actor")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_REF = re.compile(r"[a-z][a-z0-9_]*:[!-~]{1,200}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


class EntryError(ValueError):
    """An entry or one of its fields is invalid; ``field`` names it (None for the whole entry)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with a ``Z``; microseconds only when present, so the text is deterministic."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise EntryError("at", "time must be timezone-aware")
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def _check_time(text: Any) -> str:
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise EntryError("at", f"{text!r} is not an RFC 3339 UTC time like 2026-01-31T08:00:00Z")
    if (match.group(1) or "").endswith("0"):
        raise EntryError("at", f"{text!r} is not canonical: a fraction of a second has no trailing zeros")
    try:
        datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise EntryError("at", f"{text!r} is not a real date and time") from None
    return text


@dataclass(frozen=True)
class LedgerEntry:
    """One deposit: which content (by hash), belonging to what, when, by whom."""

    kind: str
    """One of KINDS."""
    sha256: str
    """Lowercase hex SHA-256 of the deposited content."""
    size: int
    """Size of the content in bytes."""
    subject: str
    """What the content belongs to, as ``type:id`` (``work:12``, ``case:7``)."""
    at: str
    """When it was deposited, RFC 3339 UTC (``2026-01-31T08:00:00Z``)."""
    actor: str
    """Who deposited it, as ``Actor.ledger_name`` gives it (``user:5``, ``job:capture``)."""
    v: int = ENTRY_VERSION
    """Format version, so that later formats can be told apart."""

    def __post_init__(self) -> None:
        if self.v != ENTRY_VERSION or isinstance(self.v, bool):
            raise EntryError("v", f"unsupported entry version {self.v!r}")
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise EntryError("kind", f"unknown kind {self.kind!r} (known: {', '.join(sorted(KINDS))})")
        if not isinstance(self.sha256, str) or not _HEX64.fullmatch(self.sha256):
            raise EntryError("sha256", f"{self.sha256!r} is not 64 lowercase hex digits")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size <= MAX_SIZE:
            raise EntryError("size", f"{self.size!r} is not an integer from 0 to {MAX_SIZE}")
        for name in ("subject", "actor"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _REF.fullmatch(value):
                raise EntryError(name, f"{value!r} is not of the form type:id (printable ASCII, no spaces)")
        _check_time(self.at)

    def to_bytes(self) -> bytes:
        """The canonical JSON bytes: exactly what the leaf hashes and the receipt carries."""
        return rfc8785.dumps(asdict(self))

    def to_text(self) -> str:
        """The canonical JSON as text, as the receipt's ``entry`` field holds it."""
        return self.to_bytes().decode("utf-8")

    @property
    def leaf_hash(self) -> bytes:
        """SHA-256(0x00 || canonical bytes), the Merkle leaf of this entry."""
        return leaf_hash(self.to_bytes())

    @property
    def at_datetime(self) -> datetime:
        """``at`` as an aware UTC datetime."""
        return datetime.fromisoformat(self.at.replace("Z", "+00:00"))


def build_entry(*, kind: str, sha256: str, size: int, subject: str, at: Union[datetime, str], actor: str) -> LedgerEntry:
    """Validate and build an entry; ``at`` may be an aware datetime or an RFC 3339 UTC string."""
    text = format_time(at) if isinstance(at, datetime) else at
    return LedgerEntry(kind=kind, sha256=sha256, size=size, subject=subject, at=text, actor=actor)


def parse_entry(data: Union[bytes, str]) -> LedgerEntry:
    """Parse an entry and insist that ``data`` is its one canonical encoding."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EntryError(None, f"entry is not valid UTF-8 JSON: {exc}") from None
    if not isinstance(value, dict):
        raise EntryError(None, "entry is not a JSON object")
    missing = [name for name in _FIELDS if name not in value]
    unknown = sorted(set(value) - set(_FIELDS))
    if missing or unknown:
        raise EntryError(None, f"entry fields: missing {missing}, unknown {unknown}")
    entry = LedgerEntry(**value)
    if entry.to_bytes() != raw:
        raise EntryError(None, "entry is not in RFC 8785 canonical form")
    return entry


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise EntryError(key, "field appears twice")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise EntryError(None, f"{name} is not JSON")
