"""The outbound policy: schemes, hosts, DNS, the every-address rule and the allowances."""
from __future__ import annotations

import socket

import pytest

from casework.capture.errors import AddressRefused, ResolutionError, URLRefused
from casework.capture.netguard import check_url
from casework.capture.policy import OutboundPolicy
from tests.unit.capture_helpers import FakeDNS

DNS = FakeDNS({
    "public.test": ["93.184.215.14"],
    "mixed.test": ["93.184.215.14", "10.0.0.9"],
    "sneaky.test": ["2606:4700::1", "::ffff:127.0.0.1"],
    "metadata.test": ["169.254.169.254"],
    "empty.test": [],
    "xn--fsqu00a.test": ["93.184.215.15"],
})


def policy(**kwargs) -> OutboundPolicy:
    return OutboundPolicy(resolver=DNS, **kwargs)


def test_public_name_passes_with_its_addresses() -> None:
    checked = policy().check_url("https://Public.Test./path?q=1")
    assert (checked.scheme, checked.host, checked.port, checked.addresses) == ("https", "public.test", 443,
                                                                             ("93.184.215.14",))


@pytest.mark.parametrize("url,words", [
    ("ftp://public.test/", "not scheme ftp"),
    ("file:///etc/passwd", "not scheme file"),
    ("javascript:alert(1)", "not scheme javascript"),
    ("public.test/page", "not scheme (none)"),
    ("http:///nohost", "no host"),
    ("http://public.test:99999/", "malformed"),
    ("http://public.test:0/", "port 0"),
    ("http://public .test/", "spaces"),
    ("http://public.test/\nHost: evil", "control characters"),
    ("", "empty"),
])
def test_bad_urls_are_refused_with_a_reason(url: str, words: str) -> None:
    with pytest.raises(URLRefused) as caught:
        policy().check_url(url)
    assert words in str(caught.value)


def test_every_resolved_address_must_be_public() -> None:
    with pytest.raises(AddressRefused) as caught:
        policy().check_url("http://mixed.test/")
    assert str(caught.value) == "mixed.test resolves to 10.0.0.9, which is a private address (10.0.0.0/8)"
    assert caught.value.address == "10.0.0.9"
    with pytest.raises(AddressRefused, match="IPv6 form of 127.0.0.1"):
        policy().check_url("http://sneaky.test/")
    with pytest.raises(AddressRefused, match="cloud metadata"):
        policy().check_url("http://metadata.test/latest/meta-data/")


def test_literal_addresses_are_checked_without_dns() -> None:
    calls = len(DNS.calls)
    with pytest.raises(AddressRefused) as caught:
        policy().check_url("http://127.0.0.1:8080/")
    assert str(caught.value) == "127.0.0.1 is a loopback address"
    with pytest.raises(AddressRefused, match="link-local"):
        policy().check_url("http://[fe80::1]/")
    assert len(DNS.calls) == calls


def test_dns_failures_are_resolution_errors() -> None:
    with pytest.raises(ResolutionError, match="could not resolve nowhere.test"):
        policy().check_url("http://nowhere.test/")
    with pytest.raises(ResolutionError, match="no addresses"):
        policy().check_url("http://empty.test/")


def test_unicode_host_names_are_resolved_in_idna_form() -> None:
    assert policy().check_url("http://例子.test/").host == "xn--fsqu00a.test"


def test_allow_private_lets_everything_through() -> None:
    assert policy(allow_private=True).check_url("http://10.1.2.3/").addresses == ("10.1.2.3",)
    assert policy(allow_private=True).check_url("http://mixed.test/").addresses == ("93.184.215.14", "10.0.0.9")


def test_allowed_networks_open_only_those_networks() -> None:
    narrow = policy(allowed_networks=("127.0.0.1/32", "fd00::/8"))
    narrow.check_url("http://127.0.0.1:5000/")
    narrow.check_url("http://[fd00::5]/")
    with pytest.raises(AddressRefused, match="127.0.0.2 is a loopback address"):
        narrow.check_url("http://127.0.0.2/")
    with pytest.raises(ValueError, match="allowed_networks"):
        OutboundPolicy(allowed_networks=("not a network",))


def test_check_url_uses_the_system_resolver_by_default_for_literals() -> None:
    with pytest.raises(AddressRefused, match="loopback"):
        check_url("http://127.0.0.1/")
    assert check_url("http://127.0.0.1/", allow_private=True).addresses == ("127.0.0.1",)


def test_resolver_oserror_becomes_resolution_error() -> None:
    def broken(host: str, port: int) -> list[str]:
        raise socket.timeout("timed out")

    with pytest.raises(ResolutionError, match="timed out"):
        OutboundPolicy(resolver=broken).check_url("http://slow.test/")
