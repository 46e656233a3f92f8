"""Headless Chromium through Playwright: launching it once, and loading one page per context.

`BrowserSession` owns the Playwright driver and one Chromium (Debian's, never a download); it is
cheap to keep for many captures and relaunches the browser if it died. `load_page` gives each
capture a fresh browser context (no cookies or cache from the last capture) whose traffic all goes
through its own `GuardProxy`, with Playwright routing in front to refuse first hops early; it
returns everything the browser saw as plain data (`PageLoad`) for the WARC writer.

Playwright's sync API binds its objects to the thread that started it: use one session per thread.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Optional

from playwright.sync_api import Browser, Error as PlaywrightError, Playwright, sync_playwright

from casework.capture.errors import BrowserError, CaptureError
from casework.capture.policy import OutboundPolicy
from casework.capture.proxy import GuardProxy, Refusal
from casework.capture.recorder import Exchange, Recorder
from casework.capture.settings import CaptureSettings
from casework.capture.tls import describe_chain, summarise_security_details

__all__ = ["BrowserSession", "PageLoad", "load_page", "CachingResolver"]


@dataclass
class PageLoad:
    """What one page load produced, before it is written anywhere."""

    requested_url: str
    final_url: str
    status: int
    status_text: str
    title: str
    screenshot: bytes
    screenshot_clipped: bool
    dom: str
    user_agent: str
    started_at: datetime
    loaded_at: datetime
    exchanges: list[Exchange]
    redirects: list[str]
    refused: list[Refusal]
    failed: list[dict[str, str]]
    unrecorded: list[dict[str, str]]
    server_ip: Optional[str] = None
    server_port: Optional[int] = None
    tls: Optional[dict[str, Any]] = None
    page_url: str = ""
    """Where the page was when screenshotted: differs from final_url if a script navigated after load."""


class CachingResolver:
    """One answer per host for the whole capture, shared by the routing check and the proxy."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self._inner = policy.resolver
        self._answers: dict[tuple[str, int], list[str]] = {}
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int) -> list[str]:
        with self._lock:
            cached = self._answers.get((host, port))
        if cached is not None:
            return cached
        answer = [str(a) for a in self._inner(host, port)]
        with self._lock:
            self._answers.setdefault((host, port), answer)
        return answer


class BrowserSession:
    """Playwright plus one Chromium, started on first use; `close()` stops both."""

    def __init__(self, settings: CaptureSettings) -> None:
        self.settings = settings
        self._playwright: Optional[Playwright] = None
        self._browser: Optional[Browser] = None

    def browser(self) -> Browser:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        try:
            if self._playwright is None:
                self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=self.settings.chromium_path, headless=True, args=self.settings.launch_args(),
                chromium_sandbox=False)
        except PlaywrightError as exc:
            raise BrowserError(f"Chromium could not be started from {self.settings.chromium_path}: "
                               f"{str(exc).splitlines()[0]}") from None
        return self._browser

    @property
    def version(self) -> str:
        return self.browser().version

    def close(self) -> None:
        browser, self._browser = self._browser, None
        driver, self._playwright = self._playwright, None
        try:
            if browser is not None and browser.is_connected():
                browser.close()
        finally:
            if driver is not None:
                driver.stop()


