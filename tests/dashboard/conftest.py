"""Fixtures for the dashboard: one app over the demo release, one live server and one Chromium per session."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def release(demo_release):
    from dashboard.release_reader import ReleaseReader

    return ReleaseReader(demo_release.path.parent.parent).get(demo_release.release_id)


@pytest.fixture(scope="session")
def dash_app(demo_config, demo_release):
    from dashboard.app import create_app

    return create_app(demo_config)


@pytest.fixture()
def app_context(dash_app):
    with dash_app.server.test_request_context("/"):
        yield


@contextmanager
def serving(flask_app) -> Iterator[str]:
    """``flask_app`` served by werkzeug on a free 127.0.0.1 port, in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(dash_app):
    """The app served for the whole session."""
    with serving(dash_app.server) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Page:
    """A browser tab that records console errors and failed requests, with Dash-aware waits."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        # Content-Security-Policy violations, recorded by the page itself (an init script is not subject to it)
        self.context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => (window.__csp = window.__csp || [])"
            ".push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.leaving = False
        self.page.on("requestfailed", self._failed)

    def _failed(self, request) -> None:
        # Opening the next page cancels what the last one still loads (Dash fetches plotly.min.js lazily):
        # that is the browser's ERR_ABORTED, not a failure of the app (it made CI fail once).
        if self.leaving and "ERR_ABORTED" in str(request.failure):
            return
        self.errors.append(f"request failed: {request.url} {request.failure}")

    def open(self, path: str) -> None:
        self.leaving = True
        try:
            self.page.goto(self.base + path)
        finally:
            self.leaving = False
        self.settle()

    def settle(self) -> None:
        """Wait until the page's content is drawn and Dash has no callback in flight."""
        self.page.wait_for_selector("main h1", state="attached", timeout=20_000)
        self.page.wait_for_function(
            "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=20_000)
        self.page.wait_for_load_state("networkidle")

    def axe(self) -> list[dict]:
        """WCAG 2.1 A and AA violations axe-core finds on the page as it is now."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            # evaluated, not added as a <script> tag: the page's Content-Security-Policy refuses inline scripts
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        return self.page.evaluate("""async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }""")

    def csp_violations(self) -> list[str]:
        """What the page's Content-Security-Policy refused so far (directive, blocked URI, where)."""
        return self.page.evaluate("() => window.__csp || []")

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def tab(browser, live_server):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run 'npm install' at the repository root (scripts/setup.sh does)")
    t = Page(browser, live_server)
    yield t
    t.close()
