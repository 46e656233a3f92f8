"""RFC 3161 timestamping: over HTTP from a TSA service, or in-process from the development TSA key.

Both are pyHanko ``TimeStamper`` objects (what ``SignProfile.timestamper`` takes). The HTTP one uses
the standard library, so no HTTP client library is needed, with a timeout and a response size cap.
``timestamp_bytes`` timestamps arbitrary bytes (the ledger's checkpoints) and returns the DER token.
"""
from __future__ import annotations

import hashlib
import http.client
import threading
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

from asn1crypto import cms, tsp
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, handle_tsp_response

from signing.errors import TimestampError
from signing.keys import SignerKey, load_signer
from signing.tsa import issue_timestamp

__all__ = ["Timestamper", "HttpTimestamper", "InProcessTimestamper", "http_timestamper", "local_timestamper",
           "timestamp_bytes", "MAX_RESPONSE_BYTES"]

Timestamper = TimeStamper
MAX_RESPONSE_BYTES = 1024 * 1024  # a token with a long chain is a few KiB; refuse to buffer more


class HttpTimestamper(TimeStamper):
    """RFC 3161 over HTTP(S) POST (``application/timestamp-query``).

    Each thread keeps its connection open between signatures (HTTP/1.1 keep-alive), so a bulk run
    against a remote HTTPS authority pays the TCP and TLS handshakes once per thread, not per letter.
    A connection the server has closed meanwhile is reopened once and the request sent again (a
    second token for the same digest is harmless). Certificates of an HTTPS authority are verified
    against the system's CA store. Proxies are not used: the authority is reached directly.
    """

    def __init__(self, url: str, *, timeout: float = 10.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise TimestampError(f"a timestamp authority URL must be http(s)://host/..., not {url!r}")
        super().__init__(include_nonce=True)
        self.url = url
        self.timeout = timeout
        self._https = parts.scheme.lower() == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = self._local.conn = cls(self._host, self._port, timeout=self.timeout)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _exchange(self, body: bytes) -> tuple[int, str, bytes]:
        for attempt in (1, 2):
            conn = self._connection()
            reused = conn.sock is not None
            try:
                conn.request("POST", self._path, body=body, headers={
                    "Content-Type": "application/timestamp-query", "Content-Length": str(len(body))})
                response = conn.getresponse()
                data = response.read(MAX_RESPONSE_BYTES + 1)
                if response.will_close or len(data) > MAX_RESPONSE_BYTES:
                    self._drop()
                return response.status, response.getheader("Content-Type", ""), data
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                if attempt == 2 or not reused:  # a fresh connection that fails is a real failure
                    raise TimestampRequestError(f"timestamp authority {self.url} unreachable: {exc}") from None
        raise TimestampRequestError(f"timestamp authority {self.url} unreachable")  # not reached

    def post(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """Send one request and parse the reply; TimestampRequestError (an IOError) on failure."""
        status, content_type, body = self._exchange(request.dump())
        if status != 200:
            raise TimestampRequestError(f"timestamp authority {self.url} answered HTTP {status}")
        if content_type.split(";")[0].strip().lower() != "application/timestamp-reply":
            raise TimestampRequestError(f"timestamp authority {self.url} answered {content_type or 'no content type'}")
        if len(body) > MAX_RESPONSE_BYTES:
            raise TimestampRequestError(f"timestamp authority {self.url} answered more than {MAX_RESPONSE_BYTES} bytes")
        try:
            return tsp.TimeStampResp.load(body)
        except ValueError as exc:
            raise TimestampRequestError(f"timestamp authority {self.url} sent an unreadable reply: {exc}") from None

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        # pyHanko runs one signature per event loop; a blocking call here is the simplest correct thing
        return self.post(req)


class InProcessTimestamper(TimeStamper):
    """Tokens signed here with a TSA key (the development TSA): no service to run."""

    def __init__(self, tsa: SignerKey, *, clock: Optional[Callable[[], datetime]] = None):
        super().__init__(include_nonce=True)
        self.tsa = tsa
        self.clock = clock

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return issue_timestamp(req, self.tsa, now=self.clock() if self.clock else None)


def http_timestamper(url: str, *, timeout: float = 10.0) -> HttpTimestamper:
    """A timestamper asking the RFC 3161 authority at ``url``."""
    return HttpTimestamper(url, timeout=timeout)


def local_timestamper(key_path: Union[str, Path], cert_path: Union[str, Path],
                      chain_paths: Sequence[Union[str, Path]] = (), *,
                      clock: Optional[Callable[[], datetime]] = None) -> InProcessTimestamper:
    """A timestamper signing tokens in this process with the TSA key and certificate given."""
    return InProcessTimestamper(load_signer(key_path, cert_path, chain_paths), clock=clock)


def timestamp_bytes(data: bytes, url: str, *, timeout: float = 10.0) -> bytes:
    """The DER TimeStampToken (a CMS ContentInfo) over SHA-256 of ``data`` from the TSA at ``url``.

    Raises TimestampError when the authority is unreachable, refuses, or answers with a token for
    something else (wrong nonce or imprint).
    """
    stamper = HttpTimestamper(url, timeout=timeout)
    digest = hashlib.sha256(data).digest()
    nonce, request = stamper.request_cms(digest, "sha256")
    try:
        token: cms.ContentInfo = handle_tsp_response(stamper.post(request), nonce)
        imprint = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]
    except (TimestampRequestError, ValueError, KeyError) as exc:
        raise TimestampError(str(exc)) from None
    if imprint["hashed_message"].native != digest:
        raise TimestampError(f"timestamp authority {url} returned a token for other data")
    return token.dump()
