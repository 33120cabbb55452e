"""Element-wise kernels from one template (shaders/map.wgsl) and tables of WGSL
expressions: unary and broadcasting binary math, comparisons, logic, Select, Cast,
plus the generators Fill, Range, LinSpace and Eye.

Expressions are written over the storage types (f32, i32, u32 for bool) with
{0}, {1}, {2} for the inputs and {p0}.. for scalar attributes in the uniform header.
"""
from __future__ import annotations

import math

from ...base import register_sharing_kernels
from ..shaders import render
from .util import HEADER_WORDS, WG, WGSL_TYPE, broadcast_strides, collapse, index_code, kernel, pack, size_of, uvec4

_P = {f"p{k}": f"F({k + 1}u)" for k in range(HEADER_WORDS - 1)}
_PI = {f"q{k}": f"I({k + 1}u)" for k in range(HEADER_WORDS - 1)}

FLOAT_UNARY = {
    "Abs": "abs({0})", "Neg": "-{0}", "Square": "{0} * {0}", "Sign": "sign_f({0})",
    "Relu": "select(max({0}, 0.0), {0}, is_nan({0}))",
    "Relu6": "select(min(max({0}, 0.0), 6.0), {0}, is_nan({0}))",
    "Exp": "exp_f({0})", "Expm1": "expm1_f({0})", "Log": "log_f({0})", "Log1p": "log1p_f({0})",
    "Sqrt": "sqrt_f({0})", "Rsqrt": "1.0 / sqrt_f({0})", "Reciprocal": "1.0 / {0}",
    "Sin": "select(nan_f(), sin({0}), is_finite({0}))", "Cos": "select(nan_f(), cos({0}), is_finite({0}))",
    "Tan": "select(nan_f(), tan({0}), is_finite({0}))", "Asin": "asin_f({0})", "Acos": "acos_f({0})",
    "Atan": "atan_f({0})", "Sinh": "sinh_f({0})", "Cosh": "cosh_f({0})",
    "Tanh": "tanh_f({0})", "Asinh": "asinh_f({0})", "Acosh": "acosh_f({0})", "Atanh": "atanh_f({0})",
    "Sigmoid": "sigmoid_f({0})", "Softplus": "softplus_f({0})",
    "Elu": "select(expm1_f(min_f({0}, 0.0)), {0}, {0} > 0.0)",
    "Selu": "1.0507009873554805 * select(1.6732632423543772 * expm1_f(min_f({0}, 0.0)), {0}, {0} > 0.0)",
    "Floor": "floor({0})", "Ceil": "ceil({0})", "Round": "round({0})", "Erf": "erf_f({0})",
    "LeakyRelu": "select({0}, {p0} * {0}, {0} < 0.0)",
    "Step": "select(select({p0}, 1.0, {0} > 0.0), {0}, is_nan({0}))",
    "ClipByValue": "select(min(max({0}, {p0}), {p1}), {0}, is_nan({0}))",
}
INT_UNARY = {
    "Abs": "abs({0})", "Neg": "-{0}", "Square": "{0} * {0}", "Sign": "sign({0})", "Relu": "max({0}, 0)",
    "Relu6": "clamp({0}, 0, 6)",
    # x < ceil(lo) -> trunc(lo); x > floor(hi) -> trunc(hi)   (NumPy clip, then the cast)
    "ClipByValue": "select(select({0}, {q3}, {0} > {q2}), {q1}, {0} < {q0})",
}
BOOL_OUT_UNARY = {"IsNan": "u32(is_nan({0}))", "IsInf": "u32(is_inf({0}))", "IsFinite": "u32(is_finite({0}))"}

FLOAT_BINARY = {
    "Add": "{0} + {1}", "Sub": "{0} - {1}", "Multiply": "{0} * {1}", "RealDiv": "{0} / {1}",
    "FloorDiv": "floor({0} / {1})", "Mod": "mod_f({0}, {1})", "Pow": "pow_f({0}, {1})",
    "Maximum": "max_f({0}, {1})", "Minimum": "min_f({0}, {1})", "SquaredDifference": "sqdiff_f({0}, {1})",
    "Atan2": "atan2_f({0}, {1})", "Prelu": "select({0}, {1} * {0}, {0} < 0.0)",
}
INT_BINARY = {
    "Add": "{0} + {1}", "Sub": "{0} - {1}", "Multiply": "{0} * {1}", "FloorDiv": "floordiv_i({0}, {1})",
    "Mod": "mod_i({0}, {1})", "Pow": "pow_i({0}, {1})", "Maximum": "max({0}, {1})", "Minimum": "min({0}, {1})",
    "SquaredDifference": "({0} - {1}) * ({0} - {1})",
}
COMPARE = {"Equal": "==", "NotEqual": "!=", "Less": "<", "LessEqual": "<=", "Greater": ">", "GreaterEqual": ">="}
LOGICAL = {"LogicalAnd": "&", "LogicalOr": "|", "LogicalXor": "!="}

