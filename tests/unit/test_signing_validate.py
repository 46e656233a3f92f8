"""Validation reports for any PDF: good, untrusted, unsigned, not a PDF."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from signing import InvalidPdf, SignProfile, Trust, create_dev_pki, sign_pdf, validate_pdf
from tests.signing_fixtures import dev_trust, letter_pdf, signer_key, signing_pki  # noqa: F401

AT = datetime(2026, 11, 20, 9, 41, 7, tzinfo=timezone.utc)
API_FIELDS = {"intact", "trusted", "signer", "signed_at", "timestamp", "covers_whole_document", "pades_level"}


@pytest.fixture(scope="module")
def signed(letter_pdf, signer_key) -> bytes:
    return sign_pdf(letter_pdf, SignProfile(key=signer_key), signer_name="王静",
                    verification_url="https://casework.example/verify/documents/1", signed_at=AT)


def test_good_signature_report_and_json(signed, dev_trust):
    report = validate_pdf(signed, dev_trust)
    assert report.all_valid
    body = report.as_json()
    [sig] = body["signatures"]
    assert API_FIELDS <= set(sig)
    assert sig == {"field": "Signature1", "intact": True, "trusted": True,
                   "signer": "Yidun Casework Development Signer", "signed_at": "2026-11-20T09:41:07Z",
                   "timestamp": None, "covers_whole_document": True, "pades_level": "B-B", "problems": []}


def test_signer_from_another_root_is_intact_but_not_trusted(signed, tmp_path):
    other = create_dev_pki(tmp_path / "other")
    [report] = validate_pdf(signed, Trust.from_files([other.root_cert])).signatures
    assert report.intact is True and report.trusted is False
    assert any("not trusted" in p for p in report.problems)
    [nothing] = validate_pdf(signed, Trust()).signatures  # no roots at all: nothing is trusted
    assert nothing.trusted is False


def test_a_second_revision_after_signing_is_reported(signed, signer_key, dev_trust):
    twice = sign_pdf(signed, SignProfile(key=signer_key), signer_name="B", verification_url="u",
                     field_name="Signature2")
    first, second = validate_pdf(twice, dev_trust).signatures
    assert first.field == "Signature1" and second.field == "Signature2"
    assert first.intact and not first.covers_whole_document and first.problems
    assert second.intact and second.covers_whole_document


def test_unsigned_pdf_has_no_signatures(letter_pdf, dev_trust):
    report = validate_pdf(letter_pdf, dev_trust)
    assert report.signatures == [] and not report.all_valid
    assert report.as_json() == {"signatures": [], "document_timestamps": 0}


@pytest.mark.parametrize("data", [b"", b"hello", b"\x89PNG\r\n\x1a\n", b"%PDF-1.7\n%garbage without xref\n"])
def test_not_a_pdf_raises_invalid_pdf(data, dev_trust):
    with pytest.raises(InvalidPdf):
        validate_pdf(data, dev_trust)


def test_truncated_signed_pdf_is_an_error_or_not_intact(signed, dev_trust):
    cut = signed[: len(signed) - 2000]
    try:
        report = validate_pdf(cut, dev_trust)
    except InvalidPdf:
        return
    assert all(not s.intact or not s.covers_whole_document for s in report.signatures)


def test_a_mangled_signature_blob_is_reported_not_raised(signed, dev_trust):
    start = signed.index(b"/Contents <", len(signed) // 2) + len(b"/Contents <")
    end = signed.index(b">", start)
    zeroed = signed[:start] + b"0" * (end - start) + signed[end:]
    [report] = validate_pdf(zeroed, dev_trust).signatures
    assert report.field == "Signature1" and report.intact is False and report.trusted is False
    assert "cannot be read" in report.problems[0]


def test_a_non_pades_signature_from_elsewhere_has_no_pades_level(letter_pdf, signer_key, dev_trust):
    """An upload signed the Adobe way (adbe.pkcs7.detached) is checked like any other."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(letter_pdf)),
                           signers.PdfSignatureMetadata(field_name="Adobe"), signer=signer_key.pyhanko_signer)
    [report] = validate_pdf(out.getvalue(), dev_trust).signatures
    assert report.field == "Adobe" and report.intact and report.trusted and report.covers_whole_document
    assert report.pades_level is None
