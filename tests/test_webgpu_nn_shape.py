"""The WebGPU backend's shape and nn kernels (Concat, Pack, Unpack, SplitV, Slice, PadV2,
Tile, Reverse, GatherV2, OneHot, Softmax, LogSoftmax, Conv2D and its backprops, pools and
their gradients) against the NumPy backend: values on representative shapes (rank 0-4,
size 0, strides, dilations, padding, more inputs than storage bindings, more threads
than one grid dimension holds) and gradients through them."""
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

RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def restore_backend():
    yield
    wg.set_backend("cpu")


def rand(*shape, dtype=np.float32):
    if dtype == np.int32:
        return RNG.integers(-50, 50, size=shape).astype(np.int32)
    if dtype == np.bool_:
        return RNG.random(shape) < 0.5
    return RNG.standard_normal(shape).astype(np.float32)


def tensor(a):
    """wg.tensor(a); an empty array of rank > 1 goes in flat, then reshaped (wg.tensor
    rejects it: a memoryview cast of a zero-size multi-dimensional array fails)."""
    a = np.asarray(a)
    if a.size == 0 and a.ndim > 1:
        return wg.reshape(wg.tensor(a.reshape(-1)), a.shape)
    return wg.tensor(a)


def on(backend: str, fn, *arrays):
    """fn(*tensors) on backend, as NumPy (a list for multi-output ops)."""
    wg.set_backend(backend)
    out = fn(*[tensor(a) for a in arrays])
    if isinstance(out, list):
        return [t.numpy() for t in out], [t.dtype for t in out]
    return out.numpy(), out.dtype


def same(fn, *arrays, exact=True, tol=1e-5):
    """fn gives the same shapes, dtypes and values on webgpu as on cpu."""
    want, want_dt = on("cpu", fn, *arrays)
    got, got_dt = on("webgpu", fn, *arrays)
    assert got_dt == want_dt
    if not isinstance(want, list):
        want, got = [want], [got]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        if exact:
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def same_grads(f, *arrays, tol=1e-4):
    """wg.grads(f) agrees on webgpu and cpu."""
    res = []
    for backend in ("cpu", "webgpu"):
        wg.set_backend(backend)
        res.append([g.numpy() for g in wg.grads(f)([tensor(a) for a in arrays])])
    for g, w in zip(res[1], res[0]):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


DTYPES = [np.float32, np.int32, np.bool_]

# -- Concat / Pack / Unpack / SplitV ------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes,axis", [
    ([(3,), (0,), (2,)], 0),
    ([(2, 3), (2, 1), (2, 4)], 1),
    ([(2, 3, 4), (1, 3, 4)], 0),
    ([(2, 1, 3, 2), (2, 1, 3, 5), (2, 1, 3, 0)], 3),
    ([(2, 0, 3), (2, 0, 1)], 2),
])
def test_concat(shapes, axis, dtype):
    same(lambda *ts: wg.concat(list(ts), axis), *[rand(*s, dtype=dtype) for s in shapes])


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_concat_20_inputs(axis):
    """More inputs than a stage has storage bindings."""
    parts = [rand(2, 3, 2) + i for i in range(20)]
    same(lambda *ts: wg.concat(list(ts), axis), *parts)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack_20_inputs(axis):
    same(lambda *ts: wg.stack(list(ts), axis), *[rand(3, 2, dtype=np.int32) for _ in range(20)])


def test_stack_scalars_and_empty():
    same(lambda *ts: wg.stack(list(ts)), *[np.float32(i) for i in range(20)])
    same(lambda *ts: wg.stack(list(ts), 1), *[rand(2, 0) for _ in range(3)])
    same(lambda *ts: wg.stack(list(ts), 2), *[rand(2, 3, dtype=np.bool_) for _ in range(3)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [((4,), 0), ((3, 4), 1), ((2, 3, 4, 5), 2), ((2, 0, 3), 2)])
def test_unstack(shape, axis, dtype):
    same(lambda x: wg.unstack(x, axis), rand(*shape, dtype=dtype))


@pytest.mark.parametrize("shape,sizes,axis", [
    ((7,), [2, 0, 5], 0), ((2, 6, 3), 3, 1), ((2, 3, 4, 5), [1, -1, 2], 3), ((0, 4), 2, 1)])
def test_split(shape, sizes, axis):
    same(lambda x: wg.split(x, sizes, axis), rand(*shape))
    same(lambda x: wg.split(x, sizes, axis), rand(*shape, dtype=np.int32))

# -- Slice / Reverse / Tile / PadV2 ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,begin,size", [
    ((), [], []), ((6,), [2], [3]), ((4, 5), [1, 0], [2, -1]), ((2, 3, 4, 5), [1, 0, 1, 2], [1, 2, 3, -1]),
    ((3, 4), [1, 1], [0, 2]), ((3, 0), [1, 0], [2, 0])])
