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
    if x.ndim == 0:  # np.pad cannot take an empty pad width
        return out(x.copy(), dtype)
    return out(np.pad(x, attrs["paddings"], constant_values=NP[dtype](attrs["constant_value"])), dtype)


@kernel("Tile")
def _tile(inputs, attrs, backend):
    return out(np.tile(arr(inputs[0]), attrs["reps"]), inputs[0].dtype)


@kernel("Reverse")
def _reverse(inputs, attrs, backend):
    x = arr(inputs[0])
    return out(np.flip(x, attrs["dims"]) if attrs["dims"] else x, inputs[0].dtype)


# -- convolution and pooling (NHWC; geometry resolved by the op, see ops/nn.py) ----------------


def _padded(x, pads, value=0.0):
    t, b, l, r = pads
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def _window(xp, i, j, attrs):
    """xp[:, r*sh + i*dh, c*sw + j*dw, :] for every output (r, c): a strided view."""
    (sh, sw), (dh, dw) = attrs["strides"], attrs.get("dilations", (1, 1))
    oh, ow = attrs["out_hw"]
    r0, c0 = i * dh, j * dw
    return xp[:, r0:r0 + sh * (oh - 1) + 1:sh, c0:c0 + sw * (ow - 1) + 1:sw, :]


@kernel("Conv2D")
def _conv2d(inputs, attrs, backend):
    x, w = arr(inputs[0]), arr(inputs[1])
    xp = _padded(x, attrs["pads"])
    oh, ow = attrs["out_hw"]
    y = np.zeros((x.shape[0], oh, ow, w.shape[3]), dtype=np.float32)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            y += np.tensordot(_window(xp, i, j, attrs), w[i, j], axes=([3], [0]))
    return out(y, "float32")


@kernel("Conv2DBackpropInput")
def _conv2d_backprop_input(inputs, attrs, backend):
    dy, w = arr(inputs[0]), arr(inputs[1])
    n, h, wd, c = attrs["input_shape"]
    t, b, l, r = attrs["pads"]
    dxp = np.zeros((n, h + t + b, wd + l + r, c), dtype=np.float32)
    a = dict(attrs, out_hw=dy.shape[1:3])
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            _window(dxp, i, j, a)[...] += np.tensordot(dy, w[i, j], axes=([3], [1]))
    return out(dxp[:, t:t + h, l:l + wd, :], "float32")


@kernel("Conv2DBackpropFilter")
def _conv2d_backprop_filter(inputs, attrs, backend):
    x, dy = arr(inputs[0]), arr(inputs[1])
    fh, fw, c, k = attrs["filter_shape"]
    xp = _padded(x, attrs["pads"])
    a = dict(attrs, out_hw=dy.shape[1:3])
    dw = np.zeros((fh, fw, c, k), dtype=np.float32)
    for i in range(fh):
        for j in range(fw):
            dw[i, j] = np.tensordot(_window(xp, i, j, a), dy, axes=([0, 1, 2], [0, 1, 2]))
    return out(dw, "float32")


def _pool_windows(attrs):
    fh, fw = attrs["filter_size"]
    return [(i, j) for i in range(fh) for j in range(fw)]


@kernel("MaxPool")
def _max_pool(inputs, attrs, backend):
    x = arr(inputs[0])
    xp = _padded(x, attrs["pads"], -np.inf)
    oh, ow = attrs["out_hw"]
    y = np.full((x.shape[0], oh, ow, x.shape[3]), -np.inf, dtype=np.float32)
    for i, j in _pool_windows(attrs):
        y = np.maximum(y, _window(xp, i, j, attrs))  # NaN propagates
    return out(y, "float32")


@kernel("MaxPoolGrad")
def _max_pool_grad(inputs, attrs, backend):
    dy, x, y = arr(inputs[0]), arr(inputs[1]), arr(inputs[2])
    n, h, w, c = x.shape
    t, b, l, r = attrs["pads"]
    xp = _padded(x, attrs["pads"], -np.inf)
    dxp = np.zeros(xp.shape, dtype=np.float32)
    taken = np.zeros(dy.shape, dtype=bool)
    for i, j in _pool_windows(attrs):
        win = _window(xp, i, j, attrs)
        hit = ~taken & ((win == y) | (np.isnan(win) & np.isnan(y)))
        _window(dxp, i, j, attrs)[...] += np.where(hit, dy, np.float32(0))
        taken |= hit
    return out(dxp[:, t:t + h, l:l + w, :], "float32")


def _avg_counts(shape, attrs):
    """How many real (unpadded) elements each output window covers."""
    ones = _padded(np.ones((1,) + tuple(shape[1:3]) + (1,), dtype=np.float32), attrs["pads"])
    count = sum(_window(ones, i, j, attrs) for i, j in _pool_windows(attrs))
    return np.maximum(count, 1)


@kernel("AvgPool")
def _avg_pool(inputs, attrs, backend):
    x = arr(inputs[0])
    xp = _padded(x, attrs["pads"])
    total = sum(_window(xp, i, j, attrs) for i, j in _pool_windows(attrs))
    return out(total / _avg_counts(x.shape, attrs), "float32")


@kernel("AvgPoolGrad")
def _avg_pool_grad(inputs, attrs, backend):
    dy = arr(inputs[0])
    n, h, w, c = attrs["input_shape"]
    t, b, l, r = attrs["pads"]
    dxp = np.zeros((n, h + t + b, w + l + r, c), dtype=np.float32)
    share = dy / _avg_counts(attrs["input_shape"], attrs)
    for i, j in _pool_windows(attrs):
        _window(dxp, i, j, attrs)[...] += share
    return out(dxp[:, t:t + h, l:l + w, :], "float32")
