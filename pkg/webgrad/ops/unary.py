"""Element-wise unary ops. One table: public name -> kernel name and dtype rule."""
from __future__ import annotations

from ..tensor import Tensor
from ._base import BOOL, FLOAT32, INT32, binary_args, cast_if, require_dtype, run_kernel, to_tensor
from ._scope import op_scope

# Ops that keep int32 as int32; every other math op computes in float32.
_INT_PRESERVING = {"Abs", "Neg", "Square", "Sign", "Relu", "Relu6"}

UNARY_KERNELS = {
    "abs": "Abs", "neg": "Neg", "square": "Square", "sign": "Sign", "relu": "Relu", "relu6": "Relu6",
    "exp": "Exp", "expm1": "Expm1", "log": "Log", "log1p": "Log1p", "sqrt": "Sqrt", "rsqrt": "Rsqrt",
    "reciprocal": "Reciprocal", "sin": "Sin", "cos": "Cos", "tan": "Tan", "asin": "Asin", "acos": "Acos",
    "atan": "Atan", "sinh": "Sinh", "cosh": "Cosh", "tanh": "Tanh", "asinh": "Asinh", "acosh": "Acosh",
    "atanh": "Atanh", "sigmoid": "Sigmoid", "softplus": "Softplus", "elu": "Elu", "selu": "Selu",
    "floor": "Floor", "ceil": "Ceil", "round": "Round", "erf": "Erf",
}


def _unary(kernel: str, op: str, x, attrs: dict | None = None) -> Tensor:
    t = to_tensor(x, "x", op)
    try:
        if kernel in _INT_PRESERVING:
            require_dtype(t, (FLOAT32, INT32), op)
            c = t
        else:
            c = cast_if(t, FLOAT32)
        try:
            return run_kernel(kernel, [c], attrs or {})
        finally:
            if c is not t:
                c.dispose()
    finally:
        if t is not x:
            t.dispose()  # made from a Python value here


def _make(op: str, kernel: str):
    def f(x) -> Tensor:
        return _unary(kernel, op, x)
    f.__name__ = f.__qualname__ = op
    f.__doc__ = f"Element-wise {op} (kernel {kernel})."
    return f


for _op, _kernel in UNARY_KERNELS.items():
    globals()[_op] = _make(_op, _kernel)


def leaky_relu(x, alpha: float = 0.2) -> Tensor:
    """x if x > 0 else alpha * x."""
    return _unary("LeakyRelu", "leaky_relu", x, {"alpha": float(alpha)})


@op_scope
def prelu(x, alpha) -> Tensor:
    """Leaky relu with a learned (broadcast) alpha tensor."""
    x, alpha = binary_args(x, alpha, "prelu")
    from ..shape_util import broadcast_shapes
    broadcast_shapes(x.shape, alpha.shape, "prelu")
    return run_kernel("Prelu", [cast_if(x, FLOAT32), cast_if(alpha, FLOAT32)], {})


def step(x, alpha: float = 0.0) -> Tensor:
    """1 where x > 0, else alpha."""
    return _unary("Step", "step", x, {"alpha": float(alpha)})


@op_scope
def clip_by_value(x, clip_value_min: float, clip_value_max: float) -> Tensor:
    """Clamp every value into [clip_value_min, clip_value_max]."""
    if clip_value_min > clip_value_max:
        raise ValueError(f"clip_by_value: clip_value_min ({clip_value_min}) must be <= clip_value_max ({clip_value_max})")
    x = to_tensor(x, "x", "clip_by_value")
    require_dtype(x, (FLOAT32, INT32), "clip_by_value")
    return run_kernel("ClipByValue", [x], {"min": clip_value_min, "max": clip_value_max})


@op_scope
def is_nan(x) -> Tensor:
    return run_kernel("IsNan", [cast_if(to_tensor(x, "x", "is_nan"), FLOAT32)], {})


@op_scope
def is_inf(x) -> Tensor:
    return run_kernel("IsInf", [cast_if(to_tensor(x, "x", "is_inf"), FLOAT32)], {})


@op_scope
def is_finite(x) -> Tensor:
    return run_kernel("IsFinite", [cast_if(to_tensor(x, "x", "is_finite"), FLOAT32)], {})


@op_scope
def logical_not(x) -> Tensor:
    x = to_tensor(x, "x", "logical_not")
    require_dtype(x, (BOOL,), "logical_not")
    return run_kernel("LogicalNot", [x], {})


@op_scope
def cast(x, dtype: str) -> Tensor:
    """Convert to dtype; x != 0 -> bool. float32 -> int32 truncates toward zero, saturates
    values beyond the int32 range to -2**31 or 2**31 - 1, and maps NaN and ±Inf to 0."""
    from ..dtypes import check_dtype
    x = to_tensor(x, "x", "cast")
    dtype = check_dtype(dtype, "cast")
    return run_kernel("Cast", [x], {"dtype": dtype})


def identity(x) -> Tensor:
    """A new tensor sharing x's data."""
    return run_kernel("Identity", [to_tensor(x, "x", "identity")], {})


@op_scope
def log_sigmoid(x) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), computed stably."""
    return neg(softplus(neg(cast_if(to_tensor(x, "x", "log_sigmoid"), FLOAT32))))  # noqa: F821


__all__ = list(UNARY_KERNELS) + ["leaky_relu", "prelu", "step", "clip_by_value", "is_nan", "is_inf", "is_finite",
                                 "logical_not", "cast", "identity", "log_sigmoid"]
