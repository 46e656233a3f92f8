"""The WARC writer and readers, without a browser: synthetic exchanges in, `warcio check` out."""
from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from casework.capture.errors import WarcContentError
from casework.capture.recorder import Exchange
from casework.capture.warc import (CaptureWarc, extract_screenshot, read_capture_dom, read_capture_metadata,
                                   write_capture_warc)
from tests.unit.capture_helpers import make_png

WARCIO = Path(sys.executable).parent / "warcio"
AT = datetime(2026, 11, 20, 8, 30, 0, 123456, tzinfo=timezone.utc)


def warcio_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True)


def exchange(url: str, body: bytes, status: int = 200, headers=None, resource_type: str = "document") -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[(":authority", "site.test"), ("Accept", "*/*"),
                                                            ("Proxy-Connection", "keep-alive")],
                    request_body=None, status=status, status_text="",
                    response_headers=headers or [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                                 ("Content-Length", "31"), ("Set-Cookie", "a=1\nb=2")],
                    body=body, protocol="h2", server_ip="203.0.113.5", server_port=443, started_at=AT,
                    resource_type=resource_type)


def capture(metadata=None) -> CaptureWarc:
    return CaptureWarc(
        final_url="https://site.test/page",
        captured_at=AT,
        exchanges=[exchange("https://site.test/start", b"", 302, [("Location", "/page")]),
                   exchange("https://site.test/page", "<p>页面</p>".encode()),
                   exchange("https://site.test/a.png", make_png(), headers=[("Content-Type", "image/png")],
                            resource_type="image")],
        screenshot=make_png(40, 30), dom="<html><body><p>页面</p></body></html>",
        metadata=metadata if metadata is not None else {"format": "test", "server": {"ip": "203.0.113.5"}},
        software="Yidun Casework test")


@pytest.mark.parametrize("name", ["c.warc.gz", "c.warc"])
def test_written_file_passes_warcio_check_and_reads_back(tmp_path: Path, name: str) -> None:
    out = tmp_path / "sub" / name
    written = write_capture_warc(capture(), out)
    data = out.read_bytes()
    assert written.sha256 == hashlib.sha256(data).hexdigest() and written.size == len(data)
    assert (data[:2] == b"\x1f\x8b") == name.endswith(".gz")
    check = warcio_check(out)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout + check.stderr
    assert extract_screenshot(out) == make_png(40, 30)
    assert read_capture_dom(out) == "<html><body><p>页面</p></body></html>"
    assert read_capture_metadata(out) == {"format": "test", "server": {"ip": "203.0.113.5"}}
    assert written.records == 1 + 3 * 2 + 3
    assert [p.name for p in out.parent.iterdir()] == [name]  # no temp file left


def test_records_say_what_the_browser_decoded(tmp_path: Path) -> None:
    out = tmp_path / "c.warc.gz"
    write_capture_warc(capture(), out)
    with open(out, "rb") as stream:
        records = [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
                   for r in ArchiveIterator(stream)]
    assert [r[0] for r in records] == ["warcinfo", "response", "request", "response", "request", "response",
                                       "request", "resource", "resource", "metadata"]
    assert records[0][1].get_header("WARC-Type") == "warcinfo" and records[0][1].protocol == "WARC/1.1"
    _, rec, http, body = records[3]
    assert body == "<p>页面</p>".encode() and rec.get_header("WARC-IP-Address") == "203.0.113.5"
    assert rec.get_header("WARC-Protocol") == "h2" and rec.get_header("WARC-Date") == "2026-11-20T08:30:00.123456Z"
    assert http.get_header("Content-Encoding") is None and http.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert http.get_header("Content-Length") == str(len(body)) and http.statusline == "200 OK"
    assert [v for n, v in http.headers if n == "Set-Cookie"] == ["a=1", "b=2"]
    _, request_rec, request_http, _ = records[4]
    assert request_rec.get_header("WARC-Concurrent-To") == rec.get_header("WARC-Record-ID")
    assert request_http.protocol == "GET" and request_http.statusline == "/page HTTP/1.1"
    assert request_http.get_header("Host") == "site.test" and request_http.get_header("Proxy-Connection") is None
    screenshot, dom, metadata = records[7], records[8], records[9]
    assert screenshot[1].get_header("WARC-Target-URI") == "urn:screenshot:https://site.test/page"
    assert screenshot[1].get_header("WARC-Refers-To") == rec.get_header("WARC-Record-ID")
    assert dom[1].get_header("Content-Type") == "text/html; charset=utf-8"
    assert metadata[1].get_header("Content-Type") == "application/json"


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "c.warc.gz"
    with pytest.raises(TypeError):
        write_capture_warc(capture(metadata={"not json": object()}), out)
    assert list(tmp_path.iterdir()) == []


def test_readers_refuse_files_without_the_parts(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(gzip.compress(b"this is not a WARC"))
    with pytest.raises(WarcContentError, match="not a readable WARC"):
        extract_screenshot(garbage)
    without = capture()
    out = tmp_path / "no-shot.warc.gz"
    write_capture_warc(CaptureWarc(**{**without.__dict__, "screenshot": b"", "metadata": {"x": 1}}), out)
    with pytest.raises(WarcContentError, match="no screenshot"):
        # an empty PNG record is still a record; a WARC of another tool has none at all:
        extract_screenshot(_strip_screenshot(out, tmp_path / "stripped.warc.gz"))
    with pytest.raises(WarcContentError, match="no such file|not a readable"):
        read_capture_metadata(tmp_path / "missing.warc.gz")


def _strip_screenshot(source: Path, target: Path) -> Path:
    from warcio.warcwriter import WARCWriter

    with open(source, "rb") as inp, open(target, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for record in ArchiveIterator(inp):
            if record.rec_headers.get_header("Content-Type") != "image/png":
                writer.write_record(record)
    return target
