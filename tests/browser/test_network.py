"""(d) The pages request nothing outside 127.0.0.1. Runs last in tests/browser, so the
log holds the requests of every page opened before it too."""
from __future__ import annotations

from .conftest import open_page


def test_no_request_leaves_localhost(browser_context, web_url, request_log):
    page = open_page(browser_context, web_url + "index.html?train=0")
    page.close()
    # The log really sees the worker's fetches (Pyodide's wasm and our wheel), so an empty
    # "outside" list means something.
    assert any(u.endswith("pyodide.asm.wasm") for u in request_log.urls), request_log.urls[:20]
    assert any(u.endswith(".whl") for u in request_log.urls), request_log.urls[:20]
    assert request_log.outside == [], f"requests left 127.0.0.1: {request_log.outside}"
