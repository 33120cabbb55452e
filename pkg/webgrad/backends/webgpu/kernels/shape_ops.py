"""Shape kernels that copy: Concat, Pack, Unpack, SplitV, Slice, PadV2, Tile, Reverse,
GatherV2 and OneHot.

Most are strided gathers (shape.gather) with a base offset, signed strides or moduli;
Concat/Pack copy one input per dispatch (shape.concat_into), so any number of inputs
fits the storage-binding limit. PadV2, GatherV2 and OneHot have their own programs
(shaders/shapeop_*.wgsl).
"""
from __future__ import annotations

import struct

from ....gpu.base import STORAGE
from ..shaders import render
from .shape import concat_into, gather
from .util import WG, WGSL_TYPE, kernel, pack, size_of, strides_of, uvec4


class _View:
    """A tensor seen with another shape (same data), for concat_into."""

    __slots__ = ("ref", "shape", "rank")

    def __init__(self, t, shape):
        self.ref, self.shape, self.rank = t.ref, tuple(shape), len(shape)


def placeholder(backend):
    """A 1-element buffer to bind where an input is empty (never read by the program)."""
    buf = getattr(backend, "_empty_binding", None)
    if buf is None:
        buf = backend._empty_binding = backend.device.create_buffer(16, STORAGE)
    return buf


def _buffer(backend, t):
    return t.ref.handle.buffer if t.ref.handle.n else placeholder(backend)


def const_bits(value, dtype: str) -> int:
    """A scalar as the u32 bit pattern of its storage type."""
    if dtype == "float32":
        return struct.unpack("<I", struct.pack("<f", float(value)))[0]
    if dtype == "int32":
        return int(value) & 0xFFFFFFFF
    return 1 if value else 0


@kernel("Concat")
def _concat(inputs, attrs, backend):
    axis = attrs["axis"]
    shape = list(inputs[0].shape)
    shape[axis] = sum(t.shape[axis] for t in inputs)
    return concat_into(backend, inputs, axis, shape, inputs[0].dtype)


@kernel("Pack")
def _pack(inputs, attrs, backend):
    axis = attrs["axis"]
    one = inputs[0].shape[:axis] + (1,) + inputs[0].shape[axis:]
    shape = inputs[0].shape[:axis] + (len(inputs),) + inputs[0].shape[axis:]
    return concat_into(backend, [_View(t, one) for t in inputs], axis, shape, inputs[0].dtype)


def _along(backend, x, axis: int, start: int, size: int, keep: bool):
    """x's slab [start, start + size) along axis (without that axis when keep is False)."""
    st = strides_of(x.shape)
    shape = list(x.shape)
    strides = list(st)
    if keep:
        shape[axis] = size
    else:
        del shape[axis], strides[axis]
    return gather(backend, x, shape, start * st[axis], strides)


@kernel("Unpack")
def _unpack(inputs, attrs, backend):
    x, axis = inputs[0], attrs["axis"]
    return [_along(backend, x, axis, i, 1, False) for i in range(attrs["num"])]


@kernel("SplitV")
def _split(inputs, attrs, backend):
    x, axis = inputs[0], attrs["axis"]
    outs, start = [], 0
    for s in attrs["size_splits"]:
        outs.append(_along(backend, x, axis, start, s, True))
        start += s
    return outs


@kernel("Slice")
def _slice(inputs, attrs, backend):
    x = inputs[0]
    st = strides_of(x.shape)
    base = sum(b * s for b, s in zip(attrs["begin"], st))
    return gather(backend, x, attrs["size"], base, st)


@kernel("Reverse")
def _reverse(inputs, attrs, backend):
    x = inputs[0]
    st = strides_of(x.shape)
    base = 0
    for d in attrs["dims"]:
        base += (x.shape[d] - 1) * st[d]
        st[d] = -st[d]
    return gather(backend, x, x.shape, base, st)


@kernel("Tile")
def _tile(inputs, attrs, backend):
    x = inputs[0]
    shape = [d * r for d, r in zip(x.shape, attrs["reps"])]
    return gather(backend, x, shape, 0, strides_of(x.shape), list(x.shape))


@kernel("PadV2")
def _pad(inputs, attrs, backend):
    x, pads = inputs[0], attrs["paddings"]
    dtype = x.dtype
    shape = tuple(d + a + b for d, (a, b) in zip(x.shape, pads))
    n = size_of(shape)
    out = backend.alloc(n)
    if n == 0:
        return out, shape, dtype
    rank, t = len(shape), WGSL_TYPE[dtype]
    pipe = backend.pipeline(f"shapeop_pad:{t}:r{rank}",
                            lambda: render("shapeop_pad", T=t, WG=WG, RANK=rank, UVEC4=uvec4(2 + 4 * rank)))
    ub = pack("I" * (2 + 4 * rank), n, const_bits(attrs["constant_value"], dtype), *shape,
              *strides_of(x.shape), *(p[0] for p in pads), *x.shape)
    backend.run(pipe, (_buffer(backend, x), out.buffer), ub, -(-n // WG))
    return out, shape, dtype


@kernel("GatherV2")
def _gather_v2(inputs, attrs, backend):
    x, idx = inputs
    axis = attrs["axis"]
    shape = x.shape[:axis] + idx.shape + x.shape[axis + 1:]
    total = size_of(shape)
    out = backend.alloc(total)
    if total == 0:
        return out, shape, x.dtype
    t = WGSL_TYPE[x.dtype]
    pipe = backend.pipeline(f"shapeop_gather_axis:{t}", lambda: render("shapeop_gather_axis", T=t, WG=WG))
    ub = pack("IIII", total, x.shape[axis], idx.size, size_of(x.shape[axis + 1:]))
    backend.run(pipe, (_buffer(backend, x), idx.ref.handle.buffer, out.buffer), ub, -(-total // WG))
    return out, shape, x.dtype


@kernel("OneHot")
def _one_hot(inputs, attrs, backend):
    idx = inputs[0]
    depth, dtype = attrs["depth"], attrs["dtype"]
    shape = idx.shape + (depth,)
    n = size_of(shape)
    out = backend.alloc(n)
    if n == 0:
        return out, shape, dtype
    t = WGSL_TYPE[dtype]
    pipe = backend.pipeline(f"shapeop_one_hot:{t}", lambda: render("shapeop_one_hot", T=t, WG=WG))
    ub = pack("IIII", n, depth, const_bits(attrs["on_value"], dtype), const_bits(attrs["off_value"], dtype))
    backend.run(pipe, (idx.ref.handle.buffer, out.buffer), ub, -(-n // WG))
    return out, shape, dtype
