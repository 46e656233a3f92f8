"""TLS facts of a captured page, in a form a court exhibit can quote.

Playwright's `response.security_details()` gives the negotiated protocol and the leaf's subject,
issuer and validity; Chromium's CDP `Network.getCertificate` gives the whole chain as DER. We keep
both: the summary for reading, and each certificate (PEM, SHA-256 fingerprint, names, validity)
so that anyone can later check the chain against the issuers' records.
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

__all__ = ["describe_certificate", "describe_chain", "summarise_security_details"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def describe_certificate(der: bytes) -> dict[str, Any]:
    """Subject, issuer, serial, validity, names and fingerprint of one DER certificate."""
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
        names += [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial_number": format(cert.serial_number, "x"),
        "not_before": _iso(cert.not_valid_before_utc),
        "not_after": _iso(cert.not_valid_after_utc),
        "subject_alt_names": names,
        "sha256_fingerprint": cert.fingerprint(hashes.SHA256()).hex(),
        "pem": cert.public_bytes(Encoding.PEM).decode("ascii"),
    }


def describe_chain(table_names: list[str]) -> list[dict[str, Any]]:
    """The chain CDP returns (base64 DER, leaf first), described; unparsable entries say so."""
    chain = []
    for entry in table_names:
        try:
            chain.append(describe_certificate(base64.b64decode(entry)))
        except ValueError as exc:
            chain.append({"error": f"unreadable certificate: {exc}"})
    return chain


def summarise_security_details(details: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """Playwright's security details with times as RFC 3339 UTC instead of epoch seconds."""
    if not details:
        return None
    out: dict[str, Any] = {
        "protocol": details.get("protocol"),
        "subject": details.get("subjectName"),
        "issuer": details.get("issuer"),
    }
    for key, name in (("validFrom", "valid_from"), ("validTo", "valid_to")):
        value = details.get(key)
        out[name] = _iso(datetime.fromtimestamp(value, timezone.utc)) if isinstance(value, (int, float)) else None
    return out
