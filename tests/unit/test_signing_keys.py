"""Loading signing keys: PKCS#12 and PEM, parsed once; bad passphrases and files give typed errors."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography import x509

import signing
from signing import KeyLoadError, KeyPassphraseError, SigningError, load_signer
from tests.signing_fixtures import signing_pki  # noqa: F401 -- fixture


def test_pem_key_with_certificate_and_chain(signing_pki):
    key = load_signer(signing_pki.signer_key, signing_pki.signer_cert, [signing_pki.root_cert])
    assert key.subject_name == "Yidun Casework Development Signer"
    assert [c.subject.native["common_name"] for c in key.chain] == ["Yidun Casework Development Root CA"]
    assert isinstance(key.private_key, ec.EllipticCurvePrivateKey)
    # the pyHanko signer is built once from the parsed parts and reused
    assert key.pyhanko_signer is key.pyhanko_signer


def test_pkcs12_carries_key_certificate_and_chain(signing_pki):
    key = load_signer(signing_pki.signer_p12)
    assert key.subject_name == "Yidun Casework Development Signer"
    assert len(key.chain) == 1


def _encrypted_copies(pki, tmp_path):
    private = serialization.load_pem_private_key(pki.signer_key.read_bytes(), None)
    cert = x509.load_pem_x509_certificate(pki.signer_cert.read_bytes())
    pem = tmp_path / "enc.key"
    pem.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.BestAvailableEncryption(b"right horse")))
    p12 = tmp_path / "enc.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"x", private, cert, None,
                                                          serialization.BestAvailableEncryption(b"right horse")))
    return pem, p12


def test_encrypted_files_need_the_right_passphrase(signing_pki, tmp_path):
    pem, p12 = _encrypted_copies(signing_pki, tmp_path)
    assert load_signer(pem, signing_pki.signer_cert, passphrase="right horse").subject_name
    assert load_signer(p12, passphrase=b"right horse").subject_name
    for kwargs in ({"passphrase": "wrong"}, {}):
        with pytest.raises(KeyPassphraseError):
            load_signer(pem, signing_pki.signer_cert, **kwargs)
        with pytest.raises(KeyPassphraseError):
            load_signer(p12, **kwargs)
    assert issubclass(KeyPassphraseError, KeyLoadError) and issubclass(KeyLoadError, SigningError)


def test_missing_files_and_mismatched_certificate(signing_pki, tmp_path):
    with pytest.raises(KeyLoadError, match="not found"):
        load_signer(tmp_path / "absent.key", signing_pki.signer_cert)
    with pytest.raises(KeyLoadError, match="certificate file is needed"):
        load_signer(signing_pki.signer_key)
    with pytest.raises(KeyLoadError, match="does not belong"):
        load_signer(signing_pki.signer_key, signing_pki.tsa_cert)
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    with pytest.raises(KeyLoadError):
        load_signer(junk, signing_pki.signer_cert)
    with pytest.raises(KeyLoadError, match="no readable certificate"):
        load_signer(signing_pki.signer_key, junk)


def test_public_names():
    for name in signing.__all__:
        assert hasattr(signing, name), name


def test_rsa_key_from_a_pem_fullchain_signs_and_validates(signing_pki, tmp_path):
    """Production keys are often RSA, with the chain after the leaf in one PEM file."""
    from datetime import datetime, timedelta, timezone

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from casework.documents import render_pdf
    from signing import SignProfile, Trust, sign_pdf, validate_pdf

    root_key = serialization.load_pem_private_key(signing_pki.root_key.read_bytes(), None)
    root = x509.load_pem_x509_certificate(signing_pki.root_cert.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RSA Signer")]))
            .issuer_name(root.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(root_key, hashes.SHA256()))
    (tmp_path / "rsa.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    (tmp_path / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM)
                                             + root.public_bytes(serialization.Encoding.PEM))
    signer = load_signer(tmp_path / "rsa.key", tmp_path / "fullchain.pem")
    assert signer.subject_name == "RSA Signer" and len(signer.chain) == 1
    pdf = render_pdf("<html lang='en'><body><p>RSA</p></body></html>")
    signed = sign_pdf(pdf, SignProfile(key=signer), signer_name="RSA Signer", verification_url="https://x.example/1")
    [report] = validate_pdf(signed, Trust.from_files([signing_pki.root_cert])).signatures
    assert report.intact and report.trusted and report.signer == "RSA Signer"
