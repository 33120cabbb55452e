"""The shared table of op and gradient cases (pure Python; runs natively and in the browser).

A case names an op of the public API (``wg.<op>`` unless it brings its own ``fn``),
its inputs as deterministic data, its keyword arguments, and whether its gradient
is checked. Natively, ``tests/reference.py`` holds a float64 NumPy reference for
every ``case.ref`` key; in the browser, results are compared with those of the
native run. ``CASES`` is the table; ``by_name`` finds one.
"""
from __future__ import annotations

import math
from typing import Callable

import webgrad as wg

from .data import Input, bools, distinct, ints, near_int, signed, uniform, values

NAN, INF = math.nan, math.inf


class Case:
    """One op call to check.

    grad: False, True (every float32 input of non-zero size) or a tuple of input indices.
    check: optional fn(outputs) -> None or an error message (for random ops, whose
    values have no reference). tol: optional {"rtol", "atol"} for the forward check.
    h: finite-difference step."""

    __slots__ = ("name", "op", "inputs", "kwargs", "grad", "fn", "ref", "check", "tol", "h")

    def __init__(self, name: str, op: str, inputs=(), kwargs=None, grad=False, fn: Callable | None = None,
                 ref: str | None = None, check: Callable | None = None, tol: dict | None = None, h: float = 1e-2):
        self.name = name
        self.op = op
        self.inputs: list[Input] = list(inputs)
        self.kwargs = dict(kwargs or {})
        self.grad = grad
        self.fn = fn
        self.ref = ref or op
        self.check = check
        self.tol = tol or {}
        self.h = h

    def func(self) -> Callable:
        """The function under test (looked up when run, so the table loads before every op exists)."""
        if self.fn is not None:
            return self.fn
        fn = getattr(wg, self.op, None)
        if fn is None:
            raise NotImplementedError(f"webgrad has no op {self.op!r} (case {self.name})")
        return fn

    def wrt(self) -> list[int]:
        if self.grad is True:
            return [i for i, x in enumerate(self.inputs) if x.dtype == "float32" and x.values]
        return list(self.grad or ())

    def __repr__(self) -> str:
        return f"Case({self.name})"


CASES: list[Case] = []


def case(name, op, *inputs, kw=None, grad=False, **opts) -> Case:
    if any(c.name == name for c in CASES):
        raise ValueError(f"duplicate case name {name}")
    c = Case(name, op, inputs, kw, grad, **opts)
    CASES.append(c)
    return c


def by_name(name: str) -> Case:
    for c in CASES:
        if c.name == name:
            return c
    raise KeyError(name)


def grid(shape, lo=-1.0, hi=1.0, step=0.1, offset=0.25, seed=1) -> Input:
    """Values on the grid lo + (k + offset) * step: two grids with different offsets never
    come closer than |offset difference| * step (maximum/minimum gradients need a gap)."""
    base = uniform(shape, 0.0, 1.0, seed)
    n = int((hi - lo) / step)
    return Input([lo + (min(int(v * n), n - 1) + offset) * step for v in base.values], shape)


# == creation ==========================================================================

case("tensor_nested_float", "tensor", kw={"values": [[1.5, -2.0, 3.25], [0.0, 4.0, -1.0]]})
case("tensor_nested_int", "tensor", kw={"values": [[1, 2], [3, -4]]})
case("tensor_nested_bool", "tensor", kw={"values": [True, False, True]})
case("tensor_mixed_int_float", "tensor", kw={"values": [1, 2.5, True]})
case("tensor_scalar", "tensor", kw={"values": 2.5})
case("tensor_with_shape", "tensor", kw={"values": [1, 2, 3, 4, 5, 6], "shape": (3, 1, 2), "dtype": "float32"})
case("tensor_empty", "tensor", kw={"values": [], "shape": (0, 3)})
case("tensor_int_to_bool", "tensor", kw={"values": [0, 2, -1], "dtype": "bool"})
case("scalar_float", "scalar", kw={"value": -1.25})
case("scalar_int", "scalar", kw={"value": 7, "dtype": "int32"})
case("fill_float", "fill", kw={"shape": (2, 3), "value": 1.5})
case("fill_int", "fill", kw={"shape": (4,), "value": -3})
case("fill_bool", "fill", kw={"shape": (2, 1), "value": True})
case("fill_empty", "fill", kw={"shape": (0, 2), "value": 1.0})
case("zeros", "zeros", kw={"shape": (2, 3)})
case("zeros_int_empty", "zeros", kw={"shape": (3, 0), "dtype": "int32"})
case("ones_int", "ones", kw={"shape": (3,), "dtype": "int32"})
case("ones_scalar", "ones", kw={"shape": ()})
case("ones_bool_rank4", "ones", kw={"shape": (1, 2, 1, 2), "dtype": "bool"})
case("zeros_like", "zeros_like", uniform((2, 3)))
case("ones_like_int", "ones_like", ints((3, 2)))
case("arange_int", "arange", kw={"start": 5})
case("arange_float_step", "arange", kw={"start": 1.0, "stop": 2.0, "step": 0.25})
case("arange_negative_step", "arange", kw={"start": 5, "stop": 0, "step": -2})
case("arange_empty", "arange", kw={"start": 3, "stop": 3})
case("linspace", "linspace", kw={"start": 0.0, "stop": 1.0, "num": 5})
case("linspace_one", "linspace", kw={"start": 2.0, "stop": 5.0, "num": 1})
case("linspace_empty", "linspace", kw={"start": 0.0, "stop": 1.0, "num": 0})
case("eye", "eye", kw={"num_rows": 3})
case("eye_rect", "eye", kw={"num_rows": 2, "num_columns": 4})
case("eye_batch", "eye", kw={"num_rows": 2, "batch_shape": (2,)})
case("one_hot", "one_hot", values([0, 2, 1, 3], dtype="int32"), kw={"depth": 4})
case("one_hot_2d_out_of_range", "one_hot", values([[1, -1], [0, 5]], (2, 2), "int32"), kw={"depth": 3})


