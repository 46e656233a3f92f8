"""``validate_pdf``: a plain report per signature of any PDF, ours or uploaded.

The report answers what a recipient asks: were the signed bytes changed (``intact``), does the
signer's certificate chain end in a root we trust (``trusted``), who signed and when, is there a
timestamp from an authority, does the signature cover the whole document, and at which PAdES level.
Hostile uploads are expected: a signature that cannot even be parsed is reported as not intact with
the reason, never raised; only input that is not a readable PDF raises ``InvalidPdf``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Any, Optional, Sequence, Union

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from signing.errors import InvalidPdf
from signing.keys import load_certificates

__all__ = ["Trust", "SignatureReport", "ValidationReport", "validate_pdf"]

#: A document signature needs a certificate for digital signatures or non-repudiation (either:
#: pyHanko's default asks for non-repudiation only, which many real signing certificates lack).
_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


@dataclass(frozen=True)
class Trust:
    """What a validation trusts."""

    roots: tuple[asn1_x509.Certificate, ...] = ()
    """Trust anchors: a signer is ``trusted`` only if its chain ends in one of these."""

    allow_fetching: bool = False
    """Fetch CRLs/OCSP/missing certificates over the network (off: validation is offline and repeatable)."""

    crls: tuple[bytes, ...] = ()
    """Extra DER CRLs to consult (the document's own DSS is always consulted)."""

    @classmethod
    def from_files(cls, root_paths: Sequence[Union[str, Path]], *, allow_fetching: bool = False) -> "Trust":
        """Trust the certificates in these PEM/DER files."""
        return cls(roots=tuple(c for p in root_paths for c in load_certificates(p)), allow_fetching=allow_fetching)


def _iso(value: Optional[datetime]) -> Optional[str]:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class SignatureReport:
    """One signature's verdict."""

    field: str
    """The signature field's name."""

    intact: bool
    """The signed bytes are unchanged (digest and cryptographic signature check out)."""

    trusted: bool
    """Intact, and the signer's certificate chains to a trusted root, valid for signing, not revoked."""

    signer: Optional[str]
    """The signer certificate's subject common name."""

    signed_at: Optional[datetime]
    """The time the signer claims (the signature dictionary's /M): not proof on its own."""

    timestamp: Optional[datetime]
    """The RFC 3161 timestamp's time (proof of existence at that time), or None."""

    covers_whole_document: bool
    """Everything in the file is signed, apart from later validation data and document timestamps."""

    pades_level: Optional[str]
    """B-B, B-T, B-LT or B-LTA for a PAdES signature; None for other (e.g. adbe.pkcs7) signatures."""

    problems: list[str] = field(default_factory=list)
    """Plain sentences saying what is wrong (empty when nothing is)."""

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "intact": self.intact, "trusted": self.trusted, "signer": self.signer,
                "signed_at": _iso(self.signed_at), "timestamp": _iso(self.timestamp),
                "covers_whole_document": self.covers_whole_document, "pades_level": self.pades_level,
                "problems": list(self.problems)}


@dataclass(frozen=True)
class ValidationReport:
    """Every signature of a PDF, in signing order (an unsigned PDF gives an empty list)."""

    signatures: list[SignatureReport]
    """One report per /Sig signature (document timestamps show up in ``pades_level`` instead)."""

    document_timestamps: int = 0
    """How many document timestamps (B-LTA archive timestamps) the file carries."""

    @property
    def all_valid(self) -> bool:
        """At least one signature, and every one intact, trusted and covering the document."""
        return bool(self.signatures) and all(s.intact and s.trusted and s.covers_whole_document
                                             for s in self.signatures)

    def as_json(self) -> dict[str, Any]:
        return {"signatures": [s.as_json() for s in self.signatures],
                "document_timestamps": self.document_timestamps}


def _read(pdf_bytes: bytes) -> PdfFileReader:
    if not isinstance(pdf_bytes, (bytes, bytearray, memoryview)):
        raise InvalidPdf(f"expected PDF bytes, not {type(pdf_bytes).__name__}")
    data = bytes(pdf_bytes)
    if b"%PDF-" not in data[:1024]:
        raise InvalidPdf("not a PDF (no %PDF- header)")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        reader.root  # noqa: B018 -- force the trailer and catalogue to be read now
        return reader
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InvalidPdf(f"unreadable PDF: {exc}") from None


def _dss(reader: PdfFileReader):
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None


def _context(trust: Trust, dss) -> ValidationContext:
    certs, crls, ocsps = [], list(trust.crls), []
    if dss is not None:
        certs = [ref.get_object().data for ref in dss.certs.values()]
        crls += [ref.get_object().data for ref in dss.crls]
        ocsps = [ref.get_object().data for ref in dss.ocsps]
    return ValidationContext(trust_roots=list(trust.roots), other_certs=[asn1_x509.Certificate.load(c) for c in certs],
                             crls=crls, ocsps=ocsps, allow_fetching=trust.allow_fetching, revocation_mode="soft-fail")


