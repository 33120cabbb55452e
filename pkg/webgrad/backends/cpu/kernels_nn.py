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
