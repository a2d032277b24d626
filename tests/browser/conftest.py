"""Browser fixtures: Debian's chromium driven by Playwright against a real daphne process.

`browser` is one chromium for the whole run; `sign_in` gives a signed-in page in a context of
its own (phone or desktop viewport, a time zone, options for the page's client set before any
script runs). Pages record Content-Security-Policy violations and script errors, which the
tests assert are absent.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One chromium for the browser tests, closed after them: Playwright's sync API keeps an
    event loop running in this thread, which the async tests that follow cannot share."""
    if not shutil.which(CHROMIUM):
        if IN_CI:
            pytest.fail(f"chromium not found at {CHROMIUM}; .ci/run installs it")
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse ORM calls from the test body; the ORM calls here are plain sync test set-up.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_page(
    browser: Any,
    viewport: dict[str, int] | None = None,
    timezone_id: str | None = None,
    client_options: dict[str, Any] | None = None,
) -> Any:
    """A page in a fresh context. ``client_options`` become ``window.KRING_CLIENT_OPTIONS``
    before the page's own scripts run (ping timings, polling intervals)."""
    context = browser.new_context(viewport=viewport or DESKTOP, timezone_id=timezone_id)
    if client_options:
        import json

        context.add_init_script(f"window.KRING_CLIENT_OPTIONS = {json.dumps(client_options)};")
    page = context.new_page()
    page.problems = []  # CSP violations and uncaught script errors

    def on_console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            page.problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    return page


def sign_in(
    browser: Any,
    server: Any,
    email: str,
    viewport: dict[str, int] | None = None,
    timezone_id: str | None = None,
    client_options: dict[str, Any] | None = None,
    base_url: str | None = None,
    password: str = PASSWORD,
) -> Any:
    base = base_url or server.url
    page = new_page(browser, viewport, timezone_id, client_options)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def wait_until(page: Any, script: str, timeout: float = 10, what: str = "") -> Any:
    """Poll ``script`` (a JS function source) from Python until it returns something truthy:
    wait_for_function would evaluate it inside the page, which the page's CSP refuses."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or script}")
        page.wait_for_timeout(50)


def socket_open(page: Any, timeout: float = 10) -> None:
    wait_until(
        page,
        "() => !!(window.kring && window.kring.socket && window.kring.socket.readyState === 1)",
        timeout,
        "the page's socket to open",
    )


def live_in_room(page: Any, timeout: float = 10) -> None:
    page.wait_for_selector("#status[data-state=connected]", timeout=timeout * 1000)


def screenshot(page: Any, name: str) -> None:
    """Saved for people to look at (tests/browser/screenshots/, not committed)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
