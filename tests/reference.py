"""Float64 NumPy references for the shared cases (webgrad.testing.cases), keyed by
``case.ref``; each takes the case's inputs positionally (float32 inputs widened to
float64, int32 kept as int32 so int math wraps as tfjs's does) and its kwargs.

Semantics are tfjs's where it differs from NumPy: int32 ``div`` floor-divides,
casts to int32 truncate, ``one_hot`` is int32, ``mean`` of int32 is float.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

I32 = np.int32

# Cases without a value reference: random ops, checked by their case's `check` instead.
NO_REFERENCE = {"random_uniform", "random_normal", "truncated_normal", "dropout"}


def to_numpy(inp) -> np.ndarray:
    """A case Input as the array the reference computes with."""
    dtype = {"float32": np.float64, "int32": I32, "bool": np.bool_}[inp.dtype]
    return np.array(inp.values, dtype=dtype).reshape(inp.shape)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# -- creation -----------------------------------------------------------------------

def _tensor(values, shape=None, dtype=None):
    a = np.array(values)
    if a.dtype.kind == "f" or (a.size == 0 and dtype is None):
        a = a.astype(np.float64)
    if dtype == "bool":
        a = a != 0
    elif dtype == "float32":
        a = a.astype(np.float64)
    elif dtype == "int32":
        a = a.astype(I32)
    return a if shape is None else a.reshape(shape)


def _np_dtype(dtype, value=None):
    if dtype is None:
        dtype = "bool" if isinstance(value, bool) else "int32" if isinstance(value, int) else "float32"
    return {"float32": np.float64, "int32": I32, "bool": np.bool_}[dtype]


def _eye(num_rows, num_columns=None, batch_shape=(), dtype="float32"):
    e = np.eye(num_rows, num_columns or num_rows, dtype=_np_dtype(dtype))
    return np.broadcast_to(e, tuple(batch_shape) + e.shape).copy()


def _arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    a = np.arange(start, stop, step)
    return a.astype(_np_dtype(dtype)) if dtype else (a if a.dtype.kind == "f" else a.astype(I32))


def _one_hot(indices, depth):
    return (indices[..., None] == np.arange(depth)).astype(I32)


CREATION = {
    "tensor": _tensor,
    "scalar": lambda value, dtype=None: np.array(value, dtype=_np_dtype(dtype, value)),
    "fill": lambda shape, value, dtype=None: np.full(shape, value, dtype=_np_dtype(dtype, value)),
    "zeros": lambda shape, dtype="float32": np.zeros(shape, _np_dtype(dtype)),
    "ones": lambda shape, dtype="float32": np.ones(shape, _np_dtype(dtype)),
    "zeros_like": np.zeros_like,
    "ones_like": np.ones_like,
    "arange": _arange,
    "linspace": lambda start, stop, num: np.linspace(start, stop, num),
    "eye": _eye,
    "one_hot": _one_hot,
}

# -- unary ---------------------------------------------------------------------------

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _f(x):
    return x.astype(np.float64)


def _cast(x, dtype):
    if dtype == "bool":
        return x != 0
    if dtype == "int32" and x.dtype.kind == "f":
        t = np.trunc(x.astype(np.float64))      # saturate beyond int32; NaN and ±Inf -> 0
        return np.clip(np.where(np.isfinite(t), t, 0), -2**31, 2**31 - 1).astype(I32)
    if dtype == "int32":
        return x.astype(I32)
    return x.astype(np.float64)


def _clip(x, clip_value_min, clip_value_max):
    return np.where(np.isnan(x), x, np.clip(x, clip_value_min, clip_value_max)) if x.dtype.kind == "f" \
        else np.clip(x, clip_value_min, clip_value_max).astype(x.dtype)


UNARY = {
    "abs": np.abs, "neg": np.negative, "square": np.square, "sign": np.sign,
    "relu": lambda x: np.maximum(x, x.dtype.type(0)),
    "relu6": lambda x: np.minimum(np.maximum(x, x.dtype.type(0)), x.dtype.type(6)),
    "exp": lambda x: np.exp(_f(x)), "expm1": lambda x: np.expm1(_f(x)), "log": lambda x: np.log(_f(x)),
    "log1p": lambda x: np.log1p(_f(x)), "sqrt": lambda x: np.sqrt(_f(x)), "rsqrt": lambda x: 1 / np.sqrt(_f(x)),
    "reciprocal": lambda x: 1 / _f(x), "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin,
    "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "softplus": lambda x: np.logaddexp(0, x),
    "log_sigmoid": lambda x: -np.logaddexp(0, -x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "floor": lambda x: np.floor(_f(x)), "ceil": lambda x: np.ceil(_f(x)), "round": lambda x: np.round(_f(x)),
    "erf": lambda x: _erf(x) if x.size else _f(x),
    "step": lambda x, alpha=0.0: np.where(np.isnan(x), x, np.where(x > 0, 1.0, alpha)),
    "identity": lambda x: x,
    "leaky_relu": lambda x, alpha=0.2: np.where(x > 0, x, alpha * x),
    "prelu": lambda x, alpha: np.where(x > 0, x, alpha * x),
    "clip_by_value": _clip,
    "is_nan": np.isnan, "is_inf": np.isinf, "is_finite": np.isfinite,
    "logical_not": np.logical_not,
    "cast": _cast,
}

# -- binary --------------------------------------------------------------------------


def _is_int(*xs):
    return all(x.dtype.kind in "iub" for x in xs)


def _div(a, b):
    return np.floor_divide(a, b) if _is_int(a, b) else np.true_divide(_f(a), _f(b))


def _floor_div(a, b):
    return np.floor_divide(a, b) if _is_int(a, b) else np.floor(a / b)


BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": _div, "floor_div": _floor_div,
    "mod": np.mod, "pow": np.power, "maximum": np.maximum, "minimum": np.minimum,
    "squared_difference": lambda a, b: np.square(a - b), "atan2": lambda a, b: np.arctan2(_f(a), _f(b)),
    "equal": np.equal, "not_equal": np.not_equal, "less": np.less, "less_equal": np.less_equal,
    "greater": np.greater, "greater_equal": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
    "where": np.where,
    "add_1.5": lambda x: x + 1.5, "rsub_2": lambda x: 2.0 - x, "mul_3": lambda x: x * I32(3),
    "pow_2": lambda x: x ** 2,
}

# -- reductions ----------------------------------------------------------------------


def _sum(x, axis=None, keepdims=False):
    if x.dtype.kind in "ib":
        return np.sum(x, axis=_axis(axis), keepdims=keepdims, dtype=I32)
    return np.sum(x, axis=_axis(axis), keepdims=keepdims)


def _prod(x, axis=None, keepdims=False):
    if x.dtype.kind in "ib":
        return np.prod(x, axis=_axis(axis), keepdims=keepdims, dtype=I32)
    return np.prod(x, axis=_axis(axis), keepdims=keepdims)


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=_axis(axis), keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=_axis(axis), keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=_axis(axis) if axis is not None else None)


def _arg(fn):
    def f(x, axis=None):
        return fn(x, axis=axis).astype(I32)
    return f


def _cumsum(x, axis=0, exclusive=False, reverse=False):
    if reverse:
        x = np.flip(x, axis)
    y = np.cumsum(x, axis=axis, dtype=x.dtype if x.dtype.kind != "b" else I32)
    if exclusive:
        y = y - x
    return np.flip(y, axis) if reverse else y


def _moments(x, axis=None, keepdims=False):
    ax = _axis(axis)
    return [np.mean(x, axis=ax, keepdims=keepdims), np.var(x, axis=ax, keepdims=keepdims)]


def _norm(x, ord="euclidean", axis=None, keepdims=False):
    ax = _axis(axis)
    a = np.abs(x)
    if ord in ("euclidean", "fro", 2):
        return np.sqrt(np.sum(a ** 2, axis=ax, keepdims=keepdims))
    if ord == 1:
        return np.sum(a, axis=ax, keepdims=keepdims)
    if ord == math.inf:
        return np.max(a, axis=ax, keepdims=keepdims)
    if ord == -math.inf:
        return np.min(a, axis=ax, keepdims=keepdims)
    return np.sum(a ** ord, axis=ax, keepdims=keepdims) ** (1 / ord)


REDUCTIONS = {
    "sum": _sum,
    "mean": lambda x, axis=None, keepdims=False: np.mean(_f(x), axis=_axis(axis), keepdims=keepdims),
    "prod": _prod,
    "max": lambda x, axis=None, keepdims=False: np.max(x, axis=_axis(axis), keepdims=keepdims),
    "min": lambda x, axis=None, keepdims=False: np.min(x, axis=_axis(axis), keepdims=keepdims),
    "any": lambda x, axis=None, keepdims=False: np.any(x, axis=_axis(axis), keepdims=keepdims),
    "all": lambda x, axis=None, keepdims=False: np.all(x, axis=_axis(axis), keepdims=keepdims),
    "argmax": _arg(np.argmax), "argmin": _arg(np.argmin),
    "logsumexp": _logsumexp, "cumsum": _cumsum, "moments": _moments, "norm": _norm,
}

# -- matmul and shape ops ------------------------------------------------------------


def _matmul(a, b, transpose_a=False, transpose_b=False):
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    return np.matmul(a, b)


def _squeeze(x, axis=None):
    return np.squeeze(x, axis=_axis(axis))


def _split(x, num_or_size_splits, axis=0):
    n = x.shape[axis]
    if isinstance(num_or_size_splits, int):
        sizes = [n // num_or_size_splits] * num_or_size_splits
    else:
        sizes = list(num_or_size_splits)
        if -1 in sizes:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def _slice(x, begin, size):
    idx = tuple(slice(b, x.shape[i] if s == -1 else b + s) for i, (b, s) in enumerate(zip(begin, size)))
    return x[idx]


def _unstack(x, axis=0):
    return [np.take(x, i, axis=axis) for i in range(x.shape[axis])]


SHAPE = {
    "matmul": _matmul,
    "dot": np.dot,
    "reshape": lambda x, shape: np.reshape(x, shape),
    "flatten": lambda x: np.reshape(x, (-1,)),
    "transpose": lambda x, perm=None: np.transpose(x, perm),
    "expand_dims": lambda x, axis=0: np.expand_dims(x, axis),
    "squeeze": _squeeze,
    "broadcast_to": lambda x, shape: np.broadcast_to(x, shape),
    "concat": lambda *xs, axis=0: np.concatenate(xs, axis=axis),
    "stack": lambda *xs, axis=0: np.stack(xs, axis=axis),
    "unstack": _unstack,
    "split": _split,
    "slice": _slice,
    "gather": lambda x, indices, axis=0: np.take(x, indices, axis=axis),
    "pad": lambda x, paddings, constant_value=0: np.pad(x, paddings, constant_values=constant_value) if x.ndim
    else x.copy(),
    "tile": lambda x, reps: np.tile(x, reps),
    "reverse": lambda x, axis=None: np.flip(x, _axis(axis)),
}

# -- nn ------------------------------------------------------------------------------


def _softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _log_softmax(x):
    s = x - np.max(x, axis=-1, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=-1, keepdims=True))


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _pads(in_hw, k_hw, strides, dilations, pad):
    """(out_h, out_w, ((top, bottom), (left, right))) as TF computes them (pad: 'valid', 'same' or an int)."""
    out, pads = [], []
    for n, k, s, d in zip(in_hw, k_hw, strides, dilations):
        eff = (k - 1) * d + 1
        if isinstance(pad, int):
            out.append((n + 2 * pad - eff) // s + 1)
            pads.append((pad, pad))
            continue
        if pad == "valid":
            o, total = (n - eff) // s + 1, 0
        else:
            o = -(-n // s)
            total = max((o - 1) * s + eff - n, 0)
        out.append(o)
        pads.append((total // 2, total - total // 2))
    return out[0], out[1], pads


def _windows(x, k_hw, strides, dilations, pad, fill):
    """Yield (di, dj, patch) where patch[n, i, j, c] is the input under kernel tap (di, dj)."""
    (kh, kw), (sh, sw), (dh, dw) = k_hw, strides, dilations
    oh, ow, pads = _pads(x.shape[1:3], k_hw, strides, dilations, pad)
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    for di in range(kh):
        for dj in range(kw):
            yield di, dj, xp[:, di * dh: di * dh + (oh - 1) * sh + 1: sh, dj * dw: dj * dw + (ow - 1) * sw + 1: sw, :]


def _conv2d(x, filter, strides, pad, dilations=1, data_format="NHWC"):
    if data_format == "NCHW":
        return np.moveaxis(_conv2d(np.moveaxis(x, -3, -1), filter, strides, pad, dilations), -1, -3)
    if x.ndim == 3:
        return _conv2d(x[None], filter, strides, pad, dilations)[0]
    k = filter.shape[:2]
    out = 0
    for di, dj, patch in _windows(x, k, _pair(strides), _pair(dilations), pad, 0.0):
        out = out + patch @ filter[di, dj]
    return out


def _vjp(fn, args, i, d):
    """J^T d for fn linear in args[i], column by column (the inputs are small)."""
    x = args[i]
    out = np.zeros(x.size)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = 1.0
        a = list(args)
        a[i] = e.reshape(x.shape)
        out[k] = np.sum(fn(*a) * d)
    return out.reshape(x.shape)


def _max_pool_grad(x, d, filter_size, strides, pad):
    """Each window's d goes to its (unique) maximum."""
    k, s = _pair(filter_size), _pair(strides)
    xp_windows = list(_windows(np.arange(x.size, dtype=np.float64).reshape(x.shape), k, s, (1, 1), pad, -1.0))
    vals = np.stack([p for _, _, p in _windows(x, k, s, (1, 1), pad, -np.inf)])
    idx = np.stack([p for _, _, p in xp_windows])
    winner = np.take_along_axis(idx, np.argmax(vals, axis=0)[None], axis=0)[0]
    out = np.zeros(x.size)
    np.add.at(out, winner.astype(int).reshape(-1), d.reshape(-1))
    return out.reshape(x.shape)


