"""Signing real documents at every PAdES level, with the visible stamp in an embedded CJK font.

Checked with pyHanko (through ``validate_pdf``) and with poppler's own tools, which know nothing of
our code: ``pdfsig`` (reads the signature) and ``pdffonts`` (every font embedded, PDF/A).
"""
from __future__ import annotations

import subprocess
from datetime import datetime, timezone

import pytest

from signing import (
    InvalidPdf, ProfileError, SignProfile, TimestampError, http_timestamper, sign_pdf, validate_pdf,
    validation_data_from_files,
)
from signing.timestamps import InProcessTimestamper
from tests.signing_fixtures import dev_trust, letter_pdf, local_tsa, signer_key, signing_pki  # noqa: F401

AT = datetime(2026, 11, 20, 9, 41, 7, tzinfo=timezone.utc)
URL = "https://casework.example/verify/documents/7f3c9a52-1d4e-4b8a-9c61-2e5f0b7d8a13"


def _profile(level, key, pki, tsa_url=None):
    stamper = None if level == "B-B" else (http_timestamper(tsa_url) if tsa_url else InProcessTimestamper(
        __import__("signing").load_signer(pki.tsa_key, pki.tsa_cert, [pki.root_cert])))
    validation = validation_data_from_files([pki.root_cert], crls=[pki.crl]) if level in ("B-LT", "B-LTA") else None
    return SignProfile(key=key, level=level, timestamper=stamper, validation=validation)


def _sign(pdf, profile, **kw):
    kw.setdefault("signer_name", "北京明理律师事务所 王静")
    kw.setdefault("verification_url", URL)
    return sign_pdf(pdf, profile, **kw)


def _tool(tmp_path, name, data: bytes) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run([name, str(path)], capture_output=True, text=True, timeout=60).stdout


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level_validates_intact_and_trusted(level, letter_pdf, signer_key, signing_pki, dev_trust, local_tsa):
    signed = _sign(letter_pdf, _profile(level, signer_key, signing_pki, local_tsa.url), signed_at=AT,
                   reason="律师函", location="北京")
    assert signed.startswith(letter_pdf)  # an incremental update: the rendered document is kept byte for byte
    [report] = validate_pdf(signed, dev_trust).signatures
    assert (report.intact, report.trusted, report.covers_whole_document) == (True, True, True), report.problems
    assert report.pades_level == level
    assert report.signer == "Yidun Casework Development Signer"
    assert report.signed_at == AT
    assert (report.timestamp is None) == (level == "B-B")
    assert report.problems == []


def test_b_t_timestamp_comes_from_the_loopback_tsa(letter_pdf, signer_key, signing_pki, dev_trust, local_tsa):
    before = local_tsa.requests
    started = datetime.now(timezone.utc).replace(microsecond=0)
    signed = _sign(letter_pdf, _profile("B-T", signer_key, signing_pki, local_tsa.url))
    assert local_tsa.requests > before
    [report] = validate_pdf(signed, dev_trust).signatures
    assert report.timestamp is not None and report.timestamp >= started
    assert report.as_json()["timestamp"].endswith("Z")


def test_poppler_pdfsig_says_valid_and_whole_document(tmp_path, letter_pdf, signer_key, signing_pki, local_tsa):
    signed = _sign(letter_pdf, _profile("B-T", signer_key, signing_pki, local_tsa.url))
    out = _tool(tmp_path, "pdfsig", signed)  # pdfsig exits 0 whatever it finds: read its text
    assert "Signature is Valid." in out, out
    assert "Total document signed" in out, out
    assert "ETSI.CAdES.detached" in out


def test_stamp_font_is_embedded_and_text_is_extractable(tmp_path, letter_pdf, signer_key, signing_pki):
    signed = _sign(letter_pdf, _profile("B-B", signer_key, signing_pki), signed_at=AT)
    fonts = _tool(tmp_path, "pdffonts", signed).splitlines()[2:]
    assert fonts and any("NotoSansCJK" in line for line in fonts)
    for line in fonts:
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    text = subprocess.run(["pdftotext", "-l", "99", str(tmp_path / "doc.pdf"), "-"], capture_output=True,
                          text=True, timeout=60).stdout
    assert "签署人 Signer: 北京明理律师事务所 王静" in text
    assert "2026-11-20 09:41:07 UTC" in text
    assert URL.replace("/", "").replace("-", "")[:30] in text.replace("\n", "").replace("/", "").replace("-", "")


