"""The development PKI: what it contains, file modes, idempotence, and refusing a half-made one."""
from __future__ import annotations

import stat
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing import PkiError, create_dev_pki
from signing.devpki import FILES

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def _cert(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_contents(tmp_path):
    pki = create_dev_pki(tmp_path / "pki", now=NOW)
    assert pki.created
    root, signer, tsa = _cert(pki.root_cert), _cert(pki.signer_cert), _cert(pki.tsa_cert)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for cert in (signer, tsa):
        assert cert.issuer == root.subject
        cert.verify_directly_issued_by(root)
        assert cert.not_valid_after_utc > NOW + timedelta(days=365)
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert signer.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
    crl = x509.load_der_x509_crl(pki.crl.read_bytes())
    assert crl.issuer == root.subject and crl.is_signature_valid(root.public_key()) and len(crl) == 0
    for name in ("root_key", "signer_key", "tsa_key", "signer_p12"):
        assert stat.S_IMODE(getattr(pki, name).stat().st_mode) == 0o600, name
    assert not [p for p in pki.directory.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_idempotent_keeps_existing_keys(tmp_path):
    first = create_dev_pki(tmp_path, now=NOW)
    keys = {name: (tmp_path / f).read_bytes() for name, f in FILES.items()}
    again = create_dev_pki(tmp_path, now=NOW + timedelta(days=1))
    assert not again.created and again.signer_key == first.signer_key
    assert {name: (tmp_path / f).read_bytes() for name, f in FILES.items()} == keys


def test_crl_is_renewed_near_expiry_with_the_same_root(tmp_path):
    pki = create_dev_pki(tmp_path, now=NOW)
    old = pki.crl.read_bytes()
    create_dev_pki(tmp_path, now=NOW + timedelta(days=360))
    renewed = x509.load_der_x509_crl(pki.crl.read_bytes())
    assert pki.crl.read_bytes() != old
    assert renewed.is_signature_valid(_cert(pki.root_cert).public_key())
    assert renewed.next_update_utc > NOW + timedelta(days=700)


def test_incomplete_pki_is_refused_and_left_alone(tmp_path):
    pki = create_dev_pki(tmp_path, now=NOW)
    pki.tsa_key.unlink()
    signer_before = pki.signer_key.read_bytes()
    with pytest.raises(PkiError, match="tsa.key"):
        create_dev_pki(tmp_path, now=NOW)
    assert pki.signer_key.read_bytes() == signer_before and not pki.tsa_key.exists()
