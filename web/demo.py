"""The page's demo: webgrad's own demo classifier (``webgrad.demo``: digits, 64-64-10,
Adam, ``model.fit``) trained in the page's Web Worker, reporting to the page.

``await main()`` runs ``webgrad.demo.run_async`` with callbacks that post "start",
"step", "epoch", "graph" and "done" events through the ``webgrad_page`` JS module
(registered by worker.js). Natively there is no page: events are dropped.
"""
from __future__ import annotations

import math
import traceback

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


def graph_dot(seed: int = 0, batch: int = 32) -> str:
    """DOT text of the demo model's loss on one batch, forward and backward (wg.trace)."""
    model = digits_demo.build_model(seed)
    x, y = wg.datasets.load_digits()
    xb, yb = wg.slice(x, [0, 0], [batch, -1]), wg.slice(y, [0], [batch])
    try:
        loss = wg.losses.get("sparse_categorical_crossentropy")
        g = wg.trace(lambda images, labels: wg.mean(loss(labels, model(images))), xb, yb,
                     wrt=list(model.trainable_weights))
        return g.to_dot()
    finally:
        wg.dispose([x, y, xb, yb])
        model.dispose()


async def main(epochs: int = 15, batch_size: int = 32, trace_graph: bool = True) -> dict:
    """Train the demo classifier in the page; returns webgrad.demo's summary."""
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
    if trace_graph:
        try:
            post("graph", dot=graph_dot())
        except Exception:  # noqa: BLE001 - shown on the page; the training result still counts
            post("error", text="drawing the graph failed:\n" + traceback.format_exc())
    post("done", accuracy=summary["accuracy"], epochs=epochs, seconds=summary["seconds"],
         final_loss=summary["loss"])
    return summary
