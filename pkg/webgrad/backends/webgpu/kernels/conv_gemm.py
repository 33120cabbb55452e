"""Convolution as matrix multiplication (im2col / col2im around the BatchMatMul kernel).

For an NHWC input and a [FH, FW, C, K] filter (read as a [P = FH*FW*C, K] matrix):
* Conv2D:               y[rows, K]  = cols[rows, P] @ f[P, K]
* Conv2DBackpropFilter: df[P, K]    = sum over row groups of cols[g]^T @ dy[g]
* Conv2DBackpropInput:  dcols       = dy[rows, K] @ f^T, then col2im sums taps into dx
                        (shaders/conv_col2im.wgsl)
where rows = (n, oh, ow) and cols are the input patches (shaders/conv_im2col.wgsl).
A 1x1, stride-1, unpadded filter skips im2col (the input is the patch matrix).

The products run on the thin-product kernel (shaders/conv_gemm.wgsl) when at most 64
columns wide on CPU adapters, else on BatchMatMul (kernels/matmul.py, called unchanged
through the engine's kernel table). Switches: ``WEBGRAD_CONV=direct`` (nn.py: the
one-thread-per-output kernels), ``WEBGRAD_CONV_GEMM=matmul|thin``.

The patch buffers are pooled temporaries, never tensors, and are returned to the pool
in the same call. They are built a chunk at a time so one chunk stays within
``IM2COL_BYTES`` (``WEBGRAD_IM2COL_BYTES``, default 64 MiB, never beyond the device's
storage-binding limit): chunks of patch rows for Conv2D and the filter gradient,
chunks of whole images for the input gradient (col2im). Each function returns None
where even one chunk unit exceeds that (one row of patches; one image's patch
gradients for the input gradient), and the caller then uses the direct kernels
(shaders/conv2d.wgsl).
"""
from __future__ import annotations

import os

from ....engine import ENGINE
from ..shaders import render
from . import util
from .util import WG, pack

IM2COL_BYTES = int(os.environ.get("WEBGRAD_IM2COL_BYTES", 64 << 20))
# the filter gradient splits its long sum over rows into about this many row groups
# (a batch of small matmuls) so that enough invocations run in parallel
_FILTER_GROUP_ROWS = 2048
# on CPU adapters, products at most this wide use shaders/conv_gemm.wgsl (measured on
# lavapipe: 1.4-4x BatchMatMul's speed for 16-64 columns; comparable or slower beyond);
# GPUs keep BatchMatMul's tiled kernel (the thin kernel is unmeasured there)
_THIN_MAX = 64


class _View:
    """Tensor-like (shape, dtype, ref.handle) over a handle, to call other kernels."""

    class _Ref:
        def __init__(self, handle):
            self.handle = handle

    def __init__(self, handle, shape, dtype: str = "float32"):
        self.ref = _View._Ref(handle)
        self.shape = tuple(shape)
        self.dtype = dtype
        self.rank = len(self.shape)


def _thin(backend) -> bool:
    """Use the thin-product kernel? On CPU adapters (where it was measured) unless
    ``WEBGRAD_CONV_GEMM=matmul``; ``=thin`` forces it everywhere."""
    forced = os.environ.get("WEBGRAD_CONV_GEMM")
    if forced in ("matmul", "thin"):
        return forced == "thin"
    return backend.device.adapter_info.get("adapter_type") == "CPU"


