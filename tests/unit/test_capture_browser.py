"""Real Chromium captures of a loopback site: one browser for the whole module, a handful of captures.

Skipped when Debian's Chromium is not installed. No browser download, no traffic beyond 127.0.0.1:
names are mapped by FakeDNS, and private targets are refused before any connection.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from warcio.archiveiterator import ArchiveIterator

from casework.capture import (AddressRefused, Capturer, CaptureSettings, FetchTimeout, ResolutionError,
                              extract_screenshot, read_capture_dom, read_capture_metadata)
from tests.unit.capture_helpers import FakeDNS, LocalPKI, Site, make_png, page, redirect, send, slow

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
WARCIO = Path(sys.executable).parent / "warcio"
IMAGE = make_png(6, 4)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    site = Site({
        "/start": redirect("/clean"),
        "/image.png": lambda h: send(h, 200, IMAGE, "image/png"),
        "/missing": page("<h1>Not found</h1>", status=404),
        "/to-intranet": redirect("http://intranet.test/admin"),
        "/hang": slow(5.0),
    })
    body = ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>侵权页面</title></head>"
            "<body style='height:1500px'><h1>盗版内容 Episode 1</h1><img src='/image.png' width='60'>")
    site.routes["/clean"] = page(body + "</body></html>")
    site.routes["/page"] = page(body + f"<img src='http://intranet.test:{site.port}/secret.png'></body></html>")
    yield site
    site.close()


@pytest.fixture(scope="module")
def dns() -> FakeDNS:
    return FakeDNS({"site.test": ["127.0.0.1"], "secure.test": ["127.0.0.1"], "intranet.test": ["10.0.0.7"]})


@pytest.fixture(scope="module")
def settings(dns: FakeDNS) -> CaptureSettings:
    """site.test on loopback stands in for a public site; everything else non-public is refused."""
    return CaptureSettings(allowed_networks=("127.0.0.1/32",), resolver=dns, chromium_path=CHROMIUM,
                           navigation_timeout=10, settle_timeout=1)


@pytest.fixture(scope="module")
def capturer(settings: CaptureSettings) -> Iterator[Capturer]:
    with Capturer(settings) as capturer:
        yield capturer


def records(path: Path) -> list[tuple[str, str, object, bytes]]:
    with open(path, "rb") as stream:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r, r.content_stream().read())
                for r in ArchiveIterator(stream)]


def test_capture_with_allow_private_writes_a_complete_checked_warc(capturer: Capturer, site: Site,
                                                                    tmp_path: Path) -> None:
    """The brief's own case: 127.0.0.1 allowed by ALLOW_PRIVATE_URLS, a redirect and an image."""
    out = tmp_path / "capture.warc.gz"
    private = CaptureSettings(allow_private=True, chromium_path=CHROMIUM, navigation_timeout=10, settle_timeout=1)
    url = f"http://127.0.0.1:{site.port}/start"
    result = capturer.capture(url, out, private)

    base = f"http://127.0.0.1:{site.port}"
    assert (result.final_url, result.status, result.title) == (f"{base}/clean", 200, "侵权页面")
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest() and result.size == out.stat().st_size
    assert (result.server_ip, result.server_port) == ("127.0.0.1", site.port)
    check = subprocess.run([str(WARCIO), "check", "-v", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    found = records(out)
    kinds = [(kind, uri) for kind, uri, _, _ in found]
    assert kinds[0][0] == "warcinfo"
    for path in ("/start", "/clean", "/image.png"):
        assert ("response", base + path) in kinds and ("request", base + path) in kinds
    image = next(body for kind, uri, _, body in found if kind == "response" and uri == f"{base}/image.png")
    assert image == IMAGE
    redirect_record = next(r for kind, uri, r, _ in found if kind == "response" and uri == f"{base}/start")
    assert redirect_record.http_headers.get_statuscode() == "302"
    assert redirect_record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"

    from PIL import Image

    shot = Image.open(io.BytesIO(extract_screenshot(out)))
    shot.verify()
    assert shot.format == "PNG" and shot.size[0] == 1280 and shot.size[1] >= 1500  # full page, not the viewport
    assert hashlib.sha256(extract_screenshot(out)).hexdigest() == result.screenshot_sha256
    assert "盗版内容 Episode 1" in read_capture_dom(out)

    meta = read_capture_metadata(out)
    assert meta["server"] == {"ip": "127.0.0.1", "port": site.port} and meta["tls"] is None
    assert meta["redirects"] == [f"{base}/start"] and meta["status"] == 200
    assert set(meta["software"]) >= {"casework", "chromium", "playwright", "python"}
    assert meta["software"]["chromium"] and meta["captured_at"].endswith("Z")
    assert meta["clock"]["source"].startswith("system clock")
    assert meta["browser"]["viewport"] == {"width": 1280, "height": 800} and "Chrome" in meta["browser"]["user_agent"]


def test_refused_subresources_are_listed_and_not_fetched(capturer: Capturer, site: Site, tmp_path: Path) -> None:
    result = capturer.capture(f"http://site.test:{site.port}/page", tmp_path / "c.warc.gz")
    assert result.status == 200 and result.resources == 2  # the page and its allowed image
    refused = {r.url: r.reason for r in result.refused}
    assert refused == {f"http://intranet.test:{site.port}/secret.png":
                       "intranet.test resolves to 10.0.0.7, which is a private address (10.0.0.0/8)"}
    assert read_capture_metadata(result.path)["refused"] == [{"url": u, "reason": r} for u, r in refused.items()]


def test_webrtc_sends_nothing_around_the_guard(capturer: Capturer, site: Site, tmp_path: Path) -> None:
    """A captured page's script must not reach hosts by WebRTC: its UDP (STUN/TURN) would leave Chromium directly,
    past the guard proxy that checks every address. The listener on 127.0.0.1 is only the observable stand-in
    for an internal host (10.x, 169.254.169.254) the same script could name."""
    import socket
    import time

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        udp.settimeout(0.2)
        script = ("<script>const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.1:%d'}]});"
                  "pc.createDataChannel('x'); pc.createOffer().then(o => pc.setLocalDescription(o));</script>"
                  % udp.getsockname()[1])
        site.routes["/rtc"] = page("<!doctype html><html><body><h1>RTC</h1>" + script + "</body></html>")
        result = capturer.capture(f"http://site.test:{site.port}/rtc", tmp_path / "rtc.warc.gz")
        assert result.status == 200
        received, until = [], time.monotonic() + 1.5
        while time.monotonic() < until:
            try:
                received.append(udp.recvfrom(2048))
            except socket.timeout:
                pass
    assert received == []


def test_loopback_is_refused_without_the_allowance(capturer: Capturer, site: Site, tmp_path: Path) -> None:
    out = tmp_path / "refused.warc.gz"
    with pytest.raises(AddressRefused) as caught:
        capturer.capture(f"http://127.0.0.1:{site.port}/page", out, CaptureSettings(chromium_path=CHROMIUM))
    assert str(caught.value) == "127.0.0.1 is a loopback address"
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_redirect_to_a_private_host_fails_the_capture(capturer: Capturer, site: Site, tmp_path: Path) -> None:
    out = tmp_path / "redirected.warc.gz"
    with pytest.raises(AddressRefused) as caught:
        capturer.capture(f"http://site.test:{site.port}/to-intranet", out)
    assert str(caught.value) == ("the page redirected to http://intranet.test/admin, but intranet.test resolves to "
                                 "10.0.0.7, which is a private address (10.0.0.0/8)")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ResolutionError, match="could not resolve nowhere.test"):
        capturer.capture("http://nowhere.test/", out)


def test_error_status_is_captured_and_timeouts_fail_clearly(capturer: Capturer, site: Site,
                                                             settings: CaptureSettings, tmp_path: Path) -> None:
    result = capturer.capture(f"http://site.test:{site.port}/missing", tmp_path / "404.warc.gz")
    assert result.status == 404 and read_capture_metadata(result.path)["status"] == 404
    quick = dataclasses.replace(settings, navigation_timeout=1.5)
    with pytest.raises(FetchTimeout, match="did not load within 1.5 s"):
        capturer.capture(f"http://site.test:{site.port}/hang", tmp_path / "hang.warc.gz", quick)


def test_https_capture_records_tls_and_the_certificate_chain(capturer: Capturer, settings: CaptureSettings,
                                                             tmp_path: Path) -> None:
    pki = LocalPKI(["secure.test"], tmp_path)
    secure = Site({"/": page("<title>secure</title><p>over TLS</p>")}, tls=pki.server_context())
    try:
        trusting = dataclasses.replace(settings, ignore_https_errors=True)  # our test CA is not in Chromium's store
        result = capturer.capture(f"https://secure.test:{secure.port}/", tmp_path / "tls.warc.gz", trusting)
    finally:
        secure.close()
    tls = result.metadata["tls"]
    assert result.status == 200 and tls["security_details"]["protocol"].startswith("TLS 1.")
    assert tls["security_details"]["subject"] == "secure.test"
    assert tls["certificate_chain"][0]["sha256_fingerprint"] == pki.leaf_fingerprint()
    assert read_capture_metadata(result.path)["tls"] == tls
    assert (result.server_ip, result.server_port) == ("127.0.0.1", secure.port)
