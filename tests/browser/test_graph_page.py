"""The demo page's graph panel: the model's traced loss with one cluster per layer (forward
and backward), and clicking a layer (its frame, its collapsed node or its button) collapses
and expands it, also while the model trains. The panel's screenshot is saved to artifacts/browser-graph.png."""
from __future__ import annotations

from .conftest import ARTIFACTS, open_page

GRAPH_TIMEOUT_MS = 300_000


def _clusters(page) -> list[str]:
    return page.eval_on_selector_all("#graph svg g.cluster", "gs => gs.map(g => g.id)")


def _collapsed_nodes(page) -> list[str]:
    return page.eval_on_selector_all('#graph svg g.node[id^="scope"]', "gs => gs.map(g => g.id)")


def _n_ops(page) -> int:
    return page.eval_on_selector_all("#graph svg g.node ellipse", "els => els.length")


def _renders(page) -> int:
    return int(page.eval_on_selector("#graph", "el => el.dataset.renders || '0'"))


def _click_and_wait(page, selector: str) -> None:
    before = _renders(page)
    page.click(selector)
    page.wait_for_function(f"() => Number(document.getElementById('graph').dataset.renders) > {before}",
                           timeout=60_000)


def test_graph_panel_has_a_cluster_per_layer_and_toggles_them(browser_context, web_url):
    page = open_page(browser_context, web_url + "index.html?train=0")
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.wait_for_function("() => ['1', 'none'].includes(document.body.dataset.graph)", timeout=GRAPH_TIMEOUT_MS)
        errors = page.eval_on_selector("#errors", "el => el.hidden ? '' : el.textContent")
        assert page.evaluate("document.body.dataset.graph") == "1" and not errors, errors
        page.locator("#graph-panel").screenshot(path=str(ARTIFACTS / "browser-graph.png"))

        layers = page.eval_on_selector_all("#graph-layers button[data-layer]", "bs => bs.map(b => b.dataset.layer)")
        assert len(layers) == 3 and layers[-1] == "loss", layers  # dense, dense, the loss
        first, second = layers[0], layers[1]
        expected = sorted([f"scope:{n}" for n in layers] + [f"scope-backward:{n}" for n in layers])
        assert sorted(_clusters(page)) == expected
        assert _collapsed_nodes(page) == []
        full_ops = _n_ops(page)
        assert full_ops >= 30, f"{full_ops} op ellipses"

        # click the first layer's frame (its label): it becomes one node per direction
        _click_and_wait(page, f'#graph svg g.cluster[id="scope:{first}"] > text')
        assert sorted(_clusters(page)) == [c for c in expected if not c.endswith(f":{first}")]
        assert sorted(_collapsed_nodes(page)) == [f"scope-backward:{first}", f"scope:{first}"]
        assert _n_ops(page) < full_ops
        assert page.eval_on_selector(f'button[data-layer="{first}"]', "b => b.getAttribute('aria-pressed')") == "true"
        assert page.eval_on_selector("#graph", "el => el.dataset.collapsed") == first
        page.locator("#graph-panel").screenshot(path=str(ARTIFACTS / "browser-graph-collapsed.png"))

        # the button collapses the second layer too; then clicking the first's node expands it
        _click_and_wait(page, f'#graph-layers button[data-layer="{second}"]')
        assert sorted(_collapsed_nodes(page)) == sorted(f"{p}:{n}" for p in ("scope", "scope-backward")
                                                         for n in (first, second))
        _click_and_wait(page, f'#graph svg g.node[id="scope:{first}"]')
        assert sorted(_collapsed_nodes(page)) == [f"scope-backward:{second}", f"scope:{second}"]
        assert f"scope:{first}" in _clusters(page) and f"scope-backward:{first}" in _clusters(page)
        _click_and_wait(page, f'#graph-layers button[data-layer="{second}"]')
        assert sorted(_clusters(page)) == expected and _n_ops(page) == full_ops

        # while the model trains in the worker, a layer still toggles (the trace is not rerun)
        page.click("#train-btn")
        page.wait_for_function("() => document.getElementById('progress').value > 0", timeout=GRAPH_TIMEOUT_MS)
        _click_and_wait(page, '#graph-layers button[data-layer="loss"]')
        during = page.eval_on_selector("#progress", "el => [el.value, el.max]")
        assert sorted(_collapsed_nodes(page)) == ["scope-backward:loss", "scope:loss"]
        page.wait_for_function("() => document.body.dataset.trained", timeout=900_000)
        errors = page.eval_on_selector("#errors", "el => el.hidden ? '' : el.textContent")
        assert page.evaluate("document.body.dataset.trained") == "1" and not errors, errors
        assert not page.js_errors, page.js_errors
        print(f"toggled at training step {during[0]}/{during[1]}")
    finally:
        page.close()
