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




def concat_into(backend, parts, segs, out_shape, dtype: str):
    """Place part j's rows (segs[j] elements each) side by side in rows of the output:
    Concat/Pack with one dispatch per non-empty part (any number of inputs)."""
    out_shape = tuple(out_shape)
    n = size_of(out_shape)
    out = backend.alloc(n)
    if n == 0:
        return out, out_shape, dtype
    width = sum(segs)
    t = WGSL_TYPE[dtype]
    pipe = backend.pipeline(f"scatter_rows:{t}", lambda: render("scatter_rows", T=t, WG=WG))
    col = 0
    for p, seg in zip(parts, segs):
        m = p.ref.handle.n
        if m:
            backend.run(pipe, (p.ref.handle.buffer, out.buffer), pack("IIII", m, seg, width, col), -(-m // WG))
        col += seg
    return out, out_shape, dtype


@kernel("Concat")
def _concat(inputs, attrs, backend):
    ax = attrs["axis"]
    shape = list(inputs[0].shape)
    shape[ax] = sum(t.shape[ax] for t in inputs)
    inner = size_of(shape[ax + 1:])
    return concat_into(backend, inputs, [t.shape[ax] * inner for t in inputs], shape, inputs[0].dtype)


@kernel("Pack")
def _pack(inputs, attrs, backend):
    ax = attrs["axis"]
    shape = list(inputs[0].shape)
    shape.insert(ax, len(inputs))
    inner = size_of(shape[ax + 1:])
    return concat_into(backend, inputs, [inner] * len(inputs), shape, inputs[0].dtype)


def _slice(backend, x, begin, size):
    st = strides_of(x.shape)
    base = sum(b * s for b, s in zip(begin, st))
    return gather(backend, x, tuple(size), base, st)


@kernel("Slice")
def _slice_kernel(inputs, attrs, backend):
    return _slice(backend, inputs[0], attrs["begin"], attrs["size"])


@kernel("Unpack")
def _unpack(inputs, attrs, backend):
    x = inputs[0]
    ax = attrs["axis"]
    outs = []
    size = list(x.shape)
    size[ax] = 1
    shape = tuple(d for k, d in enumerate(x.shape) if k != ax)
    for i in range(attrs["num"]):
        begin = [0] * x.rank
        begin[ax] = i
        h, _, dt = _slice(backend, x, begin, size)
        outs.append((h, shape, dt))
    return outs


@kernel("SplitV")
def _split(inputs, attrs, backend):
    x = inputs[0]
    ax = attrs["axis"]
    outs, start = [], 0
    for s in attrs["size_splits"]:
        begin = [0] * x.rank
        begin[ax] = start
        size = list(x.shape)
        size[ax] = s
        outs.append(_slice(backend, x, begin, size))
        start += s
    return outs


@kernel("Reverse")
def _reverse(inputs, attrs, backend):
    x = inputs[0]
    dims = {d % x.rank for d in attrs["dims"]} if x.rank else set()
    st = strides_of(x.shape)
    base = sum((x.shape[d] - 1) * st[d] for d in dims if x.shape[d] > 0)
    return gather(backend, x, x.shape, base, [-s if k in dims else s for k, s in enumerate(st)])


@kernel("Tile")
def _tile(inputs, attrs, backend):
    x = inputs[0]
    reps = tuple(attrs["reps"])
    out_shape = tuple(d * r for d, r in zip(x.shape, reps))
    return gather(backend, x, out_shape, 0, strides_of(x.shape), mods=list(x.shape))


@kernel("PadV2")
def _pad(inputs, attrs, backend):
    import struct
    x = inputs[0]
    pads = [tuple(p) for p in attrs["paddings"]]
    out_shape = tuple(d + a + b for d, (a, b) in zip(x.shape, pads))
    n = size_of(out_shape)
    out = backend.alloc(n)
    if n == 0:
        return out, out_shape, x.dtype
    v = attrs["constant_value"]
    bits = struct.unpack("<I", struct.pack("<f", float(v)) if x.dtype == "float32"
                         else struct.pack("<i", int(v)) if x.dtype == "int32" else struct.pack("<I", 1 if v else 0))[0]
    if x.ref.handle.n == 0:  # nothing to copy: a fill
        from .elementwise import generate
        backend.pool.release(out.cls, out.buffer)
        return generate(backend, "Fill", x.dtype, out_shape, "I", (bits,))
    rank = x.rank
    t = WGSL_TYPE[x.dtype]
    pipe = backend.pipeline(f"pad:{t}:r{rank}", lambda: render("pad", T=t, UVEC4=uvec4(2 + 3 * rank), WG=WG, RANK=rank))
    ub = pack("I" * (2 + 3 * rank), n, bits, *out_shape, *x.shape, *[a for a, _ in pads])
    backend.run(pipe, (x.ref.handle.buffer, out.buffer), ub, -(-n // WG))
    return out, out_shape, x.dtype


@kernel("GatherV2")
def _gather_v2(inputs, attrs, backend):
    x, idx = inputs
    ax = attrs["axis"]
    out_shape = x.shape[:ax] + idx.shape + x.shape[ax + 1:]
    n = size_of(out_shape)
    out = backend.alloc(n)
    if n == 0:
        return out, out_shape, x.dtype
    if x.ref.handle.n == 0:
        from .elementwise import generate
        backend.pool.release(out.cls, out.buffer)
        return generate(backend, "Fill", x.dtype, out_shape, "I", (0,))
    t = WGSL_TYPE[x.dtype]
    pipe = backend.pipeline(f"gather_axis:{t}", lambda: render("gather_axis", T=t, WG=WG))
    ub = pack("IIII", n, size_of(idx.shape), x.shape[ax], size_of(x.shape[ax + 1:]))
    backend.run(pipe, (x.ref.handle.buffer, idx.ref.handle.buffer, out.buffer), ub, -(-n // WG))
    return out, out_shape, x.dtype