def _seed_problem(outs):
    """Draws a, b with one seed and c with another: what is wrong with them, if anything."""
    a, b, c = (o["values"] for o in outs)
    if a != b:
        return "the same seed gave different values"
    if a == c:
        return "different seeds gave the same values"
    return None


def _check_uniform(lo, hi):
    def check(outs):
        a = outs[0]["values"]
        problem = _seed_problem(outs)
        if problem:
            return problem
        if not all(lo <= v < hi for v in a):
            return f"a value outside [{lo}, {hi})"
        m = sum(a) / len(a)
        want = (lo + hi - (1 if outs[0]["dtype"] == "int32" else 0)) / 2
        if abs(m - want) > 0.1 * (hi - lo):
            return f"mean {m} far from {want}"
        if outs[0]["dtype"] == "int32" and len(set(a)) != int(hi - lo):
            return f"int values do not cover [{lo}, {hi}): {sorted(set(a))}"
        return None
    return check


def _check_normal(mean, std, truncated):
    def check(outs):
        a = outs[0]["values"]
        problem = _seed_problem(outs)
        if problem:
            return problem
        n = len(a)
        m = sum(a) / n
        s = math.sqrt(sum((v - m) ** 2 for v in a) / n)
        want_s = std * (0.8796 if truncated else 1.0)
        if abs(m - mean) > 0.1 * std or abs(s - want_s) > 0.1 * std:
            return f"mean {m:.3f}, std {s:.3f}; expected about {mean}, {want_s:.3f}"
        if truncated and not all(abs(v - mean) <= 2 * std * (1 + 1e-6) for v in a):
            return "a truncated normal value beyond two standard deviations"
        return None
    return check


def _three_draws(op, **kw):
    def fn():
        return [getattr(wg, op)(seed=5, **kw), getattr(wg, op)(seed=5, **kw), getattr(wg, op)(seed=6, **kw)]
    return fn


case("random_uniform", "random_uniform", fn=_three_draws("random_uniform", shape=(40, 50), minval=-2.0, maxval=3.0),
    check=_check_uniform(-2.0, 3.0))
case("random_uniform_int", "random_uniform",
    fn=_three_draws("random_uniform", shape=(500,), minval=0, maxval=5, dtype="int32"), check=_check_uniform(0, 5))
case("random_normal", "random_normal", fn=_three_draws("random_normal", shape=(50, 40), mean=1.0, stddev=2.0),
    check=_check_normal(1.0, 2.0, False))
case("truncated_normal", "truncated_normal",
    fn=_three_draws("truncated_normal", shape=(2000,), mean=-1.0, stddev=0.5), check=_check_normal(-1.0, 0.5, True))


def _check_dropout(rate):
    def check(outs):
        x, y = outs[0]["values"], outs[1]["values"]
        zeros = 0
        for a, b in zip(x, y):
            if b == 0:
                zeros += 1
            elif abs(b - a / (1 - rate)) > 1e-5 * abs(b):
                return f"kept value {b} is not x / (1 - rate) = {a / (1 - rate)}"
        if abs(zeros / len(x) - rate) > 0.1:
            return f"dropped fraction {zeros / len(x)} far from rate {rate}"
        return None
    return check


case("dropout", "dropout", uniform((20, 30), 0.5, 1.5),
    fn=lambda x: [x, wg.dropout(x, 0.4, seed=3)], check=_check_dropout(0.4))

# == unary =============================================================================

UNARY_INPUTS = {
    "abs": lambda s: signed(s),
    "neg": lambda s: uniform(s),
    "square": lambda s: uniform(s, -2, 2),
    "sign": lambda s: signed(s),
    "relu": lambda s: signed(s),
    "relu6": lambda s: uniform(s, -3, 9, avoid=(0, 6)),
    "exp": lambda s: uniform(s, -2, 2),
    "expm1": lambda s: uniform(s, -2, 2),
    "log": lambda s: uniform(s, 0.5, 3),
    "log1p": lambda s: uniform(s, -0.5, 2),
    "sqrt": lambda s: uniform(s, 0.5, 4),
    "rsqrt": lambda s: uniform(s, 0.5, 4),
    "reciprocal": lambda s: signed(s, 0.5, 2),
    "sin": lambda s: uniform(s, -3, 3),
    "cos": lambda s: uniform(s, -3, 3),
    "tan": lambda s: uniform(s, -1.2, 1.2),
    "asin": lambda s: uniform(s, -0.8, 0.8),
    "acos": lambda s: uniform(s, -0.8, 0.8),
    "atan": lambda s: uniform(s, -3, 3),
    "sinh": lambda s: uniform(s, -2, 2),
    "cosh": lambda s: uniform(s, -2, 2),
    "tanh": lambda s: uniform(s, -2, 2),
    "asinh": lambda s: uniform(s, -3, 3),
    "acosh": lambda s: uniform(s, 1.5, 4),
    "atanh": lambda s: uniform(s, -0.8, 0.8),
    "sigmoid": lambda s: uniform(s, -4, 4),
    "softplus": lambda s: uniform(s, -4, 4),
    "log_sigmoid": lambda s: uniform(s, -4, 4),
    "elu": lambda s: signed(s),
    "selu": lambda s: signed(s),
    "floor": lambda s: near_int(s),
    "ceil": lambda s: near_int(s),
    "round": lambda s: near_int(s, off_lo=-0.3, off_hi=0.3),
    "erf": lambda s: uniform(s, -2, 2),
    "step": lambda s: signed(s),
    "identity": lambda s: uniform(s),
    "leaky_relu": lambda s: signed(s),
}

