"""Capture settings: one frozen value the app builds from its config and passes in.

The capture package reads no environment and imports no Flask, so a job, a test and a benchmark
configure it the same way: `CaptureSettings(allow_private=app.config["ALLOW_PRIVATE_URLS"],
chromium_path=app.config["CHROMIUM_PATH"])`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from casework.capture.policy import OutboundPolicy, Resolver, system_resolver

__all__ = ["CaptureSettings", "CHROMIUM_ARGS"]

CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",  # the service runs as root in its container, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",  # no update checks, safe-browsing lists or other traffic of its own
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # small /dev/shm in containers makes big pages crash the renderer
    # WebRTC's UDP (STUN/TURN) would leave the browser directly, past the guard proxy: a captured page's script
    # could send it to internal hosts. Only proxied WebRTC traffic, which the proxy checks like any other.
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
)


@dataclass(frozen=True)
class CaptureSettings:
    """How pages are captured. Every field has a default that works on a plain Debian host."""

    allow_private: bool = False
    """Let captures reach loopback and private addresses (ALLOW_PRIVATE_URLS=1): tests and trials only."""
    allowed_networks: tuple[str, ...] = ()
    """Non-public networks reachable even without allow_private, e.g. ("127.0.0.1/32",) in tests."""
    resolver: Resolver = field(default=system_resolver)
    """Name resolution for the policy and for the browser's connections (tests inject a mapping)."""
    chromium_path: str = "/usr/bin/chromium"
    """Debian's Chromium; Playwright's own browser downloads are never used."""
    extra_args: tuple[str, ...] = ()
    """More Chromium switches, after CHROMIUM_ARGS."""
    viewport_width: int = 1280
    viewport_height: int = 800
    device_scale_factor: float = 1.0
    user_agent: Optional[str] = None
    """None keeps Chromium's own user agent, so the record says truthfully what fetched the page."""
    locale: str = "zh-CN"
    timezone_id: str = "Asia/Shanghai"
    navigation_timeout: float = 30.0
    """Seconds for the main document and its load event (redirects included)."""
    settle_timeout: float = 3.0
    """After load, wait up to this long for the network to go quiet (late images, scripts); 0 skips."""
    screenshot_timeout: float = 30.0
    max_screenshot_height: int = 16384
    """Taller pages are screenshotted to this many CSS pixels (Chromium's own texture limit)."""
    max_resource_bytes: int = 50 * 1024 * 1024
    """A larger response is listed in the metadata but its body is not archived."""
    max_total_bytes: int = 300 * 1024 * 1024
    """Bodies archived per capture, in total; beyond this, responses are listed but not archived."""
    ignore_https_errors: bool = False
    """Load pages whose certificate does not verify (the TLS details still record what was seen)."""
    software_name: str = "Yidun Casework"

    def policy(self, resolver: Optional[Resolver] = None) -> OutboundPolicy:
        """The outbound policy these settings describe (optionally with another resolver)."""
        return OutboundPolicy(allow_private=self.allow_private, allowed_networks=self.allowed_networks,
                              resolver=resolver or self.resolver)

    def launch_args(self) -> list[str]:
        return [*CHROMIUM_ARGS, *self.extra_args]
