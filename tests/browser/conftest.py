"""Browser tests: a live server on a fresh committed database, driven by Playwright and Debian's Chromium.

Fixtures:
- `live_server`: the app on 127.0.0.1 (an ephemeral port) in a thread, on a fresh migrated database
  seeded with the base people (tests/conftest.py's `committed_app`); `.url(path)`, `.app`.
  Set up data inside `with live_server.app.app_context():` and commit.
- `page`: a new browser context and page per test (Chromium from /usr/bin/chromium, never downloaded).
- `login(page, "legal")`: logs in through the login form.
- `shot(page, "name")`: saves test-artifacts/<test>-<name>.png.

Every test here is marked `browser` and manages its own database (`no_transaction`).
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, PEOPLE, committed_app

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.no_transaction)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def live_server(fresh_database, tmp_path):
    with committed_app(fresh_database, tmp_path / "instance", PUBLIC_BASE_URL="http://127.0.0.1") as app:
        server = LiveServer(app)
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests, stopped when they are done: Playwright's sync API keeps an event
    loop in this thread while it runs, and other tests (captures) start Playwright themselves."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    def on_console(msg) -> None:
        if msg.type == "error" and not (msg.location or {}).get("url", "").endswith("/favicon.ico"):
            errors.append(f"{msg.text} ({(msg.location or {}).get('url', '')})")

    page.on("console", on_console)
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        _save(page, request.node.name, "failure")
    context.close()
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _save(page, test_name: str, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{test_name}-{name}")
    path = ARTIFACTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def shot(request):
    def take(page, name: str) -> Path:
        return _save(page, request.node.name, name)

    return take


@pytest.fixture
def login(live_server):
    def log_in(page, who: str) -> None:
        page.goto(live_server.url("/login"))
        page.fill("input[name=email]", PEOPLE[who][0])
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "/login" not in page.url, f"login as {who} failed"

    return log_in