def _max_pool(x, filter_size, strides, pad):
    return np.max([p for _, _, p in _windows(x, _pair(filter_size), _pair(strides), (1, 1), pad, -np.inf)], axis=0)


def _avg_pool(x, filter_size, strides, pad):
    k, s = _pair(filter_size), _pair(strides)
    total = np.sum([p for _, _, p in _windows(x, k, s, (1, 1), pad, 0.0)], axis=0)
    count = np.sum([p for _, _, p in _windows(np.ones_like(x), k, s, (1, 1), pad, 0.0)], axis=0)
    return total / count


NN = {"softmax": _softmax, "log_softmax": _log_softmax, "conv2d": _conv2d, "max_pool": _max_pool,
      "avg_pool": _avg_pool,
      "conv2d_grad_input": lambda x, f, d, **kw: _vjp(lambda x, f: _conv2d(x, f, **kw), [x, f], 0, d),
      "conv2d_grad_filter": lambda x, f, d, **kw: _vjp(lambda x, f: _conv2d(x, f, **kw), [x, f], 1, d),
      "max_pool_grad": _max_pool_grad,
      "avg_pool_grad": lambda x, d, **kw: _vjp(lambda x: _avg_pool(x, **kw), [x], 0, d)}

COMPOSITE = {
    "mlp_loss": lambda x, w1, b1, w2: np.mean(np.square(np.tanh(x @ w1 + b1) @ w2)),
    "method_log_sum": lambda x: np.sum(np.log(x), axis=0),
    "method_reshape_T": lambda x: np.reshape(x, (3, 2)).T,
}

REF: dict = {}
for _table in (CREATION, UNARY, BINARY, REDUCTIONS, SHAPE, NN, COMPOSITE):
    REF.update(_table)


def reference(case) -> list[np.ndarray]:
    """The case's expected outputs (always a list)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = REF[case.ref](*[to_numpy(x) for x in case.inputs], **case.kwargs)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def as_outputs(arrays: list[np.ndarray]) -> list[dict]:
    """Reference arrays in run_case's output format (floats rounded to float32)."""
    res = []
    for a in arrays:
        kind = a.dtype.kind
        if kind == "f":
            with np.errstate(over="ignore"):
                dtype, vals = "float32", [float(v) for v in a.astype(np.float32).reshape(-1)]
        elif kind == "b":
            dtype, vals = "bool", [bool(v) for v in a.reshape(-1)]
        else:
            dtype, vals = "int32", [int(v) for v in a.astype(I32).reshape(-1)]
        res.append({"shape": list(a.shape), "dtype": dtype, "values": vals})
    return res
