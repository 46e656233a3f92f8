"""Writing a capture as one WARC 1.1 file, and reading the parts back out.

Layout of a capture file (gzip per record when the name ends in .gz):

    warcinfo                      what wrote the file
    response + request, ...       every archived exchange, in the order the browser got them
    resource  urn:screenshot:URL  full-page PNG
    resource  urn:dom:URL         the rendered HTML (DOM after load), UTF-8
    metadata  URL                 JSON: capture environment, TLS, server address, refusals

The browser hands us bodies already decoded (gzip, chunking undone), so Content-Encoding and
Transfer-Encoding are kept only as X-Archive-Orig-* headers (the pywb convention) and
Content-Length states the archived length; otherwise replay tools would try to decode them again.
The file is written beside its destination, fsynced and renamed, so a reader never sees half of it.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Optional, Union
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from casework.capture.errors import WarcContentError
from casework.capture.recorder import Exchange

__all__ = ["WarcFile", "CaptureWarc", "write_capture_warc", "extract_screenshot", "read_capture_metadata",
           "read_capture_dom", "SCREENSHOT_PREFIX", "DOM_PREFIX", "METADATA_CONTENT_TYPE"]

SCREENSHOT_PREFIX = "urn:screenshot:"
DOM_PREFIX = "urn:dom:"
METADATA_CONTENT_TYPE = "application/json"
_DECODED_BY_BROWSER = {"content-encoding", "transfer-encoding"}


@dataclass(frozen=True)
class WarcFile:
    path: Path
    sha256: str
    size: int
    records: int


@dataclass(frozen=True)
class CaptureWarc:
    """The parts of one capture, ready to be written."""

    final_url: str
    captured_at: datetime
    exchanges: list[Exchange]
    screenshot: bytes
    dom: str
    metadata: dict[str, Any]
    software: str


class _HashingFile:
    """A write-only file wrapper that hashes and counts what goes through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _date(moment: datetime) -> str:
    return datetime_to_iso_date(moment.astimezone(timezone.utc).replace(tzinfo=None), use_micros=True)


