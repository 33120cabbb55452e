"""Broadcasting binary ops: arithmetic, comparisons, logic, where."""
from __future__ import annotations

from ..shape_util import broadcast_shapes
from ..tensor import Tensor
from ._base import BOOL, FLOAT32, INT32, binary_args, cast_if, require_dtype, run_kernel, to_tensor
from ._scope import op_scope


def _release(pairs) -> None:
    """After a failed check, dispose the tensors an op converted from Python values."""
    for t, given in pairs:
        if t is not given:
            t.dispose()


def _checked_args(a, b, op: str, dtypes=None) -> tuple[Tensor, Tensor]:
    """binary_args, the broadcast check and an optional dtype check; on failure the
    converted arguments are released, so a failed call leaves memory unchanged."""
    ta, tb = binary_args(a, b, op)
    try:
        if dtypes is not None:
            require_dtype(ta, dtypes, op, "a")
            require_dtype(tb, dtypes, op, "b")
        broadcast_shapes(ta.shape, tb.shape, op)
    except (TypeError, ValueError):
        _release(((ta, a), (tb, b)))
        raise
    return ta, tb


def _arith(kernel: str, op: str, a, b, float_only: bool = False) -> Tensor:
    ta, tb = _checked_args(a, b, op)
    dtype = FLOAT32 if float_only else _numeric_dtype(ta.dtype, tb.dtype)
    return _run(kernel, ta, tb, dtype, (a, b))


def _run(kernel: str, ta: Tensor, tb: Tensor, dtype: str | None, given: tuple) -> Tensor:
    """Cast to dtype (None: keep), run the kernel, and free what the op made from the
    caller's arguments (converted Python values, casts), as a tfjs op's scope does."""
    ca, cb = (ta, tb) if dtype is None else (cast_if(ta, dtype), cast_if(tb, dtype))
    try:
        return run_kernel(kernel, [ca, cb], {})
    finally:
        for t in (ta, tb, ca, cb):
            if t is not given[0] and t is not given[1]:
                t.dispose()


def _numeric_dtype(a: str, b: str) -> str:
    if FLOAT32 in (a, b):
        return FLOAT32
    return INT32


def add(a, b) -> Tensor:
    return _arith("Add", "add", a, b)


def sub(a, b) -> Tensor:
    return _arith("Sub", "sub", a, b)


def mul(a, b) -> Tensor:
    return _arith("Multiply", "mul", a, b)


def div(a, b) -> Tensor:
    """a / b; for two int32 tensors this floor-divides, as tfjs does."""
    ta, tb = _checked_args(a, b, "div")
    dtype = _numeric_dtype(ta.dtype, tb.dtype)
    return _run("FloorDiv" if dtype == INT32 else "RealDiv", ta, tb, dtype, (a, b))


def floor_div(a, b) -> Tensor:
    return _arith("FloorDiv", "floor_div", a, b)


def mod(a, b) -> Tensor:
    """Floor modulo: the result has the sign of b."""
    return _arith("Mod", "mod", a, b)


def pow(a, b) -> Tensor:  # noqa: A001 - tfjs name
    return _arith("Pow", "pow", a, b)


def maximum(a, b) -> Tensor:
    return _arith("Maximum", "maximum", a, b)


def minimum(a, b) -> Tensor:
    return _arith("Minimum", "minimum", a, b)


def squared_difference(a, b) -> Tensor:
    return _arith("SquaredDifference", "squared_difference", a, b)


def atan2(a, b) -> Tensor:
    return _arith("Atan2", "atan2", a, b, float_only=True)


def _compare(kernel: str, op: str, a, b) -> Tensor:
    ta, tb = _checked_args(a, b, op)
    dtype = None if ta.dtype == tb.dtype else _numeric_dtype(ta.dtype, tb.dtype)
    return _run(kernel, ta, tb, dtype, (a, b))


def equal(a, b) -> Tensor:
    return _compare("Equal", "equal", a, b)


def not_equal(a, b) -> Tensor:
    return _compare("NotEqual", "not_equal", a, b)


def less(a, b) -> Tensor:
    return _compare("Less", "less", a, b)


def less_equal(a, b) -> Tensor:
    return _compare("LessEqual", "less_equal", a, b)


def greater(a, b) -> Tensor:
    return _compare("Greater", "greater", a, b)


def greater_equal(a, b) -> Tensor:
    return _compare("GreaterEqual", "greater_equal", a, b)


def _logical(kernel: str, op: str, a, b) -> Tensor:
    ta, tb = _checked_args(a, b, op, (BOOL,))
    return _run(kernel, ta, tb, None, (a, b))


def logical_and(a, b) -> Tensor:
    return _logical("LogicalAnd", "logical_and", a, b)


def logical_or(a, b) -> Tensor:
    return _logical("LogicalOr", "logical_or", a, b)


def logical_xor(a, b) -> Tensor:
    return _logical("LogicalXor", "logical_xor", a, b)


@op_scope
def where(condition, a, b) -> Tensor:
    """Elements of a where condition is true, else of b (all three broadcast)."""
    given = (condition, a, b)
    condition = to_tensor(condition, "condition", "where")
    try:
        require_dtype(condition, (BOOL,), "where", "condition")
        a, b = binary_args(a, b, "where")
    except (TypeError, ValueError):
        _release([(condition, given[0])])
        raise
    try:
        shape = broadcast_shapes(a.shape, b.shape, "where")
        broadcast_shapes(condition.shape, shape, "where")
    except ValueError:
        _release(zip((condition, a, b), given))
        raise
    dtype = a.dtype if a.dtype == b.dtype else _numeric_dtype(a.dtype, b.dtype)
    return run_kernel("Select", [condition, cast_if(a, dtype), cast_if(b, dtype)], {})


__all__ = ["add", "sub", "mul", "div", "floor_div", "mod", "pow", "maximum", "minimum", "squared_difference",
           "atan2", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
           "logical_or", "logical_xor", "where"]
