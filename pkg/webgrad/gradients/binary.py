"""Gradients of broadcasting binary kernels; broadcast axes are summed back."""
from __future__ import annotations

from .. import ops as o
from .util import grad_rule, sum_to_shape


def _rule(kernel, da, db):
    """dx_a = sum_to_shape(da(dy, a, b)), likewise for b."""
    @grad_rule(kernel, inputs_to_save=[0, 1])
    def rule(dy, ctx):
        a, b = ctx.saved
        return [lambda: sum_to_shape(da(dy, a, b), a.shape),
                lambda: sum_to_shape(db(dy, a, b), b.shape)]
    return rule


@grad_rule("Add")
def _add(dy, ctx):
    sa, sb = ctx.input_shapes
    return [lambda: sum_to_shape(dy, sa), lambda: sum_to_shape(dy, sb)]


@grad_rule("Sub")
def _sub(dy, ctx):
    sa, sb = ctx.input_shapes
    return [lambda: sum_to_shape(dy, sa), lambda: sum_to_shape(o.neg(dy), sb)]


_rule("Multiply", lambda dy, a, b: o.mul(dy, b), lambda dy, a, b: o.mul(dy, a))
_rule("RealDiv", lambda dy, a, b: o.div(dy, b), lambda dy, a, b: o.neg(o.div(o.mul(dy, a), o.square(b))))
_rule("Pow",
      lambda dy, a, b: o.mul(dy, o.mul(b, o.pow(a, o.sub(b, 1)))),
      lambda dy, a, b: o.mul(dy, o.where(o.greater(a, 0), o.mul(o.pow(a, b), o.log(o.where(o.greater(a, 0), a, 1.0))), 0.0)))
_rule("Maximum",
      lambda dy, a, b: o.mul(dy, o.cast(o.greater_equal(a, b), "float32")),
      lambda dy, a, b: o.mul(dy, o.cast(o.less(a, b), "float32")))
_rule("Minimum",
      lambda dy, a, b: o.mul(dy, o.cast(o.less_equal(a, b), "float32")),
      lambda dy, a, b: o.mul(dy, o.cast(o.greater(a, b), "float32")))
_rule("SquaredDifference",
      lambda dy, a, b: o.mul(dy, o.mul(o.sub(a, b), 2.0)),
      lambda dy, a, b: o.mul(dy, o.mul(o.sub(b, a), 2.0)))
_rule("Atan2",
      lambda dy, a, b: o.mul(dy, o.div(b, o.add(o.square(a), o.square(b)))),
      lambda dy, a, b: o.mul(dy, o.div(o.neg(a), o.add(o.square(a), o.square(b)))))
_rule("Mod",
      lambda dy, a, b: dy,
      lambda dy, a, b: o.mul(dy, o.neg(o.floor(o.div(a, b)))))
_rule("FloorDiv", lambda dy, a, b: o.zeros_like(dy), lambda dy, a, b: o.zeros_like(dy))


@grad_rule("Select", inputs_to_save=[0])
def _select(dy, ctx):
    (c,) = ctx.saved
    _, sa, sb = ctx.input_shapes
    zero = o.zeros_like(dy)
    return [None,
            lambda: sum_to_shape(o.where(c, dy, zero), sa),
            lambda: sum_to_shape(o.where(c, zero, dy), sb)]


for _k in ("Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual",
           "LogicalAnd", "LogicalOr", "LogicalXor"):
    grad_rule(_k)(lambda dy, ctx: [None, None])
