"""The guard proxy on its own: plain-http forwarding, CONNECT tunnels, refusals, and the TLS summary."""
from __future__ import annotations

import http.client
import socket
import ssl
from pathlib import Path

import pytest

from casework.capture.errors import AddressRefused
from casework.capture.policy import OutboundPolicy
from casework.capture.proxy import GuardProxy
from casework.capture.tls import describe_chain, summarise_security_details
from tests.unit.capture_helpers import FakeDNS, LocalPKI, Site, page

DNS = FakeDNS({"site.test": ["127.0.0.1"], "intranet.test": ["10.0.0.7"], "secure.test": ["127.0.0.1"]})
POLICY = OutboundPolicy(allowed_networks=("127.0.0.1/32",), resolver=DNS)


def test_plain_http_is_forwarded_to_the_checked_address_without_proxy_headers() -> None:
    site = Site({"/p": page("through")})
    try:
        with GuardProxy(POLICY) as proxy:
            conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
            conn.request("GET", f"http://site.test:{site.port}/p?x=1", headers={"Proxy-Connection": "keep-alive"})
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, b"through")
            assert proxy.address_of("site.test", site.port).ip == "127.0.0.1"
        method, path, headers, _ = site.seen[-1]
        assert (method, path, headers["Host"]) == ("GET", "/p?x=1", f"site.test:{site.port}")
        assert "Proxy-Connection" not in headers and headers["Connection"] == "close"
    finally:
        site.close()


def test_refused_http_request_gets_no_answer_and_is_recorded() -> None:
    with GuardProxy(POLICY) as proxy:
        conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
        conn.request("GET", "http://intranet.test/admin")
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            conn.getresponse()
        refusal = proxy.refusal_for("http://intranet.test/admin")
        assert refusal is not None and isinstance(refusal.error, AddressRefused)
        assert refusal.reason == "intranet.test resolves to 10.0.0.7, which is a private address (10.0.0.0/8)"


def test_connect_tunnels_keep_tls_end_to_end(tmp_path: Path) -> None:
    pki = LocalPKI(["secure.test"], tmp_path)
    site = Site({"/": page("secret")}, tls=pki.server_context())
    try:
        with GuardProxy(POLICY) as proxy:
            conn = http.client.HTTPSConnection("127.0.0.1", proxy.port, timeout=5,
                                               context=pki.client_context())
            conn.set_tunnel("secure.test", site.port)
            conn.request("GET", "/")
            assert conn.getresponse().read() == b"secret"
            tls_sock = conn.sock
            assert isinstance(tls_sock, ssl.SSLSocket) and tls_sock.server_hostname == "secure.test"
            refused = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
            refused.sendall(b"CONNECT 169.254.169.254:80 HTTP/1.1\r\nHost: 169.254.169.254:80\r\n\r\n")
            assert refused.recv(100).startswith(b"HTTP/1.1 403")
            refused.close()
            refusal = proxy.refusal_for("http://169.254.169.254/")
            assert refusal.reason == "169.254.169.254 is the cloud metadata address"
    finally:
        site.close()


def test_certificate_chain_description(tmp_path: Path) -> None:
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding

    pki = LocalPKI(["secure.test"], tmp_path)
    chain = describe_chain([base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in (pki.leaf, pki.ca)]
                           + [base64.b64encode(b"junk").decode()])
    assert chain[0]["subject"] == "CN=secure.test" and chain[0]["issuer"] == "CN=Capture Test CA"
    assert chain[0]["subject_alt_names"] == ["secure.test", "127.0.0.1"]
    assert chain[0]["sha256_fingerprint"] == pki.leaf_fingerprint()
    assert chain[0]["pem"].startswith("-----BEGIN CERTIFICATE-----") and chain[1]["subject"] == "CN=Capture Test CA"
    assert "unreadable certificate" in chain[2]["error"]
    summary = summarise_security_details({"protocol": "TLS 1.3", "subjectName": "secure.test", "issuer": "CA",
                                          "validFrom": 1763971200, "validTo": 1766563200})
    assert summary == {"protocol": "TLS 1.3", "subject": "secure.test", "issuer": "CA",
                       "valid_from": "2025-11-24T08:00:00Z", "valid_to": "2025-12-24T08:00:00Z"}
    assert summarise_security_details(None) is None
