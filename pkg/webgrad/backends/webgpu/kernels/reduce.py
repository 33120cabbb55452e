"""Reductions (Sum, Mean, Prod, Max, Min, Any, All, ArgMax, ArgMin) and Cumsum.

Kept and reduced dimensions are each collapsed to as few strided dimensions as
possible; few long rows reduce with one workgroup per output (shaders/reduce_tree),
many short ones with one thread per output (shaders/reduce_rows).
"""
from __future__ import annotations

from ..shaders import render
from .util import LOOP_BUDGET, WG, WGSL_TYPE, collapse, index_code, kernel, pack, size_of, strides_of, uvec4

_FLOAT_INIT = {"Sum": "0.0", "Mean": "0.0", "Prod": "1.0", "Max": "-inf_f()", "Min": "inf_f()"}
_INT_INIT = {"Sum": "0", "Prod": "1", "Max": "-2147483647 - 1", "Min": "2147483647"}
_COMBINE_F = {"Sum": "a + b", "Mean": "a + b", "Prod": "a * b", "Max": "max_f(a, b)", "Min": "min_f(a, b)"}
_COMBINE_I = {"Sum": "a + b", "Prod": "a * b", "Max": "max(a, b)", "Min": "min(a, b)"}

_PIPES: dict = {}


def _defs(name: str, dtype: str) -> tuple[str, str]:
    """WGSL for Acc, init, load, combine, finish; and the output storage type."""
    t = WGSL_TYPE[dtype]
    if name in ("ArgMax", "ArgMin"):
        cmp = ">" if name == "ArgMax" else "<"
        nan_first = "if (is_nan(a.v)) { if (is_nan(b.v) && b.i < a.i) { return b; } return a; }\n  if (is_nan(b.v)) { return b; }\n  " \
            if dtype == "float32" else ""
        lowest = "-inf_f()" if dtype == "float32" else "-2147483647 - 1"
        highest = "inf_f()" if dtype == "float32" else "2147483647"
        return (f"""
struct Acc {{ v: {t}, i: u32 }};
fn init() -> Acc {{ return Acc({lowest if name == "ArgMax" else highest}, 0xffffffffu); }}
fn load(off: u32, r: u32) -> Acc {{ return Acc(x[off], r); }}
fn combine(a: Acc, b: Acc) -> Acc {{
  if (b.i == 0xffffffffu) {{ return a; }}
  if (a.i == 0xffffffffu) {{ return b; }}
  {nan_first}if (b.v {cmp} a.v || (b.v == a.v && b.i < a.i)) {{ return b; }}
  return a;
}}
fn finish(a: Acc) -> i32 {{ return i32(select(a.i, 0u, a.i == 0xffffffffu)); }}
""", "i32")
    if name in ("Any", "All"):
        init, op = ("0u", "|") if name == "Any" else ("1u", "&")
        return (f"""
alias Acc = u32;
fn init() -> Acc {{ return {init}; }}
fn load(off: u32, r: u32) -> Acc {{ return x[off]; }}
fn combine(a: Acc, b: Acc) -> Acc {{ return a {op} b; }}
fn finish(a: Acc) -> u32 {{ return a; }}
""", "u32")
    init = (_FLOAT_INIT if dtype == "float32" else _INT_INIT)[name]
    comb = (_COMBINE_F if dtype == "float32" else _COMBINE_I)[name]
    fin = "a / F(2u)" if name == "Mean" else "a"
    return (f"""
alias Acc = {t};
fn init() -> Acc {{ return {init}; }}
fn load(off: u32, r: u32) -> Acc {{ return x[off]; }}
fn combine(a: Acc, b: Acc) -> Acc {{ return {comb}; }}
fn finish(a: Acc) -> {t} {{ return {fin}; }}
""", t)


H = 6  # uniform header: n_out, n_red, divisor (f32), input offset, output stride, output offset


