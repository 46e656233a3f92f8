"""An RFC 3161 timestamp authority in a function: request in, signed response out.

Used by the in-process timestamper (a fresh install with no TSA service still gets real B-T
signatures from the development TSA key) and by ``signing.testing.LocalTSA`` (the same over HTTP
on loopback). pyHanko's ``DummyTimeStamper`` is RSA-only and re-parses its key for every token;
this one takes the parsed ``SignerKey`` (ECDSA P-256 for the development TSA) and checks the request.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from typing import Optional

from asn1crypto import algos, cms, core, tsp
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

from signing.keys import SignerKey

__all__ = ["issue_timestamp", "POLICY_OID", "ACCEPTED_DIGESTS"]

#: TSA policy of the development authority (under 2.999, the arc ITU-T reserves for examples).
POLICY_OID = "2.999.5.1"
#: Message-imprint algorithms the authority accepts (SHA-1 is refused as too weak to anchor evidence).
ACCEPTED_DIGESTS = {"sha256": 32, "sha384": 48, "sha512": 64}


def _rejection(fail_info: str, text: str) -> tsp.TimeStampResp:
    return tsp.TimeStampResp({"status": tsp.PKIStatusInfo({
        "status": "rejection", "status_string": [text], "fail_info": tsp.PKIFailureInfo({fail_info}),
    })})


def _signature_algorithm(tsa: SignerKey) -> str:
    algo = tsa.certificate.public_key.algorithm
    return {"ec": "sha256_ecdsa", "rsa": "sha256_rsa", "ed25519": "ed25519"}.get(algo, "sha256_ecdsa")


def _sign(tsa: SignerKey, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = tsa.private_key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def issue_timestamp(request: tsp.TimeStampReq, tsa: SignerKey, *, now: Optional[datetime] = None) -> tsp.TimeStampResp:
    """A granted TimeStampResp for a well-formed request, else a rejection saying why.

    The token carries the TSA certificate and chain (the request's certReq is always honoured:
    validators need them), the request's nonce, a random serial and ``now`` (default: the clock).
    """
    try:
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        nonce = request["nonce"].native
        version = request["version"].native
    except (ValueError, TypeError, KeyError) as exc:
        return _rejection("bad_data_format", f"unreadable request: {exc}")
    if version != "v1":
        return _rejection("bad_data_format", "only version 1 requests are understood")
    if algorithm not in ACCEPTED_DIGESTS:
        return _rejection("bad_alg", f"message imprint algorithm {algorithm} is not accepted")
    if not isinstance(digest, bytes) or len(digest) != ACCEPTED_DIGESTS[algorithm]:
        return _rejection("bad_data_format", "the message imprint has the wrong length for its algorithm")
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    info = {
        "version": "v1",
        "policy": POLICY_OID,
        "message_imprint": imprint,
        "serial_number": secrets.randbits(63) | 1 << 62,
        "gen_time": when,
        "tsa": {"directory_name": tsa.certificate.subject},
    }
    if nonce is not None:
        info["nonce"] = nonce
    tst_info = tsp.TSTInfo(info).dump()
    signed_attrs = cms.CMSAttributes([
        simple_cms_attribute("content_type", "tst_info"),
        simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(when)})),
        simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(tsa.certificate)),
        simple_cms_attribute("message_digest", hashlib.sha256(tst_info).digest()),
    ])
    sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": tsa.certificate.issuer, "serial_number": tsa.certificate.serial_number})}),
        "digest_algorithm": sha256,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": _signature_algorithm(tsa)}),
        "signed_attrs": signed_attrs,
        "signature": _sign(tsa, signed_attrs.dump()),
    })
    signed_data = cms.SignedData({
        "version": "v3",
        "digest_algorithms": cms.DigestAlgorithms([sha256]),
        "encap_content_info": cms.EncapsulatedContentInfo({
            "content_type": "tst_info", "content": cms.ParsableOctetString(tst_info)}),
        "certificates": [tsa.certificate, *tsa.chain],
        "signer_infos": [signer_info],
    })
    token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return tsp.TimeStampResp({"status": tsp.PKIStatusInfo({"status": "granted"}), "time_stamp_token": token})
