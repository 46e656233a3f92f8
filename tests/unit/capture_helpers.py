"""Test doubles for the capture tests: a loopback web site, a test CA, a fake DNS.

Nothing here talks to anything but 127.0.0.1. Names like site.test are mapped by `FakeDNS`, which
the policy asks instead of real DNS; intranet.test maps to a private address that is always
refused before any connection, so no packet ever leaves loopback.
"""
from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import socket
import socketserver
import ssl
import threading
import time
from pathlib import Path
from typing import Callable, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

def make_png(width: int = 4, height: int = 3) -> bytes:
    """A small real PNG (Pillow comes with pyHanko's image support), so pages load a real image."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


class FakeDNS:
    """A resolver for the policy: name -> addresses; unknown names fail like NXDOMAIN."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.table[host])


Route = Callable[[http.server.BaseHTTPRequestHandler], None]


class Site:
    """A threaded HTTP(S) server on 127.0.0.1 with routes given as functions of the handler."""

    def __init__(self, routes: dict[str, Route], tls: Optional[ssl.SSLContext] = None,
                 http_version: str = "HTTP/1.1") -> None:
        self.routes = routes
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = http_version

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                site.seen.append((self.command, self.path, dict(self.headers), body))
                route = site.routes.get(self.path.split("?")[0])
                if route is None:
                    send(self, 404, b"not here", "text/plain")
                else:
                    route(self)

            do_GET = do_POST = _any

            def log_message(self, *args: object) -> None:
                pass

        self.server = _QuickServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _QuickServer(http.server.ThreadingHTTPServer):
    """HTTPServer.server_bind looks up the host's FQDN, which waits seconds for DNS here: skip it."""

    daemon_threads = True

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]


def send(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
         headers: Optional[dict[str, str]] = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def redirect(location: str, status: int = 302) -> Route:
    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return route


def page(html: str, status: int = 200) -> Route:
    return lambda h: send(h, status, html.encode("utf-8"), "text/html; charset=utf-8")


def slow(seconds: float) -> Route:
    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        try:
            send(handler, 200, b"late", "text/plain")
        except OSError:
            pass
    return route


class LocalPKI:
    """A throwaway CA and a server certificate for the given names (and 127.0.0.1)."""

    def __init__(self, names: list[str], directory: Path) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Capture Test CA")])
        self.ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
                   .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        self.leaf = (x509.CertificateBuilder()
                     .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
                     .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                     .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                     .sign(ca_key, hashes.SHA256()))
        self.cert_file = directory / "server.pem"
        self.key_file = directory / "server.key"
        self.cert_file.write_bytes(self.leaf.public_bytes(serialization.Encoding.PEM)
                                   + self.ca.public_bytes(serialization.Encoding.PEM))
        self.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=self.ca.public_bytes(serialization.Encoding.PEM).decode())
        return context

    def leaf_fingerprint(self) -> str:
        return self.leaf.fingerprint(hashes.SHA256()).hex()
