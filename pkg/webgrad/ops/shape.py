"""Shape ops: views that share data (reshape, expand_dims, squeeze) and copies."""
from __future__ import annotations

from typing import Sequence

from ..shape_util import broadcast_shapes, infer_reshape, normalize_axis
from ..tensor import Tensor
from ._base import run_kernel, to_tensor


def reshape(x, shape: Sequence[int] | int) -> Tensor:
    """Same data, new shape (one dimension may be -1). Shares storage."""
    x = to_tensor(x, "x", "reshape")
    try:
        shape = infer_reshape(shape, x.size, "reshape")
    except ValueError as exc:
        raise ValueError(f"{exc} (input shape {x.shape})") from None
    return run_kernel("Reshape", [x], {"shape": shape})


def expand_dims(x, axis: int = 0) -> Tensor:
    """Insert a size-1 dimension at axis."""
    x = to_tensor(x, "x", "expand_dims")
    ax = normalize_axis(axis, x.rank + 1, "expand_dims")
    shape = list(x.shape)
    shape.insert(ax, 1)
    return run_kernel("Reshape", [x], {"shape": tuple(shape)})


def squeeze(x, axis=None) -> Tensor:
    """Drop size-1 dimensions (all, or those named by axis)."""
    x = to_tensor(x, "x", "squeeze")
    if axis is None:
        shape = tuple(d for d in x.shape if d != 1)
    else:
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        axes = {normalize_axis(a, x.rank, "squeeze") for a in axes}
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: cannot squeeze axis {a} of size {x.shape[a]} (shape {x.shape})")
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return run_kernel("Reshape", [x], {"shape": shape})


def flatten(x) -> Tensor:
    return reshape(x, (-1,))


def transpose(x, perm: Sequence[int] | None = None) -> Tensor:
    """Permute dimensions (reverse them when perm is None)."""
    x = to_tensor(x, "x", "transpose")
    if perm is None:
        perm = tuple(range(x.rank - 1, -1, -1))
    perm = tuple(perm)
    if sorted(p % x.rank if x.rank and isinstance(p, int) else p for p in perm) != list(range(x.rank)) \
            or len(perm) != x.rank:
        raise ValueError(f"transpose: perm {perm} is not a permutation of the axes of a rank-{x.rank} tensor (shape {x.shape})")
    perm = tuple(p % x.rank for p in perm)
    return run_kernel("Transpose", [x], {"perm": perm})


def broadcast_to(x, shape: Sequence[int]) -> Tensor:
    """Repeat x along broadcast dimensions to reach shape."""
    x = to_tensor(x, "x", "broadcast_to")
    shape = tuple(shape)
    if broadcast_shapes(x.shape, shape, "broadcast_to") != shape or len(shape) < x.rank:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}")
    return run_kernel("BroadcastTo", [x], {"shape": shape})


__all__ = ["reshape", "expand_dims", "squeeze", "flatten", "transpose", "broadcast_to"]
