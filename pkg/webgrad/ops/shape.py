"""Shape ops: views that share data (reshape, expand_dims, squeeze) and copies
(transpose, broadcast_to, concat, stack, unstack, split, slice, gather, pad, tile, reverse)."""
from __future__ import annotations

import operator
from typing import Sequence

from ..shape_util import broadcast_shapes, infer_reshape, normalize_axes, normalize_axis
from ..tensor import Tensor
from ._base import INT32, require_dtype, run_kernel, to_tensor
from ._scope import op_scope


@op_scope
def reshape(x, shape: Sequence[int] | int) -> Tensor:
    """Same data, new shape (one dimension may be -1). Shares storage."""
    x = to_tensor(x, "x", "reshape")
    try:
        shape = infer_reshape(shape, x.size, "reshape")
    except ValueError as exc:
        raise ValueError(f"{exc} (input shape {x.shape})") from None
    return run_kernel("Reshape", [x], {"shape": shape})


@op_scope
def expand_dims(x, axis: int = 0) -> Tensor:
    """Insert a size-1 dimension at axis."""
    x = to_tensor(x, "x", "expand_dims")
    ax = normalize_axis(axis, x.rank + 1, "expand_dims", shape=x.shape)
    shape = list(x.shape)
    shape.insert(ax, 1)
    return run_kernel("Reshape", [x], {"shape": tuple(shape)})


@op_scope
def squeeze(x, axis=None) -> Tensor:
    """Drop size-1 dimensions (all, or those named by axis)."""
    x = to_tensor(x, "x", "squeeze")
    if axis is None:
        shape = tuple(d for d in x.shape if d != 1)
    else:
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        axes = {normalize_axis(a, x.rank, "squeeze", shape=x.shape) for a in axes}
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: cannot squeeze axis {a} of size {x.shape[a]} (shape {x.shape})")
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return run_kernel("Reshape", [x], {"shape": shape})


def flatten(x) -> Tensor:
    return reshape(x, (-1,))


@op_scope
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


@op_scope
def broadcast_to(x, shape: Sequence[int]) -> Tensor:
    """Repeat x along broadcast dimensions to reach shape."""
    x = to_tensor(x, "x", "broadcast_to")
    shape = tuple(shape)
    if broadcast_shapes(x.shape, shape, "broadcast_to") != shape or len(shape) < x.rank:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}")
    return run_kernel("BroadcastTo", [x], {"shape": shape})


def _int(v, what: str, op: str) -> int:
    if isinstance(v, bool):
        raise TypeError(f"{op}: {what} must be an int, got {v!r}")
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int, got {v!r}") from None


def _int_list(v, what: str, op: str) -> list[int]:
    if isinstance(v, Tensor):
        raise TypeError(f"{op}: {what} must be Python ints, not a Tensor")
    if not hasattr(v, "__iter__"):
        return [_int(v, what, op)]
    items = list(v)
    return [_int(i, what, op) for i in items]


def _tensor_list(tensors, op: str) -> list[Tensor]:
    """A non-empty list of tensors with one dtype and one rank."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: expected at least one tensor, got an empty list")
    ts = [to_tensor(t, f"tensors[{i}]", op) for i, t in enumerate(tensors)]
    first = ts[0]
    for i, t in enumerate(ts[1:], 1):
        if t.dtype != first.dtype:
            raise TypeError(f"{op}: all tensors must have the same dtype, got {first.dtype} (tensors[0], shape "
                            f"{first.shape}) and {t.dtype} (tensors[{i}], shape {t.shape})")
        if t.rank != first.rank:
            raise ValueError(f"{op}: all tensors must have the same rank, got shapes {first.shape} (tensors[0]) "
                             f"and {t.shape} (tensors[{i}])")
    return ts


@op_scope
def concat(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; the other dimensions must agree."""
    ts = _tensor_list(tensors, "concat")
    if ts[0].rank == 0:
        raise ValueError("concat: cannot concatenate scalars (rank 0); use stack")
    ax = normalize_axis(axis, ts[0].rank, "concat", shape=ts[0].shape)
    ref = ts[0].shape
    for i, t in enumerate(ts[1:], 1):
        if any(d != r for j, (d, r) in enumerate(zip(t.shape, ref)) if j != ax):
            raise ValueError(f"concat: shapes {ref} (tensors[0]) and {t.shape} (tensors[{i}]) differ outside axis {ax}")
    return run_kernel("Concat", ts, {"axis": ax})


