"""Tensor creation: from values, constants, ranges and seeded random numbers."""
from __future__ import annotations

import array
import random as _random
from typing import Sequence

from ..dtypes import ARRAY_CODE, BOOL, FLOAT32, INT32, check_dtype, infer_scalar_dtype, upcast
from ..engine import ENGINE
from ..shape_util import size_of
from ..tensor import Tensor
from ._base import cast_if, run_kernel

_ARRAY_TYPECODES = {"f": FLOAT32, "d": FLOAT32, "b": INT32, "h": INT32, "i": INT32, "l": INT32, "q": INT32,
                    "B": INT32, "H": INT32, "I": INT32, "L": INT32, "Q": INT32}


def _shape_arg(shape, op: str) -> tuple[int, ...]:
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be a sequence of ints, got {shape!r}") from None
    for d in shape:
        if not isinstance(d, int) or isinstance(d, bool) or d < 0:
            raise ValueError(f"{op}: shape must hold non-negative ints, got {shape}")
    return shape


def _flatten(values, op: str):
    """Nested lists/tuples -> (flat list, shape); ValueError on ragged input."""
    if not isinstance(values, (list, tuple)):
        return [values], ()
    shape = []
    level = values
    while isinstance(level, (list, tuple)):
        shape.append(len(level))
        if not level:
            break
        level = level[0]
    flat: list = []

    def walk(v, dim: int, path: str):
        if dim == len(shape):
            if isinstance(v, (list, tuple)):
                raise ValueError(f"{op}: ragged nested sequence at {path or 'top'}: expected a number, found a sequence")
            flat.append(v)
            return
        if not isinstance(v, (list, tuple)) or len(v) != shape[dim]:
            got = len(v) if isinstance(v, (list, tuple)) else "a number"
            raise ValueError(f"{op}: ragged nested sequence at {path or 'top'}: expected {shape[dim]} elements, found {got}")
        for i, item in enumerate(v):
            walk(item, dim + 1, f"{path}[{i}]")

    walk(values, 0, "")
    return flat, tuple(shape)


def _wrap_int32(v: int) -> int:
    return ((v + 2**31) % 2**32) - 2**31


def _pack(flat: list, dtype: str, op: str) -> array.array:
    try:
        if dtype == FLOAT32:
            return array.array("f", [float(v) for v in flat])
        if dtype == INT32:
            return array.array("i", [_wrap_int32(int(v)) for v in flat])
        return array.array("B", [1 if v else 0 for v in flat])
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{op}: values must be numbers or booleans ({exc})") from None


def pack_scalar(v, dtype: str) -> array.array:
    """One Python number as host data of dtype (what tensor(v, dtype=dtype) would upload)."""
    return _pack((v,), dtype, "tensor")


def _from_numpy(values, dtype):
    import numpy as np

    arr = np.asarray(values)
    if dtype is None:
        kind = arr.dtype.kind
        dtype = BOOL if kind == "b" else INT32 if kind in "iu" else FLOAT32 if kind == "f" else None
        if dtype is None:
            raise TypeError(f"tensor: unsupported NumPy dtype {arr.dtype}")
    np_dtype = {FLOAT32: np.float32, INT32: np.int32, BOOL: np.uint8}[dtype]
    data = np.ascontiguousarray(arr.astype(bool) if dtype == BOOL else arr, dtype=np_dtype)
    return memoryview(data.reshape(-1)).cast("B"), tuple(int(d) for d in arr.shape), dtype


def tensor(values, shape: Sequence[int] | None = None, dtype: str | None = None) -> Tensor:
    """A tensor from nested lists, a scalar, an array.array/memoryview, a NumPy array or a Tensor."""
    dtype = check_dtype(dtype, "tensor")
    if isinstance(values, range):
        values = list(values)
    if isinstance(values, Tensor):
        values._check_alive("tensor")
        out = cast_if(values, dtype or values.dtype)
        out = ENGINE.share(out) if out is values else out
        return out if shape is None else run_kernel("Reshape", [out], {"shape": _shape_arg(shape, "tensor")})
    if type(values).__module__ == "numpy" and hasattr(values, "dtype"):
        data, vshape, dtype = _from_numpy(values, dtype)
    elif isinstance(values, (array.array, memoryview, bytes, bytearray)):
        flat_view = values if isinstance(values, array.array) else memoryview(values)
        code = flat_view.typecode if isinstance(flat_view, array.array) else flat_view.format
        src_dtype = _ARRAY_TYPECODES.get(code)
        if src_dtype is None:
            raise TypeError(f"tensor: unsupported buffer format {code!r}")
        dtype = dtype or src_dtype
        flat = list(flat_view) if not (code == ARRAY_CODE[dtype] and isinstance(values, array.array)) else None
        data = values if flat is None else _pack(flat, dtype, "tensor")
        vshape = (len(values),)
    else:
        flat, vshape = _flatten(values, "tensor")
        if dtype is None:
            dtype = BOOL
            for v in flat:
                dtype = upcast(dtype, infer_scalar_dtype(v))
            if not flat:
                dtype = FLOAT32
        data = _pack(flat, dtype, "tensor")
    n = size_of(vshape)
    if shape is not None:
        shape = _shape_arg(shape, "tensor")
        if size_of(shape) != n:
            raise ValueError(f"tensor: shape {shape} needs {size_of(shape)} values, got {n} (value shape {vshape})")
        vshape = shape
    return ENGINE.make_tensor(data, vshape, dtype)


