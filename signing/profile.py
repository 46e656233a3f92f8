"""What a signature looks like: key, PAdES level, timestamp authority, validation data, stamp.

A ``SignProfile`` is built once (the app caches one) and passed to every ``sign_pdf`` call; it holds
parsed objects, never paths to re-read.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional, Sequence, Union

from asn1crypto import x509 as asn1_x509
from pyhanko.sign.timestamps import TimeStamper

from signing.errors import FontError, KeyLoadError, ProfileError
from signing.keys import SignerKey, load_certificates

__all__ = ["Level", "LEVELS", "ValidationData", "SignProfile", "DEFAULT_BOX", "DEFAULT_STAMP_FONT_FAMILY",
           "find_font", "validation_data_from_files"]

Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
LEVELS: tuple[str, ...] = ("B-B", "B-T", "B-LT", "B-LTA")
#: The box ``casework.documents.SIGNATURE_BOX`` reserves on the last page (PDF points, x1 y1 x2 y2).
DEFAULT_BOX: tuple[float, float, float, float] = (319.28, 64.0, 539.28, 154.0)
DEFAULT_STAMP_FONT_FAMILY = "Noto Sans CJK SC"


@dataclass(frozen=True)
class ValidationData:
    """Revocation and trust data embedded for B-LT and B-LTA (and used when checking before signing)."""

    trust_roots: tuple[asn1_x509.Certificate, ...] = ()
    """Roots the signer's (and the TSA's) chain must end in."""

    crls: tuple[bytes, ...] = ()
    """DER CRLs to embed (the development root's CRL, or files an operator provides)."""

    ocsps: tuple[bytes, ...] = ()
    """DER OCSP responses to embed."""

    other_certs: tuple[asn1_x509.Certificate, ...] = ()
    """Intermediates not carried by the key's chain (e.g. the TSA's)."""

    allow_fetching: bool = False
    """Fetch missing CRLs/OCSP over the network (off by default: signing must not depend on it)."""


@dataclass(frozen=True)
class SignProfile:
    """Everything ``sign_pdf`` needs besides the document and the per-document texts."""

    key: SignerKey
    """The signing key, parsed once (``load_signer``)."""

    level: Level = "B-B"
    """PAdES baseline level: B-B, B-T (RFC 3161 timestamp), B-LT (+ validation data), B-LTA (+ document timestamp)."""

    timestamper: Optional[TimeStamper] = None
    """RFC 3161 source (``http_timestamper`` / ``local_timestamper``); required from B-T up."""

    validation: Optional[ValidationData] = None
    """Trust roots and revocation data; required for B-LT and B-LTA."""

    stamp_font: Optional[str] = None
    """OpenType/TrueType font for the visible stamp (``.ttc`` allowed); None finds Noto Sans CJK SC."""

    stamp_font_index: Optional[int] = None
    """Face index inside a ``.ttc`` collection (None: 0, or what fontconfig says for the default font)."""

    stamp_box: tuple[float, float, float, float] = DEFAULT_BOX
    """Where the stamp goes, in PDF points (x1, y1, x2, y2; origin bottom left)."""

    stamp_page: int = -1
    """Page of the stamp, zero-based; negative counts from the end (-1: the last page)."""

    md_algorithm: str = "sha256"
    """Digest algorithm for the document and the signed attributes."""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ProfileError(f"unknown PAdES level {self.level!r}; expected one of {', '.join(LEVELS)}")
        if self.level != "B-B" and self.timestamper is None:
            raise ProfileError(f"PAdES {self.level} needs a timestamp authority (a timestamper)")
        if self.level in ("B-LT", "B-LTA") and self.validation is None:
            raise ProfileError(f"PAdES {self.level} needs validation data (trust roots and CRLs or OCSP)")
        x1, y1, x2, y2 = self.stamp_box
        if not (x2 > x1 and y2 > y1):
            raise ProfileError(f"stamp box {self.stamp_box} is empty (need x1 < x2 and y1 < y2)")

    def font_location(self) -> tuple[str, int]:
        """The stamp font's file and face index (fontconfig finds the default)."""
        if self.stamp_font:
            return self.stamp_font, self.stamp_font_index or 0
        return find_font(DEFAULT_STAMP_FONT_FAMILY)


_FOUND: dict[str, tuple[str, int]] = {}


def find_font(family: str) -> tuple[str, int]:
    """(file, face index) of an installed font family, via ``fc-match``; FontError if it is not installed."""
    if family in _FOUND:
        return _FOUND[family]
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", family], capture_output=True,
                             text=True, timeout=10, check=True).stdout.split("\n")
    except (OSError, subprocess.SubprocessError) as exc:
        raise FontError(f"cannot ask fontconfig for {family!r}: {exc}") from None
    path, index, found = (out + ["", "", ""])[:3]
    if not path or family.lower() not in found.lower():
        raise FontError(f"font {family!r} is not installed (fontconfig offers {found or 'nothing'}); "
                        "install fonts-noto-cjk or set the stamp font path")
    _FOUND[family] = (path, int(index or 0))
    return _FOUND[family]


PathLike = Union[str, Path]


def validation_data_from_files(trust_roots: Sequence[PathLike], crls: Sequence[PathLike] = (),
                               ocsps: Sequence[PathLike] = (), other_certs: Sequence[PathLike] = (),
                               allow_fetching: bool = False) -> ValidationData:
    """``ValidationData`` from certificate (PEM/DER), CRL and OCSP response files (DER or PEM CRLs)."""
    def read(path: PathLike, what: str) -> bytes:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise KeyLoadError(f"{what} file {path} cannot be read: {exc.strerror or exc}") from None
        if data.lstrip().startswith(b"-----BEGIN"):
            from asn1crypto import pem
            _, _, data = pem.unarmor(data)
        return data

    return ValidationData(
        trust_roots=tuple(c for p in trust_roots for c in load_certificates(p)),
        crls=tuple(read(p, "CRL") for p in crls), ocsps=tuple(read(p, "OCSP response") for p in ocsps),
        other_certs=tuple(c for p in other_certs for c in load_certificates(p)), allow_fetching=allow_fetching)

