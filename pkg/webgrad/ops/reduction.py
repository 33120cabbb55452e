"""Reductions with NumPy's axis=None|int|tuple and keepdims=False."""
from __future__ import annotations

from ..shape_util import normalize_axes, normalize_axis, reduced_shape
from ..tensor import Tensor
from ._base import BOOL, FLOAT32, INT32, cast_if, require_dtype, run_kernel, to_tensor
from ._scope import op_scope


def _reduce(kernel: str, op: str, x, axis, keepdims: bool, dtype: str | None = None) -> Tensor:
    x = to_tensor(x, "x", op)
    axes = normalize_axes(axis, x.rank, op, shape=x.shape)
    if dtype is not None:
        x = cast_if(x, dtype)
    return run_kernel(kernel, [x], {"axis": axes, "keepdims": bool(keepdims)})


@op_scope
def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum; bool counts as int32, int32 stays int32 (wrapping)."""
    x = to_tensor(x, "x", "sum")
    return _reduce("Sum", "sum", x, axis, keepdims, INT32 if x.dtype == BOOL else None)


@op_scope
def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """Mean; always float32."""
    return _reduce("Mean", "mean", x, axis, keepdims, FLOAT32)


@op_scope
def prod(x, axis=None, keepdims: bool = False) -> Tensor:
    x = to_tensor(x, "x", "prod")
    return _reduce("Prod", "prod", x, axis, keepdims, INT32 if x.dtype == BOOL else None)


@op_scope
def max(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    x = to_tensor(x, "x", "max")
    _nonempty(x, axis, "max")
    return _reduce("Max", "max", x, axis, keepdims)


@op_scope
def min(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    x = to_tensor(x, "x", "min")
    _nonempty(x, axis, "min")
    return _reduce("Min", "min", x, axis, keepdims)


@op_scope
def any(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    x = to_tensor(x, "x", "any")
    require_dtype(x, (BOOL,), "any")
    return _reduce("Any", "any", x, axis, keepdims)


@op_scope
def all(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    x = to_tensor(x, "x", "all")
    require_dtype(x, (BOOL,), "all")
    return _reduce("All", "all", x, axis, keepdims)


def _nonempty(x: Tensor, axis, op: str) -> None:
    axes = normalize_axes(axis, x.rank, op, shape=x.shape)
    empty = [a for a in axes if x.shape[a] == 0]
    if empty:
        raise ValueError(f"{op}: cannot reduce over zero-size axis {empty[0]} of tensor with shape {x.shape}")


def _arg(kernel: str, op: str, x, axis) -> Tensor:
    x = to_tensor(x, "x", op)
    require_dtype(x, (FLOAT32, INT32), op)
    if axis is None:
        from .shape import reshape
        flat = reshape(x, (-1,))
        _nonempty(flat, 0, op)
        out = run_kernel(kernel, [flat], {"axis": 0})
        flat.dispose()
        return out
    ax = normalize_axis(axis, x.rank, op, shape=x.shape)
    _nonempty(x, ax, op)
    return run_kernel(kernel, [x], {"axis": ax})


@op_scope
def argmax(x, axis: int | None = None) -> Tensor:
    """Index (int32) of the largest value along axis (flattened when axis is None)."""
    return _arg("ArgMax", "argmax", x, axis)


@op_scope
def argmin(x, axis: int | None = None) -> Tensor:
    return _arg("ArgMin", "argmin", x, axis)


@op_scope
def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) computed stably."""
    from .binary import add, sub
    from .shape import reshape
    from .unary import exp, log
    x = cast_if(to_tensor(x, "x", "logsumexp"), FLOAT32)
    axes = normalize_axes(axis, x.rank, "logsumexp", shape=x.shape)
    from ..engine import ENGINE
    with ENGINE.no_tape():
        m = max(x, axes, keepdims=True)
    s = log(sum(exp(sub(x, m)), axes, keepdims=True))
    out = add(s, m)
    return out if keepdims else reshape(out, reduced_shape(x.shape, axes, False))


@op_scope
def cumsum(x, axis: int = 0, exclusive: bool = False, reverse: bool = False) -> Tensor:
    """Cumulative sum along axis (tfjs signature)."""
    x = to_tensor(x, "x", "cumsum")
    if x.dtype == BOOL:
        x = cast_if(x, INT32)
    ax = normalize_axis(axis, x.rank, "cumsum", shape=x.shape)
    return run_kernel("Cumsum", [x], {"axis": ax, "exclusive": bool(exclusive), "reverse": bool(reverse)})


@op_scope
def moments(x, axis=None, keepdims: bool = False) -> tuple[Tensor, Tensor]:
    """(mean, variance) over axis."""
    from .binary import squared_difference
    from .shape import reshape
    x = cast_if(to_tensor(x, "x", "moments"), FLOAT32)
    axes = normalize_axes(axis, x.rank, "moments", shape=x.shape)
    m = mean(x, axes, keepdims=True)
    v = mean(squared_difference(x, m), axes, keepdims=keepdims)
    return (m if keepdims else reshape(m, reduced_shape(x.shape, axes, False))), v


@op_scope
def norm(x, ord="euclidean", axis=None, keepdims: bool = False) -> Tensor:
    """Vector norms (ord: 'euclidean'/'fro'/2, 1, inf, -inf, p) over axis."""
    from .binary import pow as _pow
    from .unary import abs as _abs, sqrt, square
    x = cast_if(to_tensor(x, "x", "norm"), FLOAT32)
    if ord in ("euclidean", "fro", 2):
        return sqrt(sum(square(x), axis, keepdims))
    if ord == 1:
        return sum(_abs(x), axis, keepdims)
    if ord == float("inf"):
        return max(_abs(x), axis, keepdims)
    if ord == float("-inf"):
        return min(_abs(x), axis, keepdims)
    if isinstance(ord, (int, float)) and ord > 0:
        return _pow(sum(_pow(_abs(x), float(ord)), axis, keepdims), 1.0 / ord)
    raise ValueError(f"norm: unsupported ord {ord!r}")


__all__ = ["sum", "mean", "prod", "max", "min", "any", "all", "argmax", "argmin", "logsumexp", "cumsum", "moments", "norm"]
