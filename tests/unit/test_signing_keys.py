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
