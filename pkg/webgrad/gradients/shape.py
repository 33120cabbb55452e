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


def _dys(dy):
    """A multi-output kernel's gradients as a float32 list (the engine passes one tensor
    alone, and fills unused outputs with zeros of the output's dtype)."""
    return [o.cast(d, "float32") if d.dtype != "float32" else d for d in (dy if isinstance(dy, list) else [dy])]


def _piece(dy, axis, offset, shape):
    """The part of dy an input of `shape` occupied, starting at offset along axis."""
    begin = [0] * dy.rank
    begin[axis] = offset
    return o.slice(dy, begin, list(shape))


@grad_rule("Concat")
def _concat(dy, ctx):
    axis, thunks, offset = ctx.attrs["axis"], [], 0
    for shape in ctx.input_shapes:
        thunks.append(lambda off=offset, shape=shape: _piece(dy, axis, off, shape))
        offset += shape[axis]
    return thunks


@grad_rule("Pack")
def _pack(dy, ctx):
    axis = ctx.attrs["axis"]
    one = list(dy.shape)
    one[axis] = 1
    return [lambda i=i, shape=shape: o.reshape(_piece(dy, axis, i, one), shape)
            for i, shape in enumerate(ctx.input_shapes)]


@grad_rule("Unpack")
def _unpack(dy, ctx):
    return [lambda: o.stack(_dys(dy), ctx.attrs["axis"])]


@grad_rule("SplitV")
def _split(dy, ctx):
    return [lambda: o.concat(_dys(dy), ctx.attrs["axis"])]


@grad_rule("Slice")
def _slice(dy, ctx):
    shape = ctx.input_shapes[0]
    begin, size = ctx.attrs["begin"], ctx.attrs["size"]
    return [lambda: o.pad(dy, [(b, d - b - s) for b, s, d in zip(begin, size, shape)])]


@grad_rule("PadV2")
def _pad(dy, ctx):
    return [lambda: o.slice(dy, [p[0] for p in ctx.attrs["paddings"]], list(ctx.input_shapes[0]))]


@grad_rule("Tile")
def _tile(dy, ctx):
    shape, reps = ctx.input_shapes[0], ctx.attrs["reps"]

    def dx():
        split = []
        for r, d in zip(reps, shape):
            split += [r, d]
        summed = o.sum(o.reshape(dy, split), tuple(range(0, 2 * len(shape), 2)))
        return o.reshape(summed, shape)
    return [dx]


@grad_rule("Reverse")
def _reverse(dy, ctx):
    return [lambda: o.reverse(dy, list(ctx.attrs["dims"]))]


@grad_rule("GatherV2", inputs_to_save=[1])
def _gather(dy, ctx):
    """Scatter-add dy back to x's rows: a one-hot matrix product (out-of-range indices add nothing)."""
    (indices,) = ctx.saved
    shape, axis = ctx.input_shapes[0], ctx.attrs["axis"]

    def dx():
        n = shape[axis]
        outer = 1
        for d in shape[:axis]:
            outer *= d
        inner = 1
        for d in shape[axis + 1:]:
            inner *= d
        if n == 0:
            return o.zeros(shape, "float32")
        k = indices.size
        hot = o.one_hot(o.reshape(indices, (k,)), n, dtype="float32")
        rows = o.matmul(hot, o.reshape(o.cast(dy, "float32"), (outer, k, inner)), transpose_a=True)
        return o.reshape(rows, shape)
    return [dx, None]
