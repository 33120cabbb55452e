"""The WebGPU convolution's im2col + matmul path (kernels/conv_gemm.py) against the NumPy
backend: batch chunking of the patch buffer, the direct-kernel fallback when one image's
patches exceed the cap, pointwise (1x1) shortcuts, filter-gradient row groups on bigger
shapes, stride/dilation/padding variants, and exact memory accounting (no leaked tensors
or pool buffers)."""
from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

_TMP = tempfile.gettempdir()
os.environ.setdefault("XDG_RUNTIME_DIR", os.path.join(_TMP, f"xdg-{os.getuid()}"))
os.environ.setdefault("MESA_SHADER_CACHE_DIR", os.path.join(_TMP, f"mesa-{os.getuid()}"))
os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)

import webgrad as wg  # noqa: E402
from webgrad.backends.webgpu.kernels import conv_gemm  # noqa: E402
from webgrad.engine import ENGINE  # noqa: E402

RNG = np.random.default_rng(11)


@pytest.fixture(autouse=True)
def restore_backend():
    yield
    wg.set_backend("cpu")


def conv_all(x, w, strides, pad, dil, backend):
    """y, dx, dw of sum(conv2d(x, w) * r) on backend, as NumPy."""
    wg.set_backend(backend)
    xt, wt = wg.tensor(x), wg.tensor(w)
    y = wg.conv2d(xt, wt, strides, pad, dil)
    r = wg.tensor(np.linspace(-1, 1, y.size, dtype=np.float32).reshape(y.shape))
    dx, dw = wg.grads(lambda a, b: wg.sum(wg.conv2d(a, b, strides, pad, dil) * r))([xt, wt])
    return y.numpy(), dx.numpy(), dw.numpy()


def check(xs, ws, strides=1, pad="same", dil=1, tol=1e-4):
    x = RNG.standard_normal(xs).astype(np.float32)
    w = RNG.standard_normal(ws).astype(np.float32)
    want = conv_all(x, w, strides, pad, dil, "cpu")
    got = conv_all(x, w, strides, pad, dil, "webgpu")
    for g, e, nm in zip(got, want, ("y", "dx", "dw")):
        assert g.shape == e.shape, nm
        scale = max(1.0, float(np.abs(e).max()))
        np.testing.assert_allclose(g, e, rtol=tol, atol=tol * scale, err_msg=nm)


class CountCalls:
    """Counts the im2col dispatches and direct-kernel runs while active."""

    def __init__(self, monkeypatch):
        from webgrad.backends.webgpu.kernels import nn
        self.im2col = self.direct = 0
        real_im2col, real_direct = conv_gemm._im2col, nn._conv_like

        def im2col(*a, **k):
            self.im2col += 1
            return real_im2col(*a, **k)

        def direct(backend, name, *a, **k):
            if name.startswith("Conv"):
                self.direct += 1
            return real_direct(backend, name, *a, **k)
        monkeypatch.setattr(conv_gemm, "_im2col", im2col)
        monkeypatch.setattr(nn, "_conv_like", direct)


@pytest.mark.parametrize("xs,ws,strides,pad,dil", [
    ((3, 9, 8, 5), (3, 3, 5, 6), 1, "same", 1),
    ((3, 9, 8, 5), (3, 3, 5, 6), 2, "same", 1),
    ((2, 11, 10, 4), (3, 2, 4, 8), (2, 1), "valid", (1, 2)),
    ((2, 11, 10, 3), (2, 3, 3, 4), (1, 3), [[2, 1], [0, 3]], (3, 1)),
    ((2, 12, 12, 7), (5, 5, 7, 3), 3, "same", 1),
    ((2, 6, 6, 1), (3, 3, 1, 16), 1, "same", 1),
    ((2, 6, 5, 12), (1, 1, 12, 8), 1, "valid", 1),   # pointwise: no im2col at all
    ((2, 6, 5, 12), (1, 1, 12, 8), 2, "valid", 1),   # 1x1 but strided: im2col
    ((1, 4, 4, 3), (4, 4, 3, 2), 1, "valid", 1),     # one output pixel
    ((2, 7, 6, 4), (2, 2, 4, 8), 1, [[3, 0], [0, 2]], 1),  # pad beyond the filter
    ((2, 7, 6, 8), (3, 3, 8, 4), 1, [[1, 0], [2, 1]], (2, 1)),
])
def test_variants_match_cpu(monkeypatch, xs, ws, strides, pad, dil):
    calls = CountCalls(monkeypatch)
    check(xs, ws, strides, pad, dil)
    assert calls.direct == 0  # everything went through the matmul path