CAST = {
    ("float32", "int32"): "f2i({0})", ("float32", "bool"): "u32({0} != 0.0 || is_nan({0}))",
    ("int32", "float32"): "f32({0})", ("int32", "bool"): "u32({0} != 0)",
    ("bool", "float32"): "f32({0})", ("bool", "int32"): "i32({0})",
}

_EXTRA = """
fn sqdiff_f(a: f32, b: f32) -> f32 { let d = a - b; return d * d; }
"""

# Small element-wise work runs in smaller workgroups: CPU drivers step through every
# invocation of a workgroup, active or not.
SMALL_WG, SMALL_THREADS = 64, 4096

# (name, in dtypes, out dtype, modes, rank, workgroup size) -> pipeline, for the hot path.
_PIPES: dict = {}
_N_BLOCKS: dict[int, bytes] = {}


def _n_block(n: int) -> bytes:
    b = _N_BLOCKS.get(n)
    if b is None:
        if len(_N_BLOCKS) > 4096:
            _N_BLOCKS.clear()
        b = _N_BLOCKS[n] = pack("I" * HEADER_WORDS, n, *([0] * (HEADER_WORDS - 1)))
    return b


def _wgsl(expr: str, in_types: tuple, out_type: str, modes: str, rank: int, wg: int = WG) -> str:
    if modes.startswith("v"):
        return _wgsl_vec4(expr, in_types, out_type, modes[1:], wg)
    lines = [f"@group(0) @binding({j}) var<storage, read> x{j}: array<{WGSL_TYPE[t]}>;" for j, t in enumerate(in_types)]
    lines.append(f"@group(0) @binding({len(in_types)}) var<storage, read_write> y: array<{WGSL_TYPE[out_type]}>;")
    strided = [j for j, m in enumerate(modes) if m == "d"]
    words = HEADER_WORDS + rank * (1 + len(strided))
    idx = ""
    if strided:
        idx = index_code(rank, HEADER_WORDS, [HEADER_WORDS + rank * (1 + s) for s in range(len(strided))],
                         [f"o{j}" for j in strided])
    loads = [f"x{j}[i]" if m == "f" else f"x{j}[0]" if m == "s" else f"x{j}[o{j}]" for j, m in enumerate(modes)]
    body = expr.format(*loads, **_P, **_PI)
    return render("map", BINDINGS="\n".join(lines) + _EXTRA, UBIND=len(in_types) + 1, UVEC4=uvec4(words), WG=wg,
                  INDEX=idx, EXPR=body)


def _wgsl_vec4(expr: str, in_types: tuple, out_type: str, modes: str, wg: int = WG) -> str:
    """Four elements per invocation through vec4 loads and stores (flat or scalar inputs)."""
    def decl(j, t, m):
        elem = f"vec4<{WGSL_TYPE[t]}>" if m == "f" else WGSL_TYPE[t]
        return f"@group(0) @binding({j}) var<storage, read> x{j}: array<{elem}>;"
    lines = [decl(j, t, m) for j, (t, m) in enumerate(zip(in_types, modes))]
    ot = WGSL_TYPE[out_type]
    lines.append(f"@group(0) @binding({len(in_types)}) var<storage, read_write> y: array<vec4<{ot}>>;")
    pre = "\n".join(f"  let v{j} = x{j}[i];" if m == "f" else f"  let v{j} = x{j}[0];" for j, m in enumerate(modes))
    parts = [expr.format(*[f"v{j}.{c}" if m == "f" else f"v{j}" for j, m in enumerate(modes)], **_P, **_PI)
             for c in "xyzw"]
    return render("map", BINDINGS="\n".join(lines) + _EXTRA, UBIND=len(in_types) + 1, UVEC4=uvec4(HEADER_WORDS),
                  WG=wg, INDEX=pre, EXPR=f"vec4<{ot}>({', '.join(parts)})")