def scalar(value, dtype: str | None = None) -> Tensor:
    """A rank-0 tensor."""
    if isinstance(value, (list, tuple)):
        raise ValueError("scalar: expected a single number, got a sequence")
    return tensor(value, dtype=dtype)


def fill(shape, value, dtype: str | None = None) -> Tensor:
    """A tensor of `shape` filled with `value`."""
    shape = _shape_arg(shape, "fill")
    dtype = check_dtype(dtype, "fill") or infer_scalar_dtype(value)
    return run_kernel("Fill", [], {"shape": shape, "value": value, "dtype": dtype})


def zeros(shape, dtype: str = FLOAT32) -> Tensor:
    return fill(shape, 0, check_dtype(dtype, "zeros"))


def ones(shape, dtype: str = FLOAT32) -> Tensor:
    return fill(shape, 1, check_dtype(dtype, "ones"))


def zeros_like(x: Tensor) -> Tensor:
    return zeros(x.shape, x.dtype)


def ones_like(x: Tensor) -> Tensor:
    return ones(x.shape, x.dtype)


def arange(start, stop=None, step=1, dtype: str | None = None) -> Tensor:
    """Evenly spaced values in [start, stop) (tfjs `range`)."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step cannot be 0")
    if dtype is None:
        dtype = FLOAT32 if any(isinstance(v, float) for v in (start, stop, step)) else INT32
    dtype = check_dtype(dtype, "arange")
    n = max(0, -(-(stop - start) // step)) if dtype == INT32 else max(0, int(-(-(stop - start) // step)))
    return run_kernel("Range", [], {"start": start, "step": step, "size": int(n), "dtype": dtype})


def linspace(start: float, stop: float, num: int) -> Tensor:
    """`num` evenly spaced float32 values from start to stop inclusive."""
    if not isinstance(num, int) or num < 0:
        raise ValueError(f"linspace: num must be a non-negative int, got {num!r}")
    step = (stop - start) / (num - 1) if num > 1 else 0.0
    return run_kernel("LinSpace", [], {"start": float(start), "stop": float(stop), "step": step, "size": num})


def eye(num_rows: int, num_columns: int | None = None, batch_shape=(), dtype: str = FLOAT32) -> Tensor:
    """Identity matrix (optionally batched)."""
    num_columns = num_rows if num_columns is None else num_columns
    shape = _shape_arg(tuple(batch_shape) + (num_rows, num_columns), "eye")
    return run_kernel("Eye", [], {"shape": shape, "dtype": check_dtype(dtype, "eye")})


def _seed(seed) -> int:
    if seed is None:
        return _random.getrandbits(32)
    if not isinstance(seed, int):
        raise TypeError(f"random: seed must be an int, got {type(seed).__name__}")
    return seed & 0xFFFFFFFF


def _random_dtype(dtype, op: str) -> str:
    dtype = check_dtype(dtype, op) or FLOAT32
    if dtype == BOOL:
        raise TypeError(f"{op}: dtype must be 'float32' or 'int32', got 'bool'")
    return dtype


def _rounded_int32(out: Tensor) -> Tensor:
    """float32 draws rounded to int32 (tfjs's integer normal draws), the float tensor released."""
    rounded = run_kernel("Round", [out], {})
    result = run_kernel("Cast", [rounded], {"dtype": INT32})
    out.dispose()
    rounded.dispose()
    return result


def random_uniform(shape, minval: float = 0.0, maxval: float = 1.0, dtype: str = FLOAT32, seed: int | None = None) -> Tensor:
    """Uniform values in [minval, maxval); the same seed gives the same values on every backend."""
    shape = _shape_arg(shape, "random_uniform")
    dtype = _random_dtype(dtype, "random_uniform")
    out = run_kernel("RandomUniform", [], {"shape": shape, "minval": float(minval), "maxval": float(maxval), "seed": _seed(seed)})
    if dtype == INT32:
        floored = run_kernel("Floor", [out], {})
        result = run_kernel("Cast", [floored], {"dtype": INT32})
        out.dispose()
        floored.dispose()
        return result
    return out


def random_normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype: str = FLOAT32, seed: int | None = None) -> Tensor:
    """Normal values (Box-Muller over a counter-based hash); int32 rounds them, as tfjs."""
    shape = _shape_arg(shape, "random_normal")
    dtype = _random_dtype(dtype, "random_normal")
    out = run_kernel("RandomNormal", [], {"shape": shape, "mean": float(mean), "stddev": float(stddev),
                                          "seed": _seed(seed), "truncated": False})
    return _rounded_int32(out) if dtype == INT32 else out


def truncated_normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype: str = FLOAT32, seed: int | None = None) -> Tensor:
    """Normal values redrawn until within two standard deviations of the mean; int32 rounds them."""
    shape = _shape_arg(shape, "truncated_normal")
    dtype = _random_dtype(dtype, "truncated_normal")
    out = run_kernel("RandomNormal", [], {"shape": shape, "mean": float(mean), "stddev": float(stddev),
                                          "seed": _seed(seed), "truncated": True})
    return _rounded_int32(out) if dtype == INT32 else out


__all__ = ["tensor", "scalar", "fill", "zeros", "ones", "zeros_like", "ones_like", "arange", "linspace", "eye",
           "random_uniform", "random_normal", "truncated_normal"]
