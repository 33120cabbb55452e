"""Data movement: strided gathers (Transpose, BroadcastTo, and helpers for Slice,
Reverse, Tile) and banded copies (Concat/Pack, one input per dispatch)."""
from __future__ import annotations

from ..shaders import render
from .util import WG, WGSL_TYPE, broadcast_strides, kernel, pack, size_of, strides_of, uvec4


def gather(backend, x, out_shape, base: int, strides, mods=None):
    """y = x read at base + sum(c_k % mods_k * strides_k) over out_shape's coordinates."""
    out_shape = tuple(out_shape)
    n = size_of(out_shape)
    out = backend.alloc(n)
    if n == 0:
        return out, out_shape, x.dtype
    # drop size-1 output dims (their coordinate is always 0)
    dims = [k for k, d in enumerate(out_shape) if d != 1]
    shape = [out_shape[k] for k in dims]
    st = [strides[k] & 0xFFFFFFFF for k in dims]
    md = [(mods[k] if mods is not None else out_shape[k]) for k in dims]
    rank = len(shape)
    t = WGSL_TYPE[x.dtype]
    pipe = backend.pipeline(f"gather:{t}:r{rank}",
                            lambda: render("gather", T=t, UVEC4=uvec4(2 + 3 * rank), WG=WG, RANK=rank))
    ub = pack("I" * (2 + 3 * rank), n, base & 0xFFFFFFFF, *shape, *st, *md)
    backend.run(pipe, (x.ref.handle.buffer, out.buffer), ub, -(-n // WG))
    return out, out_shape, x.dtype


@kernel("Transpose")
def _transpose(inputs, attrs, backend):
    x = inputs[0]
    perm = attrs["perm"]
    st = strides_of(x.shape)
    return gather(backend, x, tuple(x.shape[p] for p in perm), 0, [st[p] for p in perm])


@kernel("BroadcastTo")
def _broadcast_to(inputs, attrs, backend):
    x = inputs[0]
    shape = tuple(attrs["shape"])
    if shape == x.shape:
        return x.ref.handle, shape, x.dtype
    return gather(backend, x, shape, 0, broadcast_strides(x.shape, shape))




def concat_into(backend, parts, axis: int, out_shape, dtype: str):
    """Concatenate tensors along axis into a new handle, one dispatch per non-empty part."""
    out_shape = tuple(out_shape)
    n = size_of(out_shape)
    out = backend.alloc(n)
    if n == 0:
        return out, out_shape, dtype
    inner = size_of(out_shape[axis + 1:])
    width = out_shape[axis] * inner
    t = WGSL_TYPE[dtype]
    pipe = backend.pipeline(f"scatter_rows:{t}", lambda: render("scatter_rows", T=t, WG=WG))
    col = 0
    for p in parts:
        m = p.ref.handle.n
        seg = (p.shape[axis] if p.rank else 1) * inner
        if m:
            backend.run(pipe, (p.ref.handle.buffer, out.buffer), pack("IIII", m, seg, width, col), -(-m // WG))
        col += seg
    return out, out_shape, dtype
