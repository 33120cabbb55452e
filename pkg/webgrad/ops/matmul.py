"""Matrix products: matmul (kernel BatchMatMul, batch dimensions broadcast) and dot.

Kernel contract for BatchMatMul (what every backend implements): inputs
``a`` of shape [Ba, m, k] ([Ba, k, m] when transpose_a) and ``b`` of shape
[Bb, k, n] ([Bb, n, k] when transpose_b), with Ba == Bb or one of them 1
(that one broadcasts); output [B, m, n], B the other batch size, in the inputs'
dtype (float32 or int32; int32 products wrap). The op
broadcasts and flattens the batch dimensions around it with Reshape/BroadcastTo.
"""
from __future__ import annotations

from ..shape_util import broadcast_shapes, size_of
from ..tensor import Tensor
from ._base import BOOL, FLOAT32, INT32, cast_if, run_kernel, to_tensor
from ._scope import op_scope


def _operands(a, b, op: str) -> tuple[Tensor, Tensor]:
    a, b = to_tensor(a, "a", op), to_tensor(b, "b", op)
    for name, t in (("a", a), ("b", b)):
        if t.dtype == BOOL:
            raise TypeError(f"{op}: argument '{name}' has dtype bool (shape {t.shape}); expected float32 or int32")
    dtype = FLOAT32 if FLOAT32 in (a.dtype, b.dtype) else INT32
    return cast_if(a, dtype), cast_if(b, dtype)


@op_scope
def matmul(a, b, transpose_a: bool = False, transpose_b: bool = False) -> Tensor:
    """Matrix product of the last two dimensions; leading (batch) dimensions broadcast.

    Rank-1 operands follow NumPy: a vector ``a`` is a row [1, k], a vector ``b`` a
    column [k, 1], and the added dimension is dropped from the result (the
    transpose flags do not apply to a vector). int32 inputs give int32; an int32
    with a float32 operand computes in float32.
    """
    a, b = _operands(a, b, "matmul")
    if a.rank == 0 or b.rank == 0:
        raise ValueError(f"matmul: operands must have rank >= 1, got shapes {a.shape} and {b.shape}")
    vec_a, vec_b = a.rank == 1, b.rank == 1
    sa = (1, a.shape[0]) if vec_a else a.shape
    sb = (b.shape[0], 1) if vec_b else b.shape
    ta, tb = bool(transpose_a) and not vec_a, bool(transpose_b) and not vec_b
    m, ka = (sa[-1], sa[-2]) if ta else (sa[-2], sa[-1])
    kb, n = (sb[-1], sb[-2]) if tb else (sb[-2], sb[-1])
    if ka != kb:
        raise ValueError(
            f"matmul: inner dimensions of a (shape {a.shape}{', transposed' if ta else ''}) and "
            f"b (shape {b.shape}{', transposed' if tb else ''}) do not match: {ka} != {kb}")
    try:
        batch = broadcast_shapes(sa[:-2], sb[:-2], "matmul")
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of a (shape {a.shape}) and b (shape {b.shape}) "
                         "cannot be broadcast together") from None
    a3 = _as_batch3(a, sa, batch)
    b3 = _as_batch3(b, sb, batch)
    y = run_kernel("BatchMatMul", [a3, b3], {"transpose_a": ta, "transpose_b": tb})
    shape = batch + ((m,) if not vec_a else ()) + ((n,) if not vec_b else ())
    return y if y.shape == shape else run_kernel("Reshape", [y], {"shape": shape})


def _as_batch3(x: Tensor, mat_shape: tuple, batch: tuple) -> Tensor:
    """x as [B, r, c]; B is 1 when x has no (or all-1) batch dims, else the full batch size."""
    own = mat_shape[:-2]
    if size_of(own) == 1:
        nb = 1
    else:
        nb = size_of(batch)
        full = batch + mat_shape[-2:]
        if (1,) * (len(batch) - len(own)) + own != batch:
            x = run_kernel("BroadcastTo", [run_kernel("Reshape", [x], {"shape": mat_shape})], {"shape": full})
    shape = (nb,) + mat_shape[-2:]
    return x if x.shape == shape else run_kernel("Reshape", [x], {"shape": shape})


@op_scope
def dot(a, b) -> Tensor:
    """tfjs dot: vector·vector -> scalar, matrix·vector and vector·matrix -> vector,
    matrix·matrix -> matrix. Ranks above 2 are rejected."""
    a, b = _operands(a, b, "dot")
    if a.rank not in (1, 2) or b.rank not in (1, 2):
        raise ValueError(f"dot: operands must be rank 1 or 2, got shapes {a.shape} and {b.shape}")
    ka, kb = a.shape[-1], b.shape[0]
    if ka != kb:
        raise ValueError(f"dot: inner dimensions of a (shape {a.shape}) and b (shape {b.shape}) do not match: {ka} != {kb}")
    return matmul(a, b)


__all__ = ["matmul", "dot"]