def load_page(session: BrowserSession, url: str, settings: CaptureSettings) -> PageLoad:
    """Load `url` in a fresh context; raise a CaptureError when the main document cannot be had."""
    base = settings.policy()
    policy = replace(base, resolver=CachingResolver(base))
    policy.check_url(url)  # refuse before starting anything: wrong scheme, DNS, private address
    browser = session.browser()
    proxy = GuardProxy(policy, connect_timeout=min(15.0, settings.navigation_timeout))
    proxy_url = proxy.start()
    context = None
    try:
        context = browser.new_context(
            proxy={"server": proxy_url, "bypass": "<-loopback>"},  # "<-loopback>": proxy 127.0.0.1 too
            viewport={"width": settings.viewport_width, "height": settings.viewport_height},
            device_scale_factor=settings.device_scale_factor, user_agent=settings.user_agent,
            locale=settings.locale, timezone_id=settings.timezone_id, service_workers="block",
            accept_downloads=False, ignore_https_errors=settings.ignore_https_errors)
        context.set_default_timeout(settings.navigation_timeout * 1000)
        recorder = Recorder(policy, proxy, settings)
        context.route("**/*", recorder.route)
        context.on("response", recorder.on_response)
        context.on("requestfailed", recorder.on_failed)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.responseReceived", recorder.on_cdp_response)
        return _load(page, cdp, url, settings, recorder, proxy)
    except PlaywrightError as exc:
        if not browser.is_connected():
            raise BrowserError(f"Chromium stopped during the capture: {str(exc).splitlines()[0]}") from None
        raise CaptureError(f"the capture failed: {str(exc).splitlines()[0]}") from None
    finally:
        try:
            if context is not None:
                context.close()
        except PlaywrightError:
            pass
        proxy.close()


def _load(page: Any, cdp: Any, url: str, settings: CaptureSettings, recorder: Recorder, proxy: GuardProxy) -> PageLoad:
    started_at = datetime.now(timezone.utc)
    main = recorder.navigate(page, url)
    if settings.settle_timeout > 0:
        try:
            page.wait_for_load_state("networkidle", timeout=settings.settle_timeout * 1000)
        except PlaywrightError:
            pass  # a page that never goes quiet (polling, streaming) is captured as it is now
    loaded_at = datetime.now(timezone.utc)
    screenshot, clipped = _screenshot(page, settings)
    dom = page.content()
    final_url = main.url
    tls = None
    if final_url.startswith("https://"):
        origin = final_url.split("/", 3)
        tls = {"security_details": summarise_security_details(main.security_details()),
               "security_state": recorder.security_states.get(final_url),
               "certificate_errors_ignored": settings.ignore_https_errors, "certificate_chain": []}
        try:
            chain = cdp.send("Network.getCertificate", {"origin": "/".join(origin[:3])})
            tls["certificate_chain"] = describe_chain(chain.get("tableNames", []))
        except PlaywrightError as exc:
            tls["certificate_chain_error"] = str(exc).splitlines()[0]
    exchanges, unrecorded = recorder.collect()
    host_port = recorder.host_port(final_url)
    connection = proxy.address_of(*host_port) if host_port else None
    redirects = []
    request = main.request.redirected_from
    while request is not None:
        redirects.insert(0, request.url)
        request = request.redirected_from
    return PageLoad(
        requested_url=url, final_url=final_url, status=main.status, status_text=main.status_text,
        title=page.title(), screenshot=screenshot, screenshot_clipped=clipped, dom=dom,
        user_agent=page.evaluate("navigator.userAgent"), started_at=started_at, loaded_at=loaded_at,
        exchanges=exchanges, redirects=redirects, refused=recorder.refusals(), failed=recorder.failures(),
        unrecorded=unrecorded, server_ip=connection.ip if connection else None,
        server_port=connection.ip_port if connection else None, tls=tls, page_url=page.url)


def _screenshot(page: Any, settings: CaptureSettings) -> tuple[bytes, bool]:
    """A full-page PNG, clipped to max_screenshot_height for endless pages."""
    timeout = settings.screenshot_timeout * 1000
    height = page.evaluate("Math.max(document.documentElement.scrollHeight,"
                           " document.body ? document.body.scrollHeight : 0)")
    if isinstance(height, (int, float)) and height > settings.max_screenshot_height:
        width = page.evaluate("document.documentElement.scrollWidth")
        clip = {"x": 0, "y": 0, "width": max(1, int(width)), "height": settings.max_screenshot_height}
        return page.screenshot(full_page=True, clip=clip, type="png", timeout=timeout), True
    return page.screenshot(full_page=True, type="png", timeout=timeout), False
