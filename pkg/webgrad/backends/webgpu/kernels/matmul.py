"""BatchMatMul: [Ba, m, k] @ [Bb, k, n] (Ba == Bb or one is 1), transposes read through strides.

Kernel choice, per adapter and shape (``WEBGRAD_MATMUL=reg|tiled`` forces one):
* CPU adapters: register blocking, no workgroup memory (shaders/matmul_reg.wgsl, body
  generated here). With n % 4 == 0 and b contiguous along n, B and C are read as vec4;
  otherwise as scalars. Tile, workgroup, A layout and k unrolling per driver (_REG):
  lavapipe (llvmpipe) 16 x 32 per invocation, A as scalars, no unrolling (about 35
  GFLOP/s at n = 1024); SwiftShader (Chromium's WebGPU on CPU) 32 x 16 with A as vec4
  (along k, or along m when a is transposed) and 8 k steps per loop iteration: it pays
  per loaded element and per loop iteration, so big tiles and few iterations win there.
  ``WEBGRAD_MATMUL_CFG="vec:TM,TN,WX,WY,MODE|scalar:..."`` overrides (MODE: n = A as
  scalars, auto/k/m = A as vec4 where the layout allows, digits = k steps per iteration).
* GPUs: 64 x 64 workgroup tiles staged in workgroup memory (shaders/matmul_tiled.wgsl).
Long inner dimensions run as several accumulating dispatches (LOOP_BUDGET).
"""
from __future__ import annotations

import os

from ..shaders import render
from .shape import gather
from .util import LOOP_BUDGET, WGSL_TYPE, kernel, pack

# Register-blocked variants per CPU driver: (rows, cols per invocation, workgroup x, y, mode);
# "vec": B contiguous along n with n % 4 == 0 (B and C read as vec4); "scalar": otherwise.
# Measured in the page (tools/bench_browser.py) and natively (tools/bench.py).
_REG = {
    "default": {"vec": (16, 32, 8, 8, "n"), "scalar": (8, 8, 8, 8, "n")},  # lavapipe (llvmpipe)
    "swiftshader": {"vec": (32, 16, 8, 8, "auto8"), "scalar": (8, 8, 8, 8, "auto8")},
}


def _profile(backend) -> str:
    """The tuning profile of this adapter (SwiftShader and lavapipe differ)."""
    return "swiftshader" if "swiftshader" in str(backend.device.adapter_info.get("name", "")).lower() else "default"


def _cfg(backend, kind: str) -> tuple:
    """(tm, tn, wx, wy, mode) for B as vec4 ("vec") or scalars ("scalar")."""
    forced = os.environ.get("WEBGRAD_MATMUL_CFG", "")
    for part in forced.split("|"):
        if part.startswith(kind + ":"):
            vals = part[len(kind) + 1:].split(",")
            return tuple(int(v) for v in vals[:4]) + (vals[4] if len(vals) > 4 else "",)
    return _REG[_profile(backend)][kind]