def test_tampering_after_signing_is_detected(letter_pdf, signer_key, signing_pki, dev_trust):
    signed = bytearray(_sign(letter_pdf, _profile("B-B", signer_key, signing_pki)))
    at = signed.index(b"/Producer")  # inside the signed original revision
    signed[at + 1:at + 9] = b"Qroducer"
    [report] = validate_pdf(bytes(signed), dev_trust).signatures
    assert report.intact is False and report.trusted is False
    assert report.problems


def test_profile_rules_and_bad_input(letter_pdf, signer_key, signing_pki):
    with pytest.raises(ProfileError):
        SignProfile(key=signer_key, level="B-T")
    with pytest.raises(ProfileError):
        SignProfile(key=signer_key, level="B-X")  # type: ignore[arg-type]
    with pytest.raises(ProfileError):
        SignProfile(key=signer_key, level="B-LT", timestamper=http_timestamper("http://127.0.0.1:9/"))
    profile = _profile("B-B", signer_key, signing_pki)
    with pytest.raises(InvalidPdf):
        _sign(b"GIF89a not a pdf", profile)
    with pytest.raises(InvalidPdf):
        _sign(b"%PDF-1.7\nthis is not really a PDF\n", profile)


def test_unreachable_tsa_is_a_timestamp_error(letter_pdf, signer_key, signing_pki):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = SignProfile(key=signer_key, level="B-T", timestamper=http_timestamper(f"http://127.0.0.1:{port}/"))
    with pytest.raises(TimestampError):
        _sign(letter_pdf, profile)


def test_a_signature_larger_than_the_reserve_is_retried_with_pyhanko_measuring(monkeypatch, letter_pdf, signer_key,
                                                                               signing_pki, dev_trust):
    import signing.sign as sign_module

    monkeypatch.setattr(sign_module, "_RESERVE", 600)  # far too small for a CMS with two certificates
    signed = _sign(letter_pdf, _profile("B-B", signer_key, signing_pki))
    [report] = validate_pdf(signed, dev_trust).signatures
    assert report.intact and report.trusted


def test_truetype_stamp_font_is_embedded_too(tmp_path, letter_pdf, signer_key):
    from signing import FontError

    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    signed = _sign(letter_pdf, SignProfile(key=signer_key, stamp_font=font), signer_name="Jane Doe")
    fonts = _tool(tmp_path, "pdffonts", signed).splitlines()[2:]
    assert any("DejaVuSans" in line and line.split()[-5] == "yes" for line in fonts)
    with pytest.raises(FontError):
        _sign(letter_pdf, SignProfile(key=signer_key, stamp_font=str(tmp_path / "missing.otf")))


def test_characters_the_font_lacks_are_drawn_as_question_marks(tmp_path, letter_pdf, signer_key):
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # no Chinese: the labels cannot be drawn
    signed = _sign(letter_pdf, SignProfile(key=signer_key, stamp_font=font), signer_name="王 Jane")
    (tmp_path / "doc.pdf").write_bytes(signed)
    text = subprocess.run(["pdftotext", "-l", "99", str(tmp_path / "doc.pdf"), "-"], capture_output=True,
                          text=True, timeout=60).stdout
    assert "??? Signer: ? Jane" in text


@pytest.mark.parametrize("level,self_contained", [("B-T", False), ("B-LT", True), ("B-LTA", True)])
def test_lt_levels_carry_the_revocation_data_a_strict_validator_needs(level, self_contained, letter_pdf,
                                                                     signer_key, signing_pki, local_tsa):
    """With revocation checking required and nothing fetched, only what the PDF carries counts."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
    from pyhanko_certvalidator import ValidationContext

    from signing import load_certificates

    reader = PdfFileReader(io.BytesIO(_sign(letter_pdf, _profile(level, signer_key, signing_pki, local_tsa.url))))
    try:
        crls = [ref.get_object().data for ref in DocumentSecurityStore.read_dss(reader).crls]
    except NoDSSFoundError:
        crls = []
    context = ValidationContext(trust_roots=load_certificates(signing_pki.root_cert), crls=crls,
                                revocation_mode="require", allow_fetching=False)
    status = validate_pdf_signature(reader.embedded_regular_signatures[0], context)
    assert status.intact and status.valid
    assert status.trusted is self_contained