def _clean(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop HTTP/2 pseudo-headers and split folded values: WARC holds HTTP/1.1-style headers."""
    out = []
    for name, value in headers:
        if not name or name.startswith(":") or any(c in name for c in " \r\n:"):
            continue
        out.extend((name, part) for part in str(value).replace("\r", "").split("\n"))
    return out


def _response_headers(exchange: Exchange) -> StatusAndHeaders:
    headers = []
    for name, value in _clean(exchange.response_headers):
        lower = name.lower()
        if lower in _DECODED_BY_BROWSER or lower == "content-length":
            headers.append((f"X-Archive-Orig-{name}", value))
        else:
            headers.append((name, value))
    headers.append(("Content-Length", str(len(exchange.body))))
    reason = exchange.status_text
    if not reason:
        try:
            reason = HTTPStatus(exchange.status).phrase
        except ValueError:
            reason = "Unknown"
    return StatusAndHeaders(f"{exchange.status} {reason}", headers, protocol="HTTP/1.1")


def _request_headers(exchange: Exchange) -> StatusAndHeaders:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # Proxy-* headers went to the capture's own guard proxy, never to the site: not part of the record.
    headers = [(n, v) for n, v in _clean(exchange.request_headers) if not n.lower().startswith("proxy-")]
    if not any(n.lower() == "host" for n, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(f"{exchange.method} {target} HTTP/1.1", headers, is_http_request=True)


def _write_records(writer: WARCWriter, capture: CaptureWarc, filename: str) -> int:
    info = {"software": capture.software, "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "description": f"Web evidence capture of {capture.final_url}"}
    writer.write_record(writer.create_warcinfo_record(filename, info))
    count, main_id = 1, None
    for exchange in capture.exchanges:
        common = {"WARC-Date": _date(exchange.started_at)}
        response_headers = dict(common)
        if exchange.server_ip:
            response_headers["WARC-IP-Address"] = exchange.server_ip
        response_headers["WARC-Protocol"] = exchange.protocol
        response = writer.create_warc_record(exchange.url, "response", payload=BytesIO(exchange.body),
                                             length=len(exchange.body), http_headers=_response_headers(exchange),
                                             warc_headers_dict=response_headers)
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        if exchange.url == capture.final_url and exchange.resource_type == "document":
            main_id = response_id
        body = exchange.request_body or b""
        request = writer.create_warc_record(exchange.url, "request", payload=BytesIO(body), length=len(body),
                                            http_headers=_request_headers(exchange),
                                            warc_headers_dict={**common, "WARC-Concurrent-To": response_id})
        writer.write_record(response)
        writer.write_record(request)
        count += 2
    at = {"WARC-Date": _date(capture.captured_at)}
    if main_id:
        at["WARC-Refers-To"] = main_id
    dom = capture.dom.encode("utf-8")
    for uri, payload, content_type in (
        (SCREENSHOT_PREFIX + capture.final_url, capture.screenshot, "image/png"),
        (DOM_PREFIX + capture.final_url, dom, "text/html; charset=utf-8"),
        (capture.final_url, json.dumps(capture.metadata, ensure_ascii=False, indent=1).encode("utf-8"),
         METADATA_CONTENT_TYPE),
    ):
        kind = "metadata" if content_type == METADATA_CONTENT_TYPE else "resource"
        writer.write_record(writer.create_warc_record(uri, kind, payload=BytesIO(payload), length=len(payload),
                                                      warc_content_type=content_type, warc_headers_dict=dict(at)))
        count += 1
    return count


def write_capture_warc(capture: CaptureWarc, out_path: Union[str, Path]) -> WarcFile:
    """Write the capture to `out_path` atomically; its SHA-256 and size are of the final file."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            hashing = _HashingFile(raw)
            writer = WARCWriter(hashing, gzip=out_path.name.endswith(".gz"), warc_version="1.1")
            records = _write_records(writer, capture, out_path.name)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temp, out_path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(out_path.parent)
    return WarcFile(out_path, hashing.digest.hexdigest(), hashing.size, records)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _records(path: Union[str, Path]) -> Iterator[tuple[str, str, str, bytes]]:
    """(type, target URI, content type, block) of each record; WarcContentError if unreadable."""
    name = Path(path).name
    count = 0
    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.format != "warc":  # warcio falls back to ARC for anything it cannot parse
                    raise ValueError(f"record {count + 1} is not a WARC record")
                headers = record.rec_headers
                count += 1
                yield (record.rec_type, headers.get_header("WARC-Target-URI") or "",
                       headers.get_header("Content-Type") or "", record.content_stream().read())
    except (OSError, EOFError, ValueError, zlib.error, ArchiveLoadFailed, StatusAndHeadersParserException) as exc:
        raise WarcContentError(f"{name} is not a readable WARC file: {exc}") from None
    if count == 0:
        raise WarcContentError(f"{name} is not a readable WARC file: it holds no records")


def _find(path: Union[str, Path], kind: str, prefix: Optional[str], content_type: str, what: str) -> bytes:
    for rec_type, uri, ctype, block in _records(path):
        if rec_type == kind and ctype.startswith(content_type) and (prefix is None or uri.startswith(prefix)):
            return block
    raise WarcContentError(f"{Path(path).name} holds no {what}")


def extract_screenshot(path: Union[str, Path]) -> bytes:
    """The full-page PNG of a capture file."""
    return _find(path, "resource", SCREENSHOT_PREFIX, "image/png", "screenshot")


def read_capture_dom(path: Union[str, Path]) -> str:
    """The rendered HTML of a capture file."""
    return _find(path, "resource", DOM_PREFIX, "text/html", "rendered HTML").decode("utf-8")


def read_capture_metadata(path: Union[str, Path]) -> dict[str, Any]:
    """The capture-environment JSON of a capture file."""
    block = _find(path, "metadata", None, METADATA_CONTENT_TYPE, "capture metadata record")
    try:
        return json.loads(block)
    except ValueError as exc:
        raise WarcContentError(f"the capture metadata of {Path(path).name} is not JSON: {exc}") from None
