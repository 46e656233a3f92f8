"""Outbound HTTP that cannot be pointed at our own network: `safe_fetch` (GET) and `safe_post`.

Scheduled URL re-checks use `safe_fetch`, webhook deliveries `safe_post`; captures use the same
`OutboundPolicy` inside the browser. Each request goes through the policy (scheme, DNS, every
resolved address public), then connects to exactly the addresses that were checked, with TLS
verified against the host name, so a DNS answer that changes between the check and the connection
(rebinding) is never used. `safe_fetch` follows redirects itself, checking each hop the same way.

Bodies are streamed: at most `max_bytes` are read (ResponseTooLarge beyond) and hashed on the way,
so a re-check of a large file needs no more memory than the limit. `timeout` is the budget for the
whole exchange including redirects, not per socket read, so a server that trickles bytes cannot
hold a job for longer.
"""
from __future__ import annotations

import hashlib
import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Mapping, Optional
from urllib.parse import urljoin, urlsplit

import casework
from casework.capture.errors import FetchError, FetchTimeout, ResponseTooLarge, TooManyRedirects
from casework.capture.policy import CheckedURL, OutboundPolicy, Resolver, system_resolver

__all__ = [
    "FetchResult", "safe_fetch", "safe_post", "OutboundPolicy", "CheckedURL", "Resolver",
    "system_resolver", "check_url", "USER_AGENT",
]