for _op, _gen in UNARY_INPUTS.items():
    case(_op, _op, _gen((2, 3)), grad=True)
    case(f"{_op}_rank4", _op, _gen((2, 3, 1, 4)))
    case(f"{_op}_scalar", _op, _gen(()), grad=True)
    case(f"{_op}_empty", _op, _gen((0, 3)))

# Every unary op on NaN, ±Inf and ±0 (forward only): NaN and ±Inf propagate as in tfjs.
for _op in UNARY_INPUTS:
    case(f"{_op}_nonfinite", _op, values([NAN, INF, -INF, 0.0, -0.0, 0.5]))

case("leaky_relu_alpha", "leaky_relu", signed((3, 4)), kw={"alpha": 0.05}, grad=True)
case("step_alpha", "step", signed((5,)), kw={"alpha": 0.5})
case("prelu", "prelu", signed((2, 3)), uniform((3,), 0.1, 0.5, seed=2), grad=True)
case("prelu_rank4", "prelu", signed((2, 2, 2, 3)), uniform((1, 3), 0.1, 0.5, seed=2), grad=True)
case("clip_by_value", "clip_by_value", uniform((3, 4), -2, 2, avoid=(-0.5, 0.75)),
    kw={"clip_value_min": -0.5, "clip_value_max": 0.75}, grad=True)
case("clip_by_value_int", "clip_by_value", ints((8,)), kw={"clip_value_min": -2, "clip_value_max": 3})
case("clip_by_value_nan", "clip_by_value", values([NAN, INF, -INF, 0.3]),
     kw={"clip_value_min": 0.0, "clip_value_max": 1.0})

for _op in ("abs", "neg", "square", "sign", "relu", "relu6", "exp", "sqrt", "floor"):
    case(f"{_op}_int", _op, ints((2, 4), -8, 8))

# Dtype behaviour (tfjs): casts truncate, bool is x != 0, round is half-to-even.
case("cast_float_to_int", "cast", values([1.7, -1.7, 2.5, -0.5, 0.0, 3.0]), kw={"dtype": "int32"})
case("cast_float_to_bool", "cast", values([0.0, -0.0, 0.5, NAN, -2.0]), kw={"dtype": "bool"})
case("cast_int_to_float", "cast", ints((2, 3)), kw={"dtype": "float32"})
case("cast_int_to_bool", "cast", values([0, 3, -1], dtype="int32"), kw={"dtype": "bool"})
case("cast_bool_to_float", "cast", bools((5,)), kw={"dtype": "float32"})
case("cast_bool_to_int", "cast", bools((2, 2)), kw={"dtype": "int32"})
case("cast_float_grad", "cast", uniform((2, 3)), kw={"dtype": "float32"}, grad=True)
case("cast_empty", "cast", values([], (0, 2)), kw={"dtype": "int32"})
# float32 -> int32 beyond the int32 range saturates; NaN and ±Inf give 0 (see ops.cast).
case("cast_float_to_int_range", "cast",
     values([2147483648.0, 3e9, -3e9, -2147483648.0, 2147483520.0, -2147483520.0, -2147483904.0, NAN, INF, -INF]),
     kw={"dtype": "int32"})
case("round_half_even", "round", values([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 3.7]))
case("is_nan", "is_nan", values([NAN, INF, -INF, 0.0, 1.0]))
case("is_inf", "is_inf", values([NAN, INF, -INF, 0.0, 1.0]))
case("is_finite", "is_finite", values([NAN, INF, -INF, 0.0, 1.0]))
case("logical_not", "logical_not", bools((2, 3)))

# NaN / ±Inf edge inputs (forward only).
case("log_edge", "log", values([0.0, -1.0, INF, -INF, NAN, 1.0, 1e-30]))
case("log1p_edge", "log1p", values([-1.0, -2.0, INF, NAN, 1e-8]))
case("sqrt_edge", "sqrt", values([-1.0, 0.0, INF, NAN, 4.0]))
case("rsqrt_edge", "rsqrt", values([0.0, -1.0, INF, NAN]))
case("reciprocal_edge", "reciprocal", values([0.0, -0.0, INF, -INF, NAN]))
case("exp_edge", "exp", values([INF, -INF, NAN, 100.0, -100.0, 88.0]))
case("expm1_edge", "expm1", values([INF, -INF, NAN, 1e-7]))
case("sigmoid_edge", "sigmoid", values([INF, -INF, NAN, 100.0, -100.0, 0.0]))
case("tanh_edge", "tanh", values([INF, -INF, NAN, 50.0, -50.0]))
case("softplus_edge", "softplus", values([100.0, -100.0, INF, -INF, NAN]))
case("log_sigmoid_edge", "log_sigmoid", values([-100.0, 100.0, 0.0]))
case("relu_edge", "relu", values([NAN, -INF, INF, -0.0, 0.0]))
case("abs_edge", "abs", values([-INF, NAN, -0.0, INF]))
case("sin_edge", "sin", values([INF, NAN, 0.0]))
case("erf_edge", "erf", values([INF, -INF, NAN, 0.0, 5.0]))
case("floor_edge", "floor", values([INF, -INF, NAN, -0.5]))
case("elu_edge", "elu", values([-INF, INF, NAN]))

# == binary ============================================================================