def reduce_raw(backend, name: str, buf, dtype: str, kshape, kst, rshape, rst, out_buf,
               divisor: float | None = None, in_off: int = 0, out_stride: int = 1, out_off: int = 0) -> None:
    """Record one reduction dispatch over a strided view of buf into out_buf."""
    n_out, n_red = size_of(kshape), size_of(rshape)
    # short rows fold per thread: a tree's barriers cost more than it saves on CPU drivers
    tree = n_red >= 2048 and n_out <= 16384
    kr, rr = len(kshape), len(rshape)
    key = (name, dtype, tree, kr, rr)
    pipe = _PIPES.get(key)
    if pipe is None:
        def build():
            defs, out_t = _defs(name, dtype)
            kidx = index_code(kr, H, [H + kr], ["base"], var="oo" if tree else "o") + "\n  base = base + U(3u);"
            ridx = index_code(rr, H + 2 * kr, [H + 2 * kr + rr], ["off"], var="r", indent="      ")
            return render("reduce_tree" if tree else "reduce_rows", IN=WGSL_TYPE[dtype], OUT=out_t,
                          UVEC4=uvec4(H + 2 * (kr + rr)), DEFS=defs, WG=WG, KEPT_INDEX=kidx, RED_INDEX=ridx)
        pipe = _PIPES[key] = backend.pipeline(f"reduce:{name}:{dtype}:{'tree' if tree else 'rows'}:k{kr}r{rr}", build)
    ub = pack("IIfIII" + "I" * (2 * (kr + rr)), n_out, n_red, float(n_red if divisor is None else divisor),
              in_off, out_stride, out_off, *kshape, *kst, *rshape, *rst)
    backend.run(pipe, (buf, out_buf), ub, n_out if tree else -(-n_out // WG))


def reduce_axes(backend, name: str, x, axes, out_shape, out_dtype: str):
    shape, st = x.shape, strides_of(x.shape)
    kept = [d for d in range(len(shape)) if d not in axes]
    kshape, (kst,) = collapse([shape[d] for d in kept], [[st[d] for d in kept]])
    rshape, (rst,) = collapse([shape[d] for d in axes], [[st[d] for d in axes]])
    n_out, n_red = size_of(kshape), size_of(rshape)
    out = backend.alloc(n_out)
    if n_out == 0:
        return out, out_shape, out_dtype
    if x.ref.handle.n == 0:  # reducing over an empty axis: no input buffer to bind
        from .elementwise import generate
        empty = {"Sum": 0, "Prod": 1, "Any": 0, "All": 1}
        backend.pool.release(out.cls, out.buffer)
        if name == "Mean":
            return generate(backend, "Fill", out_dtype, out_shape, "f", (float("nan"),))
        fmt = "f" if out_dtype == "float32" else "i" if out_dtype == "int32" else "I"
        return generate(backend, "Fill", out_dtype, out_shape, fmt, (empty.get(name, 0),))
    buf = x.ref.handle.buffer
    limit = WG * LOOP_BUDGET if n_out <= 16384 else LOOP_BUDGET
    if n_red <= limit:
        reduce_raw(backend, name, buf, x.dtype, kshape, kst, rshape, rst, out.buffer)
        return out, out_shape, out_dtype
    # Too long for one invocation's loop budget (lavapipe caps loops at 65535 iterations):
    # reduce chunks into partials [n_out, P], then the partials.
    if len(rshape) != 1:
        backend.pool.release(out.cls, out.buffer)
        raise ValueError(f"{name}: reducing {n_red} elements per output over non-contiguous axes is beyond "
                         f"this backend's per-invocation loop budget; reshape or reduce in steps")
    if name in ("ArgMax", "ArgMin"):
        _arg_split(backend, name, buf, x.dtype, kshape, kst, n_red, rst[0], out.buffer)
        return out, out_shape, out_dtype
    q = WG * LOOP_BUDGET // 2
    parts = -(-n_red // q)
    partial = backend.alloc(n_out * parts, "partial reduction")
    first = "Sum" if name == "Mean" else name
    for c in range(parts):
        reduce_raw(backend, first, buf, x.dtype, kshape, kst, [min(q, n_red - c * q)], rst, partial.buffer,
                   in_off=c * q * rst[0], out_stride=parts, out_off=c)
    reduce_raw(backend, name, partial.buffer, x.dtype, [n_out], [parts], [parts], [1], out.buffer, divisor=n_red)
    backend.pool.release(partial.cls, partial.buffer)
    return out, out_shape, out_dtype


def _arg_split(backend, name: str, buf, dtype: str, kshape, kst, n_red: int, rst: int, out_buf) -> None:
    """ArgMax/ArgMin over rows too long for one dispatch: each chunk's winner (its position
    within the chunk) goes to partials [n_out, P]; a final pass reloads those candidates'
    values and combines them in chunk order, keeping first-occurrence and NaN semantics."""
    n_out = size_of(kshape)
    q = WG * LOOP_BUDGET // 2 if n_out <= 16384 else LOOP_BUDGET
    parts = -(-n_red // q)
    partial = backend.alloc(n_out * parts, "partial argreduction")
    for c in range(parts):
        reduce_raw(backend, name, buf, dtype, kshape, kst, [min(q, n_red - c * q)], [rst], partial.buffer,
                   in_off=c * q * rst, out_stride=parts, out_off=c)
    kr = len(kshape)
    key = ("arg_final", name, dtype, kr)
    pipe = _PIPES.get(key)
    if pipe is None:
        def build():
            kidx = index_code(kr, 4, [4 + kr], ["base"], var="o")
            return render("arg_final", IN=WGSL_TYPE[dtype], UVEC4=uvec4(4 + 2 * kr), DEFS=_defs(name, dtype)[0],
                          WG=WG, KEPT_INDEX=kidx)
        pipe = _PIPES[key] = backend.pipeline(f"arg_final:{name}:{dtype}:k{kr}", build)
    ub = pack("IIII" + "I" * (2 * kr), n_out, parts, q, rst, *kshape, *kst)
    backend.run(pipe, (buf, partial.buffer, out_buf), ub, -(-n_out // WG))
    backend.pool.release(partial.cls, partial.buffer)


def _reduce_kernel(name: str):
    def k(inputs, attrs, backend):
        x = inputs[0]
        axes = sorted(a % max(1, x.rank) for a in attrs["axis"]) if x.rank else []
        if attrs["keepdims"]:
            out_shape = tuple(1 if d in axes else s for d, s in enumerate(x.shape))
        else:
            out_shape = tuple(s for d, s in enumerate(x.shape) if d not in axes)
        return reduce_axes(backend, name, x, axes, out_shape, x.dtype)
    kernel(name)(k)


for _name in ("Sum", "Mean", "Prod", "Max", "Min", "Any", "All"):
    _reduce_kernel(_name)


def _arg_kernel(name: str):
    def k(inputs, attrs, backend):
        x = inputs[0]
        ax = attrs["axis"] % max(1, x.rank)
        out_shape = tuple(s for d, s in enumerate(x.shape) if d != ax)
        return reduce_axes(backend, name, x, [ax], out_shape, "int32")
    kernel(name)(k)


_arg_kernel("ArgMax")
_arg_kernel("ArgMin")


@kernel("Cumsum")
def _cumsum(inputs, attrs, backend):
    x = inputs[0]
    n = x.ref.handle.n
    out = backend.alloc(n)
    if n == 0:
        return out, x.shape, x.dtype
    ax = attrs["axis"]
    r = x.shape[ax]
    inner = size_of(x.shape[ax + 1:])
    t = WGSL_TYPE[x.dtype]
    pipe = backend.pipeline(f"cumsum:{x.dtype}", lambda: render("cumsum", T=t, WG=WG))
    lines = n // r
    for k0 in range(0, r, LOOP_BUDGET):
        ub = pack("I" * 7, lines, r, inner, int(bool(attrs["exclusive"])), int(bool(attrs["reverse"])),
                  k0, min(r, k0 + LOOP_BUDGET))
        backend.run(pipe, (x.ref.handle.buffer, out.buffer), ub, -(-lines // WG))
    return out, x.shape, x.dtype