def _reg_wgsl(t: str, tm: int, tn: int, wx: int, wy: int, avec: str, bvec: bool, unroll: int = 1) -> str:
    """WGSL for one register-blocked variant (see shaders/matmul_reg.wgsl).

    avec: "" (A as scalars), "k" (vec4 along k, k steps by 4) or "m" (vec4 along m);
    bvec: B and C as vec4 along n; unroll: k steps per loop iteration (a tail loop
    takes the rest)."""
    zero = "0.0" if t == "f32" else "0"
    v4 = f"vec4<{t}>"
    ct = v4 if bvec else t
    nb = tn // 4 if bvec else tn
    comps = "xyzw"
    pre = []
    # row / column offsets, clamped once outside the k loop
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
        pre += [f"  let bc{j} = min(n0 + {j}u, N - 1u) * sbn;" for j in range(nb)]
    pre += [f"  var c{i}_{j} = {ct}({zero});" for i in range(tm) for j in range(nb)]

    def fma(x: str, y: str, acc: str) -> str:
        return f"fma({x}, {y}, {acc})" if t == "f32" else f"{x} * {y} + {acc}"

    def step(kx: str, aval, s: str, loads: list, terms: list) -> None:
        if bvec:
            loads += [f"    let b{s}{v} = b[bb4 + ({kx}) * sbk4 + bc{v}];" for v in range(nb)]
        else:
            loads += [f"    let b{s}{j} = b[bbase + ({kx}) * sbk + bc{j}];" for j in range(nb)]
        terms.append({(i, j): (f"{v4}({aval(i)})" if bvec else aval(i), f"b{s}{j}") for i in range(tm) for j in range(nb)})

    def body(kx: str, s: str) -> tuple[list, list]:
        """Loads and products of one k step (four with avec == "k") at k = kx; names suffixed by s."""
        loads: list[str] = []
        terms: list[dict] = []
        if avec == "k":
            loads += [f"    let a{s}{i} = a[ar{i} + ({kx}) / 4u];" for i in range(tm)]
            for kk in range(4):
                step(f"{kx} + {kk}u", lambda i, kk=kk: f"a{s}{i}.{comps[kk]}", f"{s}{kk}_", loads, terms)
        elif avec == "m":
            loads += [f"    let a{s}{r} = a[ab4 + ({kx}) * sak4 + ar{r}];" for r in range(tm // 4)]
            step(kx, lambda i: f"a{s}{i // 4}.{comps[i % 4]}", s, loads, terms)
        else:
            loads += [f"    let a{s}{i} = a[ar{i} + ({kx}) * sak];" for i in range(tm)]
            step(kx, lambda i: f"a{s}{i}", s, loads, terms)
        return loads, terms

    def emit(parts: list) -> list[str]:
        """All loads first, then one chained update per accumulator (read and written once)."""
        out = [ln for loads, _ in parts for ln in loads]
        for i in range(tm):
            for j in range(nb):
                e = f"c{i}_{j}"
                for _, terms in parts:
                    for tt in terms:
                        e = fma(*tt[(i, j)], e)
                out.append(f"    c{i}_{j} = {e};")
        return out

    ks = 4 if avec == "k" else 1
    loop = []
    if unroll > 1:
        span = ks * unroll
        loop.append(f"  let kend = k0 + (k1 - k0) / {span}u * {span}u;")
        loop.append(f"  for (var k = k0; k < kend; k = k + {span}u) {{")
        loop += emit([body(f"k + {u * ks}u", f"u{u}_") for u in range(unroll)])
        loop.append("  }")
        loop.append(f"  for (var k = kend; k < k1; k = k + {ks}u) {{")
    else:
        loop.append(f"  for (var k = k0; k < k1; k = k + {ks}u) {{")
    loop += emit([body("k", "")])
    loop.append("  }")
    stores = []
    for i in range(tm):
        for j in range(nb):
            col = f"n0 + {4 * j if bvec else j}u"
            o = f"(cbase + (m0 + {i}u) * N + n0) / 4u + {j}u" if bvec else f"cbase + (m0 + {i}u) * N + n0 + {j}u"
            stores.append(f"  if (m0 + {i}u < M && {col} < N) {{ let o = {o}; c[o] = select({ct}({zero}), c[o], acc) + c{i}_{j}; }}")
    return render("matmul_reg", AT=v4 if avec else t, BT=ct, WX=wx, WY=wy, TM=tm, TN=tn,
                  PRE="\n".join(pre), LOOP="\n".join(loop), STORES="\n".join(stores))


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
    tmps = []
    if mode == "reg" and tb and n % 4 == 0 and n * k >= 16384:
        # make b contiguous along n so the vec4 kernel applies (one extra copy)
        tmp, _, _ = gather(backend, b, (bb, k, n), 0, (rb * cb, 1, cb))
        tmps.append(tmp)
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
        unroll = int("".join(ch for ch in want if ch.isdigit()) or 1)
        want = "".join(ch for ch in want if ch.isalpha()) or "auto"
        can = {"k": sak == 1 and k % 4 == 0, "m": sam == 1 and m % 4 == 0 and tm % 4 == 0}
        avec = next((v for v in ("k", "m") if can[v] and want in ("auto", v)), "")
        if avec == "k":
            unroll = max(1, unroll // 4)  # unroll counts k steps; an "a along k" step is four
        key = f"matmul:reg:{t}:{tm}x{tn}:{wx}x{wy}:a{avec}:u{unroll}:{'vec' if vec else 'scalar'}"
        pipe = backend.pipeline(key, lambda: _reg_wgsl(t, tm, tn, wx, wy, avec, vec, unroll))
        grid = (-(-n // (tn * wx)), -(-m // (tm * wy)), batch)
        ranges = [(k0, min(k, k0 + LOOP_BUDGET)) for k0 in range(0, k, LOOP_BUDGET)]
    for j, (k0, k1) in enumerate(ranges):
        ub = pack("I" * 12, m, n, k, int(j > 0), *strides, k0, k1)
        backend.run(pipe, (a.ref.handle.buffer, b_buf, out.buffer), ub, grid)
    for tmp in tmps:
        backend.pool.release(tmp.cls, tmp.buffer)
    return out, out_shape, dtype
