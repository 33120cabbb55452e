"""Softmax, LogSoftmax, OneHot, and the NHWC convolution/pooling family with its
gradients. Convolutions run as im2col + matmul (conv_gemm.py) where the patches fit,
else (or with ``WEBGRAD_CONV=direct``) as direct kernels: shaders/conv2d.wgsl with one
body per kernel, one thread per output. Pools use those too (vec4 over channels when
C % 4 == 0), except MaxPoolGrad with disjoint windows (stride >= filter size): one pass
over dy (shaders/pool_max_grad.wgsl, pool_max_grad4.wgsl)."""
from __future__ import annotations

import os
import struct

from ..shaders import render
from . import conv_gemm
from .conv_gemm import _View
from .util import LOOP_BUDGET, WG, WGSL_TYPE, kernel, pack, size_of


def _softmax(log: bool):
    def k(inputs, attrs, backend):
        x = inputs[0]
        n = x.ref.handle.n
        out = backend.alloc(n)
        if n == 0:
            return out, x.shape, "float32"
        d = x.shape[-1] if x.rank else 1
        rows = n // d
        if 3 * d > LOOP_BUDGET:  # rows too long for one invocation: compose from reductions
            backend.pool.release(out.cls, out.buffer)
            return _softmax_long(backend, x, rows, d, log)
        pipe = backend.pipeline(f"softmax:{'log' if log else 'exp'}",
                                lambda: render("softmax", WG=WG, LOG="true" if log else "false"))
        backend.run(pipe, (x.ref.handle.buffer, out.buffer), pack("II", rows, d), -(-rows // WG))
        return out, x.shape, "float32"
    return k


def _softmax_long(backend, x, rows: int, d: int, log: bool):
    from .elementwise import run_map
    from .reduce import reduce_axes
    x2 = _View(x.ref.handle, (rows, d))
    m, _, _ = reduce_axes(backend, "Max", x2, [1], (rows, 1), "float32")
    z, _, _ = run_map(backend, "SoftmaxShift", "{0} - {1}", [x2, _View(m, (rows, 1))], "float32")
    e, _, _ = run_map(backend, "Exp", "exp_f({0})", [_View(z, (rows, d))], "float32")
    s, _, _ = reduce_axes(backend, "Sum", _View(e, (rows, d)), [1], (rows, 1), "float32")
    if log:
        y, _, _ = run_map(backend, "LogSoftmaxOut", "{0} - log_f({1})", [_View(z, (rows, d)), _View(s, (rows, 1))], "float32")
    else:
        y, _, _ = run_map(backend, "RealDiv", "{0} / {1}", [_View(e, (rows, d)), _View(s, (rows, 1))], "float32")
    for h in (m, z, e, s):
        backend.dispose_data(h)
    return y, x.shape, "float32"


kernel("Softmax")(_softmax(False))
kernel("LogSoftmax")(_softmax(True))


def _bits(v, dtype: str) -> int:
    if dtype == "float32":
        return struct.unpack("<I", struct.pack("<f", float(v)))[0]
    if dtype == "int32":
        return int(v) & 0xFFFFFFFF
    return 1 if v else 0


@kernel("OneHot")
def _one_hot(inputs, attrs, backend):
    idx = inputs[0]
    depth, dtype = attrs["depth"], attrs["dtype"]
    shape = idx.shape + (depth,)
    n = size_of(shape)
    out = backend.alloc(n)
    if n == 0:
        return out, shape, dtype
    pipe = backend.pipeline("one_hot", lambda: render("one_hot", WG=WG))
    ub = pack("IIII", n, depth, _bits(attrs["on_value"], dtype), _bits(attrs["off_value"], dtype))
    backend.run(pipe, (idx.ref.handle.buffer, out.buffer), ub, -(-n // WG))
    return out, shape, dtype


# -- convolution and pooling -------------------------------------------------------------------

_OUT_NHWK = """  let k = i % K; let t1 = i / K; let ow = i32(t1 % u32(OW)); let t2 = t1 / u32(OW);
  let oh = i32(t2 % u32(OH)); let n = t2 / u32(OH);"""
_OUT_NHWC = """  let c = i % C; let t1 = i / C; let w = i32(t1 % u32(W)); let t2 = t1 / u32(W);
  let h = i32(t2 % u32(H)); let n = t2 / u32(H);"""

# pool gradients, per input (h, w): the windows covering it, oh in [oh0, oh1] x ow in [ow0, ow1]
_POOL_GRAD_RANGE = """
  let ph = h + PT; let pw = w + PL;
  let oh0 = select(0, (ph - FH + SH) / SH, ph >= FH); let oh1 = min(ph / SH, OH - 1);
  let ow0 = select(0, (pw - FW + SW) / SW, pw >= FW); let ow1 = min(pw / SW, OW - 1);"""

_BODIES = {
    "Conv2D": (("x", "f"), _OUT_NHWK + """
  var acc = 0.0;
  for (var fi = 0; fi < FH; fi = fi + 1) {
    let h = oh * SH + fi * DH - PT;
    if (h < 0 || h >= H) { continue; }
    for (var fj = 0; fj < FW; fj = fj + 1) {
      let w = ow * SW + fj * DW - PL;
      if (w < 0 || w >= W) { continue; }
      let xb = ((n * u32(H) + u32(h)) * u32(W) + u32(w)) * C;
      let fb = (u32(fi) * u32(FW) + u32(fj)) * C * K + k;
      for (var c = U(16u); c < U(17u); c = c + 1u) { acc = fma(x[xb + c], f[fb + c * K], acc); }
    }
  }
  y[i] = select(0.0, y[i], U(18u) == 1u) + acc;"""),
    "Conv2DBackpropInput": (("dy", "f"), _OUT_NHWC + """
  var acc = 0.0;
  for (var fi = 0; fi < FH; fi = fi + 1) {
    let th = h + PT - fi * DH;
    if (th < 0 || th % SH != 0 || th / SH >= OH) { continue; }
    let oh = th / SH;
    for (var fj = 0; fj < FW; fj = fj + 1) {
      let tw = w + PL - fj * DW;
      if (tw < 0 || tw % SW != 0 || tw / SW >= OW) { continue; }
      let ow = tw / SW;
      let db = ((n * u32(OH) + u32(oh)) * u32(OW) + u32(ow)) * K;
      let fb = ((u32(fi) * u32(FW) + u32(fj)) * C + c) * K;
      for (var k = U(16u); k < U(17u); k = k + 1u) { acc = fma(dy[db + k], f[fb + k], acc); }
    }
  }
  y[i] = select(0.0, y[i], U(18u) == 1u) + acc;"""),
    "Conv2DBackpropFilter": (("x", "dy"), """  let k = i % K; let t1 = i / K; let c = t1 % C; let t2 = t1 / C;
  let fj = i32(t2 % u32(FW)); let fi = i32(t2 / u32(FW));
  var acc = 0.0;
  for (var row = U(16u); row < U(17u); row = row + 1u) {
    let n = row / u32(OH);
    let oh = i32(row % u32(OH));
    let h = oh * SH + fi * DH - PT;
    if (h < 0 || h >= H) { continue; }
    for (var ow = 0; ow < OW; ow = ow + 1) {
      let w = ow * SW + fj * DW - PL;
      if (w < 0 || w >= W) { continue; }
      acc = fma(x[((n * u32(H) + u32(h)) * u32(W) + u32(w)) * C + c],
                dy[((n * u32(OH) + u32(oh)) * u32(OW) + u32(ow)) * K + k], acc);
    }
  }
  y[i] = select(0.0, y[i], U(18u) == 1u) + acc;"""),
    "MaxPool": (("x",), _OUT_NHWK + """
  let c = k;
  var m = -inf_f();
  for (var fi = 0; fi < FH; fi = fi + 1) {
    for (var fj = 0; fj < FW; fj = fj + 1) {
      let h = oh * SH + fi - PT; let w = ow * SW + fj - PL;
      var v = -inf_f();
      if (h >= 0 && h < H && w >= 0 && w < W) { v = x[((n * u32(H) + u32(h)) * u32(W) + u32(w)) * C + c]; }
      if (!is_nan(m) && (v > m || is_nan(v))) { m = v; }
    }
  }
  y[i] = m;"""),
    "AvgPool": (("x",), _OUT_NHWK + """
  let c = k;
  var s = ELEM(0.0);
  var cnt = 0.0;
  for (var fi = 0; fi < FH; fi = fi + 1) {
    for (var fj = 0; fj < FW; fj = fj + 1) {
      let h = oh * SH + fi - PT; let w = ow * SW + fj - PL;
      if (h >= 0 && h < H && w >= 0 && w < W) {
        s = s + x[((n * u32(H) + u32(h)) * u32(W) + u32(w)) * C + c];
        cnt = cnt + 1.0;
      }
    }
  }
  y[i] = s / max(cnt, 1.0);"""),
    "AvgPoolGrad": (("dy",), _OUT_NHWC + _POOL_GRAD_RANGE + """
  var acc = ELEM(0.0);
  for (var oh = oh1; oh >= oh0; oh = oh - 1) {
    let hs = oh * SH - PT;
    let rows = max(min(hs + FH, H) - max(hs, 0), 0);
    for (var ow = ow1; ow >= ow0; ow = ow - 1) {
      let ws = ow * SW - PL;
      let cnt = rows * max(min(ws + FW, W) - max(ws, 0), 0);
      acc = acc + dy[((n * u32(OH) + u32(oh)) * u32(OW) + u32(ow)) * C + c] / f32(max(cnt, 1));
    }
  }
  y[i] = acc;"""),
    "MaxPoolGrad": (("dy", "x", "ym"), _OUT_NHWC + _POOL_GRAD_RANGE + """
  let xv = x[i];
  var acc = 0.0;
  for (var oh = oh1; oh >= oh0; oh = oh - 1) {
    let hs = oh * SH - PT;
    for (var ow = ow1; ow >= ow0; ow = ow - 1) {
      let ws = ow * SW - PL;
      let o = ((n * u32(OH) + u32(oh)) * u32(OW) + u32(ow)) * C + c;
      let ymax = ym[o];
      if (!(xv == ymax || (is_nan(xv) && is_nan(ymax)))) { continue; }
      // dy goes to the first window position (row-major) holding the maximum: scan
      // the positions before (h, w) for an earlier one
      var earlier = false;
      for (var p = 0; p < (h - hs) * FW + (w - ws); p = p + 1) {
        let hh = hs + p / FW; let ww = ws + p % FW;
        var v = -inf_f();
        if (hh >= 0 && hh < H && ww >= 0 && ww < W) { v = x[((n * u32(H) + u32(hh)) * u32(W) + u32(ww)) * C + c]; }
        if (v == ymax || (is_nan(v) && is_nan(ymax))) { earlier = true; break; }
      }
      if (!earlier) { acc = acc + dy[o]; }
    }
  }
  y[i] = acc;"""),
    # vec4 over channels (C % 4 == 0; C and K count vec4s): same arithmetic per lane
    "MaxPool4": (("x",), _OUT_NHWK + """
  let c = k;
  var m = vec4<f32>(-inf_f());
  for (var fi = 0; fi < FH; fi = fi + 1) {
    for (var fj = 0; fj < FW; fj = fj + 1) {
      let h = oh * SH + fi - PT; let w = ow * SW + fj - PL;
      var v = vec4<f32>(-inf_f());
      if (h >= 0 && h < H && w >= 0 && w < W) { v = x[((n * u32(H) + u32(h)) * u32(W) + u32(w)) * C + c]; }
      m = select(m, v, !is_nan4(m) & ((v > m) | is_nan4(v)));
    }
  }
  y[i] = m;"""),
    "MaxPoolGrad4": (("dy", "x", "ym"), _OUT_NHWC + _POOL_GRAD_RANGE + """
  let xv = x[i];
  var acc = vec4<f32>(0.0);
  for (var oh = oh1; oh >= oh0; oh = oh - 1) {
    let hs = oh * SH - PT;
    for (var ow = ow1; ow >= ow0; ow = ow - 1) {
      let ws = ow * SW - PL;
      let o = ((n * u32(OH) + u32(oh)) * u32(OW) + u32(ow)) * C + c;
      let ymax = ym[o];
      // lanes whose (h, w) holds the maximum and no earlier window position does
      var live = (xv == ymax) | (is_nan4(xv) & is_nan4(ymax));
      for (var p = 0; p < (h - hs) * FW + (w - ws) && any(live); p = p + 1) {
        let hh = hs + p / FW; let ww = ws + p % FW;
        var v = vec4<f32>(-inf_f());
        if (hh >= 0 && hh < H && ww >= 0 && ww < W) { v = x[((n * u32(H) + u32(hh)) * u32(W) + u32(ww)) * C + c]; }
        live = live & !((v == ymax) | (is_nan4(v) & is_nan4(ymax)));
      }
      acc = acc + select(vec4<f32>(0.0), dy[o], live);
    }
  }
  y[i] = acc;"""),
}


# Pools that run four channels per thread when C % 4 == 0: their body is element-generic
# (ELEM) or has a vec4 twin under NAME + "4".
_VEC4_POOLS = ("MaxPool", "AvgPool", "AvgPoolGrad", "MaxPoolGrad")


def _conv_like(backend, name: str, ins, out_shape, geom):
    """geom: (N, H, W, C, OH, OW, K, FH, FW, SH, SW, DH, DW, PT, PL)."""
    out_shape = tuple(out_shape)
    n = size_of(out_shape)
    out = backend.alloc(n)
    if n == 0:
        return out, out_shape, "float32"
    if any(t.ref.handle.n == 0 for t in ins):
        from .elementwise import generate
        backend.pool.release(out.cls, out.buffer)
        return generate(backend, "Fill", "float32", out_shape, "f", (0.0,))
    names, body = _BODIES[name]
    if name in _VEC4_POOLS and geom[3] % 4 == 0:  # pools: vec4 over channels
        names, body = _BODIES.get(name + "4", (names, body))
        name = name + "4"
        n //= 4
        geom = (*geom[:3], geom[3] // 4, *geom[4:6], geom[6] // 4, *geom[7:])
    elem = "vec4<f32>" if name.endswith("4") else "f32"
    body = body.replace("ELEM", elem)

    def build():
        lines = [f"@group(0) @binding({j}) var<storage, read> {nm}: array<{elem}>;" for j, nm in enumerate(names)]
        lines.append(f"@group(0) @binding({len(names)}) var<storage, read_write> y: array<{elem}>;")
        lines.append("fn is_nan4(v: vec4<f32>) -> vec4<bool> {"
                     " return (bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u); }")
        return render("conv2d", BINDINGS="\n".join(lines), UBIND=len(names) + 1, WG=WG, BODY=body)

    pipe = backend.pipeline(f"conv:{name}", build)
    bufs = (*[t.ref.handle.buffer for t in ins], out.buffer)
    # words 16..18: the range of the long loop this dispatch covers, and accumulate
    fh, fw = geom[7], geom[8]
    if name == "Conv2DBackpropFilter":  # sums over (n, oh) rows
        total, step = geom[0] * geom[4], max(1, LOOP_BUDGET // (geom[5] + 2))
    elif name in ("Conv2D", "Conv2DBackpropInput"):  # sums over input / output channels
        total = geom[3] if name == "Conv2D" else geom[6]
        step = max(1, (LOOP_BUDGET // fh - 1) // fw - 1)
    else:
        total = step = 1
    for j, r0 in enumerate(range(0, total, step)):
        ub = pack("I" * 19, n, *geom, r0, min(total, r0 + step), int(j > 0))
        backend.run(pipe, bufs, ub, -(-n // WG))
    return out, out_shape, "float32"


def _gemm(backend, fn, ins, out_shape, geom):
    """The im2col + matmul path's handle, or None where the direct kernel must run."""
    if os.environ.get("WEBGRAD_CONV") == "direct" or size_of(out_shape) == 0 or any(t.ref.handle.n == 0 for t in ins):
        return None
    return fn(backend, *[t.ref.handle for t in ins], geom)


def _dil(attrs):
    return tuple(attrs.get("dilations") or (1, 1))


def _conv_geom(x_shape, y_shape, filter_hw, attrs) -> tuple:
    """(N, H, W, C, OH, OW, K, FH, FW, SH, SW, DH, DW, PT, PL) from the NHWC input and output shapes."""
    nb, h, w, c = x_shape
    _, oh, ow, k = y_shape
    (sh, sw), (dh, dw) = attrs["strides"], _dil(attrs)
    t, _, l, _ = attrs["pads"]
    return (nb, h, w, c, oh, ow, k, *filter_hw, sh, sw, dh, dw, t, l)


def _run_conv(name: str, gemm_fn, backend, ins, out_shape, geom):
    """The im2col + GEMM path where it applies, else the direct kernel."""
    y = _gemm(backend, gemm_fn, ins, out_shape, geom)
    if y is not None:
        return y, tuple(out_shape), "float32"
    return _conv_like(backend, name, ins, out_shape, geom)


@kernel("Conv2D")
def _conv2d(inputs, attrs, backend):
    x, f = inputs
    y_shape = (x.shape[0], *attrs["out_hw"], f.shape[3])
    geom = _conv_geom(x.shape, y_shape, f.shape[:2], attrs)
    return _run_conv("Conv2D", conv_gemm.conv2d, backend, [x, f], y_shape, geom)


@kernel("Conv2DBackpropInput")
def _conv2d_bi(inputs, attrs, backend):
    dy, f = inputs
    x_shape = tuple(attrs["input_shape"])
    geom = _conv_geom(x_shape, dy.shape, f.shape[:2], attrs)
    return _run_conv("Conv2DBackpropInput", conv_gemm.conv2d_backprop_input, backend, [dy, f], x_shape, geom)


@kernel("Conv2DBackpropFilter")
def _conv2d_bf(inputs, attrs, backend):
    x, dy = inputs
    f_shape = tuple(attrs["filter_shape"])
    geom = _conv_geom(x.shape, dy.shape, f_shape[:2], attrs)
    return _run_conv("Conv2DBackpropFilter", conv_gemm.conv2d_backprop_filter, backend, [x, dy], f_shape, geom)


def _pool_geom(x_shape, attrs):
    nb, h, w, c = x_shape
    oh, ow = attrs["out_hw"]
    fh, fw = attrs["filter_size"]
    sh, sw = attrs["strides"]
    t, _, l, _ = attrs["pads"]
    return (nb, h, w, c, oh, ow, c, fh, fw, sh, sw, 1, 1, t, l)


@kernel("MaxPool")
def _max_pool(inputs, attrs, backend):
    x = inputs[0]
    g = _pool_geom(x.shape, attrs)
    return _conv_like(backend, "MaxPool", [x], (g[0], g[4], g[5], g[3]), g)


@kernel("AvgPool")
def _avg_pool(inputs, attrs, backend):
    x = inputs[0]
    g = _pool_geom(x.shape, attrs)
    return _conv_like(backend, "AvgPool", [x], (g[0], g[4], g[5], g[3]), g)


@kernel("MaxPoolGrad")
def _max_pool_grad(inputs, attrs, backend):
    dy, x, y = inputs
    g = _pool_geom(x.shape, attrs)
    nb, h, w, c, oh, ow, _, fh, fw, sh, sw, _, _, pt, pl = g
    n = dy.ref.handle.n
    if sh < fh or sw < fw or n == 0 or 2 * fh * fw > LOOP_BUDGET or os.environ.get("WEBGRAD_CONV") == "direct":
        return _conv_like(backend, "MaxPoolGrad", [dy, x, y], x.shape, g)
    # disjoint windows: one pass over dy scatters into dx (zeroed first where windows leave gaps)
    if (sh, sw, pt, pl, oh * sh, ow * sw) == (fh, fw, 0, 0, h, w):
        out = backend.alloc(size_of(x.shape))
    else:
        from .elementwise import generate
        out, _, _ = generate(backend, "Fill", "float32", x.shape, "f", (0.0,))
    shader = "pool_max_grad4" if c % 4 == 0 else "pool_max_grad"  # vec4 over channels where they fit
    if c % 4 == 0:
        n //= 4
        g = (*g[:3], c // 4, *g[4:6], c // 4, *g[7:])
    pipe = backend.pipeline("pool:max_grad:disjoint" + ("4" if c % 4 == 0 else ""), lambda: render(shader, WG=WG))
    bufs = (dy.ref.handle.buffer, x.ref.handle.buffer, y.ref.handle.buffer, out.buffer)
    backend.run(pipe, bufs, pack("I" * 16, n, *g), -(-n // WG))
    return out, tuple(x.shape), "float32"


@kernel("AvgPoolGrad")
def _avg_pool_grad(inputs, attrs, backend):
    dy = inputs[0]
    shape = tuple(attrs["input_shape"])
    g = _pool_geom(shape, dict(attrs, out_hw=dy.shape[1:3]))
    return _conv_like(backend, "AvgPoolGrad", [dy], shape, g)
