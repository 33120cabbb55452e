"""(b) The demo page trains webgrad's demo classifier in the page to the accuracy the
native demo reaches, stays responsive, and draws the computation graph; the screenshot
is saved to artifacts/browser-demo.png."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from .conftest import ARTIFACTS, ROOT, open_page

TRAIN_TIMEOUT_S = 900


def _native_accuracy() -> float:
    """The native demo (webgrad.demo.run) on the NumPy backend, in its own process
    (playwright's sync API owns this thread's event loop)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "pkg"), os.environ.get("PYTHONPATH")])))
    code = "import json, webgrad.demo as d; print(json.dumps(d.run(backend='cpu', verbose=0)))"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])["accuracy"]


def test_demo_trains_in_page_and_draws_graph(browser_context, web_url):
    native = _native_accuracy()
    assert native >= 0.95, f"the demo reaches only {native:.3f} natively"
    page = open_page(browser_context, web_url + "index.html")
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.wait_for_function("() => document.getElementById('progress').value > 0", timeout=300_000)
        # Training runs in the worker: the page answers at once meanwhile.
        t0 = time.perf_counter()
        frames = page.evaluate("() => new Promise(r => { let n = 0; const t = performance.now();"
                               " const f = () => (++n, performance.now() - t < 500 ? requestAnimationFrame(f) : r(n));"
                               " requestAnimationFrame(f); })")
        assert time.perf_counter() - t0 < 5 and frames >= 5, f"page not responsive while training ({frames} frames)"
        page.wait_for_function("() => document.body.dataset.trained", timeout=TRAIN_TIMEOUT_S * 1000)
        errors = page.eval_on_selector("#errors", "el => el.hidden ? '' : el.textContent")
        assert page.evaluate("document.body.dataset.trained") == "1", f"training failed in the page:\n{errors}"
        acc = float(page.eval_on_selector("#accuracy", "el => el.dataset.value"))
        page.wait_for_function("() => ['1', 'none'].includes(document.body.dataset.graph)", timeout=120_000)
        errors = page.eval_on_selector("#errors", "el => el.hidden ? '' : el.textContent")
        nodes = page.eval_on_selector_all("#graph svg g.node", "els => els.length")
        steps = page.eval_on_selector("#progress", "el => [el.value, el.max]")
    finally:
        page.screenshot(path=str(ARTIFACTS / "browser-demo.png"), full_page=True)
        page.close()
    assert steps[0] == steps[1] > 0, f"progress bar at {steps}"
    assert acc >= 0.95 and acc >= native - 0.01, f"page accuracy {acc:.3f}, native {native:.3f}"
    assert nodes >= 10, f"the graph view shows {nodes} nodes; page errors:\n{errors}"
    assert not errors, errors
