"""The page's demo: webgrad's own demo classifier (``webgrad.demo``: digits, 64-64-10,
Adam, ``model.fit``) trained in the page's Web Worker, reporting to the page.

``await main()`` runs ``webgrad.demo.run_async`` with callbacks that post "start",
"step", "epoch" and "done" events through the ``webgrad_page`` JS module (registered by
worker.js). Natively there is no page: events are dropped. ``graph_view(collapse)`` gives
the DOT of the demo model's graph (one cluster per layer) with the named layers collapsed.
"""
from __future__ import annotations

import math

import webgrad as wg
from webgrad import demo as digits_demo

try:  # the page's bridge (worker.js); absent natively
    import webgrad_page
    from js import Object
    from pyodide.ffi import to_js
except ImportError:
    webgrad_page = None


def post(kind: str, **payload) -> None:
    """Send a progress event to the page."""
    if webgrad_page is not None:
        webgrad_page.post(kind, to_js(payload, dict_converter=Object.fromEntries))


def _split_sizes(test_fraction: float = 0.2, seed: int = 0) -> tuple[int, int]:
    from webgrad.datasets.digits import N_SAMPLES, split_indices

    train, test = split_indices(N_SAMPLES, test_fraction, seed)
    return len(train), len(test)


_GRAPH = {}  # batch -> the traced Graph (traced once; re-drawn with other collapse lists)


def model_graph(batch: int = 32):
    """The demo model's loss on one batch, forward and backward (webgrad.graph.demo), traced once."""
    if batch not in _GRAPH:
        from webgrad.graph.demo import demo_graph

        _GRAPH[batch] = demo_graph(batch=batch)
    return _GRAPH[batch]


def graph_view(collapse=(), batch: int = 32) -> dict:
    """{"dot": DOT text with the named layers collapsed, "layers": the layer (scope) names}."""
    g = model_graph(batch)
    # every layer drawn on its own (no grouping of identical ones), so each toggle shows
    dot = g.to_dot(collapse=list(collapse), group_repeats=False, values=False)
    return {"dot": dot, "layers": [s[0] for s in g.scopes()]}


async def main(epochs: int = 15, batch_size: int = 32) -> dict:
    """Train the demo classifier in the page; returns webgrad.demo's summary. (The page
    draws the model's graph itself, before training, with graph_view.)"""
    n_train, n_test = _split_sizes()
    total = epochs * math.ceil(n_train / batch_size)
    post("start", backend=wg.get_backend(), steps=total, train=n_train, test=n_test)
    state = {"step": 0}

    def on_batch_end(batch, logs):
        state["step"] += 1
        post("step", step=state["step"], steps=total, loss=float(logs["loss"]))

    def on_epoch_end(epoch, logs):
        post("epoch", epoch=epoch + 1, epochs=epochs, loss=float(logs["loss"]),
             accuracy=float(logs.get("val_accuracy", math.nan)))

    summary = await digits_demo.run_async(epochs=epochs, batch_size=batch_size, verbose=0,
                                          callbacks=[{"on_batch_end": on_batch_end, "on_epoch_end": on_epoch_end}])
    post("done", accuracy=summary["accuracy"], epochs=epochs, seconds=summary["seconds"],
         final_loss=summary["loss"])
    return summary
