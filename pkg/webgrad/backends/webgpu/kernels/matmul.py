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

# Register-blocked variants per CPU driver: (rows, cols per invocation, workgroup x, y).
# "vec": B contiguous along n with n % 4 == 0 (B and C read as vec4); "scalar": otherwise.
_REG = {
    "default": {"vec": (16, 32, 8, 8, ""), "scalar": (8, 8, 8, 8, "")},  # lavapipe (llvmpipe)
    "swiftshader": {"vec": (16, 16, 8, 8, "auto"), "scalar": (8, 8, 8, 8, "auto")},
}


def _profile(backend) -> str:
    return "swiftshader" if "swiftshader" in str(backend.device.adapter_info.get("name", "")).lower() else "default"


def _cfg(backend, kind: str) -> tuple:
    forced = os.environ.get("WEBGRAD_MATMUL_CFG", "")
    for part in forced.split("|"):
        if part.startswith(kind + ":"):
            vals = part[len(kind) + 1:].split(",")
            return tuple(int(v) for v in vals[:4]) + (vals[4] if len(vals) > 4 else "",)
    return _REG[_profile(backend)][kind]


def _reg_wgsl(t: str, tm: int, tn: int, wx: int, wy: int, avec: str, bvec: bool, lane: bool = False) -> str:
    """WGSL for one register-blocked variant (see shaders/matmul_reg.wgsl).

    avec: "" (A as scalars), "k" (vec4 along k, k steps by 4) or "m" (vec4 along m);
    bvec: B and C as vec4 along n; lane (scalar B only): an invocation's columns are
    WX apart, so neighbouring invocations read neighbouring words of B and C."""
    cs = wx if lane else 1
    zero = "0.0" if t == "f32" else "0"
    v4 = f"vec4<{t}>"
    ct = v4 if bvec else t
    pre, body, stores = [], [], []
    nb = tn // 4 if bvec else tn
    # hoisted, clamped row/column offsets
    if avec == "k":
        pre += [f"  let ar{i} = (abase + min(m0 + {i}u, M - 1u) * sam) / 4u;" for i in range(tm)]
    elif avec == "m":
        pre += [f"  let ar{r} = min(m0 / 4u + {r}u, M / 4u - 1u);" for r in range(tm // 4)]
        pre.append("  let ab4 = abase / 4u; let sak4 = sak / 4u;")
    else:
        pre += [f"  let ar{i} = abase + min(m0 + {i}u, M - 1u) * sam;" for i in range(tm)]
    if bvec:
        pre += [f"  let bc{v} = min(n0 / 4u + {v}u, N / 4u - 1u);" for v in range(nb)]
        pre.append("  let bb4 = bbase / 4u; let sbk4 = sbk / 4u;")
    else:
        pre += [f"  let bc{j} = min(n0 + {j * cs}u, N - 1u) * sbn;" for j in range(nb)]
    pre += [f"  var c{i}_{j} = {ct}({zero});" for i in range(tm) for j in range(nb)]

    use_fma = t == "f32" and os.environ.get("WEBGRAD_MATMUL_FMA", "1") == "1"

    def fma(x, y, acc):
        return f"fma({x}, {y}, {acc})" if use_fma else f"{x} * {y} + {acc}"

    def step(kexpr: str, aval, s: str = "") -> list[str]:
        out = []
        if bvec:
            out += [f"    let b{s}{v} = b[bb4 + ({kexpr}) * sbk4 + bc{v}];" for v in range(nb)]
        else:
            out += [f"    let b{s}{j} = b[bbase + ({kexpr}) * sbk + bc{j}];" for j in range(nb)]
        for i in range(tm):
            av = aval(i)
            if bvec:
                av = f"{v4}({av})"
            out += [f"    c{i}_{j} = {fma(av, f'b{s}{j}', f'c{i}_{j}')};" for j in range(nb)]
        return out

    comps = "xyzw"
    if avec == "k":
        body += [f"    let a{i} = a[ar{i} + k / 4u];" for i in range(tm)]
        for kk in range(4):
            body += step(f"k + {kk}u", lambda i, kk=kk: f"a{i}.{comps[kk]}", f"{kk}_")
        kstep = 4
    elif avec == "m":
        body += [f"    let a{r} = a[ab4 + k * sak4 + ar{r}];" for r in range(tm // 4)]
        body += step("k", lambda i: f"a{i // 4}.{comps[i % 4]}")
        kstep = 1
    else:
        body += [f"    let a{i} = a[ar{i} + k * sak];" for i in range(tm)]
        body += step("k", lambda i: f"a{i}")
        kstep = 1
    for i in range(tm):
        for j in range(nb):
            col = f"n0 + {4 * j if bvec else j * cs}u"
            o = f"(cbase + (m0 + {i}u) * N + n0) / 4u + {j}u" if bvec else f"cbase + (m0 + {i}u) * N + n0 + {j * cs}u"
            stores.append(f"  if (m0 + {i}u < M && {col} < N) {{ let o = {o}; c[o] = select({ct}({zero}), c[o], acc) + c{i}_{j}; }}")
    n0 = f"(gid.x / {wx}u) * {wx * tn}u + gid.x % {wx}u" if lane else f"gid.x * {tn}u"
    return render("matmul_reg", N0=n0, AT=v4 if avec else t, BT=ct, WX=wx, WY=wy, TM=tm, TN=tn, KSTEP=kstep,
                  PRE="\n".join(pre), BODY="\n".join(body), STORES="\n".join(stores))


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
        tm, tn, wx, wy, want = _cfg(backend, "vec" if vec else "scalar")
        lane = "L" in want
        want = want.replace("L", "")
        vec = vec and not lane
        can = {"k": sak == 1 and k % 4 == 0, "m": sam == 1 and m % 4 == 0 and tm % 4 == 0}
        avec = next((v for v in ("k", "m") if can[v] and want in ("auto", v)), "")
        key = f"matmul:reg:{t}:{os.environ.get('WEBGRAD_MATMUL_FMA', '1')}:{tm}x{tn}:{wx}x{wy}:a{avec}:{'vec' if vec else 'scalar'}{':lane' if lane else ''}"
        pipe = backend.pipeline(key, lambda: _reg_wgsl(t, tm, tn, wx, wy, avec, vec, lane))
        grid = (-(-n // (tn * wx)), -(-m // (tm * wy)), batch)
        ranges = [(k0, min(k, k0 + LOOP_BUDGET)) for k0 in range(0, k, LOOP_BUDGET)]
    for j, (k0, k1) in enumerate(ranges):
        ub = pack("I" * 12, m, n, k, int(j > 0), *strides, k0, k1)
        backend.run(pipe, (a.ref.handle.buffer, b_buf, out.buffer), ub, grid)
    if tmp is not None:
        backend.pool.release(tmp.cls, tmp.buffer)
    return out, out_shape, dtype
