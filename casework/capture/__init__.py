"""Web evidence capture: pages to WARC with screenshot, TLS details and hash; safe outbound HTTP.

A library: no Flask import, settings passed in (`CaptureSettings`), errors typed (`CaptureError`
and subclasses, message = the reason). The entry points:

    capture_page(url, out_path, settings) -> CaptureResult      one capture, own browser
    Capturer(settings)                                          reuse one browser for many
    thread_capturer(settings)                                   this thread's reused Capturer (jobs)
    extract_screenshot(warc_path) -> bytes                      the PNG inside a capture file
    read_capture_metadata(warc_path) -> dict                    its environment record
    safe_fetch(url, allow_private, timeout, max_bytes)          guarded GET (URL re-checks)
    safe_post(url, body, headers, ...)                          guarded POST (webhooks)
"""
from casework.capture.capture import CaptureResult, Capturer, capture_page, close_thread_capturers, thread_capturer
from casework.capture.errors import (AddressRefused, BrowserError, CaptureError, FetchError, FetchTimeout,
                                     ResolutionError, ResponseTooLarge, TooManyRedirects, URLRefused,
                                     WarcContentError)
from casework.capture.netguard import FetchResult, check_url, safe_fetch, safe_post
from casework.capture.policy import CheckedURL, OutboundPolicy, system_resolver
from casework.capture.settings import CaptureSettings
from casework.capture.warc import extract_screenshot, read_capture_dom, read_capture_metadata

__all__ = [
    "capture_page", "Capturer", "CaptureResult", "CaptureSettings", "thread_capturer", "close_thread_capturers",
    "extract_screenshot", "read_capture_metadata", "read_capture_dom",
    "safe_fetch", "safe_post", "FetchResult", "check_url", "OutboundPolicy", "CheckedURL", "system_resolver",
    "CaptureError", "URLRefused", "AddressRefused", "ResolutionError", "FetchError", "FetchTimeout",
    "ResponseTooLarge", "TooManyRedirects", "BrowserError", "WarcContentError",
]
