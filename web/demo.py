"""The page's demo: a small MLP trained on the digits data, reporting to the page.

Runs inside the page's Web Worker (``await main()``, progress posted through the
``webgrad_page`` JS module that worker.js registers) and natively too
(``python web/demo.py``: same code, same seeds, prints instead of posting), so a
test can compare the page's accuracy with the native one.

Written with low-level ops (matmul, relu, log_softmax, variable_grads); it can
switch to ``wg.sequential`` + ``model.fit`` once those are in the package.
"""
from __future__ import annotations

import asyncio
import random
import time
import traceback

import webgrad as wg

try:  # the page's bridge (worker.js); absent natively
    import webgrad_page
    from js import Object
    from pyodide.ffi import to_js
except ImportError:
    webgrad_page = None


def post(kind: str, **payload) -> None:
    """Send a progress event to the page (natively: print a line)."""
    if webgrad_page is not None:
        webgrad_page.post(kind, to_js(payload, dict_converter=Object.fromEntries))
    elif kind in ("epoch", "done"):
        print(kind, payload, flush=True)


def load_data(test_fraction: float = 0.2, seed: int = 0):
    """Digits as host lists: (x_train, y_train, x_test, y_test), pixels scaled to [0, 1]."""
    from webgrad.datasets import load_digits

    x, y = load_digits(as_tensors=False)  # flat array.array buffers, pixels / 16
    n = len(y)
    d = len(x) // n
    rows = [x[i * d:(i + 1) * d].tolist() for i in range(n)]
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_test = int(n * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return [rows[i] for i in train], [y[i] for i in train], [rows[i] for i in test], [y[i] for i in test]


def forward(params: dict, x: wg.Tensor) -> wg.Tensor:
    h = wg.relu(wg.matmul(x, params["w1"]) + params["b1"])
    return wg.matmul(h, params["w2"]) + params["b2"]


def loss_fn(params: dict, x: wg.Tensor, y_onehot: wg.Tensor) -> wg.Tensor:
    """Mean softmax cross-entropy: mean(logsumexp(z) - sum(y * z))."""
    z = forward(params, x)
    return (wg.logsumexp(z, axis=1) - (y_onehot * z).sum(axis=1)).mean()


def init_params(n_in: int, hidden: int, n_out: int, seed: int = 1) -> dict:
    def glorot(shape, s):
        lim = (6.0 / (shape[0] + shape[1])) ** 0.5
        return wg.random_uniform(shape, -lim, lim, seed=s)

    return {"w1": wg.variable(glorot((n_in, hidden), seed), name="w1"),
            "b1": wg.variable(wg.zeros((hidden,)), name="b1"),
            "w2": wg.variable(glorot((hidden, n_out), seed + 1), name="w2"),
            "b2": wg.variable(wg.zeros((n_out,)), name="b2")}


def batches(x: list, y: list, size: int, classes: int) -> list:
    out = []
    for i in range(0, len(y), size):
        xb = wg.keep(wg.tensor(x[i:i + size]))
        yb = wg.keep(wg.tensor([[1.0 if c == k else 0.0 for c in range(classes)] for k in y[i:i + size]]))
        out.append((xb, yb))
    return out


async def accuracy(params: dict, x: list, y: list) -> float:
    with wg.tidy():
        pred = wg.argmax(forward(params, wg.tensor(x)), axis=1)
        got = await pred.data()
    return sum(int(a == b) for a, b in zip(got, y)) / len(y)


async def main(epochs: int = 25, batch_size: int = 64, hidden: int = 64, lr: float = 0.5,
               trace_graph: bool = True) -> dict:
    """Train, posting "start", "step", "epoch", "graph" and "done" events; return the summary."""
    t0 = time.perf_counter()
    x_tr, y_tr, x_te, y_te = load_data()
    classes = max(y_tr) + 1
    params = init_params(len(x_tr[0]), hidden, classes)
    data = batches(x_tr, y_tr, batch_size, classes)
    total = epochs * len(data)
    post("start", backend=wg.get_backend(), steps=total, train=len(y_tr), test=len(y_te))
    names = list(params)
    order = list(range(len(data)))
    rng = random.Random(2)
    step = 0
    history = []
    for epoch in range(epochs):
        rng.shuffle(order)
        epoch_loss = 0.0
        for i in order:
            xb, yb = data[i]

            def train_step():
                r = wg.variable_grads(lambda: loss_fn(params, xb, yb), [params[n] for n in names])
                for n in names:
                    params[n].assign(params[n] - lr * r["grads"][n])
                return r["value"]

            loss_t = wg.tidy(train_step)
            loss = (await loss_t.data())[0]
            loss_t.dispose()
            epoch_loss += loss
            step += 1
            post("step", step=step, steps=total, loss=loss)
            await asyncio.sleep(0)  # let the page (and the worker's messages) breathe
        history.append(epoch_loss / len(data))
        acc = await accuracy(params, x_te, y_te)
        post("epoch", epoch=epoch + 1, epochs=epochs, loss=history[-1], accuracy=acc)
    acc = await accuracy(params, x_te, y_te)
    if trace_graph:
        try:
            dot = graph_dot(params, data[0])
        except Exception:  # noqa: BLE001 - the page shows it; training results still count
            post("error", text="drawing the graph failed:\n" + traceback.format_exc())
            dot = None
        if dot:
            post("graph", dot=dot)
    summary = {"accuracy": acc, "epochs": epochs, "seconds": time.perf_counter() - t0, "final_loss": history[-1]}
    post("done", **summary)
    for xb, yb in data:
        xb.dispose()
        yb.dispose()
    for v in params.values():
        v.dispose()
    return summary


def graph_dot(params: dict, batch) -> str | None:
    """DOT text of one training step's graph (forward and backward), if webgrad has graph tracing."""
    trace = getattr(wg, "trace", None)
    if trace is None:
        try:
            from webgrad.graph import trace
        except ImportError:
            return None
    xb, yb = batch
    g = trace(lambda x, y: loss_fn(params, x, y), xb, yb, wrt=list(params.values()))
    return g.to_dot()


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(main(trace_graph=False))))
