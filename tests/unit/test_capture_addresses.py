"""Which addresses outbound requests may reach: every special-purpose kind, and the public ones."""
from __future__ import annotations

import pickle

import pytest

from casework.capture.addresses import is_public, parse_address, refusal_reason
from casework.capture.errors import AddressRefused, ResolutionError, URLRefused

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("0.1.2.3", "this network"),
    ("10.0.0.1", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"),
    ("fc00::1", "private"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("169.254.169.254", "cloud metadata"),
    ("fd00:ec2::254", "cloud metadata"),
    ("169.254.10.20", "link-local"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("[fe80::1]", "link-local"),
    ("fec0::1", "site-local"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("192.0.0.8", "IETF protocol"),
    ("192.0.2.1", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("2001:db8::1", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("2001:2::1", "benchmarking"),
    ("100::1", "discard"),
    ("2001::1", "Teredo"),
    ("::ffff:127.0.0.1", "IPv6 form of 127.0.0.1, a loopback"),
    ("::ffff:10.1.1.1", "IPv6 form of 10.1.1.1, a private"),
    ("::ffff:169.254.169.254", "IPv6 form of 169.254.169.254, the cloud metadata"),
    ("64:ff9b::7f00:1", "IPv6 form of 127.0.0.1"),
    ("2002:c0a8:0101::1", "IPv6 form of 192.168.1.1"),
    ("64:ff9b:1::1", "local-use NAT64"),
    ("::127.0.0.1", "IPv4-compatible"),
    ("4000::1", "outside global unicast"),
]

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "223.5.5.5", "2606:4700:4700::1111", "2400:3200::1",
          "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:0808:0808::1", "100.63.255.255", "172.32.0.1"]


@pytest.mark.parametrize("address,words", REFUSED)
def test_special_addresses_are_refused_with_their_kind(address: str, words: str) -> None:
    reason = refusal_reason(address)
    assert reason is not None and words in reason, reason
    assert not is_public(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(address) is None
    assert is_public(address)


def test_a_name_is_not_an_address() -> None:
    assert refusal_reason("localhost") == "not an IP address"
    with pytest.raises(ValueError):
        parse_address("example.org")


def test_errors_keep_their_fields_through_pickle() -> None:
    """Jobs may hand errors across processes; the extra constructor arguments must survive."""
    for error in (AddressRefused("http://x/", "10.0.0.1", "10.0.0.1 is a private address"),
                  URLRefused("ftp://x/", "only http and https"), ResolutionError("x.test", "could not resolve x.test")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error) and copy.reason == str(error)
        assert vars(copy) == vars(error)