BINARY_INPUTS = {
    "add": lambda sa, sb: (uniform(sa, -2, 2), uniform(sb, -2, 2, seed=2)),
    "sub": lambda sa, sb: (uniform(sa, -2, 2), uniform(sb, -2, 2, seed=2)),
    "mul": lambda sa, sb: (uniform(sa, -2, 2), uniform(sb, -2, 2, seed=2)),
    "div": lambda sa, sb: (uniform(sa, -2, 2), signed(sb, 0.5, 2, seed=2)),
    "pow": lambda sa, sb: (uniform(sa, 0.5, 2), uniform(sb, -2, 2, seed=2)),
    "maximum": lambda sa, sb: (grid(sa, offset=0.25), grid(sb, offset=0.75, seed=2)),
    "minimum": lambda sa, sb: (grid(sa, offset=0.25), grid(sb, offset=0.75, seed=2)),
    "squared_difference": lambda sa, sb: (uniform(sa, -2, 2), uniform(sb, -2, 2, seed=2)),
    "atan2": lambda sa, sb: (uniform(sa, -2, 2), signed(sb, 0.5, 2, seed=2)),
    "mod": lambda sa, sb: (near_int(sa, off_lo=0.3, off_hi=0.7), uniform(sb, 0.95, 1.05, seed=2)),
    "floor_div": lambda sa, sb: (near_int(sa, off_lo=0.3, off_hi=0.7), uniform(sb, 0.95, 1.05, seed=2)),
}

for _op, _gen in BINARY_INPUTS.items():
    case(_op, _op, *_gen((2, 3), (2, 3)), grad=True)
    case(f"{_op}_bcast", _op, *_gen((2, 1, 3), (4, 1)), grad=True)
    case(f"{_op}_scalar", _op, *_gen((), (2, 3)), grad=True)
    case(f"{_op}_scalars", _op, *_gen((), ()), grad=True)
    case(f"{_op}_empty", _op, *_gen((0, 3), (1, 3)))
    case(f"{_op}_rank4", _op, *_gen((2, 1, 3, 1), (1, 4, 1, 2)))

for _op in ("add", "sub", "mul", "div", "floor_div", "mod", "maximum", "minimum", "squared_difference"):
    case(f"{_op}_int", _op, ints((2, 1, 3), -9, 9), ints((4, 1), -4, 4, seed=2, nonzero=True))
case("pow_int", "pow", ints((2, 3), -3, 4), ints((2, 3), 0, 4, seed=2))
case("pow_negative_base", "pow", values([-2.0, -2.0, -8.0, 0.0, 2.0, 0.0]), values([3.0, 2.0, 1 / 3, 0.0, -1.0, -1.0]))
case("int_div_floors", "div", values([7, -7, 7, -7, 0], dtype="int32"), values([2, 2, -2, -2, 3], dtype="int32"))
case("int_mod_floors", "mod", values([7, -7, 7, -7, 0], dtype="int32"), values([2, 2, -2, -2, 3], dtype="int32"))
case("float_mod_sign", "mod", values([5.5, -5.5, 5.5, -5.5]), values([2.0, 2.0, -2.0, -2.0]))
case("int_add_wraps", "add", values([2147483647, -2147483648], dtype="int32"), values([1, -1], dtype="int32"))
case("int_mul_wraps", "mul", values([65536, 123456789], dtype="int32"), values([65536, 100], dtype="int32"))
case("add_int_float_promotes", "add", ints((2, 2)), uniform((2, 2)))
case("add_python_scalar", "add", uniform((2, 3)), fn=lambda x: wg.add(x, 1.5), ref="add_1.5", grad=True)
case("mul_python_int_keeps_int", "mul", ints((3,)), fn=lambda x: wg.mul(x, 3), ref="mul_3")
case("div_edge", "div", values([1.0, -1.0, 0.0, INF, NAN, 1.0]), values([0.0, 0.0, 0.0, INF, 1.0, -0.0]))
case("maximum_nan", "maximum", values([NAN, 1.0, -INF]), values([1.0, NAN, INF]))
case("minimum_nan", "minimum", values([NAN, 1.0, -INF]), values([1.0, NAN, INF]))
case("atan2_edge", "atan2", values([0.0, 1.0, 0.0, -1.0, INF, -0.0, 0.0, -0.0, -INF]),
     values([0.0, 0.0, -1.0, 0.0, INF, -1.0, -0.0, -0.0, 2.0]))

# Comparisons, logic, where.
for _op in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"):
    case(_op, _op, ints((2, 1, 3), -2, 2), ints((4, 1), -2, 2, seed=2))
    case(f"{_op}_float", _op, grid((2, 3), step=0.5), grid((3,), step=0.5, seed=2))
    case(f"{_op}_nan", _op, values([NAN, 1.0, INF]), values([NAN, NAN, INF]))
    case(f"{_op}_empty", _op, uniform((0, 2)), uniform((2,)))
case("equal_bool", "equal", bools((3, 2)), bools((2,), seed=2))
case("less_int_float", "less", ints((4,)), uniform((4,), -5, 5))
for _op in ("logical_and", "logical_or", "logical_xor"):
    case(_op, _op, bools((2, 1, 3)), bools((4, 1), seed=2))
    case(f"{_op}_scalar", _op, bools(()), bools((3,), seed=2))
case("where", "where", bools((2, 1, 3)), uniform((4, 1)), uniform((1, 3), seed=2), grad=(1, 2))
case("where_same", "where", bools((2, 3)), uniform((2, 3)), uniform((2, 3), seed=2), grad=True)
case("where_int", "where", bools((3,)), ints((3,)), ints((3,), seed=2))
case("where_scalar_cond", "where", bools(()), uniform((2,)), uniform((2,), seed=2), grad=True)

