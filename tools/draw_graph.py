#!/usr/bin/env python3
"""Draw computation graphs.

    python tools/draw_graph.py mlp.svg [--collapse yes] [--values]   # the demo MLP
    python tools/draw_graph.py --layers 150 --collapse no --no-group big.svg  # a deep chain of layers, timed
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pkg"))

import webgrad as wg  # noqa: E402
from webgrad.graph import demo, name_scope, trace  # noqa: E402


def deep_graph(n_layers: int):
    x = wg.random_uniform((2, 4), seed=1)
    params = wg.tidy(lambda: [(wg.variable(wg.random_normal((4, 4), stddev=0.5, seed=i)), wg.variable(wg.zeros((4,))))
                              for i in range(n_layers)])

    def f(x):
        for W, b in params:
            with name_scope("dense"):
                x = wg.tanh(wg.matmul(x, W) + b)
        return wg.sum(x)

    try:
        return trace(f, x)
    finally:
        wg.dispose([x, *[t for p in params for t in p]])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=0, help="draw a chain of N dense layers instead, with timings")
    ap.add_argument("--collapse", choices=["auto", "yes", "no"], default="auto")
    ap.add_argument("--no-group", action="store_true", help="draw repeated identical layers each in full")
    ap.add_argument("--values", action="store_true")
    args = ap.parse_args()
    collapse = {"auto": None, "yes": True, "no": False}[args.collapse]
    t0 = time.perf_counter()
    g = deep_graph(args.layers) if args.layers else demo.demo_graph(values=args.values)
    t1 = time.perf_counter()
    opts = {"collapse": collapse, "group_repeats": not args.no_group}
    text = g.to_dot(**opts)
    t2 = time.perf_counter()
    g.save(args.out, **opts)
    t3 = time.perf_counter()
    print(f"{args.out}: {g}; trace {t1 - t0:.2f}s, to_dot {t2 - t1:.3f}s ({len(text)} chars), "
          f"layout+write {t3 - t2:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
