"""Browser harness: real Debian Chromium driven by Playwright, and axe-core run on every page.

Browser tests take the `page` fixture (a fresh context per test against pytest-django's live server)
and call `assert_accessible(page)` on each page they reach.
"""

import json
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_SOURCE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-quic",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class BrowserPage:
    """A Playwright page that remembers console errors (such as CSP violations) for the test to check."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.javascript_disabled = False
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def __getattr__(self, name):
        return getattr(self.page, name)

    def visit(self, path: str):
        return self.page.goto(self.base_url + path)

    def sign_in(self, email: str, password: str):
        self.visit("/sign-in/")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=True)
    context.set_default_timeout(10_000)
    wrapped = BrowserPage(context.new_page(), live_server.url)
    yield wrapped
    context.close()


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    wrapped = BrowserPage(context.new_page(), live_server.url)
    wrapped.javascript_disabled = True
    yield wrapped
    context.close()


def assert_accessible(page) -> None:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page and fail on any violation."""
    target = getattr(page, "page", page)
    if getattr(page, "javascript_disabled", False):
        raise AssertionError("axe-core cannot run with JavaScript off: scan the same page in the `page` fixture")
    # evaluate() runs through the DevTools protocol, so the page's CSP (no inline scripts) still holds.
    target.evaluate(AXE_SOURCE.read_text() + "\n;true")
    result = target.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    assert violations == [], f"axe-core violations on {target.url}:\n{json.dumps(violations, indent=2)}"
