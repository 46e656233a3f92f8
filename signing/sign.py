"""``sign_pdf``: one plain function in front of pyHanko's signer classes.

It follows pyHanko's own ``PdfSigner.async_sign_pdf`` step by step, with two differences: the
signing time can be given (the stamp and the signature dictionary's /M show the same instant, and
tests can fix it), and the space for the signature is reserved up front instead of estimated by
making a throw-away signature first (which would double the cost of every PDF).
"""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from io import BytesIO
from typing import Optional

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError, PdfReadError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from signing.errors import InvalidPdf, SignatureFailed, SigningError, TimestampError
from signing.profile import SignProfile, ValidationData
from signing.stampfont import StampFontFactory, load_stamp_font

__all__ = ["sign_pdf", "STAMP_TEXT", "validation_context"]

#: The stamp: bilingual labels (Chinese documents, English documents), then the values.
STAMP_TEXT = ("数字签名 Digitally signed\n签署人 Signer: %(signer)s\n时间 Time: %(time)s\n"
              "核验 Verify:\n%(url)s")
_URL_LINE = 46  # characters per line of the verification link inside the 220 pt box
_RESERVE = 24 * 1024  # bytes for the CMS: key chain + a TSA token with its chain fit with room to spare
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def validation_context(data: ValidationData, *, moment: Optional[datetime] = None) -> ValidationContext:
    """A pyHanko/certvalidator context from ``ValidationData`` (offline unless it allows fetching)."""
    return ValidationContext(trust_roots=list(data.trust_roots), other_certs=list(data.other_certs),
                             crls=list(data.crls), ocsps=list(data.ocsps), allow_fetching=data.allow_fetching,
                             revocation_mode="soft-fail", moment=moment)


def _wrap_url(url: str) -> str:
    return "\n".join(url[i:i + _URL_LINE] for i in range(0, len(url), _URL_LINE)) or "-"


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def _stamp_style(profile: SignProfile) -> TextStampStyle:
    path, index = profile.font_location()
    factory = StampFontFactory(load_stamp_font(path, index), font_size=10)
    return TextStampStyle(stamp_text=STAMP_TEXT, border_width=1,
                          text_box_style=TextBoxStyle(font=factory, font_size=10, leading=13))


async def _sign(writer: IncrementalPdfFileWriter, pdf_signer: PdfSigner, when: datetime, params: dict,
                reserve: Optional[int], output: BytesIO) -> None:
    session = pdf_signer.init_signing_session(writer)
    session.system_time = when
    validation_info = await session.perform_presign_validation(writer)
    if reserve is None:
        reserve = await session.estimate_signature_container_size(validation_info, tight=False)
    tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=reserve,
                                       appearance_text_params=params)
    prepared, res_output = tbs.digest_tbs_document(in_place=False, output=output)
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(
            signing_time=when,
            adobe_revinfo_attr=None if validation_info is None else validation_info.adobe_revinfo_attr,
            cades_signed_attrs=None))
    await post.post_signature_processing(res_output)


def _open(pdf_bytes: bytes) -> IncrementalPdfFileWriter:
    if not isinstance(pdf_bytes, (bytes, bytearray, memoryview)):
        raise InvalidPdf(f"expected PDF bytes, not {type(pdf_bytes).__name__}")
    if b"%PDF-" not in bytes(pdf_bytes[:1024]):
        raise InvalidPdf("not a PDF (no %PDF- header)")
    try:
        return IncrementalPdfFileWriter(BytesIO(bytes(pdf_bytes)), strict=False)
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise InvalidPdf(f"unreadable PDF: {exc}") from None


def sign_pdf(pdf_bytes: bytes, profile: SignProfile, *, signer_name: str, verification_url: str,
             signed_at: Optional[datetime] = None, reason: Optional[str] = None, location: Optional[str] = None,
             field_name: str = "Signature1") -> bytes:
    """The PDF with a PAdES signature at ``profile.level`` and a visible stamp, as new bytes.

    The stamp (in ``profile.stamp_box`` on ``profile.stamp_page``) shows ``signer_name``, the signing
    time in UTC and ``verification_url``, set in the embedded stamp font, so a PDF/A input keeps its
    fonts all embedded. The original bytes are kept unchanged as the first revision.

    Raises InvalidPdf (unreadable input), TimestampError (TSA failed), FontError, SignatureFailed.
    """
    when = (signed_at or datetime.now(timezone.utc))
    if when.tzinfo is None:
        raise SigningError("signed_at must be timezone-aware")
    when = when.astimezone(timezone.utc)
    writer = _open(pdf_bytes)
    lta = profile.level == "B-LTA"
    embed = profile.level in ("B-LT", "B-LTA")
    meta = PdfSignatureMetadata(
        field_name=field_name, md_algorithm=profile.md_algorithm, subfilter=SigSeedSubFilter.PADES,
        reason=reason, location=location, name=_one_line(signer_name) or None,
        embed_validation_info=embed, use_pades_lta=lta,
        validation_context=validation_context(profile.validation) if embed and profile.validation else None)
    box = tuple(float(v) for v in profile.stamp_box)  # exactly the box the document reserved
    pdf_signer = PdfSigner(meta, profile.key.pyhanko_signer, timestamper=profile.timestamper,
                           stamp_style=_stamp_style(profile),
                           new_field_spec=SigFieldSpec(sig_field_name=field_name, on_page=profile.stamp_page, box=box))
    params = {"signer": _one_line(signer_name), "time": when.strftime("%Y-%m-%d %H:%M:%S UTC"),
              "url": _wrap_url(_one_line(verification_url))}
    reserve: Optional[int] = _RESERVE
    for attempt in (1, 2):
        output = BytesIO()
        try:
            asyncio.run(_sign(writer, pdf_signer, when, params, reserve, output))
            return output.getvalue()
        except TimestampRequestError as exc:
            raise TimestampError(f"timestamping the signature failed: {exc}") from None
        except PyHankoSigningError as exc:
            if attempt == 1 and "larger than expected" in str(exc):
                reserve, writer = None, _open(pdf_bytes)  # an unusually long chain: let pyHanko measure
                continue
            raise SignatureFailed(f"signing failed: {exc}") from None
        except PdfReadError as exc:
            raise InvalidPdf(f"unreadable PDF: {exc}") from None
        except (PdfError, ValueError) as exc:
            raise SignatureFailed(f"signing failed: {type(exc).__name__}: {exc}") from None
    raise SignatureFailed("signing failed")  # not reached
