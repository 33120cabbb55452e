"""Neural-network ops: softmax, log_softmax, one_hot, conv2d, max_pool, avg_pool, dropout.

Softmax and LogSoftmax kernels work along the last axis (attr ``dim`` = rank-1);
the ops move another axis there with a Transpose and back.

Conv2D / MaxPool / AvgPool kernels take NHWC rank-4 inputs; the ops resolve the
geometry once and pass it in attrs, so every backend agrees on it:
``strides`` (sh, sw), ``dilations`` (dh, dw) (conv only), ``filter_size`` (fh, fw)
(pools only), ``pads`` (top, bottom, left, right), ``out_hw`` (oh, ow), and
``pad`` as the user gave it. Window (i, j) of output row r, column c reads input
row r*sh - top + i*dh, column c*sw - left + j*dw; rows/columns outside the input
are padding (zero for conv, skipped for pools: max ignores them, avg divides by
the count of real elements, as tfjs does). Backward kernels, each a tfjs name:
Conv2DBackpropInput [dy, filter] + attr input_shape, Conv2DBackpropFilter
[x, dy] + attr filter_shape, MaxPoolGrad [dy, x, y] (dy goes to the first
maximum of each window in row-major window order), AvgPoolGrad [dy] + attr
input_shape (tfjs also passes x; only its shape is needed).
"""
from __future__ import annotations

import operator

from ..dtypes import check_dtype
from ..shape_util import broadcast_shapes, normalize_axis
from ..tensor import Tensor
from ._base import BOOL, FLOAT32, INT32, cast_if, require_dtype, run_kernel, to_tensor
from ._scope import op_scope


def _last_axis_op(kernel: str, op: str, logits, axis: int) -> Tensor:
    x = to_tensor(logits, "logits", op)
    if x.rank == 0:
        raise ValueError(f"{op}: logits must have rank >= 1, got a scalar")
    ax = normalize_axis(axis, x.rank, op, shape=x.shape)
    x = cast_if(x, FLOAT32)
    last = x.rank - 1
    if ax == last:
        return run_kernel(kernel, [x], {"dim": last})
    perm = list(range(x.rank))
    perm[ax], perm[last] = last, ax
    y = run_kernel(kernel, [run_kernel("Transpose", [x], {"perm": tuple(perm)})], {"dim": last})
    return run_kernel("Transpose", [y], {"perm": tuple(perm)})


