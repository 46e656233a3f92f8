"""The error tree of the capture package.

Every failure a caller must handle is a `CaptureError` whose message is the reason, written for the
person who started the capture ("127.0.0.1 is a loopback address", "the page did not load within
30 s"), so a job can store `str(exc)` as the evidence item's error without translating it. The
subclasses let code that wants to react differently (retry a timeout, never retry a refusal) do so.
"""
from __future__ import annotations

__all__ = [
    "CaptureError",
    "URLRefused",
    "AddressRefused",
    "ResolutionError",
    "FetchError",
    "FetchTimeout",
    "ResponseTooLarge",
    "TooManyRedirects",
    "BrowserError",
    "WarcContentError",
]


class CaptureError(Exception):
    """Base of every error raised by `casework.capture`; `str(exc)` is the reason."""

    @property
    def reason(self) -> str:
        return str(self)


class URLRefused(CaptureError):
    """The URL itself is not allowed (scheme other than http/https, no host, malformed)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(reason)
        self.url = url

    def __reduce__(self):  # picklable and copyable despite the extra constructor argument
        return (type(self), (self.url, str(self)))


class AddressRefused(URLRefused):
    """A host resolved to an address outbound requests may not reach (loopback, private, ...).

    Retrying cannot help: the job should fail at once with this message.
    """

    def __init__(self, url: str, address: str, reason: str) -> None:
        super().__init__(url, reason)
        self.address = address

    def __reduce__(self):
        return (type(self), (self.url, self.address, str(self)))


class ResolutionError(CaptureError):
    """The host name did not resolve (no such name, or DNS did not answer)."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(reason)
        self.host = host

    def __reduce__(self):
        return (type(self), (self.host, str(self)))


class FetchError(CaptureError):
    """The exchange failed below HTTP: connection refused or reset, TLS failure, malformed answer.

    An HTTP error status (404, 500) is NOT a FetchError: it is an answer, and is recorded.
    """


class FetchTimeout(FetchError):
    """The server or the page did not answer within the time allowed; a retry later may succeed."""


class ResponseTooLarge(FetchError):
    """The answer exceeded the byte limit; reading stopped there, nothing partial is kept."""


class TooManyRedirects(FetchError):
    """The redirect chain was longer than allowed (or looped)."""


class BrowserError(CaptureError):
    """Chromium could not be started or crashed during the capture."""


class WarcContentError(CaptureError):
    """A WARC file does not hold what was asked for (no screenshot, no metadata record) or is unreadable."""
