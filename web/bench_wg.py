"""BENCH.md W1-W4 for webgrad, run inside the page (tools/bench_browser.py sends this file).

``await run(spec)`` returns {workload: {"value", "unit", ...}}; a workload webgrad cannot
run yet reports {"error": ...}. Every timing ends with a read-back."""
from __future__ import annotations

import array
import math
import time

import webgrad as wg


def u(n: int, seed: int) -> array.array:
    """BENCH.md's u(i, seed) for i < n, as float32."""
    out = array.array("f", bytes(4 * n))
    base = (seed * 0x9E3779B9) & 0xFFFFFFFF
    for i in range(n):
        x = (i + base) & 0xFFFFFFFF
        x ^= x >> 16
        x = (x * 0x7FEB352D) & 0xFFFFFFFF
        x ^= x >> 15
        x = (x * 0x846CA68B) & 0xFFFFFFFF
        x ^= x >> 16
        out[i] = (x >> 8) / 16777216.0
    return out


def _median(xs: list) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


async def _timed(fn, warmup: int, reps: int) -> float:
    for _ in range(warmup):
        await fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - t0)
    return _median(times)


async def w1(n: int, reps: int) -> dict:
    a = wg.tensor(array.array("f", (2 * v - 1 for v in u(n * n, 1))), shape=(n, n))
    b = wg.tensor(array.array("f", (2 * v - 1 for v in u(n * n, 2))), shape=(n, n))

    async def rep():
        cs = [wg.matmul(a, b) for _ in range(10)]
        await cs[-1].data()
        for c in cs:
            c.dispose()

    t = await _timed(rep, 1, reps) / 10
    a.dispose()
    b.dispose()
    return {"value": t * 1e3, "unit": "ms/matmul", "gflops": 2 * n ** 3 / t / 1e9}


async def w2() -> dict:
    x0 = wg.tensor(u(1 << 20, 3))

    async def rep():
        with wg.tidy():
            x = x0
            for _ in range(5):
                a = x * 1.0001
                b = a + 0.5
                c = wg.relu(b)
                d = wg.sqrt(c + 1)
                x = wg.log(d + 1)
            await x.data()

    t = await _timed(rep, 2, 7)
    x0.dispose()
    return {"value": t / 35 * 1e3, "unit": "ms/op"}


async def w3() -> dict:
    a = wg.tensor(u(64, 8))
    b = wg.tensor(u(64, 9))

    async def rep():
        with wg.tidy():
            c = a
            for _ in range(1000):
                c = c + b
            await c.data()

    t = await _timed(rep, 2, 7)
    a.dispose()
    b.dispose()
    return {"value": t / 1000 * 1e6, "unit": "us/op"}


async def w4(steps: int = 30) -> dict:
    x = wg.tensor(u(128 * 784, 4), shape=(128, 784))
    labels = [math.floor(10 * v) for v in u(128, 5)]
    y = wg.tensor([[1.0 if k == c else 0.0 for k in range(10)] for c in labels])
    s1, s2 = math.sqrt(6 / 1040), math.sqrt(6 / 266)
    params = {
        "W1": wg.variable(wg.tensor(array.array("f", ((2 * v - 1) * s1 for v in u(784 * 256, 6))), shape=(784, 256)), name="bW1"),
        "b1": wg.variable(wg.zeros((256,)), name="bb1"),
        "W2": wg.variable(wg.tensor(array.array("f", ((2 * v - 1) * s2 for v in u(256 * 10, 7))), shape=(256, 10)), name="bW2"),
        "b2": wg.variable(wg.zeros((10,)), name="bb2"),
    }
    names = list(params)

    def loss_fn():
        h = wg.relu(wg.matmul(x, params["W1"]) + params["b1"])
        logits = wg.matmul(h, params["W2"]) + params["b2"]
        return (wg.logsumexp(logits, axis=1) - (y * logits).sum(axis=1)).mean()

    def step():
        r = wg.variable_grads(loss_fn, [params[n] for n in names])
        for n in names:
            params[n].assign(params[n] - 0.1 * r["grads"][params[n].name])
        return r["value"]

    losses = []

    async def one():
        t = wg.tidy(step)
        losses.append((await t.data())[0])
        t.dispose()

    t = await _timed(one, 5, steps)
    for v in list(params.values()) + [x, y]:
        v.dispose()
    return {"value": t * 1e3, "unit": "ms/step", "first_loss": losses[0]}


async def run(spec: dict) -> dict:
    out = {"backend": wg.get_backend()}
    jobs = [(f"W1 N={n}", w1, (n, r)) for n, r in spec.get("w1", [])]
    jobs += [("W2", w2, ()), ("W3", w3, ()), ("W4", w4, (spec.get("w4_steps", 30),))]
    for name, fn, args in jobs:
        if name.split()[0] not in spec.get("only", [name.split()[0]]):
            continue
        try:
            out[name] = await fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return out
