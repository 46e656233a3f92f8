"""The errors this library raises: one tree, so callers catch ``SigningError`` and nothing of pyHanko's.

Each names what went wrong in words an operator can act on (which file, which setting), because they
end up in CLI messages and in the documents service's failure list.
"""
from __future__ import annotations

__all__ = [
    "SigningError", "KeyLoadError", "KeyPassphraseError", "InvalidPdf", "TimestampError",
    "ProfileError", "FontError", "PkiError", "SignatureFailed",
]


class SigningError(Exception):
    """Base of every error raised by ``signing``."""


class KeyLoadError(SigningError):
    """A key or certificate file is missing, unreadable, of an unknown format, or key and certificate
    do not belong together."""


class KeyPassphraseError(KeyLoadError):
    """The key or PKCS#12 file is encrypted and the passphrase is missing or wrong."""


class InvalidPdf(SigningError):
    """The bytes are not a PDF this library can read (not a PDF at all, or broken)."""


class TimestampError(SigningError):
    """The timestamp authority could not be reached or gave no valid token."""


class ProfileError(SigningError):
    """The signing settings do not fit together (e.g. B-T without a timestamp authority)."""


class FontError(SigningError):
    """The stamp font cannot be used (missing file, not an OpenType font with outlines we embed)."""


class PkiError(SigningError):
    """The development PKI cannot be created or read."""


class SignatureFailed(SigningError):
    """pyHanko refused or failed to produce the signature; the message carries its reason."""
