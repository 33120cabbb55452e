"""Browser suite: builds web/dist, serves web/ on 127.0.0.1 and drives Debian's Chromium
(WebGPU through SwiftShader) with the PyPI ``playwright`` package (no ``playwright install``).

Fixtures are package-scoped: playwright's sync API holds an event loop on this
thread while it lives, so it must end before the native tests (asyncio.run) run.
Every request the pages make is logged; any that leaves 127.0.0.1 is aborted and
recorded, and test_network checks the log.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
ARTIFACTS = ROOT / "artifacts"

CHROMIUM_FLAGS = ["--enable-unsafe-webgpu", "--no-sandbox", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BOOT_TIMEOUT_MS = 180_000


def chromium_path() -> str:
    for cand in (os.environ.get("WEBGRAD_CHROMIUM"), "/usr/lib/chromium/chromium", shutil.which("chromium")):
        if cand and Path(cand).exists():
            return cand
    raise RuntimeError("Chromium not found: apt-get install chromium (tools/setup.sh does), or set WEBGRAD_CHROMIUM")


class RequestLog:
    def __init__(self):
        self.urls: list[str] = []
        self.outside: list[str] = []

    def route(self, route):
        url = route.request.url
        self.urls.append(url)
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


@pytest.fixture(scope="package")
def web_url():
    import build_web
    import serve_web

    build_web.build(quiet=True)
    server, url = serve_web.serve(0)
    yield url
    server.shutdown()


@pytest.fixture(scope="package")
def request_log():
    return RequestLog()


@pytest.fixture(scope="package")
def playwright():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    yield pw
    pw.stop()


@pytest.fixture(scope="package")
def browser_context(playwright, request_log):
    pw = playwright
    profile = tempfile.mkdtemp(prefix="webgrad-chromium-")
    context = pw.chromium.launch_persistent_context(
        profile, executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS,
        viewport={"width": 1100, "height": 1400})
    # Worker scripts' requests are seen too: routes apply to the whole context.
    context.route("**/*", request_log.route)
    yield context
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(context, url: str):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.ready === '1' || "
                           "!document.getElementById('errors').hidden", timeout=BOOT_TIMEOUT_MS)
    page_errors = page.eval_on_selector("#errors", "el => el.hidden ? '' : el.textContent")
    assert not page_errors, f"the page reported errors while starting:\n{page_errors}"
    page.js_errors = errors
    return page


@pytest.fixture(scope="package")
def repl_page(browser_context, web_url):
    """One page (repl.html) with Python started, shared by the tests that run code."""
    page = open_page(browser_context, web_url + "repl.html")
    yield page
    page.close()


def run_py(page, code: str, timeout_ms: int = 600_000):
    """Run Python in the page's worker; return the converted value (raises with the traceback)."""
    page.set_default_timeout(timeout_ms)
    return page.evaluate("code => webgrad.run(code).then(r => r.value)", code)
