"""Neural-network ops: softmax, log_softmax, one_hot.

Softmax and LogSoftmax kernels work along the last axis (attr ``dim`` = rank-1);
the ops move another axis there with a Transpose and back.
"""
from __future__ import annotations

from ..dtypes import check_dtype
from ..shape_util import normalize_axis
from ..tensor import Tensor
from ._base import BOOL, FLOAT32, INT32, cast_if, require_dtype, run_kernel, to_tensor
from ._scope import op_scope


def _last_axis_op(kernel: str, op: str, logits, axis: int) -> Tensor:
    x = to_tensor(logits, "logits", op)
    if x.rank == 0:
        raise ValueError(f"{op}: logits must have rank >= 1, got a scalar")
    ax = normalize_axis(axis, x.rank, op)
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


__all__ = ["softmax", "log_softmax", "one_hot"]
