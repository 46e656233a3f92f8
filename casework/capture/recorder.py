"""What the browser asked for and got during one capture, and the routing check in front of it.

The route handler checks every request Playwright lets us see (the first hop of each fetch) against
the policy and aborts refused ones before they leave the browser; the proxy behind it checks the
rest (redirect hops, WebSockets). Responses are kept as Playwright objects while the page loads and
turned into plain `Exchange` values afterwards, bodies included, within the size limits.
"""
from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError, TimeoutError as PlaywrightTimeout

from casework.capture.errors import CaptureError, FetchError, FetchTimeout
from casework.capture.policy import OutboundPolicy
from casework.capture.proxy import GuardProxy, Refusal
from casework.capture.settings import CaptureSettings

__all__ = ["Exchange", "Recorder"]


@dataclass(frozen=True)
class Exchange:
    """One request and its response as the browser saw them (body decoded by the browser)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: Optional[bytes]
    status: int
    status_text: str
    response_headers: list[tuple[str, str]]
    body: bytes
    protocol: str
    """As Chromium reports it: "http/1.1", "h2", "h3"."""
    server_ip: Optional[str]
    server_port: Optional[int]
    started_at: datetime
    resource_type: str


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _with_message(error: CaptureError, message: str) -> CaptureError:
    """The same kind of error (so callers can still tell refusals from DNS failures), reworded."""
    clone = copy.copy(error)
    clone.args = (message,)
    return clone


class Recorder:
    """Event handlers for one browser context; not shared between captures."""

    def __init__(self, policy: OutboundPolicy, proxy: GuardProxy, settings: CaptureSettings) -> None:
        self.policy = policy
        self.proxy = proxy
        self.settings = settings
        self.failed: list[dict[str, str]] = []
        self._refused: list[Refusal] = []
        self._responses: list[Any] = []
        self._navigations: list[str] = []
        self._protocols: dict[str, str] = {}
        self.security_states: dict[str, str] = {}
        """Chromium's verdict per URL ("secure", "insecure", ...): did the certificate verify."""
        self._lock = threading.Lock()

    # -- handlers Playwright calls -------------------------------------------------------------

    def route(self, route: Any, request: Any) -> None:
        url = request.url
        if request.is_navigation_request():
            self._navigations.append(url)
        try:
            self.policy.check_url(url)
        except CaptureError as exc:
            self._refused.append(Refusal(url, exc.reason, exc))
            route.abort("blockedbyclient")
            return
        except Exception as exc:  # a broken resolver must fail closed, never leave the request hanging
            error = CaptureError(f"the address check of {url} failed: {exc}")
            self._refused.append(Refusal(url, str(error), error))
            route.abort("blockedbyclient")
            return
        route.continue_()

    def on_response(self, response: Any) -> None:
        self._responses.append(response)
        # Redirect hops never reach route(): remember where navigations were sent, so a refusal
        # by the proxy can be matched to the main document.
        location = response.headers.get("location") if 300 <= response.status < 400 else None
        if location and response.request.is_navigation_request():
            self._navigations.append(urljoin(response.url, location))

    def on_failed(self, request: Any) -> None:
        self.failed.append({"url": request.url, "error": request.failure or "failed"})

    def on_cdp_response(self, params: dict[str, Any]) -> None:
        response = params.get("response") or {}
        if response.get("url") and response.get("protocol"):
            self._protocols[response["url"]] = str(response["protocol"])
        if response.get("url") and response.get("securityState"):
            self.security_states[response["url"]] = str(response["securityState"])

    # -- the main document ---------------------------------------------------------------------

    def navigate(self, page: Any, url: str) -> Any:
        """Go to `url` and return the final main-document response, or raise why there is none."""
        timeout = self.settings.navigation_timeout
        try:
            response = page.goto(url, wait_until="load", timeout=timeout * 1000)
        except PlaywrightTimeout:
            raise FetchTimeout(f"the page did not load within {timeout:g} s") from None
        except PlaywrightError as exc:
            refusal = self._navigation_refusal(url)
            if refusal is None:
                raise FetchError(f"the page could not be loaded: {_first_line(exc).split(': ', 1)[-1]}") from None
            if refusal.url == url:
                raise refusal.error from None
            raise _with_message(refusal.error, f"the page redirected to {refusal.url}, but {refusal.reason}") from None
        if response is None:
            raise FetchError(f"the browser reported no document for {url}")
        return response

    def _navigation_refusal(self, url: str) -> Optional[Refusal]:
        for candidate in [url, *self._navigations]:
            found = next((r for r in self._refused if r.url == candidate), None) or self.proxy.refusal_for(candidate)
            if found is not None:
                return found
        return None

    # -- afterwards ----------------------------------------------------------------------------

    def failures(self) -> list[dict[str, str]]:
        """Requests that failed for reasons other than a refusal (those are listed as refusals)."""
        refused = {r.url for r in self.refusals()}
        return [f for f in self.failed if f["url"] not in refused and self.proxy.refusal_for(f["url"]) is None]

    def refusals(self) -> list[Refusal]:
        merged: list[Refusal] = []
        for refusal in [*self._refused, *self.proxy.refusals]:
            if not any(r.url == refusal.url for r in merged):
                merged.append(refusal)
        return merged

    @staticmethod
    def host_port(url: str) -> Optional[tuple[str, int]]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)

    def collect(self) -> tuple[list[Exchange], list[dict[str, str]]]:
        """The exchanges to archive, and the responses left out with the reason."""
        exchanges: list[Exchange] = []
        unrecorded: list[dict[str, str]] = []
        total = 0
        for response in self._responses:
            url = response.url
            host_port = self.host_port(url)
            if host_port is None:
                continue
            try:
                body, why_not = self._body(response, total)
            except PlaywrightError as exc:
                body, why_not = None, f"the browser no longer holds the body: {_first_line(exc)}"
            if body is None:
                unrecorded.append({"url": url, "reason": why_not or "no body"})
                continue
            total += len(body)
            exchanges.append(self._exchange(response, body, host_port))
        return exchanges, unrecorded

    def _body(self, response: Any, total: int) -> tuple[Optional[bytes], Optional[str]]:
        limit = self.settings.max_resource_bytes
        if 300 <= response.status < 400 and response.headers.get("location"):
            return b"", None  # a redirect's body is never given to the page
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return None, f"larger than the {limit}-byte limit per resource"
        body = response.body()
        if len(body) > limit:
            return None, f"larger than the {limit}-byte limit per resource"
        if total + len(body) > self.settings.max_total_bytes:
            return None, f"the capture reached its {self.settings.max_total_bytes}-byte limit"
        return body, None

    def _exchange(self, response: Any, body: bytes, host_port: tuple[str, int]) -> Exchange:
        request = response.request
        timing = request.timing or {}
        start = timing.get("startTime")
        started_at = (datetime.fromtimestamp(start / 1000, timezone.utc)
                      if isinstance(start, (int, float)) and start > 0 else datetime.now(timezone.utc))
        connection = self.proxy.address_of(*host_port)
        return Exchange(
            url=response.url, method=request.method,
            request_headers=[(h["name"], h["value"]) for h in request.headers_array()],
            request_body=request.post_data_buffer, status=response.status, status_text=response.status_text,
            response_headers=[(h["name"], h["value"]) for h in response.headers_array()], body=body,
            protocol=self._protocols.get(response.url, "http/1.1"),
            server_ip=connection.ip if connection else None, server_port=connection.ip_port if connection else None,
            started_at=started_at, resource_type=request.resource_type)

