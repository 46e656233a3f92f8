"""safe_fetch and safe_post against a loopback site, with names mapped by a fake DNS."""
from __future__ import annotations

import hashlib
import http.server
from pathlib import Path
from typing import Iterator

import pytest

from casework.capture.errors import (AddressRefused, FetchError, FetchTimeout, ResponseTooLarge, TooManyRedirects,
                                     URLRefused)
from casework.capture.netguard import safe_fetch, safe_post
from casework.capture.policy import OutboundPolicy
from tests.unit.capture_helpers import FakeDNS, Site, LocalPKI, page, redirect, send, slow


def chunked(total: int):
    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        sent = 0
        try:
            while sent < total:
                piece = b"x" * min(8192, total - sent)
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
    return route


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    site = Site({
        "/": page("<h1>hello</h1>"),
        "/gone": page("gone", status=410),
        "/hop1": redirect("/hop2", 301),
        "/hop2": redirect("http://site.test:{port}/", 307),
        "/to-intranet": redirect("http://intranet.test/admin"),
        "/to-loopback": redirect("http://127.0.0.2/"),
        "/loop": redirect("/loop"),
        "/big": lambda h: send(h, 200, b"y" * 5000, "text/plain"),
        "/big-chunked": chunked(50_000),
        "/slow": slow(2.0),
        "/hook": lambda h: send(h, 202, b'{"ok":true}', "application/json"),
        "/hook-moved": redirect("http://site.test/elsewhere", 307),
    })
    # Routes that need the port are filled in once it is known.
    site.routes["/hop2"] = redirect(f"http://site.test:{site.port}/", 307)
    yield site
    site.close()


@pytest.fixture(scope="module")
def dns() -> FakeDNS:
    return FakeDNS({"site.test": ["127.0.0.1"], "intranet.test": ["10.0.0.7"], "secure.test": ["127.0.0.1"]})


@pytest.fixture(scope="module")
def guard(dns: FakeDNS) -> OutboundPolicy:
    """Loopback 127.0.0.1 stands in for the public internet; every other non-public address is refused."""
    return OutboundPolicy(allowed_networks=("127.0.0.1/32",), resolver=dns)


def test_fetch_reports_status_hash_size_and_server(site: Site, guard: OutboundPolicy) -> None:
    result = safe_fetch(f"http://site.test:{site.port}/", policy=guard, timeout=5)
    body = b"<h1>hello</h1>"
    assert (result.status, result.status_code, result.size) == (200, 200, len(body))
    assert result.sha256 == hashlib.sha256(body).hexdigest() and result.body == body
    assert (result.server_ip, result.server_port) == ("127.0.0.1", site.port)
    assert result.header("content-type") == "text/html; charset=utf-8" and result.elapsed > 0
    method, path, headers, _ = site.seen[-1]
    assert (method, path, headers["Host"]) == ("GET", "/", f"site.test:{site.port}")
    assert headers["Accept-Encoding"] == "identity" and headers["User-Agent"].startswith("YidunCasework/")


def test_error_status_is_an_answer_not_an_error(site: Site, guard: OutboundPolicy) -> None:
    assert safe_fetch(f"http://site.test:{site.port}/gone", policy=guard).status == 410
    assert safe_fetch(f"http://site.test:{site.port}/nothing", policy=guard).status == 404


def test_redirects_are_followed_and_listed(site: Site, guard: OutboundPolicy) -> None:
    result = safe_fetch(f"http://site.test:{site.port}/hop1", policy=guard)
    assert result.status == 200 and result.final_url == f"http://site.test:{site.port}/"
    assert result.redirects == (f"http://site.test:{site.port}/hop1", f"http://site.test:{site.port}/hop2")


def test_redirect_to_a_private_address_is_refused_before_connecting(site: Site, guard: OutboundPolicy) -> None:
    with pytest.raises(AddressRefused) as caught:
        safe_fetch(f"http://site.test:{site.port}/to-intranet", policy=guard)
    assert str(caught.value) == "intranet.test resolves to 10.0.0.7, which is a private address (10.0.0.0/8)"
    with pytest.raises(AddressRefused, match="127.0.0.2 is a loopback address"):
        safe_fetch(f"http://site.test:{site.port}/to-loopback", policy=guard)


def test_loopback_is_refused_unless_allowed(site: Site) -> None:
    with pytest.raises(AddressRefused, match="127.0.0.1 is a loopback address"):
        safe_fetch(f"http://127.0.0.1:{site.port}/")
    assert safe_fetch(f"http://127.0.0.1:{site.port}/", allow_private=True).status == 200


def test_other_schemes_are_refused() -> None:
    with pytest.raises(URLRefused, match="not scheme file"):
        safe_fetch("file:///etc/passwd")