@op_scope
def softmax(logits, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along axis, computed with the maximum subtracted (float32)."""
    return _last_axis_op("Softmax", "softmax", logits, axis)


@op_scope
def log_softmax(logits, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along axis, computed stably (float32)."""
    return _last_axis_op("LogSoftmax", "log_softmax", logits, axis)


@op_scope
def one_hot(indices, depth: int, on_value=1, off_value=0, dtype: str = INT32) -> Tensor:
    """indices.shape + (depth,) with on_value where the last index equals the value.

    tfjs 4.x semantics: indices are int32 (a Python list is converted; a float or
    bool tensor is a TypeError), the output dtype defaults to "int32", and an
    index outside [0, depth) gives a row of off_value.
    """
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
        raise ValueError(f"one_hot: depth must be a positive int, got {depth!r}")
    dtype = check_dtype(dtype, "one_hot")
    if dtype == BOOL:
        raise TypeError("one_hot: dtype must be 'int32' or 'float32', got 'bool'")
    for name, v in (("on_value", on_value), ("off_value", off_value)):
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise TypeError(f"one_hot: {name} must be a number, got {v!r}")
    if not isinstance(indices, Tensor):
        indices = to_tensor(indices, "indices", "one_hot", dtype=INT32)
    indices = to_tensor(indices, "indices", "one_hot")
    require_dtype(indices, (INT32,), "one_hot", "indices")
    return run_kernel("OneHot", [indices], {"depth": depth, "on_value": on_value, "off_value": off_value,
                                            "dtype": dtype})


# -- convolution and pooling geometry -------------------------------------------------------

def _pair(v, what: str, op: str) -> tuple[int, int]:
    """An int or an (h, w) pair of positive ints."""
    items = [v, v] if not hasattr(v, "__iter__") else list(v)
    if len(items) != 2:
        raise ValueError(f"{op}: {what} must be an int or a pair of ints, got {v!r}")
    out = []
    for i in items:
        try:
            if isinstance(i, bool):
                raise TypeError
            i = operator.index(i)
        except TypeError:
            raise TypeError(f"{op}: {what} must be an int or a pair of ints, got {v!r}") from None
        if i < 1:
            raise ValueError(f"{op}: {what} must be positive, got {v!r}")
        out.append(i)
    return out[0], out[1]


def _pads(pad, in_hw, eff_hw, strides, op: str) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """(top, bottom, left, right) and (out_h, out_w) for pad 'same' | 'valid' | int | explicit."""
    if isinstance(pad, str):
        mode = pad.lower()
        if mode == "same":
            out = [-(-n // s) for n, s in zip(in_hw, strides)]
            tot = [max((o - 1) * s + e - n, 0) for o, s, e, n in zip(out, strides, eff_hw, in_hw)]
            return (tot[0] // 2, tot[0] - tot[0] // 2, tot[1] // 2, tot[1] - tot[1] // 2), tuple(out)
        if mode == "valid":
            pads = (0, 0, 0, 0)
        else:
            raise ValueError(f"{op}: pad must be 'same', 'valid', an int or explicit [[top, bottom], [left, right]], got {pad!r}")
    elif isinstance(pad, int) and not isinstance(pad, bool):
        if pad < 0:
            raise ValueError(f"{op}: pad must be non-negative, got {pad}")
        pads = (pad, pad, pad, pad)
    else:
        try:
            pairs = [tuple(p) for p in pad]
        except TypeError:
            raise TypeError(f"{op}: pad must be 'same', 'valid', an int or explicit pairs, got {pad!r}") from None
        if len(pairs) == 4 and pairs[0] == (0, 0) and pairs[3] == (0, 0):
            pairs = pairs[1:3]  # tfjs NHWC form [[0, 0], [t, b], [l, r], [0, 0]]
        if len(pairs) != 2 or any(len(p) != 2 for p in pairs) or \
                any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for p in pairs for v in p):
            raise ValueError(f"{op}: explicit pad must be [[top, bottom], [left, right]] of non-negative ints "
                             f"(or tfjs's [[0, 0], [top, bottom], [left, right], [0, 0]]), got {pad!r}")
        pads = pairs[0] + pairs[1]
    out = ((in_hw[0] + pads[0] + pads[1] - eff_hw[0]) // strides[0] + 1,
           (in_hw[1] + pads[2] + pads[3] - eff_hw[1]) // strides[1] + 1)
    return pads, out


def _nhwc(x, op: str, data_format: str = "NHWC"):
    """x as float32 NHWC rank 4, and a function restoring the caller's layout and rank."""
    x = cast_if(to_tensor(x, "x", op), FLOAT32)
    if x.rank not in (3, 4):
        raise ValueError(f"{op}: x must be rank 4 (batched) or rank 3, got shape {x.shape}")
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError(f"{op}: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    squeeze = x.rank == 3
    if squeeze:
        x = run_kernel("Reshape", [x], {"shape": (1,) + x.shape})
    if data_format == "NCHW":
        x = run_kernel("Transpose", [x], {"perm": (0, 2, 3, 1)})

    def restore(y):
        if data_format == "NCHW":
            y = run_kernel("Transpose", [y], {"perm": (0, 3, 1, 2)})
        return run_kernel("Reshape", [y], {"shape": y.shape[1:]}) if squeeze else y
    return x, restore


def _check_out(out_hw, x_shape, eff, op: str) -> None:
    if out_hw[0] < 1 or out_hw[1] < 1:
        raise ValueError(f"{op}: the (dilated) window {eff} does not fit the padded input (x shape {x_shape}); "
                         f"output size would be {out_hw}")


@op_scope
def conv2d(x, filter, strides=1, pad="valid", dilations=1, data_format: str = "NHWC") -> Tensor:  # noqa: A002
    """2-D convolution (cross-correlation, as tfjs). x: [N, H, W, C] or [H, W, C]
    (NCHW with data_format="NCHW"); filter: [fh, fw, C, out]; strides/dilations an
    int or a pair (both may exceed 1 together); pad 'same', 'valid', an int, or
    explicit [[top, bottom], [left, right]]."""
    strides = _pair(strides, "strides", "conv2d")
    dilations = _pair(dilations, "dilations", "conv2d")
    x, restore = _nhwc(x, "conv2d", data_format)
    w = cast_if(to_tensor(filter, "filter", "conv2d"), FLOAT32)
    if w.rank != 4:
        raise ValueError(f"conv2d: filter must be rank 4 [fh, fw, in, out], got shape {w.shape}")
    if x.shape[3] != w.shape[2]:
        raise ValueError(f"conv2d: depth of input ({x.shape[3]}, x shape {x.shape}) must match the input depth "
                         f"of filter ({w.shape[2]}, filter shape {w.shape})")
    eff = ((w.shape[0] - 1) * dilations[0] + 1, (w.shape[1] - 1) * dilations[1] + 1)
    pads, out_hw = _pads(pad, x.shape[1:3], eff, strides, "conv2d")
    _check_out(out_hw, x.shape, eff, "conv2d")
    attrs = {"strides": strides, "dilations": dilations, "pads": pads, "out_hw": out_hw, "pad": _pad_attr(pad)}
    return restore(run_kernel("Conv2D", [x, w], attrs))


def _pad_attr(pad):
    return pad if isinstance(pad, (str, int)) else tuple(tuple(p) for p in pad)


def conv2d_backprop_input(dy: Tensor, filter: Tensor, input_shape, attrs: dict) -> Tensor:  # noqa: A002
    """Gradient of Conv2D with respect to x (NHWC rank 4); attrs as Conv2D's."""
    a = {k: attrs[k] for k in ("strides", "dilations", "pads", "pad")}
    a["input_shape"] = tuple(input_shape)
    return run_kernel("Conv2DBackpropInput", [dy, filter], a)


def conv2d_backprop_filter(x: Tensor, dy: Tensor, filter_shape, attrs: dict) -> Tensor:
    """Gradient of Conv2D with respect to the filter; attrs as Conv2D's."""
    a = {k: attrs[k] for k in ("strides", "dilations", "pads", "pad")}
    a["filter_shape"] = tuple(filter_shape)
    return run_kernel("Conv2DBackpropFilter", [x, dy], a)


def conv2d_with_attrs(x: Tensor, filter: Tensor, attrs: dict) -> Tensor:  # noqa: A002
    """Conv2D with resolved geometry (used by the gradients of the backprop kernels)."""
    a = {k: attrs[k] for k in ("strides", "dilations", "pads", "pad")}
    eff = ((filter.shape[0] - 1) * a["dilations"][0] + 1, (filter.shape[1] - 1) * a["dilations"][1] + 1)
    p = a["pads"]
    a["out_hw"] = ((x.shape[1] + p[0] + p[1] - eff[0]) // a["strides"][0] + 1,
                   (x.shape[2] + p[2] + p[3] - eff[1]) // a["strides"][1] + 1)
    return run_kernel("Conv2D", [x, filter], a)


_POOL_ATTRS = ("filter_size", "strides", "pads", "out_hw", "pad")


def max_pool_grad(dy: Tensor, x: Tensor, y: Tensor, attrs: dict) -> Tensor:
    """Gradient of MaxPool: dy routed to each window's first maximum; attrs as MaxPool's."""
    return run_kernel("MaxPoolGrad", [dy, x, y], {k: attrs[k] for k in _POOL_ATTRS})


def avg_pool_grad(dy: Tensor, input_shape, attrs: dict) -> Tensor:
    """Gradient of AvgPool: dy shared out over each window's real elements."""
    a = {k: attrs[k] for k in _POOL_ATTRS}
    a["input_shape"] = tuple(input_shape)
    return run_kernel("AvgPoolGrad", [dy], a)


def pool_with_attrs(kernel: str, x: Tensor, attrs: dict) -> Tensor:
    """MaxPool/AvgPool with resolved geometry (gradients use it)."""
    return run_kernel(kernel, [x], {k: attrs[k] for k in _POOL_ATTRS})


def _pool(kernel: str, op: str, x, filter_size, strides, pad) -> Tensor:
    fsize = _pair(filter_size, "filter_size", op)
    strides = _pair(strides, "strides", op)
    x, restore = _nhwc(x, op)
    pads, out_hw = _pads(pad, x.shape[1:3], fsize, strides, op)
    _check_out(out_hw, x.shape, fsize, op)
    attrs = {"filter_size": fsize, "strides": strides, "pads": pads, "out_hw": out_hw, "pad": _pad_attr(pad)}
    return restore(run_kernel(kernel, [x], attrs))


@op_scope
def max_pool(x, filter_size, strides=None, pad="valid") -> Tensor:
    """Maximum over each window (NHWC, rank 4 or 3); strides default to filter_size."""
    return _pool("MaxPool", "max_pool", x, filter_size, filter_size if strides is None else strides, pad)


@op_scope
def avg_pool(x, filter_size, strides=None, pad="valid") -> Tensor:
    """Mean over each window's real (unpadded) elements (NHWC, rank 4 or 3)."""
    return _pool("AvgPool", "avg_pool", x, filter_size, filter_size if strides is None else strides, pad)


@op_scope
def dropout(x, rate: float, noise_shape=None, seed: int | None = None) -> Tensor:
    """Zero elements with probability rate and scale the rest by 1 / (1 - rate).

    noise_shape (broadcast to x's shape; None entries take x's size) shares one
    draw across broadcast axes. rate 0 returns a clone of x (tfjs)."""
    from .binary import add, mul
    from .creation import random_uniform
    from .unary import floor, identity

    x = to_tensor(x, "x", "dropout")
    require_dtype(x, (FLOAT32,), "dropout")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be a number in [0, 1), got {rate!r}")
    if noise_shape is None:
        shape = x.shape
    else:
        shape = list(noise_shape)
        if len(shape) != x.rank:
            raise ValueError(f"dropout: noise_shape {tuple(noise_shape)} must have the rank of x (shape {x.shape})")
        shape = tuple(x.shape[i] if d is None else d for i, d in enumerate(shape))
        try:
            fits = broadcast_shapes(shape, x.shape, "dropout") == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"dropout: noise_shape {shape} does not broadcast to x's shape {x.shape}")
    if rate == 0:
        return identity(x)
    keep_prob = 1.0 - float(rate)
    mask = floor(add(random_uniform(shape, 0.0, 1.0, seed=seed), keep_prob))
    return mul(mul(x, 1.0 / keep_prob), mask)


__all__ = ["softmax", "log_softmax", "one_hot", "conv2d", "max_pool", "avg_pool", "dropout"]
