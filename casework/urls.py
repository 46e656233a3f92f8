"""URL normalization: one spelling per page, so the same infringement is recognised however reported.

Pure functions, no I/O. The rules, in order:

- only http and https; scheme and host lower-cased; IDNA hosts in their ASCII (punycode) form;
  a trailing dot on the host dropped; the default port (80, 443) dropped;
- user name and password dropped (they never identify the page, and must not be stored);
- the fragment dropped (it never reaches the server);
- tracking parameters dropped: utm_*, fbclid, gclid and the like (see TRACKING_PARAMS);
  the other query parameters keep their order and values (order can matter to a server);
- the path: percent-encoding normalized (unreserved characters decoded, hex upper-cased),
  dot segments resolved, an empty path becomes "/", a trailing slash on a non-root path dropped
  (sites serve /a and /a/ as the same page far more often than not).
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

__all__ = ["UrlError", "normalize_url", "url_hash", "host_of", "host_matches", "domain_suffixes", "TRACKING_PARAMS"]

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
    "_ga", "_gl", "spm", "share_source", "share_medium", "share_plat", "share_session_id", "share_from",
    "vd_source", "from_spmid", "ref_src", "si",
})
TRACKING_PREFIXES = ("utm_", "pk_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")
MAX_URL_LENGTH = 4096
_UNRESERVED = re.compile(r"%([0-9A-Fa-f]{2})")
_SAFE_PATH = "/:@!$&'()*+,;=-._~"
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_HOST_OK = re.compile(r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")


class UrlError(ValueError):
    """The text is not an http(s) URL we can use; the message says why."""


def _normalize_escape(match: re.Match) -> str:
    char = chr(int(match.group(1), 16))
    if char.isalnum() and char.isascii() or char in "-._~":
        return char
    return "%" + match.group(1).upper()


def _host(netloc_host: str) -> str:
    host = netloc_host.strip().rstrip(".").lower()
    if not host:
        raise UrlError("the URL has no host")
    if host.startswith("["):
        if not _HOST_OK.match(host):
            raise UrlError(f"not a valid IPv6 host: {host}")
        return host
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UrlError(f"not a valid host name: {netloc_host}") from None
    if not _HOST_OK.match(host) or ".." in host:
        raise UrlError(f"not a valid host name: {netloc_host}")
    return host


def _path(path: str) -> str:
    if not path:
        return "/"
    # Encode what must be encoded, then bring existing escapes to one form.
    path = quote(path, safe=_SAFE_PATH + "%")
    path = _UNRESERVED.sub(_normalize_escape, path)
    # normpath also drops a trailing slash: /a/ and /a are one page.
    resolved = posixpath.normpath(path)
    if resolved.startswith("//"):  # normpath keeps a leading double slash
        resolved = "/" + resolved.lstrip("/")
    if resolved in (".", ""):
        resolved = "/"
    return resolved


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(TRACKING_PREFIXES)


def normalize_url(raw: str) -> str:
    """The canonical spelling of an http(s) URL; raises UrlError for anything else."""
    if not isinstance(raw, str):
        raise UrlError("the URL must be text")
    text = raw.strip()
    if not text:
        raise UrlError("the URL is empty")
    if len(text) > MAX_URL_LENGTH:
        raise UrlError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if _CONTROL.search(text):
        raise UrlError("the URL contains spaces or control characters")
    if "://" not in text:
        raise UrlError("the URL needs a scheme (http:// or https://)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UrlError(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UrlError(f"only http and https URLs are accepted, not {scheme or 'no scheme'}")
    host = _host(parts.hostname or "")
    if port is not None and not (scheme == "http" and port == 80) and not (scheme == "https" and port == 443):
        netloc = f"{host}:{port}"
    else:
        netloc = host
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    return urlunsplit((scheme, netloc, _path(parts.path), urlencode(query, doseq=True), ""))


def url_hash(normalized: str) -> str:
    """The key detections and case URLs are matched on: SHA-256 of the normalized URL."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def host_of(normalized: str) -> str:
    return urlsplit(normalized).hostname or ""


def host_matches(host: str, domain: str) -> bool:
    """True when host is the domain or one of its subdomains (m.example.com matches example.com)."""
    domain = domain.lower().strip(".")
    return host == domain or host.endswith("." + domain)


def domain_suffixes(host: str) -> list[str]:
    """example.com, for www.m.example.com: every parent domain with at least two labels."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] or [host]