def test_bigger_shape_uses_filter_row_groups():
    """16 x 24 x 24 images: the filter gradient splits its long row sum into groups."""
    check((16, 24, 24, 8), (3, 3, 8, 16), 1, "same", 1, tol=2e-4)


@pytest.mark.parametrize("per_chunk", [1, 2, 3])
@pytest.mark.parametrize("ws,strides", [((3, 3, 4, 8), 1), ((1, 1, 4, 8), 1), ((2, 2, 4, 4), 2)])
def test_batch_chunking(monkeypatch, per_chunk, ws, strides):
    """A patch cap of a few images splits the batch (7 images: uneven last chunk)."""
    xs = (7, 6, 5, 4)
    oh, ow = -(-6 // strides), -(-5 // strides)
    p = ws[0] * ws[1] * ws[2]
    monkeypatch.setattr(conv_gemm, "IM2COL_BYTES", per_chunk * 4 * oh * ow * p)
    calls = CountCalls(monkeypatch)
    check(xs, ws, strides, "same", 1)
    assert calls.direct == 0
    if ws[:2] != (1, 1):
        # at least one im2col per chunk for y, for the forward pass inside grads, and for dw
        assert calls.im2col >= 3 * -(-7 // per_chunk)


def test_falls_back_to_direct_kernels_beyond_the_cap(monkeypatch):
    monkeypatch.setattr(conv_gemm, "IM2COL_BYTES", 64)  # smaller than one image's patches
    calls = CountCalls(monkeypatch)
    check((2, 6, 6, 3), (3, 3, 3, 4), 1, "same", 1)
    assert calls.im2col == 0 and calls.direct == 4  # y, y again inside grads, dx, dw


def test_direct_env_matches_gemm(monkeypatch):
    x = RNG.standard_normal((3, 7, 7, 6)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 6, 8)).astype(np.float32)
    got = conv_all(x, w, 2, "same", 1, "webgpu")
    monkeypatch.setenv("WEBGRAD_CONV", "direct")
    ref = conv_all(x, w, 2, "same", 1, "webgpu")
    for g, e in zip(got, ref):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("chunked", [False, True])
def test_temporaries_return_to_the_pool(monkeypatch, chunked):
    """Patch buffers are neither tensors nor live buffers after the call."""
    if chunked:
        monkeypatch.setattr(conv_gemm, "IM2COL_BYTES", 2 * 4 * 36 * 27)
    wg.set_backend("webgpu")
    x = wg.tensor(RNG.standard_normal((5, 6, 6, 3)).astype(np.float32))
    w = wg.tensor(RNG.standard_normal((3, 3, 3, 4)).astype(np.float32))
    f = wg.grads(lambda a, b: wg.sum(wg.square(wg.conv2d(a, b, 1, "same"))))
    with wg.tidy():
        f([x, w])  # compile, fill the pool
    ENGINE.backend.sync()
    before = wg.memory()
    for _ in range(2):
        with wg.tidy():
            dx, dw = f([x, w])
            dx.data_sync()
    ENGINE.backend.sync()
    after = wg.memory()
    assert after["num_tensors"] == before["num_tensors"]
    assert after["num_bytes"] == before["num_bytes"]
    assert after["webgpu"]["live_buffers"] == before["webgpu"]["live_buffers"]
    assert after["webgpu"]["live_bytes"] == before["webgpu"]["live_bytes"]


def test_long_sums_split_across_dispatches(monkeypatch):
    """A tiny loop budget makes every product's inner sum run as accumulating dispatches."""
    from webgrad.backends.webgpu.kernels import util
    monkeypatch.setattr(util, "LOOP_BUDGET", 7)
    check((3, 6, 6, 4), (3, 3, 4, 8), 1, "same", 1)


def test_patches_beyond_the_default_cap_are_chunked(monkeypatch):
    """24 images of 64 x 64 x 8 under a 5 x 5 filter: 78 MB of patches, over the default
    64 MiB cap, so the batch runs in two chunks (on the real buffers, no patched cap)."""
    calls = CountCalls(monkeypatch)
    x = RNG.standard_normal((24, 64, 64, 8)).astype(np.float32)
    w = RNG.standard_normal((5, 5, 8, 8)).astype(np.float32)
    wg.set_backend("cpu")
    want = wg.conv2d(wg.tensor(x), wg.tensor(w), 1, "same").numpy()
    wg.set_backend("webgpu")
    got = wg.conv2d(wg.tensor(x), wg.tensor(w), 1, "same").numpy()
    assert calls.im2col == 2 and calls.direct == 0
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("xs,fs,strides,pad", [
    ((2, 8, 8, 4), 2, 2, "valid"),            # exact tiling: no zero fill
    ((2, 9, 7, 3), 2, 3, "valid"),            # stride > filter: gaps stay zero
    ((2, 7, 7, 5), 2, 2, "same"),             # padding at the far edges
    ((1, 8, 9, 4), (2, 3), (2, 3), [[1, 0], [0, 2]]),
    ((1, 3, 3, 2), 2, 2, [[2, 1], [2, 2]]),   # windows of padding only
])
@pytest.mark.parametrize("data", ["normal", "ties", "nan"])
def test_max_pool_grad_disjoint_windows(xs, fs, strides, pad, data):
    x = RNG.standard_normal(xs).astype(np.float32)
    if data == "ties":
        x = np.round(x)
    elif data == "nan":
        x.flat[::5] = np.nan
    res = []
    for backend in ("cpu", "webgpu"):
        wg.set_backend(backend)
        xt = wg.tensor(x)
        y = wg.max_pool(xt, fs, strides, pad)
        r = wg.tensor(np.linspace(-1, 1, y.size, dtype=np.float32).reshape(y.shape))
        res.append(wg.grad(lambda a: wg.sum(wg.max_pool(a, fs, strides, pad) * r))(xt).numpy())
    np.testing.assert_array_equal(res[1], res[0])
    assert {"pool:max_grad:disjoint", "pool:max_grad:disjoint4"} & set(ENGINE.backend.pipelines)


@pytest.mark.parametrize("cap_rows", [1, 7, 29])
def test_row_chunks_within_an_image(monkeypatch, cap_rows):
    """A cap below one image's patches: Conv2D and the filter gradient still run as
    im2col + matmul over chunks of patch rows (uneven ones crossing image borders);
    only the input gradient (chunked by whole images) falls back to the direct kernel."""
    ws = (3, 3, 4, 8)
    monkeypatch.setattr(conv_gemm, "IM2COL_BYTES", cap_rows * 4 * 3 * 3 * 4)
    calls = CountCalls(monkeypatch)
    check((3, 6, 5, 4), ws, 1, "same", 1)
    rows = 3 * 6 * 5
    assert calls.im2col == 3 * -(-rows // cap_rows)
    assert calls.direct == 1


@pytest.mark.parametrize("mode", ["thin", "matmul"])
@pytest.mark.parametrize("xs,ws,strides,pad", [
    ((4, 9, 8, 8), (3, 3, 8, 16), 1, "same"),     # 16 output channels
    ((4, 9, 8, 12), (3, 3, 12, 48), 2, "same"),   # 48: two vec4 columns per invocation
    ((2, 6, 6, 8), (1, 1, 8, 64), 1, "valid"),    # pointwise, 64 wide
])
def test_thin_kernel_and_batch_matmul_agree_with_cpu(monkeypatch, mode, xs, ws, strides, pad):
    """Both product kernels (WEBGRAD_CONV_GEMM forces one) give the NumPy results."""
    monkeypatch.setenv("WEBGRAD_CONV_GEMM", mode)
    check(xs, ws, strides, pad, 1)
