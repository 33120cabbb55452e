"""``t[key]``: NumPy basic indexing (ints, slices with any step, None, Ellipsis) and one
integer index array (a list or an int32 tensor), built from Slice, GatherV2, Reverse
and Reshape, so gradients flow through it. A list index is checked and may count from
the end; an int32 tensor index is not read back, so an entry outside the axis gives
zeros (as ``gather``). Tensors are immutable: no item assignment."""
from __future__ import annotations

import operator

from ..tensor import Tensor
from ._base import INT32, run_kernel, to_tensor
from ._scope import op_scope


def _is_index_array(k) -> bool:
    return isinstance(k, (Tensor, list)) or (type(k).__module__ == "numpy" and hasattr(k, "shape")
                                            and getattr(k, "shape", ()) != ())


@op_scope
def getitem(x: Tensor, key) -> Tensor:
    """x[key] (see the module docstring)."""
    x = to_tensor(x, "x", "getitem")
    key = key if isinstance(key, tuple) else (key,)
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("getitem: an index can only have a single ellipsis ('...')")
    if consumed > x.rank:
        raise IndexError(f"getitem: too many indices for a tensor of rank {x.rank} (shape {x.shape}): {key!r}")
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (x.rank - consumed) + key[at + 1:]
    else:
        key = key + (slice(None),) * (x.rank - consumed)

    begin, size, steps, arrays, out_shape = [], [], [], [], []
    axis = 0
    for k in key:
        if k is None:
            out_shape.append(1)
            continue
        dim = x.shape[axis]
        if isinstance(k, slice):
            start, stop, step = k.indices(dim)
            n = len(range(start, stop, step))
            lo = start if step > 0 else (start + (n - 1) * step if n else 0)
            begin.append(lo)
            size.append((n - 1) * abs(step) + 1 if n else 0)
            steps.append(step if n > 1 else 1)
            out_shape.append(n)
        elif _is_index_array(k):
            if arrays:
                raise IndexError("getitem: only one index array (list or tensor) per index is supported")
            if isinstance(k, list):
                k = [_wrap(i, dim, axis, x.shape) for i in k]
            idx = k if isinstance(k, Tensor) else to_tensor(k, "indices", "getitem", dtype=INT32)
            if idx.dtype != INT32:
                raise IndexError(f"getitem: index arrays must be int32 (boolean masks are not supported: "
                                 f"use wg.where), got {idx.dtype}")
            arrays.append((axis, idx))
            begin.append(0)
            size.append(dim)
            steps.append(1)
            out_shape.append(idx.shape)
        else:
            begin.append(_wrap(k, dim, axis, x.shape))
            size.append(1)
            steps.append(1)
        axis += 1

    y = x
    if tuple(begin) != (0,) * x.rank or tuple(size) != x.shape:
        y = run_kernel("Slice", [y], {"begin": tuple(begin), "size": tuple(size)})
    for ax, step in enumerate(steps):
        if step < 0:
            y = run_kernel("Reverse", [y], {"dims": (ax,)})
        if abs(step) != 1:
            picks = to_tensor(list(range(0, y.shape[ax], abs(step))), "indices", "getitem", dtype=INT32)
            y = run_kernel("GatherV2", [y, picks], {"axis": ax, "batch_dims": 0})
    for ax, idx in arrays:
        y = run_kernel("GatherV2", [y, idx], {"axis": ax, "batch_dims": 0})
    shape = []
    for d in out_shape:
        shape.extend(d if isinstance(d, tuple) else (d,))
    shape = tuple(shape)
    if y is x or y.shape != shape:
        y = run_kernel("Reshape", [y], {"shape": shape})
    return y


def _wrap(k, dim: int, axis: int, shape: tuple) -> int:
    """An int index checked against the axis, negatives counted from the end."""
    try:
        i = operator.index(k)
    except TypeError:
        raise IndexError(f"getitem: indices must be ints, slices, None, '...', lists or int32 tensors, "
                         f"got {type(k).__name__}") from None
    if isinstance(k, bool) or not -dim <= i < dim:
        raise IndexError(f"getitem: index {k!r} is out of range for axis {axis} of size {dim} (shape {shape})")
    return i % dim
