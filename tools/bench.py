"""Benchmarks W1-W4 of BENCH.md on webgrad ("webgpu", "cpu") and its peers.

    python tools/bench.py [--peers webgpu,cpu,numpy,torch,tinygrad,floor] [--json out.json] [--quick] [--big]

--big adds W1 at N = 2048 and 4096 (for machines with a real GPU).

Each peer runs in its own subprocess (tinygrad's Dawn and wgpu-native must not
share a process), all in the same run, so ratios come from the same minutes of the
same machine. Every timing ends with a read-back; medians are reported. W4's first
loss must be 2.506832 (else the row is marked WRONG). This is a benchmark, not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
W4_FIRST_LOSS = 2.506832
PEERS = ("floor", "webgpu", "cpu", "numpy", "torch", "tinygrad")
W1_SIZES = ((256, 7), (512, 5), (1024, 3))


# -- data (bit-identical everywhere) -------------------------------------------------------------

def u(n: int, seed: int):
    """BENCH.md's u(i, seed) for i < n, as a float32 NumPy array."""
    import numpy as np

    x = ((np.arange(n, dtype=np.uint64) + np.uint64((seed * 0x9E3779B9) & 0xFFFFFFFF)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return (x >> np.uint32(8)).astype(np.float32) / np.float32(2**24)


def w4_data():
    import numpy as np

    X = u(128 * 784, 4).reshape(128, 784)
    labels = np.floor(10 * u(128, 5)).astype(np.int32)
    W1 = ((2 * u(784 * 256, 6) - 1) * np.float32(np.sqrt(6 / 1040))).astype(np.float32).reshape(784, 256)
    W2 = ((2 * u(256 * 10, 7) - 1) * np.float32(np.sqrt(6 / 266))).astype(np.float32).reshape(256, 10)
    return X, labels, W1, W2


def timed(fn, warmup: int, reps: int) -> float:
    """Median seconds of fn() after warm-up calls."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def scaled(reps: int, quick: bool) -> int:
    return max(2, reps // 2) if quick else reps


# -- webgrad ------------------------------------------------------------------------------------------

def run_webgrad(backend: str, quick: bool) -> dict:
    sys.path.insert(0, os.path.join(ROOT, "pkg"))
    import numpy as np
    import webgrad as wg

    wg.set_backend(backend)
    res: dict = {"w1": {}}
    for n, reps in W1_SIZES:
        A = wg.keep(wg.tensor((2 * u(n * n, 1) - 1).reshape(n, n)))
        B = wg.keep(wg.tensor((2 * u(n * n, 2) - 1).reshape(n, n)))

        def rep():
            with wg.tidy():
                outs = [wg.matmul(A, B) for _ in range(10)]
                outs[-1].data_sync()
        res["w1"][n] = timed(rep, 1, scaled(reps, quick)) / 10 * 1e3
        A.dispose(), B.dispose()

    x0 = wg.keep(wg.tensor(u(1 << 20, 3)))

    def w2():
        with wg.tidy():
            x = x0
            for _ in range(5):
                a = x * 1.0001
                b = a + 0.5
                c = wg.relu(b)
                d = wg.sqrt(c + 1)
                x = wg.log(d + 1)
            x.data_sync()
    res["w2"] = timed(w2, 2, scaled(7, quick)) / 35 * 1e3

    a0 = wg.keep(wg.tensor(u(64, 8)))
    b0 = wg.keep(wg.tensor(u(64, 9)))

    def w3():
        with wg.tidy():
            c = a0
            for _ in range(1000):
                c = c + b0
            c.data_sync()
    res["w3"] = timed(w3, 2, scaled(7, quick)) / 1000 * 1e6
    if backend == "webgpu":
        # The floor again, interleaved rep by rep with W3 in this process: a ratio that
        # survives the load of a shared machine.
        floor = make_floor()
        floor(), w3()
        fl, ws = [], []
        for _ in range(scaled(7, quick)):
            for fn, acc in ((floor, fl), (w3, ws)):
                t0 = time.perf_counter()
                fn()
                acc.append(time.perf_counter() - t0)
        res["w3_interleaved"] = statistics.median(ws) / 1000 * 1e6
        res["floor_interleaved"] = statistics.median(fl) / 1000 * 1e6

    X, labels, W1, W2 = w4_data()
    Xt = wg.keep(wg.tensor(X))
    Yt = wg.keep(wg.one_hot(wg.tensor(labels), 10, dtype="float32"))
    params = [wg.variable(wg.tensor(W1)), wg.variable(wg.zeros((256,))),
              wg.variable(wg.tensor(W2)), wg.variable(wg.zeros((10,)))]

    def loss_fn(w1, b1, w2, b2):
        h = wg.relu(wg.matmul(Xt, w1) + b1)
        logits = wg.matmul(h, w2) + b2
        return wg.mean(wg.logsumexp(logits, axis=1) - wg.sum(logits * Yt, axis=1))

    losses = []

    def step():
        with wg.tidy():
            loss, grads = wg.value_and_grads(loss_fn)(params)
            for p, g in zip(params, grads):
                p.assign(p - 0.1 * g)
            losses.append(loss.item())
    res["w4"] = timed(step, 5, scaled(30, quick)) * 1e3
    res["w4_first_loss"] = losses[0]
    res["memory"] = wg.memory()
    return res


# -- peers ------------------------------------------------------------------------------------------

def run_numpy(quick: bool) -> dict:
    import numpy as np

    res: dict = {"w1": {}}
    for n, reps in W1_SIZES:
        A = (2 * u(n * n, 1) - 1).reshape(n, n)
        B = (2 * u(n * n, 2) - 1).reshape(n, n)
        res["w1"][n] = timed(lambda: [A @ B for _ in range(10)], 1, scaled(reps, quick)) / 10 * 1e3
    x0 = u(1 << 20, 3)

    def w2():
        x = x0
        for _ in range(5):
            a = x * np.float32(1.0001)
            b = a + np.float32(0.5)
            c = np.maximum(b, np.float32(0))
            d = np.sqrt(c + np.float32(1))
            x = np.log(d + np.float32(1))
        return x
    res["w2"] = timed(w2, 2, scaled(7, quick)) / 35 * 1e3
    a0, b0 = u(64, 8), u(64, 9)

    def w3():
        c = a0
        for _ in range(1000):
            c = c + b0
        return c
    res["w3"] = timed(w3, 2, scaled(7, quick)) / 1000 * 1e6
    X, labels, W1, W2 = w4_data()
    Y = np.eye(10, dtype=np.float32)[labels]
    p = [W1.copy(), np.zeros(256, np.float32), W2.copy(), np.zeros(10, np.float32)]
    losses = []

    def step():
        w1, b1, w2, b2 = p
        z = X @ w1 + b1
        h = np.maximum(z, 0)
        logits = h @ w2 + b2
        m = logits.max(1, keepdims=True)
        e = np.exp(logits - m)
        s = e.sum(1, keepdims=True)
        loss = np.mean(np.log(s[:, 0]) + m[:, 0] - (logits * Y).sum(1))
        dl = (e / s - Y) / np.float32(128)
        gw2, gb2 = h.T @ dl, dl.sum(0)
        dh = (dl @ w2.T) * (z > 0)
        gw1, gb1 = X.T @ dh, dh.sum(0)
        for q, g in zip(p, (gw1, gb1, gw2, gb2)):
            q -= np.float32(0.1) * g
        losses.append(float(loss))
    res["w4"] = timed(step, 5, scaled(30, quick)) * 1e3
    res["w4_first_loss"] = losses[0]
    return res


def run_torch(quick: bool) -> dict:
    import torch

    T = torch.from_numpy
    res: dict = {"w1": {}}
    for n, reps in W1_SIZES:
        A = T((2 * u(n * n, 1) - 1).reshape(n, n))
        B = T((2 * u(n * n, 2) - 1).reshape(n, n))
        res["w1"][n] = timed(lambda: [A @ B for _ in range(10)], 1, scaled(reps, quick)) / 10 * 1e3
    x0 = T(u(1 << 20, 3))

    def w2():
        x = x0
        for _ in range(5):
            x = torch.log(torch.sqrt(torch.relu(x * 1.0001 + 0.5) + 1) + 1)
        return x.numpy()
    res["w2"] = timed(w2, 2, scaled(7, quick)) / 35 * 1e3
    a0, b0 = T(u(64, 8)), T(u(64, 9))

    def w3():
        c = a0
        for _ in range(1000):
            c = c + b0
        return c.numpy()
    res["w3"] = timed(w3, 2, scaled(7, quick)) / 1000 * 1e6
    X, labels, W1, W2 = w4_data()
    X, Y = T(X), torch.nn.functional.one_hot(T(labels).long(), 10).float()
    p = [T(W1.copy()).requires_grad_(), torch.zeros(256, requires_grad=True),
         T(W2.copy()).requires_grad_(), torch.zeros(10, requires_grad=True)]
    losses = []

    def step():
        w1, b1, w2, b2 = p
        logits = torch.relu(X @ w1 + b1) @ w2 + b2
        loss = (torch.logsumexp(logits, 1) - (logits * Y).sum(1)).mean()
        gs = torch.autograd.grad(loss, p)
        with torch.no_grad():
            for q, g in zip(p, gs):
                q -= 0.1 * g
        losses.append(loss.item())
    res["w4"] = timed(step, 5, scaled(30, quick)) * 1e3
    res["w4_first_loss"] = losses[0]
    return res


def run_tinygrad(quick: bool) -> dict:
    import importlib.util

    spec = importlib.util.find_spec("pydawn")
    if spec is None:
        raise RuntimeError("dawn-python is not installed")
    lib = os.path.join(os.path.dirname(spec.origin), "lib", "libwebgpu_dawn_x86_64.so")
    os.environ.setdefault("WEBGPU_PATH", lib)
    os.environ.setdefault("DEV", "WEBGPU")
    os.environ.setdefault("WEBGPU", "1")
    from tinygrad import Device, Tensor

    res: dict = {"w1": {}, "device": Device.DEFAULT}
    if "WEBGPU" not in str(Device.DEFAULT):
        raise RuntimeError(f"tinygrad picked device {Device.DEFAULT}, not WEBGPU")
    for n, reps in W1_SIZES:
        A = Tensor((2 * u(n * n, 1) - 1).reshape(n, n)).realize()
        B = Tensor((2 * u(n * n, 2) - 1).reshape(n, n)).realize()

        def rep():
            outs = [(A @ B).realize() for _ in range(10)]
            outs[-1].numpy()
        res["w1"][n] = timed(rep, 1, scaled(reps, quick)) / 10 * 1e3
    x0 = Tensor(u(1 << 20, 3)).realize()

    def w2():
        x = x0
        for _ in range(5):
            a = (x * 1.0001).realize()
            b = (a + 0.5).realize()
            c = b.relu().realize()
            d = (c + 1).realize().sqrt().realize()
            x = (d + 1).realize().log().realize()
        x.numpy()
    res["w2"] = timed(w2, 2, scaled(7, quick)) / 35 * 1e3
    a0, b0 = Tensor(u(64, 8)).realize(), Tensor(u(64, 9)).realize()

    def w3():
        c = a0
        for _ in range(1000):
            c = (c + b0).realize()
        c.numpy()
    res["w3"] = timed(w3, 2, max(2, scaled(7, quick) // 2)) / 1000 * 1e6
    X, labels, W1, W2 = w4_data()
    import numpy as np
    Xt, Yt = Tensor(X).realize(), Tensor(np.eye(10, dtype=np.float32)[labels]).realize()
    p = [Tensor(W1.copy()).realize(), Tensor.zeros(256).contiguous().realize(),
         Tensor(W2.copy()).realize(), Tensor.zeros(10).contiguous().realize()]
    losses = []

    def step():
        w1, b1, w2, b2 = p
        logits = (Xt @ w1 + b1).relu() @ w2 + b2
        loss = (logits.logsumexp(1) - (logits * Yt).sum(1)).mean()
        grads = loss.gradient(*p)
        new = [(q - 0.1 * g).realize() for q, g in zip(p, grads)]
        losses.append(loss.item())
        p[:] = new
    res["w4"] = timed(step, 5, scaled(30, quick)) * 1e3
    res["w4_first_loss"] = losses[0]
    return res


def run_floor(quick: bool) -> dict:
    """Raw wgpu: 1,000 trivial add dispatches in one pass (bind groups made beforehand)."""
    return {"floor_us": timed(make_floor(), 2, scaled(7, quick)) / 1000 * 1e6}


def make_floor():
    """A function running the raw-wgpu floor once (1,000 dispatches, one submit, one read-back)."""
    import struct

    import wgpu

    dev = wgpu.gpu.request_adapter_sync(power_preference="high-performance").request_device_sync()
    src = """
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> n: vec4<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x < n.x) { c[g.x] = a[g.x] + b[g.x]; }
}"""
    pipe = dev.create_compute_pipeline(layout="auto", compute={"module": dev.create_shader_module(code=src),
                                                                "entry_point": "main"})
    U = wgpu.BufferUsage
    bufs = [dev.create_buffer(size=256, usage=U.STORAGE | U.COPY_SRC | U.COPY_DST) for _ in range(1002)]
    ub = dev.create_buffer(size=16, usage=U.UNIFORM | U.COPY_DST)
    dev.queue.write_buffer(ub, 0, struct.pack("4I", 64, 0, 0, 0))
    rb = dev.create_buffer(size=256, usage=U.MAP_READ | U.COPY_DST)
    layout = pipe.get_bind_group_layout(0)
    groups = [dev.create_bind_group(layout=layout, entries=[
        {"binding": 0, "resource": {"buffer": bufs[i], "offset": 0, "size": 256}},
        {"binding": 1, "resource": {"buffer": bufs[1001], "offset": 0, "size": 256}},
        {"binding": 2, "resource": {"buffer": bufs[i + 1], "offset": 0, "size": 256}},
        {"binding": 3, "resource": {"buffer": ub, "offset": 0, "size": 16}}]) for i in range(1000)]

    def run():
        enc = dev.create_command_encoder()
        p = enc.begin_compute_pass()
        p.set_pipeline(pipe)
        for g in groups:
            p.set_bind_group(0, g)
            p.dispatch_workgroups(1)
        p.end()
        enc.copy_buffer_to_buffer(bufs[1000], 0, rb, 0, 256)
        dev.queue.submit([enc.finish()])
        rb.map_sync(wgpu.MapMode.READ)
        rb.read_mapped()
        rb.unmap()
    return run


RUNNERS = {"webgpu": lambda q: run_webgrad("webgpu", q), "cpu": lambda q: run_webgrad("cpu", q),
           "numpy": run_numpy, "torch": run_torch, "tinygrad": run_tinygrad, "floor": run_floor}
LABELS = {"webgpu": "webgrad webgpu", "cpu": "webgrad cpu", "numpy": "NumPy", "torch": "PyTorch CPU",
          "tinygrad": "tinygrad WEBGPU", "floor": "raw wgpu floor"}


# -- driver -------------------------------------------------------------------------------------------

def _child(peer: str, quick: bool) -> None:
    try:
        out = {"ok": True, **RUNNERS[peer](quick)}
    except Exception as exc:  # noqa: BLE001 - a missing peer is a row, not a crash
        out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    print("BENCH-JSON " + json.dumps(out, default=str), flush=True)


def _run_peer(peer: str, quick: bool, timeout: int) -> dict:
    env = dict(os.environ)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", peer] + (["--quick"] if quick else [])
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    return {"ok": False, "error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]}


def _table(results: dict) -> str:
    floor = results.get("floor", {}).get("floor_us")
    head = ["peer"] + [f"W1 {n} ms (GFLOP/s)" for n, _ in W1_SIZES] + ["W2 ms/op", "W3 us/op", "W4 ms/step", "W4 loss0"]
    rows = [head]
    for peer, r in results.items():
        if peer == "floor":
            rows.append([LABELS[peer]] + ["-"] * 3 + ["-", f"{floor:.1f}" if floor else r.get("error", "n/a"), "-", "-"])
            continue
        if not r.get("ok"):
            rows.append([LABELS[peer], "unavailable: " + r.get("error", "?")[:100]])
            continue
        w1 = [f"{r['w1'][str(n)] if str(n) in r['w1'] else r['w1'][n]:.2f} ({2 * n**3 / (r['w1'][str(n)] if str(n) in r['w1'] else r['w1'][n]) / 1e6:.1f})"
              for n, _ in W1_SIZES]
        loss = r["w4_first_loss"]
        loss_s = f"{loss:.6f}" + ("" if abs(loss - W4_FIRST_LOSS) < 2e-5 else " WRONG")
        w3 = f"{r['w3']:.1f}"
        if "w3_interleaved" in r:
            w3 += f" ({r['w3_interleaved'] / r['floor_interleaved']:.2f}x floor*)"
        rows.append([LABELS[peer]] + w1 + [f"{r['w2']:.3f}", w3, f"{r['w4']:.2f}", loss_s])
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(head))]
    lines = []
    for row in rows:
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)) if len(row) == len(head)
                     else "  ".join(row))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--json", default="bench.json", help="where to write the results (default bench.json)")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per peer")
    ap.add_argument("--big", action="store_true", help="also W1 at N = 2048 and 4096")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    global W1_SIZES
    if args.big or os.environ.get("WEBGRAD_BENCH_BIG"):
        os.environ["WEBGRAD_BENCH_BIG"] = "1"  # children inherit it
        W1_SIZES = W1_SIZES + ((2048, 3), (4096, 2))
    if args.child:
        _child(args.child, args.quick)
        return
    results = {}
    for peer in args.peers.split(","):
        print(f"running {LABELS.get(peer, peer)} ...", file=sys.stderr, flush=True)
        results[peer] = _run_peer(peer, args.quick, args.timeout)
    print(_table(results))
    with open(args.json, "w") as f:
        json.dump({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": results}, f, indent=1)
    print(f"(medians; JSON in {args.json}; *: W3 over the raw floor, both timed rep by rep interleaved "
          f"in the webgpu process)")


if __name__ == "__main__":
    main()
