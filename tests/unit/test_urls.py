"""URL normalization: the same page reported in different spellings is one URL."""
import pytest

from casework.urls import UrlError, domain_suffixes, host_matches, normalize_url, url_hash


@pytest.mark.parametrize("raw,expected", [
    ("HTTP://Example.COM/Path", "http://example.com/Path"),  # scheme and host case, not the path's
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),  # a non-default port stays
    ("https://example.com/a#comments", "https://example.com/a"),
    ("https://example.com/a/", "https://example.com/a"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/", "https://example.com/"),
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com/v?utm_source=x&id=3&utm_medium=y&fbclid=z", "https://example.com/v?id=3"),
    ("https://example.com/v?b=2&a=1", "https://example.com/v?b=2&a=1"),  # order kept: it can matter
    ("https://www.bilibili.com/video/BV1?spm_id_from=1&vd_source=abc&p=2",
     "https://www.bilibili.com/video/BV1?spm_id_from=1&p=2"),
    ("https://example.com/%7euser", "https://example.com/~user"),  # unreserved escapes decoded
    ("https://example.com/a%2fb", "https://example.com/a%2Fb"),  # reserved escapes kept, hex upper-cased
    ("https://user:secret@example.com/a", "https://example.com/a"),  # credentials never stored
    ("https://例子.中国/视频", "https://xn--fsqu00a.xn--fiqs8s/%E8%A7%86%E9%A2%91"),
    ("https://example.com./a", "https://example.com/a"),
    ("  https://example.com/a  ", "https://example.com/a"),
])
def test_normalize(raw, expected):
    assert normalize_url(raw) == expected


def test_equivalent_spellings_share_a_hash():
    a = url_hash(normalize_url("HTTPS://Example.com:443/watch/?utm_campaign=x#t=10"))
    b = url_hash(normalize_url("https://example.com/watch"))
    assert a == b and len(a) == 64


@pytest.mark.parametrize("raw,message", [
    ("", "empty"), ("example.com/a", "scheme"), ("ftp://example.com/a", "only http"),
    ("javascript:alert(1)", "scheme"), ("https:///a", "no host"), ("https://exa mple.com/", "spaces"),
    ("https://example.com:99999/", "not a valid URL"), ("https://ex_ample..com/", "host"),
    ("https://example.com/" + "a" * 5000, "longer"),
])
def test_rejects(raw, message):
    with pytest.raises(UrlError, match=message):
        normalize_url(raw)


def test_domain_helpers():
    assert host_matches("m.example.com", "example.com")
    assert host_matches("example.com", "example.com")
    assert not host_matches("badexample.com", "example.com")
    assert domain_suffixes("www.m.example.com") == ["www.m.example.com", "m.example.com", "example.com"]