def _matmul(backend, a, a_shape, b, b_shape, ta=False, tb=False):
    """a @ b for handles read as a_shape, b_shape (3-D, equal batch or b's batch 1): the
    thin-product kernel below where it applies (n <= 64 columns), else BatchMatMul."""
    batch, ra, ca = a_shape
    k, n = b_shape[1:] if not tb else b_shape[:0:-1]
    m = ca if ta else ra
    if not tb and n % 4 == 0 and n <= _THIN_MAX and _thin(backend) \
            and -(-m // (_blocking(n)[0] * _blocking(n)[3])) <= backend.max_wg_dim:
        sam, sak = (1, ca) if ta else (ca, 1)
        out = gemm(backend, a, b, m, n, k, sam, sak, batch, ra * ca, k * n if b_shape[0] > 1 else 0)
        return out, (batch, m, n)
    fn = ENGINE.kernels[("BatchMatMul", "webgpu")]
    h, shape, _ = fn([_View(a, a_shape), _View(b, b_shape)], {"transpose_a": ta, "transpose_b": tb}, backend)
    return h, shape


def _release(backend, h) -> None:
    backend.pool.release(h.cls, h.buffer)
    h.buffer = None


def _chunk(backend, rows_per_image: int, p: int, nb: int) -> int:
    """Images per col2im chunk (0 when a single image's patch gradients are too big)."""
    cap = min(IM2COL_BYTES, backend.max_binding)
    return min(nb, cap // max(1, 4 * rows_per_image * p))


def _row_chunk(backend, p: int, rows: int) -> int:
    """Patch rows per im2col chunk: all, a multiple of the filter-gradient group size
    where the cap allows, else what fits (0 when one row of patches is too big)."""
    cap_rows = min(IM2COL_BYTES, backend.max_binding) // (4 * p)
    if cap_rows >= rows or cap_rows < _FILTER_GROUP_ROWS:
        return min(rows, cap_rows)
    return cap_rows // _FILTER_GROUP_ROWS * _FILTER_GROUP_ROWS


def _groups(rows: int) -> int:
    """Row groups for the filter gradient: the most that divide rows evenly while each
    keeps at least _FILTER_GROUP_ROWS rows."""
    for g in range(rows // _FILTER_GROUP_ROWS, 1, -1):
        if rows % g == 0:
            return g
    return 1


def _pointwise(geom) -> bool:
    """A 1x1 filter, stride 1, no padding: the input already is the patch matrix."""
    _, h, w, _, oh, ow, _, fh, fw, sh, sw, _, _, pt, pl = geom
    return fh == fw == sh == sw == 1 and pt == pl == 0 and (oh, ow) == (h, w)


_IM2COL_SCALAR = """  let c0 = cq * 4u;
  let c1 = min(C, c0 + 4u);
  for (var c = c0; c < c1; c = c + 1u) { cols[ob + c] = select(0.0, x[xb + c], inside); }"""
_IM2COL_VEC = """  cols[ob / 4u + cq] = select(vec4<f32>(0.0), x[xb / 4u + cq], inside);"""


def _im2col(backend, x, geom, r0: int, rows: int):
    """The patches of rows r0 .. r0 + rows - 1 (rows = (n, oh, ow)) as a pooled buffer."""
    c, fh, fw = geom[3], geom[7], geom[8]
    cols = backend.alloc(rows * fh * fw * c, "im2col patches")
    items = rows * fh * fw * (-(-c // 4))
    vec = c % 4 == 0
    pipe = backend.pipeline(f"conv:im2col:{'vec4' if vec else 'f32'}",
                            lambda: render("conv_im2col", WG=WG, T="vec4<f32>" if vec else "f32",
                                           COPY=_IM2COL_VEC if vec else _IM2COL_SCALAR))
    backend.run(pipe, (x.buffer, cols.buffer), pack("I" * 17, items, *geom, r0), -(-items // WG))
    return cols


def _rows_of(backend, src, r0: int, rows: int, width: int):
    """Rows r0.. of a [*, width] matrix handle as a handle starting at offset 0 (a pooled
    copy unless r0 == 0); returns (handle, is_copy)."""
    if r0 == 0:
        return src, False
    h = backend.alloc(rows * width, "row chunk")
    backend.device.copy_buffer(src.buffer, 4 * r0 * width, h.buffer, 0, 4 * rows * width)
    return h, True


def conv2d(backend, x, f, geom: tuple):
    """Conv2D through im2col + matmul; x, f are handles. Returns a handle or None."""
    nb, h, w, c, oh, ow, k, fh, fw = geom[:9]
    p, total = fh * fw * c, nb * oh * ow
    if _pointwise(geom):
        y, _ = _matmul(backend, x, (1, total, c), f, (1, c, k))
        return y
    per = _row_chunk(backend, p, total)
    if per == 0:
        return None
    y = None if per >= total else backend.alloc(total * k)
    for r0 in range(0, total, per):
        rows = min(per, total - r0)
        cols = _im2col(backend, x, geom, r0, rows)
        yc, _ = _matmul(backend, cols, (1, rows, p), f, (1, p, k))
        _release(backend, cols)
        if y is None:
            return yc
        backend.device.copy_buffer(yc.buffer, 0, y.buffer, 4 * r0 * k, 4 * rows * k)
        _release(backend, yc)
    return y


def conv2d_backprop_filter(backend, x, dy, geom: tuple):
    """df[FH, FW, C, K] = patches^T @ dy, summed over row groups. Returns a handle or None."""
    from .elementwise import run_map
    from .reduce import reduce_axes

    nb, h, w, c, oh, ow, k, fh, fw = geom[:9]
    p, total = fh * fw * c, nb * oh * ow
    per = _row_chunk(backend, p, total)
    if per == 0:
        return None
    acc = None
    for r0 in range(0, total, per):
        rows = min(per, total - r0)
        if _pointwise(geom):
            src, copied = _rows_of(backend, x, r0, rows, c)
        else:
            src, copied = _im2col(backend, x, geom, r0, rows), True
        dyc, dy_copied = _rows_of(backend, dy, r0, rows, k)
        g = _groups(rows)
        part, _ = _matmul(backend, src, (g, rows // g, p), dyc, (g, rows // g, k), ta=True)
        if copied:
            _release(backend, src)
        if dy_copied:
            _release(backend, dyc)
        if g > 1:
            s, _, _ = reduce_axes(backend, "Sum", _View(part, (g, p, k)), [0], (1, p, k), "float32")
            _release(backend, part)
            part = s
        if acc is None:
            acc = part
        else:
            t2, _, _ = run_map(backend, "Add", "{0} + {1}", [_View(acc, (p, k)), _View(part, (p, k))], "float32")
            _release(backend, acc)
            _release(backend, part)
            acc = t2
    return acc


def conv2d_backprop_input(backend, dy, f, geom: tuple):
    """dx = col2im(dy @ f^T); dy, f are handles. Returns a handle or None."""
    nb, h, w, c, oh, ow, k, fh, fw = geom[:9]
    p, rpi = fh * fw * c, oh * ow
    if _pointwise(geom):
        dx, _ = _matmul(backend, dy, (1, nb * rpi, k), f, (1, c, k), tb=True)
        return dx
    per = _chunk(backend, rpi, p, nb)
    if per == 0:
        return None
    dx = backend.alloc(nb * h * w * c)
    # f^T as a contiguous [K, P] matrix: the products below then take the vec4 paths
    # (about 2x BatchMatMul's strided transpose_b read on lavapipe for small K)
    ft, _, _ = ENGINE.kernels[("Transpose", "webgpu")]([_View(f, (p, k))], {"perm": (1, 0)}, backend)
    pipe = backend.pipeline("conv:col2im", lambda: render("conv_col2im", WG=WG))
    for n0 in range(0, nb, per):
        imgs = min(per, nb - n0)
        dyc = dy
        if n0:
            dyc = backend.alloc(imgs * rpi * k, "dy chunk")
            backend.device.copy_buffer(dy.buffer, 4 * n0 * rpi * k, dyc.buffer, 0, 4 * imgs * rpi * k)
        dcols, _ = _matmul(backend, dyc, (1, imgs * rpi, k), ft, (1, k, p))
        if dyc is not dy:
            _release(backend, dyc)
        items = imgs * h * w * c
        backend.run(pipe, (dcols.buffer, dx.buffer), pack("I" * 17, items, *geom, n0), -(-items // WG))
        _release(backend, dcols)
    _release(backend, ft)
    return dx


# -- the thin-product kernel (shaders/conv_gemm.wgsl) -------------------------------------------


def _gemm_wgsl(tm: int, nv: int, wx: int, wy: int) -> str:
    decl = [f"  var c{i}_{v} = vec4<f32>(0.0);" for i in range(tm) for v in range(nv)]
    loads = [f"    let a{i} = a[abase + min(m0 + {i}u, M - 1u) * sam + k * sak];" for i in range(tm)]
    loads += [f"    let b{v} = b[bbase + k * N4 + min(n0 + {v}u, N4 - 1u)];" for v in range(nv)]
    fmas = [f"    c{i}_{v} = fma(vec4<f32>(a{i}), b{v}, c{i}_{v});" for i in range(tm) for v in range(nv)]
    stores = [f"  if (m0 + {i}u < M && n0 + {v}u < N4) {{ let o = cbase + (m0 + {i}u) * N4 + n0 + {v}u; "
              f"c[o] = select(vec4<f32>(0.0), c[o], acc) + c{i}_{v}; }}" for i in range(tm) for v in range(nv)]
    return render("conv_gemm", WX=wx, WY=wy, TM=tm, NV=nv, DECL="\n".join(decl), LOADS="\n".join(loads),
                  FMAS="\n".join(fmas), STORES="\n".join(stores))


def _blocking(n: int) -> tuple[int, int, int, int]:
    """(rows, vec4 columns) per invocation and the workgroup shape for an n-wide product."""
    nv = 1 if n <= 32 else 2
    return 16, nv, 8, 8


def gemm(backend, a, b, m: int, n: int, k: int, sam: int, sak: int, batch: int = 1,
         a_batch: int = 0, b_batch: int = 0, cfg=None):
    """C[z] = A[z] @ B[z] for z < batch, B contiguous [k, n] with n % 4 == 0; a, b handles."""
    out = backend.alloc(batch * m * n, "convolution product")
    tm, nv, wx, wy = cfg or _blocking(n)
    pipe = backend.pipeline(f"conv:gemm:{tm}x{nv}:{wx}x{wy}", lambda: _gemm_wgsl(tm, nv, wx, wy))
    grid = (-(-(n // 4) // (nv * wx)), -(-m // (tm * wy)), batch)
    budget = util.LOOP_BUDGET
    for j, k0 in enumerate(range(0, k, budget)):
        ub = pack("I" * 11, m, n, k, int(j > 0), sam, sak, a_batch, b_batch, m * n, k0, min(k, k0 + budget))
        backend.run(pipe, (a.buffer, b.buffer, out.buffer), ub, grid)
    return out
