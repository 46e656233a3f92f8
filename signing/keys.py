"""Signing keys: loaded and parsed once, then used for every signature.

pyHanko's ``SimpleSigner`` keeps the key as DER and parses it again on every ``sign_raw`` (about
30 ms for RSA-2048, twice per PDF when the size is estimated). ``SignerKey`` holds the parsed
``cryptography`` key object and builds one pyHanko ``Signer`` from its parts, so a signature costs
the arithmetic only.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from asn1crypto import x509 as asn1_x509
from cryptography import x509 as pyca_x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing.errors import KeyLoadError, KeyPassphraseError

__all__ = ["SignerKey", "load_signer", "load_certificates", "PrivateKey"]

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey,
                   ed448.Ed448PrivateKey]
PathLike = Union[str, Path]


@dataclass(frozen=True, eq=False)
class SignerKey:
    """A private key with its certificate and chain, parsed once."""

    private_key: PrivateKey
    """The parsed private key (a ``cryptography`` key object, never re-read from bytes)."""

    certificate: asn1_x509.Certificate
    """The signer's certificate, as pyHanko wants it (asn1crypto)."""

    chain: tuple[asn1_x509.Certificate, ...] = ()
    """Intermediate (and optionally root) certificates embedded in each signature for path building."""

    @property
    def subject_name(self) -> str:
        """The certificate subject's common name (or the whole subject when it has none)."""
        return _common_name(self.certificate)

    @cached_property
    def pyhanko_signer(self) -> Signer:
        """The pyHanko signer built from the parsed parts (built on first use, then reused)."""
        return _ParsedKeySigner(self)


def _common_name(cert: asn1_x509.Certificate) -> str:
    native = cert.subject.native
    return str(native.get("common_name") or cert.subject.human_friendly)


class _ParsedKeySigner(Signer):
    """A pyHanko ``Signer`` whose ``sign_raw`` uses an already parsed key."""

    def __init__(self, key: SignerKey):
        self._key = key.private_key
        super().__init__(signing_cert=key.certificate, embed_roots=True,
                         cert_registry=SimpleCertificateStore.from_certs(list(key.chain)))

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism_spec = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            mechanism = mechanism_spec.signature_algo
        except ValueError:
            mechanism = mechanism_spec["algorithm"].native
        key = self._key
        if isinstance(key, ec.EllipticCurvePrivateKey) and mechanism == "ecdsa":
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if isinstance(key, rsa.RSAPrivateKey) and mechanism == "rsassa_pkcs1v15":
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if isinstance(key, rsa.RSAPrivateKey) and mechanism == "rsassa_pss":
            from pyhanko.sign.general import process_pss_params
            pss, hash_algo = process_pss_params(mechanism_spec["parameters"])
            return key.sign(data, pss, hash_algo)
        if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
            return key.sign(data)
        raise KeyLoadError(f"a {type(key).__name__} cannot make a {mechanism} signature")


# --- loading -------------------------------------------------------------------------------------

def _read(path: PathLike, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise KeyLoadError(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise KeyLoadError(f"{what} file {path} cannot be read: {exc.strerror or exc}") from None


def _to_asn1(cert: pyca_x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def load_certificates(path: PathLike) -> list[asn1_x509.Certificate]:
    """Every certificate in a PEM (one or many) or DER file; KeyLoadError if there is none."""
    data = _read(path, "certificate")
    try:
        if b"-----BEGIN" in data:
            certs = pyca_x509.load_pem_x509_certificates(data)
        else:
            certs = [pyca_x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise KeyLoadError(f"{path} holds no readable certificate: {exc}") from None
    return [_to_asn1(c) for c in certs]


def _passphrase(passphrase: Optional[Union[str, bytes]]) -> Optional[bytes]:
    if passphrase is None or passphrase == "" or passphrase == b"":
        return None
    return passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase


def _load_pkcs12(data: bytes, path: PathLike, passphrase: Optional[bytes]):
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError as exc:
        text = str(exc).lower()
        if "password" in text or "mac" in text or "decrypt" in text or passphrase is None:
            raise KeyPassphraseError(f"{path}: wrong or missing passphrase for the PKCS#12 file") from None
        raise KeyLoadError(f"{path} is not a readable PKCS#12 file: {exc}") from None
    if key is None or cert is None:
        raise KeyLoadError(f"{path} must hold a private key and its certificate")
    return key, _to_asn1(cert), [_to_asn1(c) for c in extra or ()]


def _load_pem_key(data: bytes, path: PathLike, passphrase: Optional[bytes]):
    loader = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    try:
        return loader(data, passphrase)
    except TypeError:
        # cryptography: "Password was not given but private key is encrypted", or the reverse
        if passphrase is None:
            raise KeyPassphraseError(f"{path} is encrypted: a passphrase is needed") from None
        raise KeyLoadError(f"{path} is not encrypted but a passphrase was given") from None
    except ValueError as exc:
        if passphrase is not None and b"ENCRYPTED" in data:
            raise KeyPassphraseError(f"{path}: wrong passphrase") from None
        raise KeyLoadError(f"{path} holds no readable private key: {exc}") from None
    except UnsupportedAlgorithm as exc:
        raise KeyLoadError(f"{path}: unsupported key algorithm: {exc}") from None


def _public_der(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_signer(key_path: PathLike, cert_path: Optional[PathLike] = None, chain_paths: Sequence[PathLike] = (),
                passphrase: Optional[Union[str, bytes]] = None) -> SignerKey:
    """Load a signing key once: PKCS#12 (``.p12``/``.pfx``, ``cert_path`` not needed) or a PEM/DER key
    with its certificate in ``cert_path``; ``chain_paths`` add intermediates.

    Raises KeyPassphraseError for a wrong or missing passphrase, KeyLoadError for anything else
    (missing file, unknown format, a certificate that is not the key's).
    """
    secret = _passphrase(passphrase)
    data = _read(key_path, "key")
    extra: list[asn1_x509.Certificate] = []
    if str(key_path).lower().endswith((".p12", ".pfx")) or (cert_path is None and not data.lstrip().startswith(b"-----")):
        key, cert, extra = _load_pkcs12(data, key_path, secret)
        if cert_path is not None:
            cert = load_certificates(cert_path)[0]
    else:
        if cert_path is None:
            raise KeyLoadError(f"{key_path} is a bare key: its certificate file is needed too")
        key = _load_pem_key(data, key_path, secret)
        certs = load_certificates(cert_path)
        cert, extra = certs[0], certs[1:]  # a PEM "fullchain" file carries its chain after the leaf
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey,
                            ed448.Ed448PrivateKey)):
        raise KeyLoadError(f"{key_path}: unsupported key type {type(key).__name__}")
    if _public_der(key.public_key()) != cert.public_key.dump():
        raise KeyLoadError(f"the certificate ({cert_path or key_path}) does not belong to the key in {key_path}")
    chain: list[asn1_x509.Certificate] = list(extra)
    for path in chain_paths:
        chain.extend(load_certificates(path))
    return SignerKey(private_key=key, certificate=cert, chain=_unique(chain, cert))


def _unique(certs: Iterable[asn1_x509.Certificate], leaf: asn1_x509.Certificate) -> tuple[asn1_x509.Certificate, ...]:
    seen = {leaf.sha256}
    out = []
    for cert in certs:
        if cert.sha256 not in seen:
            seen.add(cert.sha256)
            out.append(cert)
    return tuple(out)
