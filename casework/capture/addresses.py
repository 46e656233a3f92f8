"""Which IP addresses an outbound request may reach, and in words why not.

A capture, a re-check or a webhook is a request our server makes on behalf of a user-supplied URL.
Pointed at 127.0.0.1, 10.x, or the cloud metadata address 169.254.169.254, it would read services
that only trust the inside of our network (server-side request forgery). So only addresses that are
publicly routable pass. The tables below name every IANA special-purpose block explicitly so the
error can say what the address is; anything else that Python does not consider global is refused
too, so a block missing from the tables still fails closed.

IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4
2002::/16) are judged by the IPv4 address inside them: ::ffff:127.0.0.1 is loopback.
"""
from __future__ import annotations

import ipaddress
from typing import Optional, Union

__all__ = ["IPAddress", "parse_address", "refusal_reason", "is_public"]

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Most specific first: the first match names the address.
_IPV4_BLOCKS: tuple[tuple[_V4, str], ...] = (
    (_V4("169.254.169.254/32"), "the cloud metadata address"),
    (_V4("0.0.0.0/32"), "the unspecified address"),
    (_V4("255.255.255.255/32"), "the broadcast address"),
    (_V4("0.0.0.0/8"), "a 'this network' address (0.0.0.0/8)"),
    (_V4("127.0.0.0/8"), "a loopback address"),
    (_V4("10.0.0.0/8"), "a private address (10.0.0.0/8)"),
    (_V4("172.16.0.0/12"), "a private address (172.16.0.0/12)"),
    (_V4("192.168.0.0/16"), "a private address (192.168.0.0/16)"),
    (_V4("100.64.0.0/10"), "a carrier-grade NAT address (100.64.0.0/10)"),
    (_V4("169.254.0.0/16"), "a link-local address"),
    (_V4("192.0.0.0/24"), "an IETF protocol assignment address (192.0.0.0/24)"),
    (_V4("192.0.2.0/24"), "a documentation address (192.0.2.0/24)"),
    (_V4("198.51.100.0/24"), "a documentation address (198.51.100.0/24)"),
    (_V4("203.0.113.0/24"), "a documentation address (203.0.113.0/24)"),
    (_V4("198.18.0.0/15"), "a benchmarking address (198.18.0.0/15)"),
    (_V4("192.88.99.0/24"), "a deprecated 6to4 relay address"),
    (_V4("224.0.0.0/4"), "a multicast address"),
    (_V4("240.0.0.0/4"), "a reserved address (240.0.0.0/4)"),
)

_IPV6_BLOCKS: tuple[tuple[_V6, str], ...] = (
    (_V6("::/128"), "the unspecified address"),
    (_V6("::1/128"), "a loopback address"),
    (_V6("fd00:ec2::254/128"), "the cloud metadata address"),
    (_V6("::/96"), "a deprecated IPv4-compatible address"),
    (_V6("64:ff9b:1::/48"), "a local-use NAT64 address"),
    (_V6("100::/64"), "a discard-only address"),
    (_V6("2001::/32"), "a Teredo tunnel address"),
    (_V6("2001:2::/48"), "a benchmarking address"),
    (_V6("2001:10::/28"), "an ORCHID address"),
    (_V6("2001:20::/28"), "an ORCHIDv2 address"),
    (_V6("2001:db8::/32"), "a documentation address (2001:db8::/32)"),
    (_V6("3fff::/20"), "a documentation address (3fff::/20)"),
    (_V6("5f00::/16"), "a segment-routing address"),
    (_V6("fc00::/7"), "a private (unique local) address"),
    (_V6("fe80::/10"), "a link-local address"),
    (_V6("fec0::/10"), "a deprecated site-local address"),
    (_V6("ff00::/8"), "a multicast address"),
)
_GLOBAL_UNICAST = _V6("2000::/3")
_NAT64 = _V6("64:ff9b::/96")
_SIX_TO_FOUR = _V6("2002::/16")


def parse_address(text: str) -> IPAddress:
    """Parse an address as DNS or a URL gives it (brackets and an IPv6 zone such as %eth0 allowed).

    Raises ValueError for anything that is not an IP address.
    """
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        # A zone only says which interface; a zoned address is link-local or loopback anyway.
        address = ipaddress.IPv6Address(text.split("%", 1)[0])
    return address


def _embedded_ipv4(address: ipaddress.IPv6Address) -> Optional[ipaddress.IPv4Address]:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None


def _reason_v4(address: ipaddress.IPv4Address) -> Optional[str]:
    for network, reason in _IPV4_BLOCKS:
        if address in network:
            return reason
    if not address.is_global:
        return "not a public address"
    return None


def _reason_v6(address: ipaddress.IPv6Address) -> Optional[str]:
    inner = _embedded_ipv4(address)
    if inner is not None:
        inner_reason = _reason_v4(inner)
        if inner_reason is None:
            return None
        return f"an IPv6 form of {inner}, {inner_reason}"
    for network, reason in _IPV6_BLOCKS:
        if address in network:
            return reason
    if address not in _GLOBAL_UNICAST:
        return "a reserved address (outside global unicast 2000::/3)"
    if not address.is_global:
        return "not a public address"
    return None


def refusal_reason(address: Union[str, IPAddress]) -> Optional[str]:
    """Why an outbound request may not reach `address` ("a loopback address"), or None if it may.

    A string that is not an IP address is itself a refusal: callers pass resolved addresses only.
    """
    if isinstance(address, str):
        try:
            address = parse_address(address)
        except ValueError:
            return "not an IP address"
    if isinstance(address, ipaddress.IPv4Address):
        return _reason_v4(address)
    return _reason_v6(address)


def is_public(address: Union[str, IPAddress]) -> bool:
    """True when an outbound request may reach `address` without the private-address allowance."""
    return refusal_reason(address) is None
