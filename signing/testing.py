"""Test doubles that are real: an RFC 3161 timestamp authority over HTTP on loopback.

``LocalTSA`` answers ``application/timestamp-query`` POSTs with tokens signed by the TSA key it is
given (the development or test PKI's), so tests and benchmarks exercise the same HTTP timestamper
production uses, with no network beyond 127.0.0.1.
"""
from __future__ import annotations

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

from asn1crypto import tsp

from signing.keys import SignerKey, load_signer
from signing.tsa import issue_timestamp

__all__ = ["LocalTSA"]

_MAX_REQUEST = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real authorities offer
    disable_nagle_algorithm = True  # else a small reply waits on the client's delayed ACK (40 ms)
    server: "_Server"

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def do_POST(self) -> None:  # noqa: N802 -- http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/timestamp-query":
            return self._reply(415, "text/plain", b"expected application/timestamp-query")
        if not 0 < length <= _MAX_REQUEST:
            return self._reply(413, "text/plain", b"request too large or empty")
        body = self.rfile.read(length)
        try:
            request = tsp.TimeStampReq.load(body)
            request.native  # noqa: B018 -- parse fully now, so a bad request is refused here
        except ValueError:
            return self._reply(400, "text/plain", b"not a TimeStampReq")
        self.server.requests += 1
        clock = self.server.clock
        response = issue_timestamp(request, self.server.tsa, now=clock() if clock else None)
        self._reply(200, "application/timestamp-reply", response.dump())

    def _reply(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n" + body)  # headers and body in one write, one segment
        self.flush_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 -- quiet in tests
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    tsa: SignerKey
    clock: Optional[Callable[[], datetime]]
    requests: int = 0
    connections: int = 0


class LocalTSA:
    """``with LocalTSA(key_path, cert_path) as tsa: ... tsa.url ...`` -- a TSA on 127.0.0.1, free port."""

    def __init__(self, key_path: Union[str, Path, None] = None, cert_path: Union[str, Path, None] = None,
                 chain_paths: Sequence[Union[str, Path]] = (), *, key: Optional[SignerKey] = None,
                 clock: Optional[Callable[[], datetime]] = None):
        if key is None:
            if key_path is None or cert_path is None:
                raise ValueError("LocalTSA needs key_path and cert_path, or key")
            key = load_signer(key_path, cert_path, chain_paths)
        self.key = key
        self.clock = clock
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalTSA is not running (use it as a context manager)")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/tsa"

    @property
    def requests(self) -> int:
        """How many well-formed requests it has answered."""
        return self._server.requests if self._server else 0

    @property
    def connections(self) -> int:
        """How many TCP connections clients have opened to it."""
        return self._server.connections if self._server else 0

    def start(self) -> "LocalTSA":
        server = _Server(("127.0.0.1", 0), _Handler)
        server.tsa, server.clock = self.key, self.clock
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="local-tsa", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "LocalTSA":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
