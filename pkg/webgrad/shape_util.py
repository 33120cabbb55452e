"""Shape arithmetic shared by ops and backends (no NumPy)."""
from __future__ import annotations

from math import prod as _prod

Shape = tuple[int, ...]


def size_of(shape: Shape) -> int:
    return _prod(shape)


def strides_of(shape: Shape) -> Shape:
    """Row-major element strides."""
    out = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        out[i] = out[i + 1] * shape[i + 1]
    return tuple(out)


def broadcast_shapes(a: Shape, b: Shape, op: str = "broadcast") -> Shape:
    """NumPy broadcasting of two shapes; ValueError naming the op otherwise."""
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(pa, pb):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise ValueError(f"{op}: shapes {tuple(a)} and {tuple(b)} cannot be broadcast together")
    return tuple(out)


def broadcast_axes(in_shape: Shape, out_shape: Shape) -> tuple[int, ...]:
    """Axes of out_shape along which in_shape was broadcast (to sum a gradient back)."""
    lead = len(out_shape) - len(in_shape)
    axes = list(range(lead))
    for i, d in enumerate(in_shape):
        if d == 1 and out_shape[lead + i] != 1:
            axes.append(lead + i)
    return tuple(axes)


def normalize_axis(axis: int, rank: int, op: str, shape: Shape | None = None) -> int:
    """A non-negative axis in [0, rank); TypeError/ValueError naming the op (and shape, if given)."""
    where = "" if shape is None else f" (shape {tuple(shape)})"
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}{where}")
    if not -rank <= axis < rank:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor of rank {rank}{where}")
    return axis % rank


def normalize_axes(axis, rank: int, op: str, shape: Shape | None = None) -> tuple[int, ...]:
    """axis=None|int|sequence -> sorted unique non-negative axes."""
    if axis is None:
        return tuple(range(rank))
    if isinstance(axis, (list, tuple)):
        axes = [normalize_axis(a, rank, op, shape) for a in axis]
    else:
        axes = [normalize_axis(axis, rank, op, shape)]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated axis in {axis!r}" + ("" if shape is None else f" (shape {tuple(shape)})"))
    return tuple(sorted(axes))


def reduced_shape(shape: Shape, axes: tuple[int, ...], keepdims: bool) -> Shape:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def infer_reshape(shape, size: int, op: str = "reshape") -> Shape:
    """Resolve one -1 in a target shape; ValueError on a size mismatch."""
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(int(d) for d in shape)
    unknown = [i for i, d in enumerate(shape) if d == -1]
    if len(unknown) > 1:
        raise ValueError(f"{op}: only one dimension can be -1, got {shape}")
    if any(d < -1 for d in shape):
        raise ValueError(f"{op}: negative dimension in {shape}")
    known = _prod(d for d in shape if d != -1)
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"{op}: cannot reshape a tensor of {size} elements into shape {shape}")
        shape = tuple(size // known if d == -1 else d for d in shape)
    elif known != size:
        raise ValueError(f"{op}: cannot reshape a tensor of {size} elements into shape {shape}")
    return shape
