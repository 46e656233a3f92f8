"""A development PKI, so a fresh install signs and timestamps with nothing configured.

A root CA, a document-signing certificate and a timestamp authority certificate (ECDSA P-256, which
signs in well under a millisecond), and the root's CRL (empty: nothing is revoked) so B-LT and B-LTA
signatures can embed revocation data offline. Never for production: anyone with the files can sign.

Creating is idempotent: an existing complete PKI is left alone (only its CRL is renewed when it is
near expiry), an incomplete one is an error that names the missing files. Every file is written
atomically and never replaces another; private keys are mode 0600.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signing.errors import PkiError

__all__ = ["DevPki", "create_dev_pki", "dev_pki_paths", "FILES", "CRL_URL"]

#: File names inside the PKI directory.
FILES = {
    "root_cert": "root-ca.pem", "root_key": "root-ca.key", "signer_cert": "signer.pem", "signer_key": "signer.key",
    "signer_p12": "signer.p12", "tsa_cert": "tsa.pem", "tsa_key": "tsa.key", "crl": "root-ca.crl",
}
_SECRET = {"root_key", "signer_key", "signer_p12", "tsa_key"}
#: Named in the certificates so validators know which CRL covers them; never fetched (.invalid).
CRL_URL = "http://pki.invalid/yidun-dev-root-ca.crl"
_ORG = "Yidun Casework (development only)"
_CRL_DAYS = 365


@dataclass(frozen=True)
class DevPki:
    """Where the development PKI's files are."""

    directory: Path
    """The PKI directory (``instance/signing`` in the app)."""

    root_cert: Path
    """Root CA certificate (PEM): the trust root for validation."""

    root_key: Path
    """Root CA private key (PEM, 0600): kept to renew the CRL."""

    signer_cert: Path
    """Document-signing certificate (PEM, leaf only)."""

    signer_key: Path
    """Its private key (PEM, unencrypted, 0600)."""

    signer_p12: Path
    """The same key, certificate and root as PKCS#12 (no passphrase), for tools that want one file."""

    tsa_cert: Path
    """Timestamp authority certificate (PEM; extended key usage timeStamping, critical)."""

    tsa_key: Path
    """Its private key (PEM, 0600)."""

    crl: Path
    """The root's CRL (DER), embedded in B-LT/B-LTA signatures."""

    created: bool = False
    """True when this call made the files, False when they were there already."""


def dev_pki_paths(directory: Union[str, Path], created: bool = False) -> DevPki:
    """The file paths of a PKI in ``directory`` (whether or not it exists yet)."""
    base = Path(directory)
    return DevPki(directory=base, created=created, **{k: base / v for k, v in FILES.items()})


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORG),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key, issuer_name: x509.Name, issuer_key, now: datetime, days: int, *,
          ca: bool = False, eku=None, serial: Optional[int] = None) -> x509.Certificate:
    public = key.public_key()
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer_name)
               .public_key(public).serial_number(serial or x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None if not ca else 0), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    if ca:
        usage = dict(key_cert_sign=True, crl_sign=True, digital_signature=False, content_commitment=False)
    else:
        usage = dict(key_cert_sign=False, crl_sign=False, digital_signature=True, content_commitment=eku is None)
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(CRL_URL)], relative_name=None, reasons=None,
            crl_issuer=None)]), critical=False)
    builder = builder.add_extension(x509.KeyUsage(key_encipherment=False, data_encipherment=False,
                                                  key_agreement=False, encipher_only=False, decipher_only=False,
                                                  **usage), critical=True)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _crl(root: x509.Certificate, root_key, now: datetime) -> bytes:
    crl = (x509.CertificateRevocationListBuilder().issuer_name(root.subject)
           .last_update(now - timedelta(minutes=5)).next_update(now + timedelta(days=_CRL_DAYS))
           .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
           .sign(root_key, hashes.SHA256()))
    return crl.public_bytes(serialization.Encoding.DER)


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_new(path: Path, data: bytes, secret: bool) -> None:
    """Write ``path`` atomically, never replacing a file another process wrote first."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600 if secret else 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)
    finally:
        os.unlink(tmp)


def _replace(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _renew_crl_if_due(pki: DevPki, now: datetime) -> None:
    try:
        current = x509.load_der_x509_crl(pki.crl.read_bytes())
        if current.next_update_utc and current.next_update_utc > now + timedelta(days=30):
            return
        root = x509.load_pem_x509_certificate(pki.root_cert.read_bytes())
        root_key = serialization.load_pem_private_key(pki.root_key.read_bytes(), None)
    except (OSError, ValueError, TypeError) as exc:
        raise PkiError(f"the development PKI in {pki.directory} cannot be read: {exc}") from None
    _replace(pki.crl, _crl(root, root_key, now))


def create_dev_pki(directory: Union[str, Path], *, now: Optional[datetime] = None) -> DevPki:
    """Create the development PKI in ``directory`` unless it exists; returns its paths (``created``)."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    base = Path(directory)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PkiError(f"cannot create the PKI directory {base}: {exc.strerror or exc}") from None
    pki = dev_pki_paths(base)
    present = {k for k, name in FILES.items() if (base / name).exists()}
    if present == set(FILES):
        _renew_crl_if_due(pki, now)
        return pki
    if present:
        missing = ", ".join(sorted(FILES[k] for k in set(FILES) - present))
        raise PkiError(f"{base} holds an incomplete PKI (missing {missing}); move the directory away to "
                       "make a new one")
    root_key, signer_key, tsa_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root_name = _name("Yidun Casework Development Root CA")
    root = (_cert("Yidun Casework Development Root CA", root_key, root_name, root_key, now, 3650, ca=True))
    signer = _cert("Yidun Casework Development Signer", signer_key, root_name, root_key, now, 1095)
    tsa = _cert("Yidun Casework Development TSA", tsa_key, root_name, root_key, now, 1095,
                eku=ExtendedKeyUsageOID.TIME_STAMPING)
    p12 = pkcs12.serialize_key_and_certificates(b"yidun-dev-signer", signer_key, signer, [root],
                                                serialization.NoEncryption())
    contents = {
        "root_cert": _pem_cert(root), "root_key": _pem_key(root_key), "signer_cert": _pem_cert(signer),
        "signer_key": _pem_key(signer_key), "signer_p12": p12, "tsa_cert": _pem_cert(tsa),
        "tsa_key": _pem_key(tsa_key), "crl": _crl(root, root_key, now),
    }
    try:
        for key in ("root_key", "root_cert", "signer_key", "signer_cert", "signer_p12", "tsa_key", "tsa_cert", "crl"):
            _write_new(base / FILES[key], contents[key], key in _SECRET)
    except FileExistsError:
        raise PkiError(f"another process is creating a PKI in {base} at the same time; run again") from None
    except OSError as exc:
        raise PkiError(f"cannot write the PKI into {base}: {exc.strerror or exc}") from None
    return dev_pki_paths(base, created=True)
