"""A loopback HTTP proxy that is the capturing browser's only way out.

Playwright's page routing sees the first request of each fetch but not the hops of a redirect
(Playwright issues #3993, #33882: "as designed"), nor WebSocket or worker traffic that bypasses the
page, and Chromium would resolve names itself, so a DNS answer could change between our check and
its connection. So each capture's browser context is pointed at its own `GuardProxy`: every
connection Chromium opens (CONNECT for https and wss, absolute-form requests for plain http) is
checked by the `OutboundPolicy`, and the proxy connects to exactly the checked addresses. TLS stays
end to end inside CONNECT tunnels, so the browser still sees and reports the real certificates.

The proxy records, per host and port, the address it connected to (the "resolved server IP" of
the capture's metadata) and every refusal with its reason. A refused CONNECT gets 403; a refused
plain-http request has its connection closed without an answer, so the browser reports a network
error instead of mistaking a proxy reply for the site's.
"""
from __future__ import annotations

import selectors
import socket
import socketserver
import threading
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from casework.capture.errors import CaptureError
from casework.capture.policy import OutboundPolicy

__all__ = ["GuardProxy", "Refusal", "Connection"]

_MAX_HEAD = 64 * 1024
_HOP_BY_HOP = {"proxy-connection", "proxy-authorization", "connection", "keep-alive"}


@dataclass(frozen=True)
class Refusal:
    """A request the policy refused: what was asked for, and why not (the error to raise for it)."""

    url: str
    reason: str
    error: CaptureError


@dataclass(frozen=True)
class Connection:
    """A connection the proxy made for the browser: which checked address served host:port."""

    host: str
    port: int
    ip: str
    ip_port: int


class GuardProxy:
    """Start with `start()` (returns the proxy URL), stop with `close()`; safe to close twice."""

    def __init__(self, policy: OutboundPolicy, *, connect_timeout: float = 15.0, idle_timeout: float = 60.0) -> None:
        self.policy = policy
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        self.refusals: list[Refusal] = []
        self.connections: list[Connection] = []
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._server: Optional[socketserver.ThreadingTCPServer] = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> str:
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._serve(self.request)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler, bind_and_activate=True)
        server.daemon_threads = True
        self._server = server
        # A short poll interval: close() waits for the serving loop to notice, once per capture.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="capture-proxy", daemon=True)
        self._thread.start()
        return self.url

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Where the browser should send its traffic (valid while the proxy runs)."""
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        with self._lock:
            sockets, self._sockets = list(self._sockets), set()
        for sock in sockets:
            _close(sock)

    def __enter__(self) -> "GuardProxy":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def refusal_for(self, url: str) -> Optional[Refusal]:
        """The refusal recorded for `url` (or for its host and port, for tunnels), if any."""
        parts = urlsplit(url)
        default = 443 if parts.scheme in ("https", "wss") else 80
        host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
        hostport = f"{host}:{parts.port or default}"
        with self._lock:
            return next((r for r in self.refusals if r.url in (url, hostport)), None)

    def address_of(self, host: str, port: int) -> Optional[Connection]:
        """The first address the proxy connected to for host:port in this capture."""
        with self._lock:
            return next((c for c in self.connections if c.host == host and c.port == port), None)

    # -- one client connection ------------------------------------------------------------------

    def _serve(self, client: socket.socket) -> None:
        self._track(client)
        upstream: Optional[socket.socket] = None
        try:
            client.settimeout(self.idle_timeout)
            head, rest = _read_head(client)
            if head is None:
                return
            lines = head.split(b"\r\n")
            method, target, version = lines[0].decode("latin-1").split(" ", 2)
            if method.upper() == "CONNECT":
                try:
                    upstream = self._open(f"https://{target}/", target)
                except OSError:
                    client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                if upstream is None:
                    client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            else:
                upstream = self._open(target, target)
                if upstream is None:
                    return  # closed without an answer: the browser sees a network error
                upstream.sendall(_origin_form(method, target, version, lines[1:]))
            if rest:
                upstream.sendall(rest)
            self._pipe(client, upstream)
        except (OSError, ValueError):
            return  # a broken or malformed client connection ends quietly; the browser reports it
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    self._untrack(sock)
                    _close(sock)

    def _open(self, url: str, record_as: str) -> Optional[socket.socket]:
        """Check `url` and connect to one of its checked addresses; None (recorded) when refused.

        Raises OSError when every checked address refused the connection.
        """
        try:
            checked = self.policy.check_url(url)
        except Exception as exc:  # CaptureError, or a broken resolver: either way fail closed
            error = exc if isinstance(exc, CaptureError) else CaptureError(f"the address check failed: {exc}")
            with self._lock:
                if not any(r.url == record_as for r in self.refusals):  # Chromium retries once
                    self.refusals.append(Refusal(record_as, str(error), error))
            return None
        last_error: Optional[OSError] = None
        for address in checked.addresses:
            try:
                sock = socket.create_connection((address, checked.port), timeout=self.connect_timeout)
            except OSError as exc:
                last_error = exc
                continue
            sock.settimeout(self.idle_timeout)
            self._track(sock)
            with self._lock:
                self.connections.append(Connection(checked.host, checked.port, address, checked.port))
            return sock
        if last_error is not None:
            raise last_error
        return None

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        """Copy bytes both ways until both sides have finished or nothing moves for idle_timeout."""
        peers = {a: b, b: a}
        open_sides = {a, b}
        with selectors.DefaultSelector() as selector:
            for sock in open_sides:
                selector.register(sock, selectors.EVENT_READ)
            while open_sides:
                ready = selector.select(self.idle_timeout)
                if not ready:
                    return
                for key, _ in ready:
                    source = key.fileobj
                    data = source.recv(64 * 1024)  # type: ignore[union-attr]
                    if data:
                        peers[source].sendall(data)  # type: ignore[index]
                        continue
                    selector.unregister(source)
                    open_sides.discard(source)  # type: ignore[arg-type]
                    try:
                        peers[source].shutdown(socket.SHUT_WR)  # type: ignore[index]
                    except OSError:
                        return

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)


def _read_head(sock: socket.socket) -> tuple[Optional[bytes], bytes]:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(8192)
        if not data:
            return None, b""
        buffer += data
        if len(buffer) > _MAX_HEAD:
            raise ValueError("request head too large")
    head, rest = buffer.split(b"\r\n\r\n", 1)
    return head, rest


def _origin_form(method: str, target: str, version: str, header_lines: list[bytes]) -> bytes:
    """The request as the origin expects it: path-only target, no proxy headers, one request only."""
    parts = urlsplit(target)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kept = [line for line in header_lines
            if line and line.split(b":", 1)[0].strip().lower().decode("latin-1") not in _HOP_BY_HOP]
    head = [f"{method} {path} {version}".encode("latin-1"), *kept, b"Connection: close"]
    return b"\r\n".join(head) + b"\r\n\r\n"


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