def test_slice(shape, begin, size, dtype):
    same(lambda x: wg.slice(x, begin, size), rand(*shape, dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [
    ((), None), ((5,), 0), ((3, 4), None), ((2, 3, 4, 5), [1, 3]), ((2, 3, 4, 5), [0, 2, 3]), ((3, 0), 0),
    ((3, 4), [])])
def test_reverse(shape, axis, dtype):
    same(lambda x: wg.reverse(x, axis), rand(*shape, dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,reps", [
    ((), []), ((3,), [4]), ((2, 3), [2, 1]), ((2, 1, 3, 2), [1, 3, 2, 2]), ((2, 3), [0, 2]), ((0, 2), [3, 1])])
def test_tile(shape, reps, dtype):
    same(lambda x: wg.tile(x, reps), rand(*shape, dtype=dtype))


@pytest.mark.parametrize("dtype,value", [(np.float32, 7.5), (np.float32, float("-inf")), (np.int32, -3),
                                         (np.bool_, 1)])
@pytest.mark.parametrize("shape,pads", [
    ((4,), [[2, 1]]), ((2, 3), [[0, 0], [0, 0]]), ((2, 3, 4, 2), [[0, 1], [2, 0], [1, 1], [0, 3]]),
    ((0, 3), [[1, 1], [0, 2]]), ((2, 0), [[0, 0], [1, 0]])])
def test_pad(shape, pads, dtype, value):
    same(lambda x: wg.pad(x, pads, value), rand(*shape, dtype=dtype))


def test_pad_scalar():
    """A scalar has no axes to pad: a copy (checked directly; NumPy's pad rejects it)."""
    wg.set_backend("webgpu")
    for value, dtype in ((2.5, "float32"), (-4, "int32"), (True, "bool")):
        y = wg.pad(wg.tensor(value, dtype=dtype), [], 1)
        assert (y.shape, y.dtype, y.tolist()) == ((), dtype, value)

# -- GatherV2 / OneHot -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,idx,axis", [
    ((5,), [4, 0, 0, 2], 0),
    ((4, 3), [[3, -1], [0, 9]], 0),
    ((2, 5, 3), [4, 1, 5, -2], 1),
    ((2, 3, 4, 5), [[1], [4]], 3),
    ((3, 4), [], 1),
    ((0, 3), [0, 2], 0),
    ((3, 2), 1, 0),
])
def test_gather(shape, idx, axis, dtype):
    """Out-of-range indices (negative or too large) give zeros, as the cpu kernel does."""
    same(lambda x, i: wg.gather(x, i, axis), rand(*shape, dtype=dtype), np.asarray(idx, dtype=np.int32))


@pytest.mark.parametrize("dtype,on_v,off_v", [("int32", 1, 0), ("float32", 2.5, -1.0), ("int32", -7, 3)])
@pytest.mark.parametrize("idx,depth", [([1, 0, 3], 4), ([[1, 5], [-1, 0]], 4), (2, 3), ([], 3),
                                       (np.zeros((2, 0), np.int32), 2)])
def test_one_hot(idx, depth, dtype, on_v, off_v):
    same(lambda i: wg.one_hot(i, depth, on_v, off_v, dtype), np.asarray(idx, dtype=np.int32))

