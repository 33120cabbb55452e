"""Deterministic test inputs in pure Python (no NumPy: this runs in the browser too).

Values come from BENCH.md's hash ``u(i, seed)`` and are rounded to float32 up front,
so every backend, the NumPy reference and the finite differences see the same numbers.
"""
from __future__ import annotations

import array
from math import prod

_M32 = 0xFFFFFFFF


def u(i: int, seed: int) -> float:
    """BENCH.md's u(i, seed): a uint32 hash of (i, seed) mapped to [0, 1), exact in float32."""
    x = (i + seed * 0x9E3779B9) & _M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & _M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & _M32
    x ^= x >> 16
    return (x >> 8) / 16777216.0


def name_seed(name: str) -> int:
    """A stable seed from a string (FNV-1a; Python's hash() is salted per process)."""
    h = 0x811C9DC5
    for ch in name.encode():
        h = ((h ^ ch) * 0x01000193) & _M32
    return h


def f32(values) -> list[float]:
    """Round Python floats to the nearest float32."""
    return array.array("f", values).tolist()


class Input:
    """One input of a case: flat row-major values, a shape and a dtype."""

    __slots__ = ("values", "shape", "dtype")

    def __init__(self, values, shape=None, dtype: str = "float32"):
        values = list(values)
        shape = (len(values),) if shape is None else tuple(shape)
        if prod(shape) != len(values):
            raise ValueError(f"Input: shape {shape} needs {prod(shape)} values, got {len(values)}")
        if dtype == "float32":
            values = f32(values)
        elif dtype == "int32":
            values = [int(v) for v in values]
        else:
            values = [bool(v) for v in values]
        self.values, self.shape, self.dtype = values, shape, dtype

    def __repr__(self) -> str:
        return f"Input(shape={self.shape}, dtype={self.dtype})"


def _avoid(v: float, points, gap: float) -> float:
    for p in points:
        if abs(v - p) < gap:
            return p + gap if v >= p else p - gap
    return v


def uniform(shape, lo: float = -1.0, hi: float = 1.0, seed: int = 1, avoid=(), gap: float = 0.05) -> Input:
    """Float32 values in [lo, hi); values within `gap` of a point in `avoid` are pushed `gap` away
    (keeps gradient cases off kinks such as relu's 0)."""
    n = prod(shape)
    vals = [lo + (hi - lo) * u(i, seed) for i in range(n)]
    return Input([_avoid(v, avoid, gap) for v in vals], shape)


def signed(shape, lo: float = 0.1, hi: float = 2.0, seed: int = 1) -> Input:
    """Float32 values with magnitude in [lo, hi) and a random sign (never near 0)."""
    n = prod(shape)
    vals = []
    for i in range(n):
        mag = lo + (hi - lo) * u(i, seed)
        vals.append(mag if u(i, seed ^ 0x5BD1E995) < 0.5 else -mag)
    return Input(vals, shape)


def distinct(shape, lo: float = -1.0, hi: float = 1.0, seed: int = 1) -> Input:
    """A shuffle of n evenly spaced values in [lo, hi): no ties, gaps of (hi-lo)/n
    (for max/min/argmax/max_pool, whose gradients are undefined at ties)."""
    n = prod(shape)
    order = sorted(range(n), key=lambda i: (u(i, seed), i))
    step = (hi - lo) / max(n, 1)
    return Input([lo + (k + 0.5) * step for k in order], shape)


def near_int(shape, lo: int = -3, hi: int = 3, off_lo: float = 0.2, off_hi: float = 0.8, seed: int = 1) -> Input:
    """k + off with integer k in [lo, hi) and off in [off_lo, off_hi) (for floor/ceil/round/mod)."""
    n = prod(shape)
    vals = [lo + int((hi - lo) * u(i, seed)) + off_lo + (off_hi - off_lo) * u(i, seed + 7) for i in range(n)]
    return Input(vals, shape)


def ints(shape, lo: int = -5, hi: int = 5, seed: int = 1, nonzero: bool = False) -> Input:
    """int32 values in [lo, hi)."""
    n = prod(shape)
    vals = [lo + int((hi - lo) * u(i, seed)) for i in range(n)]
    if nonzero:
        vals = [v if v != 0 else 1 for v in vals]
    return Input(vals, shape, "int32")


def bools(shape, seed: int = 1, p: float = 0.5) -> Input:
    n = prod(shape)
    return Input([u(i, seed) < p for i in range(n)], shape, "bool")


def values(vals, shape=None, dtype: str = "float32") -> Input:
    """Explicit values, flat or nested (edge cases: NaN, ±Inf, zeros, ties)."""
    flat: list = []

    def walk(v):
        if isinstance(v, (list, tuple)):
            for item in v:
                walk(item)
        else:
            flat.append(v)

    walk(vals)
    return Input(flat, shape, dtype)


__all__ = ["u", "name_seed", "f32", "Input", "uniform", "signed", "distinct", "near_int", "ints", "bools", "values"]
