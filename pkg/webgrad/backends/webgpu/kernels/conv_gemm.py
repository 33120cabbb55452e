"""Convolution as matrix multiplication (im2col / col2im around the BatchMatMul kernel).

For an NHWC input and a [FH, FW, C, K] filter (read as a [P = FH*FW*C, K] matrix):
* Conv2D:               y[rows, K]  = cols[rows, P] @ f[P, K]
* Conv2DBackpropFilter: df[P, K]    = sum over row groups of cols[g]^T @ dy[g]
* Conv2DBackpropInput:  dcols       = dy[rows, K] @ f^T, then col2im sums taps into dx
where rows = (n, oh, ow) and cols are the input patches (shaders/conv_im2col.wgsl).

The patch buffers are pooled temporaries, never tensors, and are returned to the pool
in the same call. They are built a batch chunk at a time so one chunk stays within
``IM2COL_BYTES`` (``WEBGRAD_IM2COL_BYTES``, default 64 MiB, never beyond the device's
storage-binding limit). Each function returns None when even one image's patches
exceed that, and the caller then uses the direct kernels (shaders/conv2d.wgsl).
"""
from __future__ import annotations

import os

from ....engine import ENGINE
from ..shaders import render
from .util import WG, pack

IM2COL_BYTES = int(os.environ.get("WEBGRAD_IM2COL_BYTES", 64 << 20))
# the filter gradient splits its long sum over rows into about this many row groups
# (a batch of small matmuls) so that enough invocations run in parallel
_FILTER_GROUP_ROWS = 2048


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


def _matmul(backend, a, a_shape, b, b_shape, ta=False, tb=False):
    fn = ENGINE.kernels[("BatchMatMul", "webgpu")]
    h, shape, _ = fn([_View(a, a_shape), _View(b, b_shape)], {"transpose_a": ta, "transpose_b": tb}, backend)
    return h, shape


def _release(backend, h) -> None:
    backend.pool.release(h.cls, h.buffer)
    h.buffer = None


def _chunk(backend, rows_per_image: int, p: int, nb: int) -> int:
    """Images per im2col chunk (0 when a single image's patches are too big)."""
    cap = min(IM2COL_BYTES, backend.max_binding)
    return min(nb, cap // max(1, 4 * rows_per_image * p))


def _pointwise(geom) -> bool:
    """A 1x1 filter, stride 1, no padding: the input already is the patch matrix."""
    _, h, w, _, oh, ow, _, fh, fw, sh, sw, _, _, pt, pl = geom
    return fh == fw == sh == sw == 1 and pt == pl == 0 and (oh, ow) == (h, w)


def _im2col(backend, x, geom, n0: int, imgs: int):
    nb, h, w, c, oh, ow, k, fh, fw = geom[:9]
    p = fh * fw * c
    cols = backend.alloc(imgs * oh * ow * p, "im2col patches")
    items = imgs * oh * ow * fh * fw * (-(-c // 4))
    pipe = backend.pipeline("conv:im2col", lambda: render("conv_im2col", WG=WG))
    backend.run(pipe, (x.buffer, cols.buffer), pack("I" * 17, items, *geom, n0), -(-items // WG))
    return cols


def conv2d(backend, x, f, geom):
    """Conv2D through im2col + matmul; x, f are handles. Returns a handle or None."""
    nb, h, w, c, oh, ow, k, fh, fw = geom[:9]
    p, rpi = fh * fw * c, oh * ow
    if _pointwise(geom):
        y, _ = _matmul(backend, x, (1, nb * rpi, c), f, (1, c, k))
        return y
    per = _chunk(backend, rpi, p, nb)
    if per == 0:
        return None
    y = None if per >= nb else backend.alloc(nb * rpi * k)
    for n0 in range(0, nb, per):
        imgs = min(per, nb - n0)
        cols = _im2col(backend, x, geom, n0, imgs)
        yc, _ = _matmul(backend, cols, (1, imgs * rpi, p), f, (1, p, k))
        _release(backend, cols)
        if y is None:
            return yc
        backend.device.copy_buffer(yc.buffer, 0, y.buffer, 4 * n0 * rpi * k, 4 * imgs * rpi * k)
        _release(backend, yc)
    return y


def conv2d_backprop_filter(backend, x, dy, geom):
    """df[FH, FW, C, K] = patches^T @ dy, summed over row groups. Returns a handle or None."""
    from .elementwise import run_map
    from .reduce import reduce_axes

    nb, h, w, c, oh, ow, k, fh, fw = geom[:9]
    p, rpi = fh * fw * c, oh * ow
    per = _chunk(backend, rpi, p, nb)
    if per == 0:
        return None
    total = None
    for n0 in range(0, nb, per):
        imgs = min(per, nb - n0)
        rows = imgs * rpi
        if _pointwise(geom):
            cols, off = None, n0 * rpi * c
            if off:  # matmul reads from offset 0: copy the chunk out
                cols = backend.alloc(rows * c, "im2col patches")
                backend.device.copy_buffer(x.buffer, 4 * off, cols.buffer, 0, 4 * rows * c)
            src = cols if cols is not None else x
        else:
            cols = src = _im2col(backend, x, geom, n0, imgs)
        # row groups: whole images, at least _FILTER_GROUP_ROWS rows each
        g = 1
        for cand in range(imgs, 0, -1):
            if imgs % cand == 0 and (imgs // cand) * rpi >= _FILTER_GROUP_ROWS:
                g = cand
                break
        gr = rows // g
        dyc = dy
        if n0:
            dyc = backend.alloc(rows * k, "dy chunk")
            backend.device.copy_buffer(dy.buffer, 4 * n0 * rpi * k, dyc.buffer, 0, 4 * rows * k)
        part, _ = _matmul(backend, src, (g, gr, p), dyc, (g, gr, k), ta=True)
        if cols is not None:
            _release(backend, cols)
        if dyc is not dy:
            _release(backend, dyc)
        if g > 1:
            s, _, _ = reduce_axes(backend, "Sum", _View(part, (g, p, k)), [0], (1, p, k), "float32")
            _release(backend, part)
            part = s
        if total is None:
            total = part
        else:
            t2, _, _ = run_map(backend, "Add", "{0} + {1}", [_View(total, (p, k)), _View(part, (p, k))], "float32")
            _release(backend, total)
            _release(backend, part)
            total = t2
    return total


def conv2d_backprop_input(backend, dy, f, geom):
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
    pipe = backend.pipeline("conv:col2im", lambda: render("conv_col2im", WG=WG))
    for n0 in range(0, nb, per):
        imgs = min(per, nb - n0)
        dyc = dy
        if n0:
            dyc = backend.alloc(imgs * rpi * k, "dy chunk")
            backend.device.copy_buffer(dy.buffer, 4 * n0 * rpi * k, dyc.buffer, 0, 4 * imgs * rpi * k)
        dcols, _ = _matmul(backend, dyc, (1, imgs * rpi, k), f, (1, p, k), tb=True)
        if dyc is not dy:
            _release(backend, dyc)
        items = imgs * h * w * c
        backend.run(pipe, (dcols.buffer, dx.buffer), pack("I" * 17, items, *geom, n0), -(-items // WG))
        _release(backend, dcols)
    return dx
