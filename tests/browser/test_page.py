"""The page's own behaviour: the Python prompt runs code and shows exceptions on the
page; without WebGPU the page says so plainly, with how to enable it."""
from __future__ import annotations

from .conftest import CHROMIUM_FLAGS, chromium_path


def test_prompt_runs_code_and_shows_exceptions(repl_page):
    page = repl_page
    page.fill("#code", "t = wg.tensor([1.0, 2.0, 3.0])\nprint('sum is', float(t.sum()))\n(t * 10).tolist()")
    page.click("#run")
    page.wait_for_function("() => document.getElementById('output').textContent.includes('[10.0, 20.0, 30.0]')",
                           timeout=60_000)
    assert "sum is 6.0" in page.text_content("#output")
    page.fill("#code", "wg.tensor([[1.5, 2.0]]) * 2")  # a Tensor's repr reads its values back
    page.click("#run")
    page.wait_for_function("() => document.getElementById('output').textContent.includes('Tensor([[3.0, 4.0]]')",
                           timeout=60_000)
    page.fill("#code", "wg.tensor([1.0, 2.0]) + wg.tensor([1.0, 2.0, 3.0])")
    page.click("#run")
    page.wait_for_selector("#output .err", timeout=60_000)
    err = page.text_content("#output .err")
    assert "Traceback" in err and "ValueError" in err, err


def test_without_webgpu_the_page_says_how_to_enable_it(playwright, web_url, request_log, tmp_path):
    flags = [f for f in CHROMIUM_FLAGS if f != "--enable-unsafe-webgpu"]
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path(), headless=True, args=flags)
    context.route("**/*", request_log.route)
    try:
        page = context.new_page()
        page.goto(web_url + "index.html")
        page.wait_for_selector("#nogpu:not([hidden])", timeout=180_000)
        text = page.text_content("#nogpu")
        page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=180_000)
        assert page.evaluate("document.body.dataset.trained") is None  # no training was attempted
    finally:
        context.close()
    assert "needs WebGPU" in text and "--enable-unsafe-webgpu" in text, text
