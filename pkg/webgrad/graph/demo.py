"""Draw the graph of the demo model: a small MLP on digits-like input (8x8 images, 10
classes): matmul + bias + relu + matmul + bias + softmax cross-entropy, forward and backward.

    python -m webgrad.graph.demo mlp.svg            # also .png, .dot
    python -m webgrad.graph.demo mlp.svg --collapse # one node per layer
"""
from __future__ import annotations

import argparse
import sys

import webgrad as wg

from .capture import trace
from .model import Graph
from .scope import name_scope


def _matmul(x, W):
    matmul = getattr(wg, "matmul", None)
    if matmul is not None:
        return matmul(x, W)
    return wg.sum(wg.expand_dims(x, 2) * W, axis=1)  # the same product from elementary ops


def _log_softmax(z):
    log_softmax = getattr(wg, "log_softmax", None)
    if log_softmax is not None:
        return log_softmax(z, axis=-1)
    shifted = z - wg.stop_gradient(wg.max(z, axis=-1, keepdims=True))
    return shifted - wg.log(wg.sum(wg.exp(shifted), axis=-1, keepdims=True))


def mlp_params(n_in: int = 64, n_hidden: int = 16, n_out: int = 10, seed: int = 0) -> dict:
    return wg.tidy(lambda: {
        "W1": wg.variable(wg.random_normal((n_in, n_hidden), stddev=0.1, seed=seed), name="W1"),
        "b1": wg.variable(wg.zeros((n_hidden,)), name="b1"),
        "W2": wg.variable(wg.random_normal((n_hidden, n_out), stddev=0.1, seed=seed + 1), name="W2"),
        "b2": wg.variable(wg.zeros((n_out,)), name="b2"),
    })


def mlp_loss(params: dict, images, labels):
    """Mean softmax cross-entropy of the two-layer MLP on a batch."""
    with name_scope("dense_1"):
        h = wg.relu(_matmul(images, params["W1"]) + params["b1"])
    with name_scope("dense_2"):
        logits = _matmul(h, params["W2"]) + params["b2"]
    with name_scope("softmax_cross_entropy"):
        return -wg.sum(labels * _log_softmax(logits)) / images.shape[0]


def demo_graph(batch: int = 4, values: bool = False) -> Graph:
    """Trace one training step's loss and gradients of the demo MLP."""
    params = mlp_params()
    images = wg.random_uniform((batch, 64), seed=7)
    classes = [i % 10 for i in range(batch)]
    labels = wg.tensor([[1.0 if c == k else 0.0 for k in range(10)] for c in classes])
    try:
        return trace(lambda images: mlp_loss(params, images, labels), images,
                     wrt=list(params.values()), values=values)
    finally:
        wg.dispose([images, labels, *params.values()])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m webgrad.graph.demo", description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output file: .svg, .png, .pdf or .dot")
    ap.add_argument("--collapse", action="store_true", help="draw each layer as one node")
    ap.add_argument("--values", action="store_true", help="show value summaries in the tensor boxes")
    ap.add_argument("--rankdir", default="TB", choices=["TB", "LR"])
    args = ap.parse_args(argv)
    g = demo_graph(values=args.values)
    g.save(args.out, collapse=args.collapse, rankdir=args.rankdir, title="webgrad demo MLP: forward and backward")
    print(f"{args.out}: {g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