@op_scope
def stack(tensors, axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis (kernel Pack)."""
    ts = _tensor_list(tensors, "stack")
    ax = normalize_axis(axis, ts[0].rank + 1, "stack", shape=ts[0].shape)
    for i, t in enumerate(ts[1:], 1):
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: all tensors must have the same shape, got {ts[0].shape} (tensors[0]) "
                             f"and {t.shape} (tensors[{i}])")
    return run_kernel("Pack", ts, {"axis": ax})


@op_scope
def unstack(x, axis: int = 0) -> list[Tensor]:
    """The slices of x along axis, each without that axis (kernel Unpack)."""
    x = to_tensor(x, "x", "unstack")
    if x.rank == 0:
        raise ValueError("unstack: cannot unstack a scalar (rank 0)")
    ax = normalize_axis(axis, x.rank, "unstack", shape=x.shape)
    return list(run_kernel("Unpack", [x], {"axis": ax, "num": x.shape[ax]}))


@op_scope
def split(x, num_or_size_splits, axis: int = 0) -> list[Tensor]:
    """Split along axis into n equal parts (an int) or parts of the given sizes
    (a list; one size may be -1 for the rest). Kernel SplitV."""
    x = to_tensor(x, "x", "split")
    if x.rank == 0:
        raise ValueError("split: cannot split a scalar (rank 0)")
    ax = normalize_axis(axis, x.rank, "split", shape=x.shape)
    dim = x.shape[ax]
    if isinstance(num_or_size_splits, int) and not isinstance(num_or_size_splits, bool):
        n = num_or_size_splits
        if n < 1 or dim % n:
            raise ValueError(f"split: {n} splits do not evenly divide axis {ax} of size {dim} (shape {x.shape})")
        sizes = [dim // n] * n
    else:
        sizes = _int_list(num_or_size_splits, "num_or_size_splits", "split")
        unknown = [i for i, s in enumerate(sizes) if s == -1]
        if len(unknown) > 1 or any(s < -1 for s in sizes) or not sizes:
            raise ValueError(f"split: size_splits {tuple(sizes)} must be non-negative with at most one -1")
        known = sum(s for s in sizes if s != -1)
        if unknown and known <= dim:
            sizes[unknown[0]] = dim - known
        if sum(sizes) != dim or -1 in sizes:
            raise ValueError(f"split: size_splits {tuple(num_or_size_splits)} do not add up to {dim}, the size of "
                             f"axis {ax} (shape {x.shape})")
    return list(run_kernel("SplitV", [x], {"size_splits": tuple(sizes), "axis": ax}))


@op_scope
def slice(x, begin, size=None) -> Tensor:  # noqa: A001 - tfjs name
    """x[begin[i] : begin[i] + size[i]] per axis; a size of -1 (or a missing size)
    runs to the end. An int begin/size applies to axis 0 only (tfjs)."""
    x = to_tensor(x, "x", "slice")
    b = _int_list(begin, "begin", "slice")
    s = [-1] * len(b) if size is None else _int_list(size, "size", "slice")
    if len(b) > x.rank or len(s) > x.rank:
        raise ValueError(f"slice: begin {tuple(b)} / size {tuple(s)} have more entries than the rank of x "
                         f"(shape {x.shape})")
    b = b + [0] * (x.rank - len(b))
    s = s + [-1] * (x.rank - len(s))
    for i, (bi, si, d) in enumerate(zip(b, s, x.shape)):
        if bi < 0 or bi > d:
            raise ValueError(f"slice: begin {bi} is out of range for axis {i} of size {d} (shape {x.shape})")
        if si == -1:
            s[i] = d - bi
        elif si < 0 or bi + si > d:
            raise ValueError(f"slice: begin {tuple(b)} + size {tuple(s)} exceed shape {x.shape} at axis {i}")
    return run_kernel("Slice", [x], {"begin": tuple(b), "size": tuple(s)})


@op_scope
def gather(x, indices, axis: int = 0) -> Tensor:
    """Rows of x picked by int32 indices along axis (kernel GatherV2).

    Output shape: x.shape[:axis] + indices.shape + x.shape[axis + 1:]. An index
    outside [0, x.shape[axis]) gives zeros (as GPU backends do; tfjs's CPU
    backend raises instead, which would need a read-back here)."""
    x = to_tensor(x, "x", "gather")
    if x.rank == 0:
        raise ValueError("gather: x must have rank >= 1, got a scalar")
    ax = normalize_axis(axis, x.rank, "gather", shape=x.shape)
    if not isinstance(indices, Tensor):
        indices = to_tensor(indices, "indices", "gather", dtype=INT32)
    indices = to_tensor(indices, "indices", "gather")
    require_dtype(indices, (INT32,), "gather", "indices")
    return run_kernel("GatherV2", [x, indices], {"axis": ax, "batch_dims": 0})


@op_scope
def pad(x, paddings, constant_value=0) -> Tensor:
    """Pad with constant_value; paddings is [[before, after], ...] with one pair per axis (kernel PadV2)."""
    x = to_tensor(x, "x", "pad")
    try:
        pairs = [tuple(p) for p in paddings]
    except TypeError:
        raise TypeError(f"pad: paddings must be a sequence of [before, after] pairs, got {paddings!r}") from None
    if len(pairs) != x.rank or any(len(p) != 2 for p in pairs):
        raise ValueError(f"pad: paddings {paddings!r} must hold one [before, after] pair per axis of x (shape {x.shape})")
    pairs = tuple((_int(p[0], "paddings", "pad"), _int(p[1], "paddings", "pad")) for p in pairs)
    if any(v < 0 for p in pairs for v in p):
        raise ValueError(f"pad: paddings must be non-negative, got {pairs}")
    if not isinstance(constant_value, (int, float)):
        raise TypeError(f"pad: constant_value must be a number, got {constant_value!r}")
    return run_kernel("PadV2", [x], {"paddings": pairs, "constant_value": constant_value})


@op_scope
def tile(x, reps) -> Tensor:
    """Repeat x reps[i] times along axis i (len(reps) == rank)."""
    x = to_tensor(x, "x", "tile")
    r = _int_list(reps, "reps", "tile")
    if len(r) != x.rank:
        raise ValueError(f"tile: reps {tuple(r)} must have one entry per axis of x (shape {x.shape})")
    if any(v < 0 for v in r):
        raise ValueError(f"tile: reps must be non-negative, got {tuple(r)}")
    return run_kernel("Tile", [x], {"reps": tuple(r)})


@op_scope
def reverse(x, axis=None) -> Tensor:
    """Reverse the order of elements along axis (an int, a list, or None for all axes)."""
    x = to_tensor(x, "x", "reverse")
    dims = normalize_axes(axis, x.rank, "reverse", shape=x.shape)
    return run_kernel("Reverse", [x], {"dims": dims})


__all__ = ["reshape", "expand_dims", "squeeze", "flatten", "transpose", "broadcast_to", "concat", "stack",
           "unstack", "split", "slice", "gather", "pad", "tile", "reverse"]
