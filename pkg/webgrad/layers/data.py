"""Input handling for fit/evaluate/predict: conversion to tensors and batching on the device."""
from __future__ import annotations

from typing import Sequence

from .. import ops
from ..tensor import Tensor


def as_tensor(x, what: str, op: str) -> Tensor:
    """A Tensor from a Tensor, nested lists, an array or a NumPy array."""
    if isinstance(x, Tensor):
        x._check_alive(op)
        return x
    try:
        return ops.tensor(x)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{op}: {what} could not be converted to a tensor ({exc})") from None


def take_rows(x: Tensor, rows: Sequence[int]) -> Tensor:
    """x[rows] along axis 0 (one gather on the device)."""
    return ops.gather(x, ops.tensor(list(rows), dtype="int32"), 0)


def slice_rows(x: Tensor, start: int, stop: int) -> Tensor:
    """x[start:stop] along axis 0."""
    if start == 0 and stop == x.shape[0]:
        return x.clone()
    return ops.slice(x, [start] + [0] * (x.rank - 1), [stop - start] + [-1] * (x.rank - 1))


def batches(n: int, batch_size: int) -> list[tuple[int, int]]:
    return [(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
