"""The outbound-request policy: may we send a request to this URL, and to which addresses?

The check runs after DNS resolution, because the name is what an attacker controls: a public-looking
name can resolve to 127.0.0.1. A URL passes only when EVERY address its host resolves to passes, so
a name with one public and one private address cannot be used to reach the private one. Callers
that connect themselves (`netguard.safe_fetch`) connect to the addresses returned here and no
others, so a second, different DNS answer (DNS rebinding) is never used. The browser resolves names
itself; there every request is checked here first and the address it actually reached is checked
again afterwards (see `casework.capture.browser`).
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence
from urllib.parse import urlsplit

from casework.capture.addresses import parse_address, refusal_reason
from casework.capture.errors import AddressRefused, ResolutionError, URLRefused

__all__ = ["Resolver", "system_resolver", "OutboundPolicy", "CheckedURL", "ALLOWED_SCHEMES"]

Resolver = Callable[[str, int], Sequence[str]]
"""host (ASCII, no brackets), port -> its IP addresses as strings; raises ResolutionError or OSError."""

ALLOWED_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer (getaddrinfo), every address once, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


@dataclass(frozen=True)
class CheckedURL:
    """A URL that passed the policy, with the only addresses a connection to it may use."""

    url: str
    scheme: str
    host: str
    """ASCII (IDNA) host name or IP literal without brackets: what TLS and the Host header use."""
    port: int
    addresses: tuple[str, ...]
    """Every address the host resolved to, all of them allowed; connect to these, never re-resolve."""


@dataclass(frozen=True)
class OutboundPolicy:
    """Where captures, re-checks and webhook deliveries may send requests."""

    allow_private: bool = False
    """Let every address through (the app sets it from ALLOW_PRIVATE_URLS=1); tests and local trials only."""
    allowed_networks: tuple[str, ...] = ()
    """Non-public networks that pass anyway, as CIDR strings: ("127.0.0.1/32",) lets a test serve a
    page on loopback while every other private address stays refused."""
    resolver: Resolver = field(default=system_resolver)
    """Name resolution; tests inject a mapping so that no real DNS is ever asked."""

    def __post_init__(self) -> None:
        try:
            networks = tuple(ipaddress.ip_network(n, strict=False) for n in self.allowed_networks)
        except ValueError as exc:
            raise ValueError(f"allowed_networks: {exc}") from None
        object.__setattr__(self, "_networks", networks)

    def address_refusal(self, address: str) -> Optional[str]:
        """Why `address` may not be reached under this policy, or None when it may."""
        try:
            parsed = parse_address(address)
        except ValueError:
            return "not an IP address"
        if self.allow_private:
            return None
        reason = refusal_reason(parsed)
        if reason is None:
            return None
        if any(parsed.version == n.version and parsed in n for n in self._networks):  # type: ignore[attr-defined]
            return None
        return reason

    def check_address(self, url: str, address: str, host: Optional[str] = None) -> None:
        """Raise AddressRefused when `address` (which `host` resolved to, if a name) is not allowed."""
        reason = self.address_refusal(address)
        if reason is None:
            return
        if host and host != address:
            message = f"{host} resolves to {address}, which is {reason}"
        else:
            message = f"{address} is {reason}"
        raise AddressRefused(url, address, message)

    def check_url(self, url: str) -> CheckedURL:
        """Parse, resolve and check `url`; raise URLRefused, AddressRefused or ResolutionError."""
        scheme, host, port = split_url(url)
        try:
            literal = parse_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [str(literal)]
        else:
            addresses = self._resolve(host, port)
        for address in addresses:
            self.check_address(url, address, host)
        return CheckedURL(url=url, scheme=scheme, host=host, port=port, addresses=tuple(addresses))

    def _resolve(self, host: str, port: int) -> list[str]:
        try:
            addresses = [str(a) for a in self.resolver(host, port)]
        except ResolutionError:
            raise
        except (OSError, UnicodeError) as exc:
            detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise ResolutionError(host, f"could not resolve {host}: {detail}") from None
        if not addresses:
            raise ResolutionError(host, f"could not resolve {host}: no addresses")
        return addresses


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, ASCII host, port) of an http(s) URL, or URLRefused saying what is wrong with it."""
    if not isinstance(url, str) or not url:
        raise URLRefused(str(url), "the URL is empty")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise URLRefused(url, "the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise URLRefused(url, f"the URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = scheme or "(none)"
        raise URLRefused(url, f"only http and https URLs may be fetched, not scheme {shown}")
    host = parts.hostname or ""
    if not host:
        raise URLRefused(url, "the URL has no host")
    if port == 0:
        raise URLRefused(url, "port 0 cannot be reached")
    if ":" not in host:  # a name (possibly Unicode) or an IPv4 literal, not an IPv6 literal
        host = host.rstrip(".")
        if not host.isascii():
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                raise URLRefused(url, f"the host name {parts.hostname!r} is not a valid domain name") from None
        host = host.lower()
        if not host:
            raise URLRefused(url, "the URL has no host")
    return scheme, host, port or _DEFAULT_PORTS[scheme]