USER_AGENT = f"YidunCasework/{casework.__version__}"
REDIRECT_CODES = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchResult:
    """What one fetch saw: enough to decide "still there / changed / removed" without the body."""

    url: str
    """The URL asked for."""
    final_url: str
    """The URL that gave the final answer, after redirects."""
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    """The final answer's headers in order, repeated names kept."""
    sha256: str
    """Hex SHA-256 of the body bytes as sent (not decompressed: we ask for identity encoding)."""
    size: int
    elapsed: float
    """Seconds from the first DNS lookup to the last body byte."""
    server_ip: str
    server_port: int
    redirects: tuple[str, ...] = ()
    """The URLs that redirected, in order, before `final_url`."""
    body: Optional[bytes] = None
    """The body itself when asked for (keep_body=True); never more than max_bytes."""

    @property
    def status_code(self) -> int:
        return self.status

    def header(self, name: str) -> Optional[str]:
        """The first header called `name` (any case), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


def check_url(url: str, allow_private: bool = False, resolver: Optional[Resolver] = None) -> CheckedURL:
    """Check one URL against the default policy; raises URLRefused, AddressRefused, ResolutionError."""
    return OutboundPolicy(allow_private=allow_private, resolver=resolver or system_resolver).check_url(url)


def safe_fetch(url: str, allow_private: bool = False, timeout: float = 20.0, max_bytes: int = 20 * 1024 * 1024,
               *, policy: Optional[OutboundPolicy] = None, max_redirects: int = 10,
               headers: Optional[Mapping[str, str]] = None, keep_body: bool = True,
               ssl_context: Optional[ssl.SSLContext] = None) -> FetchResult:
    """GET `url`, following up to `max_redirects` redirects, each hop checked by the policy.

    `policy` overrides `allow_private` when given (tests pass a resolver and allowed networks).
    An HTTP error status is returned, not raised. Raises a CaptureError subclass otherwise.
    """
    policy = policy or OutboundPolicy(allow_private=allow_private)
    started = time.monotonic()
    deadline = started + timeout
    current, redirects = url, []
    while True:
        checked = policy.check_url(current)
        answer = _exchange(checked, "GET", None, headers, deadline, max_bytes, keep_body, ssl_context)
        location = answer.header("location") if answer.status in REDIRECT_CODES else None
        if not location:
            break
        redirects.append(current)
        if len(redirects) > max_redirects:
            raise TooManyRedirects(f"more than {max_redirects} redirects, the last to {location}")
        current = urljoin(current, location)
    return FetchResult(url, current, answer.status, answer.reason, answer.headers, answer.sha256,
                       answer.size, time.monotonic() - started, answer.server_ip, answer.server_port,
                       tuple(redirects), answer.body)


def safe_post(url: str, body: bytes, headers: Optional[Mapping[str, str]] = None, allow_private: bool = False,
              timeout: float = 10.0, max_bytes: int = 1024 * 1024, *, policy: Optional[OutboundPolicy] = None,
              ssl_context: Optional[ssl.SSLContext] = None) -> FetchResult:
    """POST `body` to `url` once; the answer (any status) is returned with its body up to max_bytes.

    Redirects are NOT followed: a webhook receiver answers at its own URL, and re-sending a signed
    body to wherever a 307 points would hand it to a party nobody subscribed.
    """
    policy = policy or OutboundPolicy(allow_private=allow_private)
    started = time.monotonic()
    checked = policy.check_url(url)
    answer = _exchange(checked, "POST", bytes(body), headers, started + timeout, max_bytes, True, ssl_context)
    return FetchResult(url, url, answer.status, answer.reason, answer.headers, answer.sha256, answer.size,
                       time.monotonic() - started, answer.server_ip, answer.server_port, (), answer.body)


def _remaining(deadline: float, what: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchTimeout(f"no complete answer in time ({what})")
    return left


def _connect(checked: CheckedURL, deadline: float,
             ssl_context: Optional[ssl.SSLContext]) -> tuple[socket.socket, str, int]:
    """A connected (TLS-wrapped for https) socket to one of the checked addresses, never another."""
    errors = []
    for address in checked.addresses:
        try:
            sock = socket.create_connection((address, checked.port), timeout=_remaining(deadline, "connecting"))
        except (socket.timeout, TimeoutError):
            errors.append(f"{address}: timed out")
            continue
        except OSError as exc:
            errors.append(f"{address}: {exc.strerror or exc}")
            continue
        if checked.scheme != "https":
            return sock, address, checked.port
        context = ssl_context or ssl.create_default_context()
        try:
            sock.settimeout(_remaining(deadline, "TLS handshake"))
            return context.wrap_socket(sock, server_hostname=checked.host), address, checked.port
        except ssl.SSLCertVerificationError as exc:
            sock.close()
            raise FetchError(f"the TLS certificate of {checked.host} is not valid: {exc.verify_message}") from None
        except (socket.timeout, TimeoutError):
            sock.close()
            raise FetchTimeout(f"{checked.host} did not complete the TLS handshake in time") from None
        except (ssl.SSLError, OSError) as exc:
            sock.close()
            raise FetchError(f"TLS with {checked.host} failed: {exc}") from None
    if errors and all(e.endswith("timed out") for e in errors):
        raise FetchTimeout(f"could not connect to {checked.host} in time")
    raise FetchError(f"could not connect to {checked.host}: {'; '.join(errors)}")


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    sha256: str
    size: int
    server_ip: str
    server_port: int
    body: Optional[bytes]

    def header(self, name: str) -> Optional[str]:
        return next((v for k, v in self.headers if k.lower() == name), None)


def _exchange(checked: CheckedURL, method: str, body: Optional[bytes], headers: Optional[Mapping[str, str]],
              deadline: float, max_bytes: int, keep_body: bool, ssl_context: Optional[ssl.SSLContext]) -> _Answer:
    sock, ip, port = _connect(checked, deadline, ssl_context)
    connection = http.client.HTTPConnection(checked.host, checked.port)
    connection.sock = sock  # already connected to the checked address: http.client must not resolve again
    parts = urlsplit(checked.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Connection": "close"}
    sent.update(headers or {})
    try:
        connection.request(method, target, body=body, headers=sent)
        response = connection.getresponse()
        answer_headers = tuple((k, v) for k, v in response.getheaders())
        declared = response.getheader("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes and response.status not in REDIRECT_CODES:
            raise ResponseTooLarge(f"the answer is {int(declared)} bytes, more than the limit of {max_bytes}")
        digest, size, kept = hashlib.sha256(), 0, bytearray()
        redirect = response.status in REDIRECT_CODES and response.getheader("location")
        # http.client closes the socket itself once a known-length body is read (or at once for an
        # empty one); only a response still open has a socket whose timeout can be set.
        while not redirect and not response.isclosed():
            sock.settimeout(_remaining(deadline, "reading the body"))
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(f"the answer is more than the limit of {max_bytes} bytes")
            digest.update(chunk)
            if keep_body:
                kept += chunk
        return _Answer(response.status, response.reason, answer_headers, digest.hexdigest(), size, ip, port,
                       bytes(kept) if keep_body else None)
    except (socket.timeout, TimeoutError):
        raise FetchTimeout(f"{checked.host} did not answer in time") from None
    except http.client.HTTPException as exc:
        raise FetchError(f"{checked.host} sent a malformed answer: {type(exc).__name__} {exc}".rstrip()) from None
    except (ssl.SSLError, OSError) as exc:
        raise FetchError(f"the connection to {checked.host} failed: {exc}") from None
    finally:
        connection.close()
