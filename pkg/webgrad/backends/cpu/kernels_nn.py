"""NumPy kernels for matmul, softmax, one_hot, the shape ops that copy (concat,
stack, split, slice, gather, pad, tile, reverse) and conv/pool with their backprops."""
from __future__ import annotations

import numpy as np

from .kernels import NP, _ERR, arr, kernel, out

# -- matmul, softmax, one_hot -------------------------------------------------------------


@kernel("BatchMatMul")
def _batch_matmul(inputs, attrs, backend):
    a, b = arr(inputs[0]), arr(inputs[1])
    if attrs.get("transpose_a"):
        a = np.swapaxes(a, -1, -2)
    if attrs.get("transpose_b"):
        b = np.swapaxes(b, -1, -2)
    with np.errstate(**_ERR):
        y = np.matmul(a, b)
    return out(y, inputs[0].dtype)


@kernel("Softmax")
def _softmax(inputs, attrs, backend):
    x = arr(inputs[0])
    with np.errstate(**_ERR):
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
        y = e / np.sum(e, axis=-1, keepdims=True)
    return out(y, "float32")


@kernel("LogSoftmax")
def _log_softmax(inputs, attrs, backend):
    x = arr(inputs[0])
    with np.errstate(**_ERR):
        z = x - np.max(x, axis=-1, keepdims=True)
        y = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    return out(y, "float32")


@kernel("OneHot")
def _one_hot(inputs, attrs, backend):
    idx = arr(inputs[0])
    depth, dtype = attrs["depth"], attrs["dtype"]
    hit = idx[..., None] == np.arange(depth, dtype=np.int32)
    on, off = NP[dtype](attrs["on_value"]), NP[dtype](attrs["off_value"])
    return out(np.where(hit, on, off), dtype)


# -- shape ops that copy -------------------------------------------------------------------


@kernel("Concat")
def _concat(inputs, attrs, backend):
    return out(np.concatenate([arr(t) for t in inputs], axis=attrs["axis"]), inputs[0].dtype)


@kernel("Pack")
def _pack(inputs, attrs, backend):
    return out(np.stack([arr(t) for t in inputs], axis=attrs["axis"]), inputs[0].dtype)


@kernel("Unpack")
def _unpack(inputs, attrs, backend):
    x, dtype = arr(inputs[0]), inputs[0].dtype
    return [out(np.take(x, i, axis=attrs["axis"]), dtype) for i in range(attrs["num"])]


@kernel("SplitV")
def _split(inputs, attrs, backend):
    x, dtype = arr(inputs[0]), inputs[0].dtype
    cuts = np.cumsum(attrs["size_splits"])[:-1]
    return [out(p, dtype) for p in np.split(x, cuts, axis=attrs["axis"])]


@kernel("Slice")
def _slice(inputs, attrs, backend):
    x = arr(inputs[0])
    index = tuple(slice(b, b + s) for b, s in zip(attrs["begin"], attrs["size"]))
    return out(x[index], inputs[0].dtype)


@kernel("GatherV2")
def _gather(inputs, attrs, backend):
    x, idx = arr(inputs[0]), arr(inputs[1])
    ax, n = attrs["axis"], inputs[0].shape[attrs["axis"]]
    valid = (idx >= 0) & (idx < n)
    if n == 0:
        shape = x.shape[:ax] + idx.shape + x.shape[ax + 1:]
        return out(np.zeros(shape, dtype=x.dtype), inputs[0].dtype)
    y = np.take(x, np.where(valid, idx, 0), axis=ax)
    mask = valid.reshape((1,) * ax + idx.shape + (1,) * (x.ndim - ax - 1))
    return out(np.where(mask, y, np.zeros((), dtype=x.dtype)), inputs[0].dtype)


@kernel("PadV2")
def _pad(inputs, attrs, backend):
    x, dtype = arr(inputs[0]), inputs[0].dtype
    return out(np.pad(x, attrs["paddings"], constant_values=NP[dtype](attrs["constant_value"])), dtype)


@kernel("Tile")
def _tile(inputs, attrs, backend):
    return out(np.tile(arr(inputs[0]), attrs["reps"]), inputs[0].dtype)


@kernel("Reverse")
def _reverse(inputs, attrs, backend):
    x = arr(inputs[0])
    return out(np.flip(x, attrs["dims"]) if attrs["dims"] else x, inputs[0].dtype)