def test_each_hop_is_resolved_once_and_connected_by_checked_address(site: Site, dns: FakeDNS) -> None:
    """DNS rebinding: a second, different answer must never be used. The fake DNS flips after one call."""
    answers = iter([["127.0.0.1"], ["10.0.0.8"], ["10.0.0.8"]])

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    rebind = OutboundPolicy(allowed_networks=("127.0.0.1/32",), resolver=rebinding)
    assert safe_fetch(f"http://flip.test:{site.port}/", policy=rebind).server_ip == "127.0.0.1"


def test_redirect_loops_stop(site: Site, guard: OutboundPolicy) -> None:
    with pytest.raises(TooManyRedirects, match="more than 3 redirects"):
        safe_fetch(f"http://site.test:{site.port}/loop", policy=guard, max_redirects=3)


def test_body_limit_stops_reading(site: Site, guard: OutboundPolicy) -> None:
    with pytest.raises(ResponseTooLarge, match="5000 bytes"):
        safe_fetch(f"http://site.test:{site.port}/big", policy=guard, max_bytes=4096)
    with pytest.raises(ResponseTooLarge, match="more than the limit of 20000"):
        safe_fetch(f"http://site.test:{site.port}/big-chunked", policy=guard, max_bytes=20_000)
    whole = safe_fetch(f"http://site.test:{site.port}/big-chunked", policy=guard, keep_body=False)
    assert whole.size == 50_000 and whole.body is None
    assert whole.sha256 == hashlib.sha256(b"x" * 50_000).hexdigest()


def test_timeout_is_a_budget_for_the_whole_fetch(site: Site, guard: OutboundPolicy) -> None:
    with pytest.raises(FetchTimeout):
        safe_fetch(f"http://site.test:{site.port}/slow", policy=guard, timeout=0.5)


def test_connection_refused_is_a_fetch_error(guard: OutboundPolicy) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="could not connect to site.test"):
        safe_fetch(f"http://site.test:{port}/", policy=guard, timeout=2)


def test_post_sends_body_and_headers_once(site: Site, guard: OutboundPolicy) -> None:
    body = b'{"type":"case.stage_changed"}'
    result = safe_post(f"http://site.test:{site.port}/hook", body,
                       {"Content-Type": "application/json", "X-Yidun-Signature": "sha256=ab"}, policy=guard)
    assert result.status == 202 and result.body == b'{"ok":true}'
    method, path, headers, received = site.seen[-1]
    assert (method, path, received, headers["X-Yidun-Signature"]) == ("POST", "/hook", body, "sha256=ab")
    moved = safe_post(f"http://site.test:{site.port}/hook-moved", body, policy=guard)
    assert moved.status == 307 and site.seen[-1][1] == "/hook-moved"  # not followed
    with pytest.raises(AddressRefused, match="loopback"):
        safe_post(f"http://127.0.0.1:{site.port}/hook", body)


def test_https_verifies_the_certificate_against_the_host_name(tmp_path: Path, guard: OutboundPolicy) -> None:
    pki = LocalPKI(["secure.test"], tmp_path)
    secure = Site({"/": page("secret")}, tls=pki.server_context())
    try:
        result = safe_fetch(f"https://secure.test:{secure.port}/", policy=guard, ssl_context=pki.client_context())
        assert result.status == 200 and result.body == b"secret"
        with pytest.raises(FetchError, match="certificate of secure.test is not valid"):
            safe_fetch(f"https://secure.test:{secure.port}/", policy=guard, timeout=3)  # system CAs: not trusted
        with pytest.raises(FetchError, match="certificate of site.test is not valid"):
            safe_fetch(f"https://site.test:{secure.port}/", policy=guard, ssl_context=pki.client_context())
    finally:
        secure.close()


@pytest.mark.parametrize("version", ["HTTP/1.0", "HTTP/1.1"])
def test_answers_that_close_the_connection_are_read_whole(version: str, guard: OutboundPolicy) -> None:
    """http.client closes the socket itself after a known-length (or empty) body: no EBADF then."""
    old = Site({"/here": page("the infringing copy"), "/empty": lambda h: send(h, 404, b"", "text/plain")},
               http_version=version)
    try:
        here = safe_fetch(f"http://site.test:{old.port}/here", policy=guard)
        assert (here.status, here.body) == (200, b"the infringing copy")
        empty = safe_fetch(f"http://site.test:{old.port}/empty", policy=guard)
        assert (empty.status, empty.size, empty.body) == (404, 0, b"")
        assert empty.sha256 == hashlib.sha256(b"").hexdigest()
    finally:
        old.close()
