"""Validating the signatures of any uploaded PDF (ours or someone else's), for the page and the API.

The check is public on purpose: a letter's recipient, a platform or a court must be able to confirm
that the PDF they hold is the one we signed, without an account; it reads nothing from the database.
What keeps it cheap is the size limit (VALIDATE_MAX_BYTES, 20 MiB by default) and that only a PDF
is accepted.
"""
from __future__ import annotations

import hashlib
from typing import Any, BinaryIO, Mapping

__all__ = ["ValidationFailed", "validate_upload", "validate_bytes", "request_limit", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Room for the multipart framing (boundaries, part headers, the page form's CSRF field) around the PDF.
MULTIPART_ALLOWANCE = 64 * 1024


class ValidationFailed(ValueError):
    """The upload cannot be validated; ``status`` is the HTTP status that says why (413, 415, 422, 503)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def max_bytes(config: Mapping[str, Any]) -> int:
    return int(config.get("VALIDATE_MAX_BYTES") or DEFAULT_MAX_BYTES)


def request_limit(config: Mapping[str, Any]) -> int:
    """The largest request body the public routes read: the PDF limit plus the multipart framing. The routes set
    it as the request's max_content_length before parsing, so a larger body is refused (413) unread instead of
    being spooled to disk up to the app-wide upload limit (MAX_UPLOAD_BYTES) first."""
    return max_bytes(config) + MULTIPART_ALLOWANCE


def validate_upload(stream: BinaryIO, config: Mapping[str, Any]) -> dict:
    limit = max_bytes(config)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(413, f"the file is larger than the limit of {limit:,} bytes")
    return validate_bytes(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def validate_bytes(data: bytes) -> dict:
    """{"sha256", "size", "signatures": [...]} for a PDF; ValidationFailed otherwise."""
    if not data:
        raise ValidationFailed(422, "the file is empty")
    if b"%PDF-" not in data[:1024]:
        raise ValidationFailed(415, "this is not a PDF (no %PDF- header)")
    try:
        import signing
        from casework.signing_setup import current_trust
    except ImportError as exc:
        raise ValidationFailed(503, f"signature validation is not available: {exc}") from None
    try:
        report = signing.validate_pdf(data, current_trust())
    except signing.InvalidPdf as exc:
        raise ValidationFailed(422, f"the PDF cannot be read: {exc}") from None
    except signing.SigningError as exc:
        raise ValidationFailed(422, f"the signatures cannot be validated: {exc}") from None
    body = report.as_json()
    if isinstance(body, str):
        import json

        body = json.loads(body)
    if isinstance(body, list):
        body = {"signatures": body}
    body = dict(_jsonable(body))
    body.setdefault("signatures", [])
    body["sha256"] = hashlib.sha256(data).hexdigest()
    body["size"] = len(data)
    return body
