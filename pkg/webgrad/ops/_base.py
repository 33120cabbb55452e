"""Helpers every op module uses: argument conversion and dtype checks."""
from __future__ import annotations

import array

from ..dtypes import BOOL, FLOAT32, INT32, infer_scalar_dtype, upcast
from ..engine import ENGINE
from ..tensor import Tensor

run_kernel = ENGINE.run_kernel

_PY_SCALAR = (bool, int, float)


def to_tensor(x, name: str, op: str, dtype: str | None = None) -> Tensor:
    """Accept a Tensor, or convert a Python/NumPy value into one (checks disposal)."""
    if isinstance(x, Tensor):
        if x.disposed:
            raise ValueError(f"{op}: argument '{name}' (tensor {x.id}, shape {x.shape}) is disposed")
        return x
    from .creation import tensor

    try:
        return tensor(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{op}: argument '{name}': {exc}") from None


def require_dtype(x: Tensor, allowed: tuple[str, ...], op: str, name: str = "x") -> None:
    if x.dtype not in allowed:
        raise TypeError(f"{op}: argument '{name}' must have dtype in {allowed}, got {x.dtype} (shape {x.shape})")


def cast_if(x: Tensor, dtype: str) -> Tensor:
    """x itself when it already has dtype, else a Cast."""
    return x if x.dtype == dtype else run_kernel("Cast", [x], {"dtype": dtype})


def binary_args(a, b, op: str) -> tuple[Tensor, Tensor]:
    """Convert a pair; a Python number adopts the other operand's dtype where it fits
    (int or bool stays with an int32 tensor, a float lifts it to float32)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        to_tensor(a, "a", op), to_tensor(b, "b", op)
        return a, b
    if isinstance(a, Tensor):
        return a, _weak_scalar(b, a, "b", op)
    if isinstance(b, Tensor):
        return _weak_scalar(a, b, "a", op), b
    ta = to_tensor(a, "a", op)
    try:
        return ta, to_tensor(b, "b", op)
    except (TypeError, ValueError):
        ta.dispose()  # a failed call leaves memory unchanged
        raise


_EXACT_KIND = {bool: BOOL, int: INT32, float: FLOAT32}


def _pack_scalar(v, dtype: str) -> array.array:
    """creation.pack_scalar, imported on first use (creation imports this module)."""
    global _pack_scalar
    from .creation import pack_scalar
    _pack_scalar = pack_scalar
    return pack_scalar(v, dtype)


def _weak_dtype(kind: str, other: str) -> str:
    """The dtype a Python number of dtype `kind` takes next to a tensor of dtype `other`."""
    if other == BOOL:
        return kind
    return FLOAT32 if kind == FLOAT32 else other


def _weak_scalar(v, other: Tensor, name: str, op: str) -> Tensor:
    other._check_alive(op)
    kind = _EXACT_KIND.get(type(v))
    if kind is not None:  # the hot path (x + 1.0): pack the one value and upload it directly
        dtype = _weak_dtype(kind, other.dtype)
        return ENGINE.make_tensor(_pack_scalar(v, dtype), (), dtype)
    if isinstance(v, _PY_SCALAR):
        from .creation import scalar
        return scalar(v, _weak_dtype(infer_scalar_dtype(v), other.dtype))
    return to_tensor(v, name, op)


def common_dtype(a: Tensor, b: Tensor) -> str:
    return upcast(a.dtype, b.dtype)


def numeric(x: Tensor) -> Tensor:
    """bool -> int32 for arithmetic; others unchanged."""
    return cast_if(x, INT32) if x.dtype == BOOL else x


def host_array(dtype: str, values) -> array.array:
    from ..dtypes import ARRAY_CODE
    return array.array(ARRAY_CODE[dtype], values)


__all__ = ["run_kernel", "to_tensor", "require_dtype", "cast_if", "binary_args", "common_dtype", "numeric",
           "BOOL", "FLOAT32", "INT32", "Tensor"]