def _level(embedded, has_timestamp: bool, dss, doc_ts_revisions: list[int]) -> Optional[str]:
    subfilter = str(embedded.sig_object.get("/SubFilter", ""))
    if subfilter != "/ETSI.CAdES.detached":
        return None
    if not has_timestamp:
        return "B-B"
    if dss is None or not (dss.crls or dss.ocsps):
        return "B-T"
    if any(rev > embedded.signed_revision for rev in doc_ts_revisions):
        return "B-LTA"
    return "B-LT"


def _cn(cert) -> Optional[str]:
    if cert is None:
        return None
    native = cert.subject.native
    return str(native.get("common_name") or cert.subject.human_friendly)


def _one(embedded, trust: Trust, dss, doc_ts_revisions: list[int]) -> SignatureReport:
    name = str(embedded.field_name)
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=_context(trust, dss),
                                        key_usage_settings=_KEY_USAGE)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
        signer = None
        try:
            signer = _cn(embedded.signer_cert)
        except Exception:  # noqa: BLE001 -- a broken CMS blob: the name is a nicety
            pass
        return SignatureReport(field=name, intact=False, trusted=False, signer=signer, signed_at=None,
                               timestamp=None, covers_whole_document=False, pades_level=None,
                               problems=[f"the signature cannot be checked: {exc}"])
    problems: list[str] = []
    intact = bool(status.intact and status.valid)
    if not status.intact:
        problems.append("the signed bytes were changed after signing (digest mismatch)")
    elif not status.valid:
        problems.append("the cryptographic signature does not verify")
    if status.revoked:
        problems.append("the signer's certificate is revoked")
    elif intact and not status.trusted:
        reason = status.trust_problem_indic.name if status.trust_problem_indic else "no path to a trusted root"
        problems.append(f"the signer's certificate is not trusted ({reason})")
    ts = status.timestamp_validity
    if ts is not None and not ts.trusted:
        problems.append("the signature timestamp is not intact or not from a trusted authority")
    level = status.modification_level
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and level == ModificationLevel.LTA_UPDATES)
    if not whole:
        what = level.name.lower().replace("_", " ") if level is not None else "unknown changes"
        problems.append(f"the document was changed after this signature ({what})")
    return SignatureReport(
        field=name, intact=intact, trusted=bool(status.trusted), signer=_cn(status.signing_cert),
        signed_at=status.signer_reported_dt, timestamp=ts.timestamp if ts is not None else None,
        covers_whole_document=bool(whole), pades_level=_level(embedded, ts is not None, dss, doc_ts_revisions),
        problems=problems)


def _unreadable(name: str, exc: BaseException) -> SignatureReport:
    return SignatureReport(field=name, intact=False, trusted=False, signer=None, signed_at=None, timestamp=None,
                           covers_whole_document=False, pades_level=None,
                           problems=[f"the signature cannot be read: {exc}"])


def _collect(reader: PdfFileReader) -> tuple[list, list[int], list[SignatureReport]]:
    """(signatures in signing order, revisions of document timestamps, reports for unreadable ones).

    pyHanko's ``reader.embedded_signatures`` parses every CMS blob at once, so one mangled signature
    would make the whole PDF unreadable; here each is parsed on its own.
    """
    regular, doc_ts, broken = [], [], []
    for fq_name, sig_ref, sig_field in enumerate_sig_fields(reader, filled_status=True):
        try:
            is_doc_ts = sig_ref.get_object().get("/Type") == "/DocTimeStamp"
            embedded = EmbeddedPdfSignature(reader, sig_field, fq_name)
        except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            broken.append(_unreadable(str(fq_name), exc))
            continue
        if is_doc_ts:
            doc_ts.append(embedded.signed_revision)
        else:
            regular.append(embedded)
    regular.sort(key=lambda emb: emb.signed_revision)
    return regular, doc_ts, broken


def validate_pdf(pdf_bytes: bytes, trust: Trust) -> ValidationReport:
    """Check every signature in ``pdf_bytes`` against ``trust``; InvalidPdf if it is not a readable PDF.

    A signature whose data cannot even be parsed is reported (intact False, with the reason) after
    the others; it does not make the rest of the document unreadable.
    """
    reader = _read(pdf_bytes)
    try:
        regular, doc_ts, broken = _collect(reader)
        dss = _dss(reader)
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InvalidPdf(f"the PDF's signature fields cannot be read: {exc}") from None
    return ValidationReport(signatures=[_one(sig, trust, dss, doc_ts) for sig in regular] + broken,
                            document_timestamps=len(doc_ts))
