"""BatchMatMul: [Ba, m, k] @ [Bb, k, n] (Ba == Bb or one is 1), transposes read through strides.

Kernel choice, per adapter and shape (``WEBGRAD_MATMUL=reg|tiled`` forces one):
* CPU adapters (lavapipe): register blocking, no workgroup memory
  (shaders/matmul_reg.wgsl). With n % 4 == 0 and b contiguous along n, each thread
  holds a 16 x 32 block of C in vec4 accumulators (about 20 GFLOP/s at n = 1024 on
  lavapipe); otherwise an 8 x 8 scalar block.
* GPUs: 64 x 64 workgroup tiles staged in workgroup memory (shaders/matmul_tiled.wgsl).
Long inner dimensions run as several accumulating dispatches (LOOP_BUDGET).
"""
from __future__ import annotations

import os

from ..shaders import render
from .shape import gather
from .util import LOOP_BUDGET, WGSL_TYPE, kernel, pack

_VEC = (16, 32, 8, 8)    # rows, cols per thread; workgroup x, y
_SCALAR = (8, 8, 8, 8)


def _reg_wgsl(t: str, vec: bool) -> str:
    tm, tn, wx, wy = _VEC if vec else _SCALAR
    fma = (lambda x, y, acc: f"fma({x}, {y}, {acc})") if t == "f32" else (lambda x, y, acc: f"{x} * {y} + {acc}")
    zero = "0.0" if t == "f32" else "0"
    decl, loads, fmas, stores = [], [], [], []
    for i in range(tm):
        loads.append(f"    let a{i} = a[abase + min(m0 + {i}u, M - 1u) * sam + k * sak];")
    if vec:
        nv = tn // 4
        v4 = f"vec4<{t}>"
        decl = [f"  var c{i}_{v} = {v4}({zero});" for i in range(tm) for v in range(nv)]
        loads += [f"    let b{v} = b[(bbase + k * sbk + n0) / 4u + {v}u];" for v in range(nv)]
        fmas = [f"    c{i}_{v} = {fma(f'{v4}(a{i})', f'b{v}', f'c{i}_{v}')};" for i in range(tm) for v in range(nv)]
        stores = [f"  if (m0 + {i}u < M && n0 + {4 * v}u < N) {{ let o = (cbase + (m0 + {i}u) * N + n0) / 4u + {v}u; c[o] = select({v4}({zero}), c[o], acc) + c{i}_{v}; }}"
                  for i in range(tm) for v in range(nv)]
        bt = v4
    else:
        decl = [f"  var c{i}_{j} = {zero};" for i in range(tm) for j in range(tn)]
        loads += [f"    let b{j} = b[bbase + k * sbk + min(n0 + {j}u, N - 1u) * sbn];" for j in range(tn)]
        fmas = [f"    c{i}_{j} = {fma(f'a{i}', f'b{j}', f'c{i}_{j}')};" for i in range(tm) for j in range(tn)]
        stores = [f"  if (m0 + {i}u < M && n0 + {j}u < N) {{ let o = cbase + (m0 + {i}u) * N + n0 + {j}u; c[o] = select({zero}, c[o], acc) + c{i}_{j}; }}"
                  for i in range(tm) for j in range(tn)]
        bt = t
    decl.append("  let acc = U(3u) == 1u;")
    return render("matmul_reg", T=t, BT=bt, CT=bt, WX=wx, WY=wy, TM=tm, TN=tn, DECL="\n".join(decl),
                  LOADS="\n".join(loads), FMAS="\n".join(fmas), STORES="\n".join(stores))


def _choice(backend) -> str:
    forced = os.environ.get("WEBGRAD_MATMUL")
    if forced in ("reg", "tiled"):
        return forced
    return "reg" if backend.device.adapter_info.get("adapter_type") == "CPU" else "tiled"


@kernel("BatchMatMul")
def _batch_matmul(inputs, attrs, backend):
    a, b = inputs
    ta, tb = bool(attrs.get("transpose_a")), bool(attrs.get("transpose_b"))
    ba, ra, ca = a.shape
    bb, rb, cb = b.shape
    m, k = (ca, ra) if ta else (ra, ca)
    n = rb if tb else cb
    batch = max(ba, bb)
    dtype = a.dtype
    out_shape = (batch, m, n)
    if batch > backend.max_wg_dim:
        raise ValueError(f"BatchMatMul: batch of {batch} exceeds this device's grid limit {backend.max_wg_dim}")
    out = backend.alloc(batch * m * n)
    if out.n == 0:
        return out, out_shape, dtype
    if k == 0:
        from .elementwise import generate
        backend.pool.release(out.cls, out.buffer)
        return generate(backend, "Fill", dtype, out_shape, "f" if dtype == "float32" else "i", (0,))
    t = WGSL_TYPE[dtype]
    mode = _choice(backend)
    tmp = None
    if mode == "reg" and tb and n % 4 == 0 and n * k >= 16384:
        # make b contiguous along n so the vec4 kernel applies (one extra copy)
        tmp, _, _ = gather(backend, b, (bb, k, n), 0, (rb * cb, 1, cb))
        b_buf, tb, sbk, sbn = tmp.buffer, False, n, 1
    else:
        b_buf = b.ref.handle.buffer
        sbk, sbn = (1, cb) if tb else (cb, 1)
    sam, sak = (1, ca) if ta else (ca, 1)
    strides = (sam, sak, sbk, sbn, ra * ca if ba > 1 else 0, rb * cb if bb > 1 else 0)
    if mode == "tiled":
        zero = "0.0" if t == "f32" else "0"
        pipe = backend.pipeline(f"matmul:tiled:{t}", lambda: render("matmul_tiled", T=t, ZERO=zero))
        grid = (-(-n // 64), -(-m // 64), batch)
        step = 16 * max(1, LOOP_BUDGET // 400)  # about 400 loop iterations per 16 k
        ranges = [(k0, min(k, k0 + step)) for k0 in range(0, k, step)]
    else:
        vec = sbn == 1 and n % 4 == 0
        tm, tn, wx, wy = _VEC if vec else _SCALAR
        pipe = backend.pipeline(f"matmul:reg:{t}:{'vec' if vec else 'scalar'}", lambda: _reg_wgsl(t, vec))
        grid = (-(-n // (tn * wx)), -(-m // (tm * wy)), batch)
        ranges = [(k0, min(k, k0 + LOOP_BUDGET)) for k0 in range(0, k, LOOP_BUDGET)]
    for j, (k0, k1) in enumerate(ranges):
        ub = pack("I" * 12, m, n, k, int(j > 0), *strides, k0, k1)
        backend.run(pipe, (a.ref.handle.buffer, b_buf, out.buffer), ub, grid)
    if tmp is not None:
        backend.pool.release(tmp.cls, tmp.buffer)
    return out, out_shape, dtype
