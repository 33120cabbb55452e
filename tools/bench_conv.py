"""Convolution benchmark: a small CNN training step and single conv kernels.

    python tools/bench_conv.py [--variants webgpu,direct,cpu] [--reps 7] [--json out.json]

Variants: "webgpu" (convolutions as im2col + matmul, as shipped), "bmm" (the same but
every product through BatchMatMul: WEBGRAD_CONV_GEMM=matmul), "direct" (webgpu with
WEBGRAD_CONV=direct: the one-thread-per-output kernels, i.e. the "before" numbers),
"cpu" (the NumPy backend). Cases run variant after variant, so machine load affects
them alike.

CNN step (batch 128, the digits-like 8x8x1 input): conv 3x3x16 same + relu, conv 3x3x32
same + relu, max_pool 2, dense 10, softmax cross-entropy; forward + backward (grads of
every weight). Single shapes time Conv2D alone, then Conv2D + Conv2DBackpropInput + Conv2DBackpropFilter
(the grads of both inputs; GF/s counts all three).
Every timing ends in a read-back; medians are reported. A benchmark, not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pkg"))

import numpy as np  # noqa: E402

import webgrad as wg  # noqa: E402

# (name, x shape NHWC, filter shape HWCK, stride, pad, dilation)
SHAPES = (
    ("digits c1", (128, 8, 8, 1), (3, 3, 1, 16), 1, "same", 1),
    ("digits c2", (128, 8, 8, 16), (3, 3, 16, 32), 1, "same", 1),
    ("32x32 c64", (32, 32, 32, 32), (3, 3, 32, 64), 1, "same", 1),
    ("s2 valid", (16, 33, 33, 16), (5, 5, 16, 32), 2, "valid", 1),
    ("dil2", (16, 24, 24, 16), (3, 3, 16, 16), 1, "same", 2),
)


def timed(fn, reps: int) -> float:
    fn()
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def cnn_step(reps: int) -> float:
    rng = np.random.default_rng(0)
    x = wg.tensor(rng.random((128, 8, 8, 1), dtype=np.float32))
    labels = wg.one_hot(wg.tensor(rng.integers(0, 10, 128).astype(np.int32)), 10)
    w1 = wg.variable(wg.tensor((rng.standard_normal((3, 3, 1, 16)) * 0.3).astype(np.float32)))
    w2 = wg.variable(wg.tensor((rng.standard_normal((3, 3, 16, 32)) * 0.1).astype(np.float32)))
    wd = wg.variable(wg.tensor((rng.standard_normal((4 * 4 * 32, 10)) * 0.05).astype(np.float32)))

    def loss():
        h = wg.relu(wg.conv2d(x, w1, 1, "same"))
        h = wg.relu(wg.conv2d(h, w2, 1, "same"))
        h = wg.max_pool(h, 2, 2, "valid")
        logits = wg.matmul(wg.reshape(h, (128, -1)), wd)
        return wg.losses.softmax_cross_entropy(labels, logits)

    def step():
        with wg.tidy():
            r = wg.variable_grads(loss, [w1, w2, wd])
            vals = [r["value"], *r["grads"].values()]
            for v in vals:
                v.data_sync()
    return timed(step, reps)


def conv_ops(shape, reps: int) -> dict[str, float]:
    _, xs, fs, s, pad, dil = shape
    rng = np.random.default_rng(1)
    x = wg.tensor(rng.random(xs, dtype=np.float32))
    f = wg.tensor(rng.random(fs, dtype=np.float32) - 0.5)
    y = wg.conv2d(x, f, s, pad, dil)
    dy = wg.ones_like(y)
    out = {}

    def fwd():
        with wg.tidy():
            wg.conv2d(x, f, s, pad, dil).data_sync()

    def bwd():
        with wg.tidy():
            gx, gf = wg.grads(lambda a, b: wg.conv2d(a, b, s, pad, dil))([x, f], dy)
            gx.data_sync()
            gf.data_sync()
    out["fwd ms"] = 1e3 * timed(fwd, reps)
    out["bwd ms"] = 1e3 * timed(bwd, reps)
    flops = 2 * y.size * fs[0] * fs[1] * fs[2]
    out["fwd GF/s"] = flops / out["fwd ms"] / 1e6
    out["bwd GF/s"] = 3 * flops / out["bwd ms"] / 1e6
    return out


def use(variant: str) -> None:
    os.environ.pop("WEBGRAD_CONV", None)
    os.environ.pop("WEBGRAD_CONV_GEMM", None)
    if variant == "direct":
        os.environ["WEBGRAD_CONV"] = "direct"
    elif variant == "bmm":
        os.environ["WEBGRAD_CONV_GEMM"] = "matmul"
    wg.set_backend("cpu" if variant == "cpu" else "webgpu")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", default="webgpu,bmm,direct,cpu")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--json")
    ap.add_argument("--shapes", default="all", help="'none' to time only the CNN step")
    args = ap.parse_args()
    variants = args.variants.split(",")
    rows = []
    for v in variants:
        use(v)
        rows.append({"variant": v, "case": "CNN step", "ms": 1e3 * cnn_step(args.reps)})
    for sh in SHAPES if args.shapes != "none" else ():
        for v in variants:
            use(v)
            with wg.tidy():
                r = conv_ops(sh, args.reps)
            rows.append({"variant": v, "case": sh[0], "ms": r["fwd ms"], "bwd_ms": r["bwd ms"],
                         "gfs": r["fwd GF/s"], "bwd_gfs": r["bwd GF/s"]})
    print(f"{'variant':8} {'case':12} {'fwd (or step) ms':>16} {'GF/s':>7} {'fwd+dx+dw ms':>21} {'GF/s':>7}")
    for r in rows:
        print(f"{r['variant']:8} {r['case']:12} {r['ms']:16.2f} {r.get('gfs', float('nan')):7.2f} "
              f"{r.get('bwd_ms', float('nan')):21.2f} {r.get('bwd_gfs', float('nan')):7.2f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