# Operator and method forms.
case("op_add", "add", uniform((2, 3)), uniform((3,), seed=2), fn=lambda a, b: a + b, grad=True)
case("op_radd", "add", uniform((2, 3)), fn=lambda a: 1.5 + a, ref="add_1.5", grad=True)
case("op_sub", "sub", uniform((2, 3)), uniform((3,), seed=2), fn=lambda a, b: a - b, grad=True)
case("op_rsub", "sub", uniform((2, 3)), fn=lambda a: 2.0 - a, ref="rsub_2", grad=True)
case("op_mul", "mul", uniform((2, 3)), uniform((3,), seed=2), fn=lambda a, b: a * b, grad=True)
case("op_div", "div", uniform((2, 3)), signed((3,), 0.5, 2, seed=2), fn=lambda a, b: a / b, grad=True)
case("op_floordiv", "floor_div", ints((5,), -9, 9), ints((5,), 1, 4, seed=2), fn=lambda a, b: a // b)
case("op_mod", "mod", ints((5,), -9, 9), ints((5,), 1, 4, seed=2), fn=lambda a, b: a % b)
case("op_pow", "pow", uniform((2, 3), 0.5, 2), fn=lambda a: a ** 2.0, ref="pow_2", grad=True)
case("op_neg", "neg", uniform((2, 3)), fn=lambda a: -a, grad=True)
case("op_less", "less", uniform((2, 3)), uniform((3,), seed=2), fn=lambda a, b: a < b)
case("op_ge", "greater_equal", uniform((2, 3)), uniform((3,), seed=2), fn=lambda a, b: a >= b)
case("op_and", "logical_and", bools((4,)), bools((4,), seed=2), fn=lambda a, b: a & b)
case("op_invert", "logical_not", bools((4,)), fn=lambda a: ~a)
case("op_matmul", "matmul", uniform((2, 3)), uniform((3, 2), seed=2), fn=lambda a, b: a @ b, grad=True)
case("method_log_sum", "log", uniform((2, 3), 0.5, 2), ref="method_log_sum", fn=lambda x: x.log().sum(axis=0),
     grad=True)
case("method_reshape_T", "reshape", uniform((2, 3)), ref="method_reshape_T", fn=lambda x: x.reshape((3, 2)).T,
     grad=True)

# == reductions ========================================================================

AXES = [("all", None, False), ("ax0", 0, False), ("axneg1_keep", -1, True), ("ax02", (0, 2), False),
        ("all_keep", None, True)]
REDUCE_INPUTS = {
    "sum": lambda s: uniform(s),
    "mean": lambda s: uniform(s),
    "max": lambda s: distinct(s),
    "min": lambda s: distinct(s),
    "prod": lambda s: uniform(s, 0.6, 1.4),
    "logsumexp": lambda s: uniform(s, -2, 2),
}
for _op, _gen in REDUCE_INPUTS.items():
    for _tag, _axis, _keep in AXES:
        case(f"{_op}_{_tag}", _op, _gen((2, 3, 4)), kw={"axis": _axis, "keepdims": _keep}, grad=True)
    case(f"{_op}_rank4", _op, _gen((2, 3, 2, 2)), kw={"axis": (1, 3), "keepdims": True}, grad=True)
    case(f"{_op}_scalar", _op, _gen(()), grad=True)
    case(f"{_op}_axis_tuple_neg", _op, _gen((3, 2, 2)), kw={"axis": (-1, 0)})

case("sum_int", "sum", ints((3, 4)), kw={"axis": 1})
case("sum_bool", "sum", bools((3, 4)), kw={"axis": 0})
case("sum_empty_axis0", "sum", uniform((0, 3)), kw={"axis": 0})
case("sum_empty_axis1", "sum", uniform((0, 3)), kw={"axis": 1})
case("sum_edge", "sum", values([INF, -INF, 1.0, INF, 1.0, 2.0], (2, 3)), kw={"axis": 1})
case("mean_int", "mean", ints((3, 4)), kw={"axis": 0})
case("mean_empty", "mean", uniform((0,)))
case("prod_int", "prod", ints((2, 3), -3, 3), kw={"axis": 1})
case("prod_empty", "prod", uniform((0, 2)), kw={"axis": 0})
case("prod_one_zero", "prod", values([0.0, 1.5, -0.5, 2.0, 0.7, 1.2], (2, 3)), kw={"axis": 1}, grad=True)
case("prod_two_zeros", "prod", values([0.0, 1.5, 0.0, 2.0], (4,)), grad=True)
case("max_int", "max", ints((3, 4)), kw={"axis": -1})
case("max_nan", "max", values([1.0, NAN, 3.0, -INF, 2.0, 1.0], (2, 3)), kw={"axis": 1})
case("min_nan", "min", values([1.0, NAN, 3.0, INF, 2.0, 1.0], (2, 3)), kw={"axis": 1})
case("logsumexp_large", "logsumexp", values([1000.0, 1000.0, -INF, -1000.0, 0.0, 5.0], (2, 3)), kw={"axis": 1})
for _op in ("any", "all"):
    case(f"{_op}_all", _op, bools((3, 4), p=0.3))
    case(f"{_op}_ax1_keep", _op, bools((3, 4), p=0.7), kw={"axis": 1, "keepdims": True})
    case(f"{_op}_empty", _op, bools((0, 2)), kw={"axis": 0})
for _op in ("argmax", "argmin"):
    case(f"{_op}_flat", _op, distinct((3, 4)))
    case(f"{_op}_ax0", _op, distinct((3, 4)), kw={"axis": 0})
    case(f"{_op}_axneg1", _op, distinct((2, 3, 4)), kw={"axis": -1})
    case(f"{_op}_ties_first", _op, values([1, 3, 3, 0, 0, 1], (2, 3), "int32"), kw={"axis": 1})

case("cumsum", "cumsum", uniform((3, 4)), grad=True)
case("cumsum_ax1", "cumsum", uniform((3, 4)), kw={"axis": 1}, grad=True)
case("cumsum_exclusive", "cumsum", uniform((3, 4)), kw={"axis": 1, "exclusive": True}, grad=True)
case("cumsum_reverse", "cumsum", uniform((3, 4)), kw={"axis": 0, "reverse": True}, grad=True)
case("cumsum_excl_rev", "cumsum", uniform((2, 2, 3)), kw={"axis": -1, "exclusive": True, "reverse": True}, grad=True)
case("cumsum_int", "cumsum", ints((5,)))
case("cumsum_empty", "cumsum", uniform((0, 3)), kw={"axis": 1})
case("moments", "moments", uniform((2, 3, 4)), grad=True)
case("moments_axes_keep", "moments", uniform((2, 3, 4)), kw={"axis": (0, 2), "keepdims": True}, grad=True)
case("moments_ax1", "moments", uniform((3, 4)), kw={"axis": 1}, grad=True)
case("norm", "norm", uniform((3, 4)), grad=True)
case("norm_ord1_ax0", "norm", signed((3, 4)), kw={"ord": 1, "axis": 0}, grad=True)
case("norm_inf", "norm", Input([v if i % 2 else -v for i, v in enumerate(distinct((3, 4), 0.1, 1).values)], (3, 4)),
    kw={"ord": INF, "axis": -1}, grad=True)
case("norm_p3_keep", "norm", signed((2, 3)), kw={"ord": 3, "axis": 1, "keepdims": True}, grad=True)

# == matmul ============================================================================

case("matmul", "matmul", uniform((3, 4)), uniform((4, 2), seed=2), grad=True)
case("matmul_ta", "matmul", uniform((4, 3)), uniform((4, 2), seed=2), kw={"transpose_a": True}, grad=True)
case("matmul_tb", "matmul", uniform((3, 4)), uniform((2, 4), seed=2), kw={"transpose_b": True}, grad=True)
case("matmul_ta_tb", "matmul", uniform((4, 3)), uniform((2, 4), seed=2),
    kw={"transpose_a": True, "transpose_b": True}, grad=True)
case("matmul_batched", "matmul", uniform((2, 3, 4)), uniform((2, 4, 2), seed=2), grad=True)
case("matmul_batched_tb", "matmul", uniform((2, 2, 3)), uniform((2, 4, 3), seed=2), kw={"transpose_b": True}, grad=True)
case("matmul_batch_bcast", "matmul", uniform((2, 1, 2, 3)), uniform((3, 3, 2), seed=2), grad=True)
case("matmul_rank4", "matmul", uniform((2, 3, 4, 5)), uniform((2, 3, 5, 6), seed=2))
case("matmul_large", "matmul", uniform((33, 70)), uniform((70, 17), seed=2))
case("matmul_empty_inner", "matmul", uniform((2, 0)), uniform((0, 3), seed=2))
case("matmul_empty_rows", "matmul", uniform((0, 3)), uniform((3, 2), seed=2))
case("dot_vv", "dot", uniform((4,)), uniform((4,), seed=2), grad=True)
case("dot_mv", "dot", uniform((3, 4)), uniform((4,), seed=2), grad=True)
case("dot_vm", "dot", uniform((3,)), uniform((3, 4), seed=2), grad=True)
case("dot_mm", "dot", uniform((2, 3)), uniform((3, 2), seed=2), grad=True)

# == shape ops =========================================================================

case("reshape", "reshape", uniform((2, 3, 4)), kw={"shape": (4, -1)}, grad=True)
case("reshape_to_scalar", "reshape", uniform((1, 1)), kw={"shape": ()}, grad=True)
case("reshape_empty", "reshape", uniform((0, 3)), kw={"shape": (3, 0, 1)})
case("reshape_int", "reshape", ints((6,)), kw={"shape": (3, 2)})
case("flatten", "flatten", uniform((2, 1, 3)), grad=True)
case("transpose", "transpose", uniform((2, 3, 4)), grad=True)
case("transpose_perm_rank4", "transpose", uniform((2, 3, 1, 2)), kw={"perm": (0, 2, 3, 1)}, grad=True)
case("transpose_negative_perm", "transpose", uniform((2, 3, 2)), kw={"perm": (-1, 0, 1)})
case("transpose_empty", "transpose", uniform((0, 3)))
case("transpose_bool", "transpose", bools((2, 3)))
case("expand_dims", "expand_dims", uniform((2, 3)), kw={"axis": 1}, grad=True)
case("expand_dims_neg", "expand_dims", uniform((2, 3)), kw={"axis": -1})
case("expand_dims_scalar", "expand_dims", uniform(()), kw={"axis": 0})
case("squeeze", "squeeze", uniform((1, 3, 1, 2)), grad=True)
case("squeeze_axis", "squeeze", uniform((1, 3, 1, 2)), kw={"axis": (2,)})
case("broadcast_to", "broadcast_to", uniform((3, 1)), kw={"shape": (2, 3, 4)}, grad=True)
case("broadcast_to_scalar", "broadcast_to", uniform(()), kw={"shape": (2, 2)}, grad=True)
case("broadcast_to_empty", "broadcast_to", uniform((1, 3)), kw={"shape": (0, 3)})


def _listed(op):
    """op(list_of_tensors, **kw) from positional inputs (concat, stack)."""
    def fn(*xs, **kw):
        return getattr(wg, op)(list(xs), **kw)
    return fn


case("concat_axis0", "concat", uniform((2, 3)), uniform((1, 3), seed=2), uniform((3, 3), seed=3), fn=_listed("concat"),
    kw={"axis": 0}, grad=True)
case("concat_axis_neg1", "concat", uniform((2, 1, 2)), uniform((2, 1, 3), seed=2), fn=_listed("concat"),
    kw={"axis": -1}, grad=True)
case("concat_with_empty", "concat", uniform((2, 3)), uniform((0, 3), seed=2), fn=_listed("concat"), kw={"axis": 0})
case("concat_int", "concat", ints((2,)), ints((3,), seed=2), fn=_listed("concat"), kw={"axis": 0})
case("concat_bool", "concat", bools((1, 2)), bools((1, 2), seed=2), fn=_listed("concat"), kw={"axis": 1})
case("concat_many", "concat", *[uniform((1, 2), seed=s) for s in range(20)], fn=_listed("concat"), kw={"axis": 0})
case("stack_axis0", "stack", uniform((2, 3)), uniform((2, 3), seed=2), fn=_listed("stack"), kw={"axis": 0}, grad=True)
case("stack_axis_last", "stack", uniform((2, 3)), uniform((2, 3), seed=2), uniform((2, 3), seed=3),
    fn=_listed("stack"), kw={"axis": 2}, grad=True)
case("stack_scalars", "stack", uniform(()), uniform((), seed=2), fn=_listed("stack"), kw={"axis": 0}, grad=True)
case("unstack", "unstack", uniform((3, 2)), grad=True)
case("unstack_axis1", "unstack", uniform((2, 3, 2)), kw={"axis": 1}, grad=True)
case("split_even", "split", uniform((2, 6)), kw={"num_or_size_splits": 3, "axis": 1}, grad=True)
case("split_sizes", "split", uniform((4, 2)), kw={"num_or_size_splits": [1, 3], "axis": 0}, grad=True)
case("split_sizes_infer", "split", uniform((2, 5)), kw={"num_or_size_splits": [2, -1], "axis": -1})
case("slice", "slice", uniform((3, 4, 5)), kw={"begin": (1, 0, 2), "size": (2, -1, 2)}, grad=True)
case("slice_rank1", "slice", uniform((6,)), kw={"begin": (2,), "size": (3,)}, grad=True)
case("slice_empty", "slice", uniform((3, 4)), kw={"begin": (1, 1), "size": (0, 2)})
case("gather", "gather", uniform((4, 3)), values([3, 0, 3, 1], dtype="int32"), grad=(0,))
case("gather_axis1", "gather", uniform((2, 4, 3)), values([2, 2, 0], dtype="int32"), kw={"axis": 1}, grad=(0,))
case("gather_2d_indices", "gather", uniform((5, 2)), values([[0, 4], [4, 1]], (2, 2), "int32"), grad=(0,))
case("gather_int", "gather", ints((4,)), values([1, 1, 3], dtype="int32"))
case("pad", "pad", uniform((2, 3)), kw={"paddings": [[1, 0], [2, 1]]}, grad=True)
case("pad_value", "pad", uniform((2, 1, 2)), kw={"paddings": [[0, 1], [1, 1], [0, 0]], "constant_value": 1.5},
     grad=True)
case("pad_int", "pad", ints((2,)), kw={"paddings": [[1, 2]]})
case("pad_scalar", "pad", values([1.5], ()), kw={"paddings": []}, grad=True)
case("tile", "tile", uniform((2, 3)), kw={"reps": [2, 2]}, grad=True)
case("tile_rank3", "tile", uniform((1, 2, 2)), kw={"reps": [3, 1, 2]}, grad=True)
case("reverse", "reverse", uniform((2, 3)), kw={"axis": 1}, grad=True)
case("reverse_axes", "reverse", uniform((2, 3, 2)), kw={"axis": [0, 2]}, grad=True)
case("reverse_all", "reverse", uniform((2, 3)), grad=True)

# == nn ================================================================================

case("softmax", "softmax", uniform((2, 5), -2, 2), grad=True)
case("softmax_rank3", "softmax", uniform((2, 2, 3), -2, 2), grad=True)
case("softmax_large", "softmax", values([1000.0, 0.0, -1000.0, 5.0, 5.0, 5.0], (2, 3)))
case("log_softmax", "log_softmax", uniform((2, 5), -2, 2), grad=True)
case("log_softmax_rank3", "log_softmax", uniform((2, 2, 3), -2, 2), grad=True)
case("log_softmax_large", "log_softmax", values([1000.0, 0.0, -1000.0, 5.0, 5.0, 5.0], (2, 3)))
case("conv2d_valid", "conv2d", uniform((1, 4, 4, 2)), uniform((2, 2, 2, 3), seed=2),
    kw={"strides": 1, "pad": "valid"}, grad=True)
case("conv2d_same_stride2", "conv2d", uniform((2, 5, 5, 1)), uniform((3, 3, 1, 2), seed=2),
    kw={"strides": 2, "pad": "same"}, grad=True)
case("conv2d_same", "conv2d", uniform((1, 4, 3, 2)), uniform((3, 2, 2, 2), seed=2),
    kw={"strides": 1, "pad": "same"}, grad=True)
case("conv2d_dilated", "conv2d", uniform((1, 6, 6, 2)), uniform((2, 2, 2, 3), seed=2),
    kw={"strides": 1, "pad": "valid", "dilations": 2}, grad=True)
case("conv2d_strides_pair", "conv2d", uniform((2, 7, 6, 3)), uniform((3, 2, 3, 4), seed=2),
    kw={"strides": (2, 1), "pad": "same"})
case("max_pool", "max_pool", distinct((1, 4, 4, 2)), kw={"filter_size": 2, "strides": 2, "pad": "valid"}, grad=True)
case("max_pool_same", "max_pool", distinct((2, 3, 3, 1)), kw={"filter_size": (3, 3), "strides": 1, "pad": "same"},
    grad=True)
case("max_pool_stride_overlap", "max_pool", distinct((1, 5, 5, 1)), kw={"filter_size": 3, "strides": 2, "pad": "valid"},
    grad=True)
# NaN propagates through a window's max, wherever in the window it sits (as in max and relu).
case("max_pool_nan", "max_pool", values([NAN, 3.0, NAN, 0.5, 3.0, NAN, 0.5, 1.0, 2.0, 1.0, INF, NAN], (1, 2, 6, 1)),
     kw={"filter_size": 2, "strides": 2, "pad": "valid"})
case("avg_pool", "avg_pool", uniform((1, 4, 4, 2)), kw={"filter_size": 2, "strides": 2, "pad": "valid"}, grad=True)
case("avg_pool_same", "avg_pool", uniform((2, 3, 3, 1)), kw={"filter_size": (3, 3), "strides": 1, "pad": "same"},
    grad=True)
case("avg_pool_stride_overlap", "avg_pool", uniform((1, 5, 5, 1)), kw={"filter_size": 3, "strides": 2, "pad": "valid"},
    grad=True)

case("conv2d_pad_int", "conv2d", uniform((1, 4, 4, 1)), uniform((3, 3, 1, 2), seed=2),
     kw={"strides": 1, "pad": 1}, grad=True)
case("conv2d_rank3", "conv2d", uniform((4, 4, 2)), uniform((2, 2, 2, 1), seed=2), kw={"strides": 1, "pad": "valid"},
     grad=True)
case("conv2d_nchw", "conv2d", uniform((1, 2, 4, 4)), uniform((2, 2, 2, 3), seed=2),
     kw={"strides": 1, "pad": "same", "data_format": "NCHW"}, grad=True)


def _conv_grad(wrt: int):
    """d/d(x or filter) of sum(conv2d(x, filter) * d): exercises Conv2DBackpropInput/Filter
    forward, and their own gradient rules when the outer check differentiates it again."""
    def fn(x, f, d, **kw):
        if wrt == 0:
            return wg.grad(lambda x: wg.sum(wg.mul(wg.conv2d(x, f, **kw), d)))(x)
        return wg.grad(lambda f: wg.sum(wg.mul(wg.conv2d(x, f, **kw), d)))(f)
    return fn


def _pool_grad(op: str):
    """d/dx of sum(pool(x) * d): MaxPoolGrad / AvgPoolGrad, differentiated again w.r.t. d."""
    def fn(x, d, **kw):
        return wg.grad(lambda x: wg.sum(wg.mul(getattr(wg, op)(x, **kw), d)))(x)
    return fn


case("conv2d_grad_input", "conv2d", uniform((1, 4, 4, 2)), uniform((2, 2, 2, 3), seed=2), uniform((1, 3, 3, 3), seed=3),
     kw={"strides": 1, "pad": "valid"}, fn=_conv_grad(0), ref="conv2d_grad_input", grad=(1, 2))
case("conv2d_grad_filter", "conv2d", uniform((1, 4, 4, 2)), uniform((2, 2, 2, 3), seed=2),
     uniform((1, 3, 3, 3), seed=3),
     kw={"strides": 1, "pad": "valid"}, fn=_conv_grad(1), ref="conv2d_grad_filter", grad=(0, 2))
case("conv2d_grad_input_same_s2", "conv2d", uniform((1, 5, 5, 1)), uniform((3, 3, 1, 2), seed=2),
     uniform((1, 3, 3, 2), seed=3), kw={"strides": 2, "pad": "same"}, fn=_conv_grad(0), ref="conv2d_grad_input",
     grad=(1, 2))
case("conv2d_grad_filter_same_s2", "conv2d", uniform((1, 5, 5, 1)), uniform((3, 3, 1, 2), seed=2),
     uniform((1, 3, 3, 2), seed=3), kw={"strides": 2, "pad": "same"}, fn=_conv_grad(1), ref="conv2d_grad_filter",
     grad=(0, 2))
case("max_pool_grad", "max_pool", distinct((1, 4, 4, 2)), uniform((1, 2, 2, 2), seed=2),
     kw={"filter_size": 2, "strides": 2, "pad": "valid"}, fn=_pool_grad("max_pool"), ref="max_pool_grad", grad=(1,))
case("max_pool_grad_same", "max_pool", distinct((1, 3, 3, 1)), uniform((1, 3, 3, 1), seed=2),
     kw={"filter_size": 3, "strides": 1, "pad": "same"}, fn=_pool_grad("max_pool"), ref="max_pool_grad", grad=(1,))
case("avg_pool_grad", "avg_pool", uniform((1, 4, 4, 2)), uniform((1, 2, 2, 2), seed=2),
     kw={"filter_size": 2, "strides": 2, "pad": "valid"}, fn=_pool_grad("avg_pool"), ref="avg_pool_grad", grad=(1,))
case("avg_pool_grad_same", "avg_pool", uniform((1, 3, 3, 1)), uniform((1, 2, 2, 1), seed=2),
     kw={"filter_size": 3, "strides": 2, "pad": "same"}, fn=_pool_grad("avg_pool"), ref="avg_pool_grad", grad=(1,))

# A composite: a two-layer network's loss, end to end.
case("mlp_loss", "matmul", uniform((4, 3)), uniform((3, 5), seed=2), uniform((5,), seed=3), uniform((5, 2), seed=4),
    ref="mlp_loss", grad=True,
    fn=lambda x, w1, b1, w2: wg.mean(wg.square(wg.matmul(wg.tanh(wg.add(wg.matmul(x, w1), b1)), w2))))


# The ops of DESIGN.md's API section (what the suite expects webgrad to export).
API_OPS = [
    "tensor", "scalar", "zeros", "ones", "fill", "zeros_like", "ones_like", "arange", "linspace", "eye", "one_hot",
    "random_normal", "random_uniform", "truncated_normal",
    "abs", "exp", "log", "log1p", "sqrt", "rsqrt", "square", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "relu6",
    "elu", "selu", "leaky_relu", "softplus", "sign", "floor", "ceil", "round", "erf",
    "add", "sub", "mul", "div", "floor_div", "mod", "pow", "maximum", "minimum", "squared_difference", "atan2",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
    "logical_xor", "logical_not", "where",
    "sum", "mean", "max", "min", "prod", "any", "all", "argmax", "argmin", "logsumexp", "cumsum", "moments", "norm",
    "matmul", "dot",
    "reshape", "transpose", "expand_dims", "squeeze", "concat", "stack", "unstack", "split", "slice", "gather", "pad",
    "tile", "broadcast_to", "reverse", "cast",
    "softmax", "log_softmax", "conv2d", "max_pool", "avg_pool", "dropout", "clip_by_value",
]

__all__ = ["Case", "CASES", "API_OPS", "by_name", "grid"]
