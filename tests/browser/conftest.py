"""Browser tests: a running Tanzi on a free port and headless Debian Chromium via Playwright.

Chromium comes from Debian (``scripts/install-browser.sh``, run by ``make test``); Playwright
drives it through ``executable_path``. Screenshots go to ``test-artifacts/screenshots/``.

Accessibility: call ``assert_accessible(page)`` on every page a browser test opens (after it
has loaded, and again after a step that changes the page a lot). It injects axe-core (from
the npm registry, installed from ``tests/browser/js`` by ``scripts/install-axe.sh``, which
``make test`` runs) and fails the test on any ``serious`` or ``critical`` violation, listing
each rule, its help text and the offending elements. Without node/npm it skips the test with
the reason (in CI it fails instead). ``assert_fits_phone(page)`` checks that a page has no
horizontal scroll (at 375 px, lists must be cards, not a cut-off table).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from core.jobs.worker import start_embedded_worker
from core.settings import Settings

CHROMIUM = os.environ.get("TANZI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE_JS = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
#: The axe-core impacts that fail a test.
BLOCKING_IMPACTS = ("serious", "critical")
#: The phone width every list must fit (CSS pixels).
PHONE_WIDTH = 375


@dataclass
class LiveServer:
    """A Tanzi serving HTTP on 127.0.0.1, with its in-process job worker."""

    url: str
    app: FastAPI
    engine: Engine
    factory: Any
    settings: Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_port() -> int:
    """The live server's port; a test whose ``settings.base_url`` must be the server's own
    (an OAuth redirect URI, say) builds it from this."""
    return _free_port()


@pytest.fixture
def live_server(
    app: FastAPI, engine: Engine, factory: Any, settings: Settings, live_port: int
) -> Iterator[LiveServer]:
    port = live_port
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    stop_worker = start_embedded_worker(settings)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, engine, factory, settings)
    finally:
        stop_worker()
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (make test does)")
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install-browser.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) in a phone-sized or desktop viewport."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        shot(page, f"FAILED-{request.node.name}")
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/screenshots/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_sign_in(page: Any, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form."""
    page.goto(f"{base_url}/signin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_load_state()


def _axe_source() -> str:
    if not AXE_JS.is_file():
        reason = f"{AXE_JS} is missing: run scripts/install-axe.sh (needs node and npm)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE_JS.read_text(encoding="utf-8")


def accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical axe-core (WCAG 2.x A/AA) violations on ``page`` as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: the page's CSP (no inline scripts) holds
        page.evaluate(_axe_source() + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'best-practice']},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page: Any) -> None:
    """Fail on any serious or critical axe-core violation on ``page`` (see the module doc)."""
    found = accessibility_violations(page)
    if found:
        lines = [f"{page.url}: {len(found)} serious/critical accessibility violations"]
        for v in found:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            lines.extend(f"    {t}" for t in v["targets"][:8])
        raise AssertionError("\n".join(lines))


def assert_fits_phone(page: Any) -> None:
    """Fail when ``page`` scrolls sideways: the document, or a box inside it that scrolls
    (a table in a ``.table-wrap``), is wider than its viewport. Code blocks may scroll."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths[0]} > {widths[1]} px"
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(el => {
            const x = getComputedStyle(el).overflowX;
            return (x === 'auto' || x === 'scroll') && el.tagName !== 'PRE'
                && el.scrollWidth > el.clientWidth + 1;
        }).map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
                     + ' ' + el.scrollWidth + ' > ' + el.clientWidth)"""
    )
    assert boxes == [], f"{page.url}: boxes scroll sideways: {boxes}"


def wait_for_job(page: Any) -> str:
    """Open the plugin job the page just started and reload it until it ends; its text."""
    page.locator(".plugin-page a[href*='/jobs/']").first.click()
    page.wait_for_load_state()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = page.locator(".plugin-page").inner_text()
        if any(word in text for word in ("Done", "Failed", "Cancelled")):
            return str(text)
        time.sleep(0.5)
        page.reload()
    raise AssertionError("the job did not end in 120 s")