def run_map(backend, name: str, expr: str, inputs: list, out_dtype: str, attrs_fmt: str = "", attrs=(),
            out_shape=None):
    """Dispatch `expr` over broadcast inputs; returns (handle, shape, dtype)."""
    shapes = [t.shape for t in inputs]
    if out_shape is None:
        out_shape = shapes[0]
        for s in shapes[1:]:
            if s != out_shape:
                out_shape = _broadcast(out_shape, s)
    n = size_of(out_shape)
    out = backend.alloc(n)
    if n == 0:
        return out, out_shape, out_dtype
    modes = "".join("f" if s == out_shape else "s" if size_of(s) == 1 else "d" for s in shapes)
    rank = 0
    strides = []
    if "d" in modes:
        lists = [broadcast_strides(s, out_shape) for s, m in zip(shapes, modes) if m == "d"]
        cshape, strides = collapse(out_shape, lists)
        rank = len(cshape)
    in_types = tuple(t.dtype for t in inputs)
    threads = n
    if not rank and n % 4 == 0:
        modes, threads = "v" + modes, n // 4
    wg = SMALL_WG if threads <= SMALL_THREADS else WG
    key = (name, in_types, out_dtype, modes, rank, wg)
    pipe = _PIPES.get(key)
    if pipe is None:
        pipe = _PIPES[key] = backend.pipeline(
            f"map:{name}:{','.join(in_types)}->{out_dtype}:{modes}:r{rank}:wg{wg}",
            lambda: _wgsl(expr, in_types, out_dtype, modes, rank, wg))
    if rank or attrs:
        fmt = "I" + attrs_fmt + "I" * (HEADER_WORDS - 1 - len(attrs_fmt))
        vals = [threads, *attrs] + [0] * (HEADER_WORDS - 1 - len(attrs_fmt))
        if rank:
            fmt += "I" * (rank * (1 + len(strides)))
            vals += cshape
            for sl in strides:
                vals += sl
        ub = pack(fmt, *vals)
    else:
        ub = _n_block(threads)
    backend.run(pipe, (*[t.ref.handle.buffer for t in inputs], out.buffer), ub, -(-threads // wg))
    return out, out_shape, out_dtype


def _broadcast(a, b):
    r = max(len(a), len(b))
    a = (1,) * (r - len(a)) + tuple(a)
    b = (1,) * (r - len(b)) + tuple(b)
    return tuple(x if y == 1 else y for x, y in zip(a, b))


def _fast_binary(name: str, table_f: dict, table_i: dict | None, out_bool: bool = False):
    """Same-shape inputs, or one of them a single value, skip the general path (the hot loop
    of small ops: `c + b`, `x * 2.0`)."""
    def k(inputs, attrs, backend):
        a, b = inputs
        dt = a.dtype
        out_dt = "bool" if out_bool else dt
        ha, hb = a.ref.handle, b.ref.handle
        if a.shape == b.shape:
            modes, shape, n = "ff", a.shape, ha.n
        elif hb.n == 1 and len(b.shape) <= len(a.shape):
            modes, shape, n = "fs", a.shape, ha.n
        elif ha.n == 1 and len(a.shape) <= len(b.shape):
            modes, shape, n = "sf", b.shape, hb.n
        else:
            modes = None
        if modes and n and b.dtype == dt:
            vec = n % 4 == 0
            threads = n >> 2 if vec else n
            wg = SMALL_WG if threads <= SMALL_THREADS else WG
            pipe = _PIPES.get((name, dt, vec, modes, wg))
            if pipe is not None:
                out = backend.alloc(n)
                backend.run(pipe, (ha.buffer, hb.buffer, out.buffer), _n_block(threads), -(-threads // wg))
                return out, shape, out_dt
        expr = (table_f if dt == "float32" else table_i)[name]
        res = run_map(backend, name, expr, inputs, out_dt)
        if modes and n and b.dtype == dt:
            full = (name, (dt, dt), out_dt, ("v" if vec else "") + modes, 0, wg)
            if full in _PIPES:
                _PIPES[(name, dt, vec, modes, wg)] = _PIPES[full]
        return res
    kernel(name)(k)


for _name in FLOAT_BINARY:
    _fast_binary(_name, FLOAT_BINARY, INT_BINARY)

_COMPARE_F = {k: f"u32({{0}} {op} {{1}})" for k, op in COMPARE.items()}
_COMPARE_F["NotEqual"] = "u32(!({0} == {1}))"  # true for NaN operands (IEEE unordered)
for _name in COMPARE:
    _fast_binary(_name, _COMPARE_F, _COMPARE_F, out_bool=True)
_LOGICAL = {k: f"u32(({{0}} != 0u) {op} ({{1}} != 0u))" for k, op in LOGICAL.items()}
for _name in LOGICAL:
    _fast_binary(_name, _LOGICAL, _LOGICAL, out_bool=True)


def _unary(name: str):
    def k(inputs, attrs, backend):
        x = inputs[0]
        if name in BOOL_OUT_UNARY:
            return run_map(backend, name, BOOL_OUT_UNARY[name], inputs, "bool")
        if x.dtype == "int32":
            expr = INT_UNARY[name]
        else:
            expr = FLOAT_UNARY[name]
        fmt, vals = "", ()
        if name in ("LeakyRelu", "Step"):
            fmt, vals = "f", (attrs["alpha"],)
        elif name == "ClipByValue":
            lo, hi = attrs["min"], attrs["max"]
            if x.dtype == "int32":
                lo, hi = max(-2.0**31, min(2.0**31 - 1, lo)), max(-2.0**31, min(2.0**31 - 1, hi))
                fmt, vals = "iiii", (_i32(math.ceil(lo)), _i32(int(lo)), _i32(math.floor(hi)), _i32(int(hi)))
            else:
                fmt, vals = "ff", (lo, hi)
        return run_map(backend, name, expr, inputs, x.dtype, fmt, vals)
    kernel(name)(k)


def _i32(v: int) -> int:
    return max(-2**31, min(2**31 - 1, int(v)))


for _name in list(FLOAT_UNARY) + list(BOOL_OUT_UNARY):
    _unary(_name)


@kernel("LogicalNot")
def _logical_not(inputs, attrs, backend):
    return run_map(backend, "LogicalNot", "u32({0} == 0u)", inputs, "bool")


@kernel("Select")
def _select(inputs, attrs, backend):
    c, a, b = inputs
    return run_map(backend, "Select", "select({2}, {1}, {0} != 0u)", inputs, a.dtype)


@kernel("Cast")
def _cast(inputs, attrs, backend):
    x = inputs[0]
    dtype = attrs["dtype"]
    if dtype == x.dtype:
        return x.ref.handle, x.shape, dtype
    return run_map(backend, "Cast", CAST[(x.dtype, dtype)], inputs, dtype)


register_sharing_kernels(kernel)


# -- generators (no inputs) ---------------------------------------------------------------

_GEN = {
    ("Fill", "float32"): "{p0}", ("Fill", "int32"): "{q0}", ("Fill", "bool"): "U(1u)",
    ("Range", "float32"): "{p0} + {p1} * f32(i)", ("Range", "int32"): "{q0} + {q1} * i32(i)",
    ("RangeF", "int32"): "f2i({p0} + {p1} * f32(i))",
    ("LinSpace", "float32"): "select({p0} + {p1} * f32(i), {p2}, i + 1u == U(0u) && i > 0u)",
    ("Eye", "float32"): "f32((i % (U(1u) * U(2u))) / U(2u) == i % U(2u))",
    ("Eye", "int32"): "i32((i % (U(1u) * U(2u))) / U(2u) == i % U(2u))",
    ("Eye", "bool"): "u32((i % (U(1u) * U(2u))) / U(2u) == i % U(2u))",
}


def generate(backend, name: str, dtype: str, shape, fmt: str, vals):
    n = size_of(shape)
    out = backend.alloc(n)
    if n == 0:
        return out, tuple(shape), dtype
    expr = _GEN[(name, dtype)]
    key = (name, (), dtype, "", 0)
    pipe = _PIPES.get(key)
    if pipe is None:
        pipe = _PIPES[key] = backend.pipeline(f"gen:{name}:{dtype}", lambda: _wgsl(expr, (), dtype, "", 0))
    ub = pack("I" + fmt + "I" * (HEADER_WORDS - 1 - len(fmt)), n, *vals, *([0] * (HEADER_WORDS - 1 - len(fmt))))
    backend.run(pipe, (out.buffer,), ub, -(-n // WG))
    return out, tuple(shape), dtype


@kernel("Fill")
def _fill(inputs, attrs, backend):
    dtype, v = attrs["dtype"], attrs["value"]
    if dtype == "float32":
        return generate(backend, "Fill", dtype, attrs["shape"], "f", (float(v),))
    if dtype == "int32":
        return generate(backend, "Fill", dtype, attrs["shape"], "i", (((int(v) + 2**31) % 2**32) - 2**31,))
    return generate(backend, "Fill", dtype, attrs["shape"], "I", (1 if v else 0,))


@kernel("Range")
def _range(inputs, attrs, backend):
    dtype, start, step = attrs["dtype"], attrs["start"], attrs["step"]
    shape = (attrs["size"],)
    if dtype == "float32":
        return generate(backend, "Range", dtype, shape, "ff", (float(start), float(step)))
    if isinstance(start, int) and isinstance(step, int):
        return generate(backend, "Range", dtype, shape, "ii", (_i32(start), _i32(step)))
    out = generate(backend, "RangeF", dtype, shape, "ff", (float(start), float(step)))
    return out


@kernel("LinSpace")
def _linspace(inputs, attrs, backend):
    return generate(backend, "LinSpace", "float32", (attrs["size"],), "fff",
                    (float(attrs["start"]), float(attrs["step"]), float(attrs["stop"])))


@kernel("Eye")
def _eye(inputs, attrs, backend):
    shape = tuple(attrs["shape"])
    return generate(backend, "Eye", attrs["dtype"], shape, "II", (shape[-2], shape[-1]))
