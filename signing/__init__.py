"""PAdES signing and validation of PDFs (pyHanko), with a development PKI and a local TSA.

A library: no Flask, no app settings. The app builds a ``SignProfile`` once (``casework.signing_setup``)
and calls ``sign_pdf`` / ``validate_pdf``; every error is a ``SigningError``.

    key = load_signer("signer.key", "signer.pem")
    profile = SignProfile(key=key, level="B-T", timestamper=http_timestamper("https://tsa.example/"))
    signed = sign_pdf(pdf, profile, signer_name="王静", verification_url="https://.../verify/...")
    report = validate_pdf(signed, Trust.from_files(["root-ca.pem"]))
"""
from signing import _logs
from signing.devpki import DevPki, create_dev_pki
from signing.errors import (
    FontError, InvalidPdf, KeyLoadError, KeyPassphraseError, PkiError, ProfileError, SignatureFailed, SigningError,
    TimestampError,
)
from signing.keys import SignerKey, load_certificates, load_signer
from signing.profile import DEFAULT_BOX, LEVELS, Level, SignProfile, ValidationData, validation_data_from_files
from signing.sign import sign_pdf
from signing.timestamps import Timestamper, http_timestamper, local_timestamper, timestamp_bytes
from signing.validate import SignatureReport, Trust, ValidationReport, validate_pdf

__all__ = [
    "load_signer", "load_certificates", "SignerKey", "SignProfile", "Level", "LEVELS", "DEFAULT_BOX",
    "ValidationData", "validation_data_from_files", "sign_pdf", "validate_pdf", "Trust", "ValidationReport",
    "SignatureReport", "Timestamper", "http_timestamper", "local_timestamper", "timestamp_bytes",
    "DevPki", "create_dev_pki",
    "SigningError", "KeyLoadError", "KeyPassphraseError", "InvalidPdf", "TimestampError", "ProfileError",
    "FontError", "PkiError", "SignatureFailed",
]

_logs.install()
