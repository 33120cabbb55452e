"""Draw the graph of the demo model (``webgrad.demo.build_model``: 64 pixels -> dense 64
ReLU -> dense 10 softmax) and its training loss on a batch of digits, forward and backward,
one cluster per layer.

    python -m webgrad.graph.demo mlp.svg                  # also .png, .pdf, .dot
    python -m webgrad.graph.demo mlp.svg --collapse       # each layer as one node
    python -m webgrad.graph.demo mlp.svg --collapse dense # only that layer
"""
from __future__ import annotations

import argparse
import sys

import webgrad as wg

from .model import Graph
from .model_graph import trace_model


def demo_model(seed: int = 0):
    """The demo classifier, compiled as ``webgrad.demo`` trains it (Adam, sparse cross-entropy)."""
    from webgrad import demo

    model = demo.build_model(seed)
    model.compile(optimizer=wg.train.adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def demo_graph(batch: int = 4, values: bool = False, seed: int = 0) -> Graph:
    """Trace the demo model's loss on the first `batch` digits, and its gradients."""
    model = demo_model(seed)
    x, y = wg.datasets.load_digits()
    xb, yb = wg.slice(x, [0, 0], [batch, -1]), wg.slice(y, [0], [batch])
    try:
        return trace_model(model, xb, yb, values=values)
    finally:
        wg.dispose([x, y, xb, yb])
        model.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m webgrad.graph.demo", description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output file: .svg, .png, .pdf or .dot")
    ap.add_argument("--collapse", nargs="*", metavar="LAYER",
                    help="draw layers as one node each: all of them, or the ones named")
    ap.add_argument("--values", action="store_true", help="show value summaries in the tensor boxes")
    ap.add_argument("--batch", type=int, default=4, help="batch size of the traced step (default 4)")
    ap.add_argument("--rankdir", default="TB", choices=["TB", "LR"])
    args = ap.parse_args(argv)
    g = demo_graph(batch=args.batch, values=args.values)
    collapse = False if args.collapse is None else (args.collapse or True)
    unknown = set(args.collapse or ()) - {s[0] for s in g.scopes()}
    if unknown:
        ap.error(f"--collapse: no layer named {', '.join(sorted(unknown))}; "
                 f"layers: {', '.join(s[0] for s in g.scopes())}")
    g.save(args.out, collapse=collapse, rankdir=args.rankdir,
           title="webgrad demo model: the loss of one batch, forward and backward")
    print(f"{args.out}: {g}; layers {', '.join(s[0] for s in g.scopes())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
