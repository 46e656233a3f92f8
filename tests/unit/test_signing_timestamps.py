"""RFC 3161 timestamps: arbitrary bytes over HTTP from the loopback TSA, and what the TSA refuses."""
from __future__ import annotations

import hashlib
import socket
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest
from asn1crypto import cms, tsp

from signing import TimestampError, timestamp_bytes
from signing.testing import LocalTSA
from signing.tsa import issue_timestamp
from tests.signing_fixtures import local_tsa, signer_key, signing_pki  # noqa: F401


def _verify_token(der: bytes, data: bytes, tsa_cert_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    token = cms.ContentInfo.load(der)
    signed = token["content"]
    info = signed["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(data).digest()
    [signer_info] = signed["signer_infos"]
    attrs = signer_info["signed_attrs"]
    digest = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"][0]
    assert digest == hashlib.sha256(signed["encap_content_info"]["content"].contents).digest()
    cert = x509.load_pem_x509_certificate(tsa_cert_path.read_bytes())
    signed_bytes = b"\x31" + attrs.dump()[1:]  # signed as a SET OF, stored as [0] IMPLICIT
    cert.public_key().verify(signer_info["signature"].native, signed_bytes, ec.ECDSA(hashes.SHA256()))
    return info


def test_timestamp_bytes_returns_a_verifiable_token(local_tsa, signing_pki):
    data = "检查点 checkpoint\n".encode()
    info = _verify_token(timestamp_bytes(data, local_tsa.url), data, signing_pki.tsa_cert)
    assert abs((info["gen_time"].native - datetime.now(timezone.utc)).total_seconds()) < 60


def test_fixed_clock(signing_pki):
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    with LocalTSA(signing_pki.tsa_key, signing_pki.tsa_cert, clock=lambda: at) as tsa:
        info = _verify_token(timestamp_bytes(b"x", tsa.url), b"x", signing_pki.tsa_cert)
    assert info["gen_time"].native == at


def test_unreachable_or_wrong_service_is_a_timestamp_error(local_tsa):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TimestampError, match="unreachable"):
        timestamp_bytes(b"x", f"http://127.0.0.1:{port}/")
    with pytest.raises(TimestampError):
        timestamp_bytes(b"x", "ftp://example.invalid/")


def test_tsa_refuses_wrong_content_type_and_weak_digests(local_tsa, signer_key):
    request = urllib.request.Request(local_tsa.url, data=b"hello", headers={"Content-Type": "text/plain"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)
    assert err.value.code == 415
    weak = tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha1"}, "hashed_message": hashlib.sha1(b"x").digest()}})
    assert issue_timestamp(weak, signer_key)["status"]["status"].native == "rejection"
    short = tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": b"short"}})
    assert issue_timestamp(short, signer_key)["status"]["status"].native == "rejection"


def test_http_timestamper_keeps_its_connection_and_recovers_a_stale_one(local_tsa):
    from signing import http_timestamper

    stamper = http_timestamper(local_tsa.url)
    opened = local_tsa.connections

    def stamp():
        nonce, request = stamper.request_cms(hashlib.sha256(b"x").digest(), "sha256")
        return stamper.post(request)

    for _ in range(3):
        assert stamp()["status"]["status"].native == "granted"
    assert local_tsa.connections == opened + 1  # one connection for three tokens
    stamper._local.conn.sock.close()  # as if the server had dropped the idle connection
    assert stamp()["status"]["status"].native == "granted"
    assert local_tsa.connections == opened + 2
