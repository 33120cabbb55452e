"""Gradients of shape kernels."""
from __future__ import annotations

from .. import ops as o
from .util import grad_rule, sum_to_shape


@grad_rule("Reshape")
def _reshape(dy, ctx):
    return [lambda: o.reshape(dy, ctx.input_shapes[0])]


@grad_rule("Transpose")
def _transpose(dy, ctx):
    perm = ctx.attrs["perm"]
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return [lambda: o.transpose(dy, inverse)]


@grad_rule("BroadcastTo")
def _broadcast_to(dy, ctx):
    return [lambda: sum_to_shape(dy, ctx.input_shapes[0])]