def test_beyond_one_grid_dimension():
    """Outputs needing more than 65,535 workgroups of 256 threads (a 2-D grid): the strided
    gather (Tile) and OneHot, checked against NumPy directly."""
    wg.set_backend("webgpu")
    n = 65535 * 256 + 1000
    reps = -(-n // 7)
    y = wg.tile(wg.tensor(np.arange(7, dtype=np.int32)), [reps]).numpy()
    np.testing.assert_array_equal(y, np.tile(np.arange(7, dtype=np.int32), reps))
    del y
    idx = (np.arange(n // 2) % 3).astype(np.int32)
    hot = wg.one_hot(wg.tensor(idx), 2).numpy()
    np.testing.assert_array_equal(hot, (idx[:, None] == np.arange(2)).astype(np.int32))

# -- Softmax / LogSoftmax ---------------------------------------------------------------------------


def _logits():
    x = rand(6, 300) * 5
    x[1, 4] = np.inf
    x[2, 7] = np.nan
    x[3] = -np.inf
    x[4, :] = 88.0  # exp overflow unless the maximum is subtracted
    return x


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("make,axis", [
    (lambda: rand(5), -1), (lambda: rand(1, 1), -1), (_logits, -1), (lambda: rand(2, 3, 4, 5), 1),
    (lambda: rand(0, 4), -1), (lambda: rand(70000, 3), -1), (lambda: rand(3, 2000), -1)])
def test_softmax(op, make, axis):
    """Includes +-inf/NaN rows, rows of one element, many short rows and a few long ones."""
    same(lambda x: getattr(wg, op)(x, axis), make(), exact=False)

# -- Conv2D and its backprops --------------------------------------------------------------------------


CONV_CASES = [
    # x shape, filter shape, strides, pad, dilations
    ((1, 5, 5, 1), (3, 3, 1, 1), 1, "valid", 1),
    ((2, 7, 6, 3), (3, 2, 3, 4), 1, "same", 1),
    ((2, 7, 6, 3), (3, 2, 3, 4), 2, "same", 1),
    ((2, 7, 6, 3), (3, 2, 3, 2), (1, 2), [[1, 2], [0, 1]], (2, 1)),
    ((1, 8, 9, 2), (2, 3, 2, 3), (3, 2), "valid", (2, 2)),
    ((2, 4, 4, 2), (1, 1, 2, 5), 1, 0, 1),
    ((0, 5, 5, 2), (3, 3, 2, 2), 1, "same", 1),
    ((2, 5, 5, 0), (3, 3, 0, 2), 1, "same", 1),
]


@pytest.mark.parametrize("xs,ws,strides,pad,dil", CONV_CASES)
def test_conv2d(xs, ws, strides, pad, dil):
    same(lambda x, w: wg.conv2d(x, w, strides, pad, dil), rand(*xs), rand(*ws), exact=False)


@pytest.mark.parametrize("xs,ws,strides,pad,dil", CONV_CASES)
def test_conv2d_grads(xs, ws, strides, pad, dil):
    """Conv2DBackpropInput and Conv2DBackpropFilter, through the gradient rule."""
    same_grads(lambda x, w: wg.sum(wg.square(wg.conv2d(x, w, strides, pad, dil))), rand(*xs), rand(*ws))


def test_conv2d_second_order():
    """Gradients of the backprop kernels (they call Conv2D and each other)."""
    x, w = rand(1, 5, 5, 2), rand(3, 3, 2, 2)

    def f(x, w):
        return wg.sum(wg.square(wg.grad(lambda w: wg.sum(wg.square(wg.conv2d(x, w, 2, "same"))))(w)))
    same_grads(f, x, w, tol=1e-3)

# -- pooling ---------------------------------------------------------------------------------------------


POOL_CASES = [
    # x shape, filter size, strides, pad
    ((1, 4, 4, 1), 2, 2, "valid"),
    ((2, 7, 6, 3), 3, 2, "same"),
    ((2, 7, 6, 3), (2, 3), 1, 1),
    ((1, 5, 6, 2), (3, 2), (2, 1), [[2, 2], [1, 0]]),
    ((1, 3, 3, 2), 2, 2, [[2, 1], [2, 2]]),  # windows of padding only
    ((0, 4, 4, 2), 2, 2, "valid"),
    ((1, 4, 4, 0), 2, 1, "same"),
]


@pytest.mark.parametrize("op", ["max_pool", "avg_pool"])
@pytest.mark.parametrize("xs,fs,strides,pad", POOL_CASES)
def test_pool(op, xs, fs, strides, pad):
    same(lambda x: getattr(wg, op)(x, fs, strides, pad), rand(*xs), exact=False)


@pytest.mark.parametrize("op", ["max_pool", "avg_pool"])
@pytest.mark.parametrize("xs,fs,strides,pad", POOL_CASES)
def test_pool_grads(op, xs, fs, strides, pad):
    """MaxPoolGrad / AvgPoolGrad through the gradient rules (dy varies per output)."""
    def f(x):
        y = getattr(wg, op)(x, fs, strides, pad)
        return wg.sum(wg.mul(y, wg.reshape(wg.arange(0, y.size, dtype="float32"), y.shape)))
    same_grads(f, rand(*xs))


def test_max_pool_grad_ties_go_to_first_maximum():
    x = RNG.integers(0, 2, size=(2, 6, 6, 2)).astype(np.float32)  # many equal maxima

    def f(x):
        y = wg.max_pool(x, 3, 2, "same")
        return wg.sum(wg.mul(y, wg.reshape(wg.arange(1, y.size + 1, dtype="float32"), y.shape)))
    same_grads(f, x, tol=0)


def test_avg_pool_second_order():
    same_grads(lambda x: wg.sum(wg.square(wg.grad(lambda x: wg.sum(wg.square(wg.avg_pool(x, 3, 2, "same"))))(x))),
               rand(1, 5, 5, 2))

# -- gradients through the shape kernels -------------------------------------------------------------------


def _weighted(y):
    """A loss whose gradient differs per element, so misplaced gradients show."""
    return wg.sum(wg.mul(y, wg.reshape(wg.arange(0, y.size, dtype="float32"), y.shape)))


@pytest.mark.parametrize("name,f,shapes", [
    ("concat20", lambda *ts: _weighted(wg.concat(list(ts), 1)), [(2, 1 + i % 3) for i in range(20)]),
    ("stack", lambda *ts: _weighted(wg.stack(list(ts), 1)), [(2, 3)] * 4),
    ("unstack", lambda x: _weighted(wg.concat(wg.unstack(x, 1)[::-1], 0)), [(2, 3, 4)]),
    ("split", lambda x: _weighted(wg.square(wg.split(x, [1, 2, 0, 1], 2)[1])), [(2, 3, 4)]),
    ("slice", lambda x: _weighted(wg.slice(x, [0, 1, 1, 0], [2, 2, -1, 1])), [(2, 3, 4, 2)]),
    ("pad", lambda x: _weighted(wg.pad(x, [[1, 0], [0, 2], [1, 1]])), [(2, 3, 2)]),
    ("tile", lambda x: _weighted(wg.tile(x, [2, 1, 3])), [(2, 3, 2)]),
    ("reverse", lambda x: _weighted(wg.reverse(x, [0, 2])), [(2, 3, 4)]),
    ("gather", lambda x: _weighted(wg.gather(x, wg.tensor(np.array([[2, 0], [2, 7]], np.int32)), 1)), [(2, 4, 3)]),
    ("softmax", lambda x: _weighted(wg.softmax(x, 1)), [(2, 5, 3)]),
    ("log_softmax", lambda x: _weighted(wg.log_softmax(x)), [(3, 6)]),
])
def test_shape_and_softmax_grads(name, f, shapes):
    same_grads(f, *[rand(*s) for s in shapes])


def test_kernels_leak_no_buffers():
    """Running every kernel here and disposing the results returns every GPU buffer."""
    wg.set_backend("webgpu")
    x = wg.tensor(rand(2, 5, 5, 3))
    w = wg.tensor(rand(3, 3, 3, 2))
    before = wg.memory()
    with wg.tidy():
        wg.grads(lambda x, w: wg.sum(wg.conv2d(wg.max_pool(wg.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), 2, 1),
                                               w, 1, "same")))([x, w])
        wg.concat(wg.split(wg.tile(wg.reverse(x, [1]), [1, 2, 1, 1]), 2, 1), 3)
        wg.softmax(wg.stack(wg.unstack(x, 3), 0))
        wg.one_hot(wg.tensor(np.array([1, 2], np.int32)), 3)
        wg.avg_pool(wg.slice(x, [0, 1, 1, 0], [1, 3, 3, 3]), 2, 1)
    after = wg.memory()
    assert after["num_tensors"] == before["num_tensors"]
    def held(m):  # buffers in use, less the backend's shared cache of tiny constants
        return m["webgpu"]["live_buffers"] - m["webgpu"]["constants"]
    assert held(after) == held(before)

# -- random geometry (hypothesis) ----------------------------------------------------------------------------


def test_conv2d_random_geometry():
    """Conv2D and both backprops on random small shapes, strides, dilations and padding."""
    import hypothesis as hyp
    from hypothesis import strategies as st

    @hyp.settings(max_examples=25, deadline=None)
    @hyp.given(st.data())
    def run(data):
        d = lambda lo, hi: data.draw(st.integers(lo, hi))  # noqa: E731
        strides, dil = (d(1, 3), d(1, 3)), (d(1, 2), d(1, 2))
        fh, fw = d(1, 3), d(1, 3)
        pad = data.draw(st.sampled_from(["same", "valid", 0, 1, [[d(0, 2), d(0, 2)], [d(0, 2), d(0, 2)]]]))
        h = d((fh - 1) * dil[0] + 1, 7)
        w = d((fw - 1) * dil[1] + 1, 7)
        x = rand(d(1, 2), h, w, d(1, 3))
        f = rand(fh, fw, x.shape[3], d(1, 3))
        same(lambda x, f: wg.conv2d(x, f, strides, pad, dil), x, f, exact=False, tol=1e-4)
        same_grads(lambda x, f: _weighted(wg.conv2d(x, f, strides, pad, dil)), x, f, tol=1e-3)
    run()


def test_pool_random_geometry():
    """MaxPool/AvgPool and their gradients on random small windows, strides and padding."""
    import hypothesis as hyp
    from hypothesis import strategies as st

    @hyp.settings(max_examples=25, deadline=None)
    @hyp.given(st.data())
    def run(data):
        d = lambda lo, hi: data.draw(st.integers(lo, hi))  # noqa: E731
        op = data.draw(st.sampled_from(["max_pool", "avg_pool"]))
        fs, strides = (d(1, 3), d(1, 3)), (d(1, 3), d(1, 3))
        pad = data.draw(st.sampled_from(["same", "valid", 1, [[d(0, 2), d(0, 2)], [d(0, 2), d(0, 2)]]]))
        x = rand(d(1, 2), d(fs[0], 6), d(fs[1], 6), d(1, 3))
        if data.draw(st.booleans()):
            x = np.round(x)  # ties
        same(lambda x: getattr(wg, op)(x, fs, strides, pad), x, exact=False)
        same_grads(lambda x: _weighted(getattr(wg, op)(x, fs, strides, pad)), x)
    run()


def test_shape_ops_random():
    """Tile, Reverse, PadV2 and GatherV2 (int32 data) on random shapes: exact agreement."""
    import hypothesis as hyp
    from hypothesis import strategies as st

    @hyp.settings(max_examples=30, deadline=None)
    @hyp.given(st.lists(st.integers(0, 3), min_size=1, max_size=4), st.data())
    def run(shape, data):
        x = rand(*shape, dtype=np.int32)
        rank = len(shape)
        reps = data.draw(st.lists(st.integers(0, 3), min_size=rank, max_size=rank))
        dims = data.draw(st.lists(st.integers(0, rank - 1), unique=True, max_size=rank))
        pads = [[data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))] for _ in shape]
        axis = data.draw(st.integers(0, rank - 1))
        idx = np.asarray(data.draw(st.lists(st.integers(-1, shape[axis]), max_size=5)), dtype=np.int32)
        same(lambda x: wg.tile(x, reps), x)
        same(lambda x: wg.reverse(x, dims), x)
        same(lambda x: wg.pad(x, pads, 9), x)
        same(lambda x, i: wg.gather(x, i, axis), x, idx)
    run()
