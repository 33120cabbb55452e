"""Gradient of BatchMatMul (rank-3 operands; a batch of 1 is summed back)."""
from __future__ import annotations

from .. import ops as o
from .util import grad_rule, sum_to_shape


@grad_rule("BatchMatMul", inputs_to_save=[0, 1])
def _batch_matmul(dy, ctx):
    a, b = ctx.saved
    ta, tb = ctx.attrs.get("transpose_a", False), ctx.attrs.get("transpose_b", False)
    if not ta and not tb:
        da = lambda: o.matmul(dy, b, transpose_b=True)  # noqa: E731
        db = lambda: o.matmul(a, dy, transpose_a=True)  # noqa: E731
    elif not ta:
        da = lambda: o.matmul(dy, b)  # noqa: E731
        db = lambda: o.matmul(dy, a, transpose_a=True)  # noqa: E731
    elif not tb:
        da = lambda: o.matmul(b, dy, transpose_b=True)  # noqa: E731
        db = lambda: o.matmul(a, dy)  # noqa: E731
    else:
        da = lambda: o.matmul(b, dy, transpose_a=True, transpose_b=True)  # noqa: E731
        db = lambda: o.matmul(dy, a, transpose_a=True, transpose_b=True)  # noqa: E731
    return [lambda: sum_to_shape(da(), a.shape), lambda: sum_to_shape(db(), b.shape)]
