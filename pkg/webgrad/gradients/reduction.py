"""Gradients of reductions: broadcast dy back over the reduced axes."""
from __future__ import annotations

from math import prod

from .. import ops as o
from ..shape_util import reduced_shape
from .util import grad_rule


def _expand(dy, ctx):
    """dy reshaped with the reduced axes kept as size 1, broadcast to the input shape."""
    shape = ctx.input_shapes[0]
    kept = reduced_shape(shape, ctx.attrs["axis"], True)
    return o.broadcast_to(o.reshape(dy, kept), shape)


@grad_rule("Sum")
def _sum(dy, ctx):
    return [lambda: _expand(dy, ctx)]


@grad_rule("Mean")
def _mean(dy, ctx):
    shape = ctx.input_shapes[0]
    n = prod(shape[a] for a in ctx.attrs["axis"])
    return [lambda: o.div(_expand(dy, ctx), float(max(n, 1)))]


def _extreme(kernel):
    @grad_rule(kernel, inputs_to_save=[0], outputs_to_save=[0])
    def rule(dy, ctx):
        x, y = ctx.saved
        kept = reduced_shape(x.shape, ctx.attrs["axis"], True)
        mask = o.cast(o.equal(x, o.reshape(y, kept)), "float32")
        return [lambda: o.mul(_expand(dy, ctx), mask)]
    return rule


_extreme("Max")
_extreme("Min")


@grad_rule("Prod", inputs_to_save=[0], outputs_to_save=[0])
def _prod(dy, ctx):
    x, y = ctx.saved
    kept = reduced_shape(x.shape, ctx.attrs["axis"], True)
    # y / x where x != 0; exact products of the others where x == 0 are rare enough to compute directly.
    return [lambda: o.mul(_expand(dy, ctx), _prod_others(x, ctx.attrs["axis"], o.reshape(y, kept)))]


def _prod_others(x, axes, y):
    zero = o.equal(x, 0.0)
    safe = o.where(zero, 1.0, x)
    nonzero_prod = o.prod(safe, axes, keepdims=True)
    zeros_count = o.sum(o.cast(zero, "int32"), axes, keepdims=True)
    other = o.where(o.equal(zeros_count, 0), o.div(y, safe),
                    o.where(o.logical_and(zero, o.equal(zeros_count, 1)), nonzero_prod, 0.0))
    return other


@grad_rule("Cumsum")
def _cumsum(dy, ctx):
    a = ctx.attrs
    return [lambda: o.cumsum(dy, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])]


for _k in ("ArgMax", "ArgMin", "Any", "All"):
    grad_rule(_k)(lambda dy, ctx: [None])
