"""matmul/dot, softmax, one_hot, shape ops and nn ops on the cpu backend:
values vs NumPy (float64), gradients vs central differences, and bad input."""
from __future__ import annotations

import numpy as np
import pytest

import webgrad as wg
from helpers_fd import check_grads


@pytest.fixture(autouse=True)
def cpu_backend():
    wg.set_backend("cpu")
    yield


RNG = np.random.default_rng(1234)


def rand(*shape):
    return RNG.standard_normal(shape)


def f32(a):
    return wg.tensor(np.asarray(a, dtype=np.float32))


def close(t, want, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(t.numpy().astype(np.float64), want, rtol=rtol, atol=atol)


def raises_cleanly(exc, match, fn):
    """fn raises exc naming the op, and leaves memory as it was."""
    before = wg.memory()
    with pytest.raises(exc, match=match):
        fn()
    after = wg.memory()
    assert (after["num_tensors"], after["num_bytes"]) == (before["num_tensors"], before["num_bytes"])


# -- matmul / dot ---------------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
                                   ((2, 1, 3, 4), (1, 5, 4, 2)), ((4,), (4, 5)), ((3, 4), (4,)),
                                   ((4,), (4,)), ((2, 3, 4), (4,)), ((5, 3, 4), (5, 4, 2))])
def test_matmul_matches_numpy(sa, sb):
    a, b = rand(*sa), rand(*sb)
    y = wg.matmul(f32(a), f32(b))
    assert y.shape == np.matmul(a, b).shape
    close(y, np.matmul(a, b), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("ta,tb", [(False, True), (True, False), (True, True)])
def test_matmul_transposes(ta, tb):
    a, b = rand(2, 3, 4), rand(2, 4, 5)
    a_in = np.swapaxes(a, -1, -2) if ta else a
    b_in = np.swapaxes(b, -1, -2) if tb else b
    close(wg.matmul(f32(a_in), f32(b_in), transpose_a=ta, transpose_b=tb), a @ b, rtol=1e-4, atol=1e-4)


def test_matmul_int32_and_operator():
    a = wg.tensor([[1, 2], [3, 4]])
    b = wg.tensor([[5, 6], [7, 8]])
    y = a @ b
    assert y.dtype == "int32" and y.tolist() == [[19, 22], [43, 50]]
    mixed = wg.matmul(a, f32([[1.5], [0.5]]))
    assert mixed.dtype == "float32"
    close(mixed, [[2.5], [6.5]])


def test_dot_tfjs_semantics():
    assert wg.dot(f32([1, 2, 3]), f32([4, 5, 6])).shape == ()
    close(wg.dot(f32([1, 2, 3]), f32([4, 5, 6])), 32.0)
    m, v = rand(3, 4), rand(4)
    close(wg.dot(f32(m), f32(v)), m @ v, 1e-4, 1e-4)
    w = rand(3)
    close(wg.dot(f32(w), f32(m)), w @ m, 1e-4, 1e-4)
    close(wg.dot(f32(m), f32(m.T)), m @ m.T, 1e-4, 1e-4)


@pytest.mark.parametrize("sa,sb,ta,tb", [((3, 4), (4, 2), False, False), ((2, 3, 4), (1, 2, 4), False, True),
                                         ((4, 3), (4, 2), True, False), ((2, 4, 3), (2, 4), True, True),
                                         ((4,), (2, 4, 3), False, False), ((2, 1, 3, 4), (3, 4, 2), False, False)])
def test_matmul_grad(sa, sb, ta, tb):
    check_grads(lambda a, b: wg.matmul(a, b, transpose_a=ta, transpose_b=tb), [rand(*sa), rand(*sb)])


def test_matmul_errors():
    a, b, s = f32(rand(3, 4)), f32(rand(5, 2)), f32(2.0)
    a3, b3, v3, v4 = f32(rand(2, 3, 4)), f32(rand(3, 4, 5)), f32(rand(3)), f32(rand(4))
    t = wg.tensor([[True]])
    raises_cleanly(ValueError, r"matmul: inner dimensions.*\(3, 4\).*\(5, 2\)", lambda: wg.matmul(a, b))
    raises_cleanly(ValueError, r"matmul: batch dimensions", lambda: wg.matmul(a3, b3))
    raises_cleanly(ValueError, r"matmul: .*rank >= 1", lambda: wg.matmul(s, b))
    raises_cleanly(TypeError, r"matmul: .*bool", lambda: wg.matmul(t, t))
    raises_cleanly(ValueError, r"matmul: inner", lambda: wg.matmul([[1.0, 2.0]], [[1.0, 2.0]]))
    raises_cleanly(ValueError, r"dot: .*rank 1 or 2", lambda: wg.dot(a3, v4))
    raises_cleanly(ValueError, r"dot: inner dimensions", lambda: wg.dot(v3, v4))


# -- softmax / log_softmax / one_hot ----------------------------------------------------------

def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_values(axis):
    x = rand(3, 4, 5) * 3
    close(wg.softmax(f32(x), axis=axis), np_softmax(x, axis), 1e-5, 1e-6)
    close(wg.log_softmax(f32(x), axis=axis), np.log(np_softmax(x, axis)), 1e-5, 1e-5)


def test_softmax_is_stable_for_large_logits():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1e4, 0.0, 1e4]])
    y = wg.softmax(f32(x)).numpy()
    assert np.all(np.isfinite(y))
    close(wg.softmax(f32(x)), np_softmax(x, -1), 1e-5, 1e-6)
    ls = wg.log_softmax(f32(x)).numpy()
    np.testing.assert_allclose(ls[0], [-2.4076059, -1.4076059, -0.4076059], rtol=1e-5)
    assert ls[1, 2] == 0.0 and ls[1, 0] == -2e4


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_grads(axis):
    x = rand(3, 4)
    check_grads(lambda t: wg.softmax(t, axis=axis), [x])
    check_grads(lambda t: wg.log_softmax(t, axis=axis), [x])


def test_softmax_of_int_is_float():
    y = wg.softmax(wg.tensor([1, 2, 3]))
    assert y.dtype == "float32"
    close(y, np_softmax(np.array([1.0, 2.0, 3.0]), -1), 1e-6, 1e-6)


def test_one_hot():
    y = wg.one_hot(wg.tensor([[0, 2], [5, -1]]), 3)
    assert y.dtype == "int32" and y.shape == (2, 2, 3)
    assert y.tolist() == [[[1, 0, 0], [0, 0, 1]], [[0, 0, 0], [0, 0, 0]]]
    z = wg.one_hot([1, 0], 2, on_value=0.5, off_value=-1.0, dtype="float32")
    assert z.dtype == "float32" and z.tolist() == [[-1.0, 0.5], [0.5, -1.0]]


def test_one_hot_errors():
    fl, ii, x2, sc = f32([0.0, 1.0]), wg.tensor([0, 1]), f32(rand(2, 3)), f32(1.0)
    raises_cleanly(TypeError, r"one_hot: argument 'indices' must have dtype", lambda: wg.one_hot(fl, 3))
    raises_cleanly(ValueError, r"one_hot: depth", lambda: wg.one_hot(ii, 0))
    raises_cleanly(ValueError, r"softmax: axis 2 is out of range", lambda: wg.softmax(x2, axis=2))
    raises_cleanly(ValueError, r"log_softmax: .*scalar", lambda: wg.log_softmax(sc))


# -- shape ops ----------------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat_values_and_grad(axis):
    a, b, c = rand(2, 3), rand(2, 3), rand(2, 3)
    if axis == 0:
        b = rand(4, 3)
    elif axis in (1, -1):
        c = rand(2, 1)
    close(wg.concat([f32(a), f32(b), f32(c)], axis), np.concatenate([a, b, c], axis), 1e-6, 1e-6)
    check_grads(lambda *ts: wg.concat(list(ts), axis), [a, b, c])


def test_concat_int_bool_and_single():
    assert wg.concat([wg.tensor([1, 2]), wg.tensor([3])]).tolist() == [1, 2, 3]
    assert wg.concat([wg.tensor([True]), wg.tensor([False])]).tolist() == [True, False]
    assert wg.concat([wg.tensor([[1.0]])], 1).tolist() == [[1.0]]


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack_unstack(axis):
    xs = [rand(2, 3) for _ in range(3)]
    y = wg.stack([f32(x) for x in xs], axis)
    close(y, np.stack(xs, axis), 1e-6, 1e-6)
    parts = wg.unstack(y, axis)
    assert len(parts) == 3
    for p, x in zip(parts, xs):
        close(p, x, 1e-6, 1e-6)
    check_grads(lambda *ts: wg.stack(list(ts), axis), xs)
    # gradient through only some outputs of a multi-output kernel
    check_grads(lambda t: wg.mul(wg.unstack(t, axis)[1], 2.0), [np.stack(xs, axis)])
    check_grads(lambda t: wg.stack(wg.unstack(t, axis)[::-1], 0), [np.stack(xs, axis)])


def test_split():
    x = rand(4, 6)
    parts = wg.split(f32(x), 3, 1)
    for p, want in zip(parts, np.split(x, 3, 1)):
        close(p, want, 1e-6, 1e-6)
    sizes = wg.split(f32(x), [1, -1, 2], 1)
    assert [p.shape for p in sizes] == [(4, 1), (4, 3), (4, 2)]
    close(sizes[1], x[:, 1:4], 1e-6, 1e-6)
    assert [p.shape for p in wg.split(f32(x), [4])] == [(4, 6)]
    check_grads(lambda t: wg.mul(wg.split(t, [1, -1, 2], 1)[1], 3.0), [x])
    check_grads(lambda t: wg.concat(wg.split(t, 2, 0)[::-1], 1), [x])
    check_grads(lambda t: wg.split(t, 1, 0)[0], [x])


def test_slice():
    x = rand(3, 4, 5)
    close(wg.slice(f32(x), [1, 0, 2], [2, -1, 2]), x[1:3, :, 2:4], 1e-6, 1e-6)
    close(wg.slice(f32(x), 1), x[1:], 1e-6, 1e-6)
    close(wg.slice(f32(x), [0, 2]), x[:, 2:], 1e-6, 1e-6)
    assert wg.slice(f32(x), [3], [0]).shape == (0, 4, 5)
    check_grads(lambda t: wg.slice(t, [1, 1, 0], [1, 2, -1]), [x])


@pytest.mark.parametrize("axis,ishape", [(0, (4,)), (1, (2, 3)), (2, ()), (-1, (5,))])
def test_gather(axis, ishape):
    x = rand(3, 4, 5)
    n = x.shape[axis]
    idx = RNG.integers(0, n, ishape).astype(np.int32)
    got = wg.gather(f32(x), wg.tensor(idx), axis)
    close(got, np.take(x, idx, axis), 1e-6, 1e-6)
    check_grads(lambda t: wg.gather(t, wg.tensor(idx), axis), [x])


def test_gather_out_of_range_gives_zeros_and_no_gradient():
    x = np.arange(6.0).reshape(3, 2)
    assert wg.gather(f32(x), [2, 3, -1, 0]).tolist() == [[4, 5], [0, 0], [0, 0], [0, 1]]
    g = wg.grad(lambda t: wg.sum(wg.gather(t, [2, 3, 2, -1])))(f32(x))
    assert g.tolist() == [[0, 0], [0, 0], [2, 2]]
    assert wg.gather(wg.tensor([[1, 2], [3, 4]]), [1], 1).tolist() == [[2], [4]]


def test_pad_tile_reverse():
    x = rand(2, 3)
    close(wg.pad(f32(x), [[1, 2], [0, 1]], 7.0), np.pad(x, [(1, 2), (0, 1)], constant_values=7.0), 1e-6, 1e-6)
    assert wg.pad(wg.tensor([1, 2]), [[1, 1]], 9).tolist() == [9, 1, 2, 9]
    close(wg.tile(f32(x), [2, 3]), np.tile(x, (2, 3)), 1e-6, 1e-6)
    assert wg.tile(wg.tensor([1, 2]), [0]).shape == (0,)
    close(wg.reverse(f32(x)), x[::-1, ::-1], 1e-6, 1e-6)
    close(wg.reverse(f32(x), 1), x[:, ::-1], 1e-6, 1e-6)
    close(wg.reverse(f32(x), [0]), x[::-1], 1e-6, 1e-6)
    check_grads(lambda t: wg.pad(t, [[1, 2], [0, 1]], 3.0), [x])
    check_grads(lambda t: wg.tile(t, [2, 3]), [x])
    check_grads(lambda t: wg.tile(t, [1, 2]), [rand(2, 1, 3)[:, 0, :]])
    check_grads(lambda t: wg.reverse(t, -1), [x])


def test_shape_methods():
    x = f32(rand(2, 3))
    assert x.unstack()[0].shape == (3,)
    assert [p.shape for p in x.split(3, 1)] == [(2, 1)] * 3
    assert x.slice([0, 1]).shape == (2, 2)
    assert x.tile([1, 2]).shape == (2, 6)
    assert x.gather([1, 1]).shape == (2, 3)
    assert not hasattr(wg.Tensor, "concat") and not hasattr(wg.Tensor, "stack")


def test_shape_op_errors():
    a, b, i = f32(rand(2, 3)), f32(rand(3, 3)), wg.tensor([[1, 2, 3], [4, 5, 6]])
    s, v = f32(1.0), f32(rand(3))
    fi = f32([0.0, 1.0])
    raises_cleanly(ValueError, r"concat: shapes \(2, 3\).*\(3, 3\).*axis 1", lambda: wg.concat([a, b], 1))
    raises_cleanly(TypeError, r"concat: .*same dtype.*float32.*int32", lambda: wg.concat([a, i]))
    raises_cleanly(ValueError, r"concat: .*same rank", lambda: wg.concat([a, v]))
    raises_cleanly(ValueError, r"concat: .*empty", lambda: wg.concat([]))
    raises_cleanly(TypeError, r"concat: expected a list", lambda: wg.concat(a))
    raises_cleanly(ValueError, r"concat: axis 2 is out of range", lambda: wg.concat([a, a], 2))
    raises_cleanly(ValueError, r"concat: .*scalars", lambda: wg.concat([s, s]))
    raises_cleanly(ValueError, r"concat: shapes", lambda: wg.concat([[[1.0, 2.0]], [[1.0]]], 0))
    raises_cleanly(ValueError, r"stack: .*same shape.*\(2, 3\).*\(3, 3\)", lambda: wg.stack([a, b]))
    raises_cleanly(ValueError, r"stack: axis 3", lambda: wg.stack([a, a], 3))
    raises_cleanly(ValueError, r"unstack: .*scalar", lambda: wg.unstack(s))
    raises_cleanly(ValueError, r"split: 4 splits do not evenly divide axis 1 of size 3", lambda: wg.split(a, 4, 1))
    raises_cleanly(ValueError, r"split: size_splits \(1, 1\) do not add up to 3", lambda: wg.split(a, [1, 1], 1))
    raises_cleanly(ValueError, r"split: .*at most one -1", lambda: wg.split(a, [-1, -1], 1))
    raises_cleanly(ValueError, r"slice: begin \(1, 1\) \+ size \(2, 1\) exceed shape \(2, 3\) at axis 0",
                   lambda: wg.slice(a, [1, 1], [2, 1]))
    raises_cleanly(ValueError, r"slice: begin -1 is out of range", lambda: wg.slice(a, [-1, 0]))
    raises_cleanly(ValueError, r"slice: .*more entries", lambda: wg.slice(a, [0, 0, 0]))
    raises_cleanly(TypeError, r"gather: argument 'indices' must have dtype", lambda: wg.gather(a, fi))
    raises_cleanly(ValueError, r"gather: axis 2", lambda: wg.gather(a, [0], 2))
    raises_cleanly(ValueError, r"pad: paddings .* one \[before, after\] pair per axis", lambda: wg.pad(a, [[1, 1]]))
    raises_cleanly(ValueError, r"pad: paddings must be non-negative", lambda: wg.pad(a, [[1, 1], [-1, 0]]))
    raises_cleanly(ValueError, r"tile: reps \(2,\) must have one entry per axis", lambda: wg.tile(a, [2]))
    raises_cleanly(ValueError, r"reverse: axis 2 is out of range", lambda: wg.reverse(a, 2))
    raises_cleanly(ValueError, r"reverse: repeated axis", lambda: wg.reverse(a, [0, 0]))
    # Python values converted inside a failing op are released too
    raises_cleanly(ValueError, r"slice: begin 5 is out of range for axis 1 of size 2", lambda: wg.slice([[1, 2]], [0, 5]))
    raises_cleanly(ValueError, r"pad: paddings must be non-negative", lambda: wg.pad([1, 2], [[-1, 0]]))
    raises_cleanly(ValueError, r"split: 3 splits", lambda: wg.split([1, 2], 3))
    raises_cleanly(ValueError, r"tile: reps", lambda: wg.tile([1, 2], [1, 1]))


# -- conv2d and pooling --------------------------------------------------------------------------

def tf_pads(pad, in_hw, eff_hw, strides):
    """TensorFlow's padding rules, restated here independently of the library."""
    if pad == "same":
        out = [-(-n // s) for n, s in zip(in_hw, strides)]
        tot = [max((o - 1) * s + e - n, 0) for o, s, e, n in zip(out, strides, eff_hw, in_hw)]
        return (tot[0] // 2, tot[0] - tot[0] // 2, tot[1] // 2, tot[1] - tot[1] // 2)
    if pad == "valid":
        return (0, 0, 0, 0)
    if isinstance(pad, int):
        return (pad,) * 4
    return tuple(pad[0]) + tuple(pad[1])


def ref_conv2d(x, w, strides, pad, dil=(1, 1)):
    """Direct loop over output positions (float64)."""
    (sh, sw), (dh, dw) = strides, dil
    fh, fw = w.shape[:2]
    eh, ew = (fh - 1) * dh + 1, (fw - 1) * dw + 1
    t, b, l, r = tf_pads(pad, x.shape[1:3], (eh, ew), strides)
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    oh, ow = (xp.shape[1] - eh) // sh + 1, (xp.shape[2] - ew) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for n in range(x.shape[0]):
        for i in range(oh):
            for j in range(ow):
                patch = xp[n, i * sh:i * sh + eh:dh, j * sw:j * sw + ew:dw, :]
                y[n, i, j] = np.einsum("ijc,ijck->k", patch, w)
    return y


def ref_pool(x, fsize, strides, pad, kind):
    """Direct loop; padded positions are skipped (max ignores them, avg does not count them)."""
    (fh, fw), (sh, sw) = fsize, strides
    t, b, l, r = tf_pads(pad, x.shape[1:3], fsize, strides)
    h, w = x.shape[1:3]
    oh, ow = (h + t + b - fh) // sh + 1, (w + l + r - fw) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - t, j * sw - l
            win = x[:, max(r0, 0):max(r0 + fh, 0), max(c0, 0):max(c0 + fw, 0), :]
            y[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return y


CONV_CASES = [  # x shape, filter shape, strides, pad, dilations
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), "same", (1, 1)),
    ((1, 6, 7, 2), (3, 2, 2, 3), (2, 2), "same", (1, 1)),
    ((2, 6, 6, 2), (3, 3, 2, 2), (2, 1), "valid", (1, 1)),
    ((1, 5, 6, 1), (2, 3, 1, 2), (1, 2), 1, (1, 1)),
    ((1, 7, 7, 2), (3, 3, 2, 1), (1, 1), "same", (2, 2)),
    ((1, 7, 8, 1), (2, 2, 1, 2), (2, 3), [[1, 0], [2, 1]], (2, 1)),
]


@pytest.mark.parametrize("xs,ws,strides,pad,dil", CONV_CASES)
def test_conv2d_values(xs, ws, strides, pad, dil):
    x, w = rand(*xs), rand(*ws)
    got = wg.conv2d(f32(x), f32(w), strides, pad, dilations=dil)
    close(got, ref_conv2d(x, w, strides, pad, dil), 1e-4, 1e-4)


def test_conv2d_same_padding_is_tensorflows():
    # height 6, filter 3, stride 2: "same" pads 0 on top and 1 at the bottom (extra at the end)
    x = np.arange(6.0).reshape(1, 6, 1, 1)
    w = np.ones((3, 1, 1, 1))
    assert wg.conv2d(f32(x), f32(w), (2, 1), "same").numpy().ravel().tolist() == [3.0, 9.0, 9.0]


def test_conv2d_rank3_nchw_and_tfjs_explicit_pad():
    x, w = rand(5, 6, 2), rand(3, 3, 2, 3)
    want = ref_conv2d(x[None], w, (1, 1), "same")[0]
    got = wg.conv2d(f32(x), f32(w), 1, "same")
    assert got.shape == want.shape
    close(got, want, 1e-4, 1e-4)
    xb = rand(2, 5, 6, 2)
    nchw = wg.conv2d(f32(xb.transpose(0, 3, 1, 2)), f32(w), 1, "valid", data_format="NCHW")
    close(nchw, ref_conv2d(xb, w, (1, 1), "valid").transpose(0, 3, 1, 2), 1e-4, 1e-4)
    tfjs_pad = [[0, 0], [1, 2], [0, 1], [0, 0]]
    close(wg.conv2d(f32(xb), f32(w), 1, tfjs_pad), ref_conv2d(xb, w, (1, 1), [[1, 2], [0, 1]]), 1e-4, 1e-4)


@pytest.mark.parametrize("xs,ws,strides,pad,dil", CONV_CASES)
def test_conv2d_grads(xs, ws, strides, pad, dil):
    check_grads(lambda x, w: wg.conv2d(x, w, strides, pad, dilations=dil), [rand(*xs), rand(*ws)])


def test_conv2d_backprop_kernels_have_gradients():
    from webgrad.ops import nn as onn
    x, w = rand(1, 5, 6, 2), rand(3, 2, 2, 3)
    probe = {}

    def spy(event, payload):
        if event == "kernel" and payload[0] == "Conv2D":
            probe["attrs"] = payload[3]
    wg.engine.observers.append(spy)
    try:
        with wg.tidy():
            y = wg.conv2d(f32(x), f32(w), (2, 1), "same", dilations=(1, 2))
            dy_shape = y.shape
    finally:
        wg.engine.observers.remove(spy)
    attrs = probe["attrs"]
    dy = rand(*dy_shape)
    check_grads(lambda d, f: onn.conv2d_backprop_input(d, f, x.shape, attrs), [dy, w])
    check_grads(lambda a, d: onn.conv2d_backprop_filter(a, d, w.shape, attrs), [x, dy])


def test_conv2d_second_order_through_grad():
    x, w = rand(1, 4, 4, 1), rand(2, 2, 1, 2)
    wt = rand(1, 3, 3, 2)

    def inner_grad_norm(wf):
        gx = wg.grad(lambda t: wg.sum(wg.mul(wg.conv2d(t, wf, 1, "valid"), f32(wt))))(f32(x))
        return wg.mul(gx, gx)
    check_grads(inner_grad_norm, [w])


POOL_CASES = [((2, 5, 5, 3), (2, 2), (2, 2), "valid"), ((1, 5, 6, 2), (3, 3), (2, 2), "same"),
              ((1, 4, 5, 1), (2, 3), (1, 2), "same"), ((2, 6, 6, 1), (3, 2), (1, 1), 1),
              ((1, 6, 5, 2), (2, 2), (2, 1), [[0, 1], [1, 0]])]


def distinct(*shape):
    """Values with gaps of 0.1 in random order, so windows have a unique maximum."""
    n = int(np.prod(shape))
    return (RNG.permutation(n) * 0.1 - n * 0.05).reshape(shape)


@pytest.mark.parametrize("xs,fs,strides,pad", POOL_CASES)
def test_pool_values(xs, fs, strides, pad):
    x = rand(*xs)
    close(wg.max_pool(f32(x), fs, strides, pad), ref_pool(x, fs, strides, pad, "max"), 1e-6, 1e-6)
    close(wg.avg_pool(f32(x), fs, strides, pad), ref_pool(x, fs, strides, pad, "avg"), 1e-5, 1e-6)


@pytest.mark.parametrize("xs,fs,strides,pad", POOL_CASES)
def test_pool_grads(xs, fs, strides, pad):
    x = distinct(*xs)
    check_grads(lambda t: wg.max_pool(t, fs, strides, pad), [x], eps=1e-3)
    check_grads(lambda t: wg.avg_pool(t, fs, strides, pad), [x])


def test_max_pool_grad_goes_to_first_maximum_on_ties():
    x = f32(np.ones((1, 2, 2, 1)))
    g = wg.grad(lambda t: wg.sum(wg.max_pool(t, 2, 2, "valid")))(x)
    assert g.numpy().ravel().tolist() == [1.0, 0.0, 0.0, 0.0]


def test_pool_rank3_default_strides_and_avg_second_order():
    x = rand(4, 4, 2)
    y = wg.avg_pool(f32(x), 2)
    assert y.shape == (2, 2, 2)
    close(y, ref_pool(x[None], (2, 2), (2, 2), "valid", "avg")[0], 1e-5, 1e-6)
    wt = rand(1, 3, 3, 1)

    def inner(t):
        gx = wg.grad(lambda u: wg.sum(wg.mul(wg.avg_pool(wg.mul(u, u), 2, 1, "same"), f32(wt[:, :, :, :]))))(t)
        return gx
    check_grads(inner, [rand(1, 3, 3, 1)])


def test_nn_errors():
    x4, x2, w = f32(rand(1, 4, 4, 2)), f32(rand(4, 4)), f32(rand(3, 3, 2, 1))
    w3, wbad = f32(rand(3, 3, 2)), f32(rand(3, 3, 3, 1))
    big = f32(rand(5, 5, 2, 1))
    raises_cleanly(ValueError, r"conv2d: x must be rank 4.*\(4, 4\)", lambda: wg.conv2d(x2, w, 1, "same"))
    raises_cleanly(ValueError, r"conv2d: filter must be rank 4.*\(3, 3, 2\)", lambda: wg.conv2d(x4, w3, 1, "same"))
    raises_cleanly(ValueError, r"conv2d: depth of input \(2, x shape \(1, 4, 4, 2\)\).*\(3, filter shape",
                   lambda: wg.conv2d(x4, wbad, 1, "same"))
    raises_cleanly(ValueError, r"conv2d: pad must be", lambda: wg.conv2d(x4, w, 1, "full"))
    raises_cleanly(ValueError, r"conv2d: strides must be positive", lambda: wg.conv2d(x4, w, 0, "same"))
    raises_cleanly(ValueError, r"conv2d: strides must be an int or a pair", lambda: wg.conv2d(x4, w, (1, 1, 1), "same"))
    raises_cleanly(ValueError, r"conv2d: the \(dilated\) window \(5, 5\) does not fit",
                   lambda: wg.conv2d(x4, big, 1, "valid"))
    raises_cleanly(ValueError, r"conv2d: data_format", lambda: wg.conv2d(x4, w, 1, "same", data_format="HWCN"))
    raises_cleanly(ValueError, r"conv2d: explicit pad", lambda: wg.conv2d(x4, w, 1, [[1, 1]]))
    raises_cleanly(ValueError, r"max_pool: x must be rank 4", lambda: wg.max_pool(x2, 2, 2, "same"))
    raises_cleanly(ValueError, r"avg_pool: the \(dilated\) window \(5, 5\)", lambda: wg.avg_pool(x4, 5, 1, "valid"))
    raises_cleanly(ValueError, r"max_pool: filter_size must be positive", lambda: wg.max_pool(x4, 0, 1, "same"))


# -- dropout -----------------------------------------------------------------------------------

def test_dropout_values_and_rate():
    x = f32(np.full((100, 100), 3.0))
    y = wg.dropout(x, 0.25, seed=7).numpy()
    assert set(np.unique(y).tolist()) <= {0.0, 4.0}
    assert abs((y == 0).mean() - 0.25) < 0.03
    again = wg.dropout(x, 0.25, seed=7).numpy()
    np.testing.assert_array_equal(y, again)
    zero = wg.dropout(x, 0)
    assert zero is not x and zero.tolist() == x.tolist()


def test_dropout_noise_shape_and_grad():
    x = f32(rand(4, 6))
    y = wg.dropout(x, 0.5, noise_shape=[4, 1], seed=3).numpy()
    kept = y != 0
    assert np.all(kept == kept[:, :1])
    y2 = wg.dropout(x, 0.5, noise_shape=[None, 1], seed=3).numpy()
    np.testing.assert_array_equal(y, y2)
    g = wg.grad(lambda t: wg.sum(wg.dropout(t, 0.5, seed=11)))(x)
    mask = wg.dropout(wg.ones((4, 6)), 0.5, seed=11)
    assert g.tolist() == mask.tolist()


def test_dropout_errors():
    x, i = f32(rand(2, 3)), wg.tensor([[1, 2]])
    raises_cleanly(ValueError, r"dropout: rate must be .*\[0, 1\)", lambda: wg.dropout(x, 1.0))
    raises_cleanly(ValueError, r"dropout: rate", lambda: wg.dropout(x, -0.1))
    raises_cleanly(TypeError, r"dropout: argument 'x' must have dtype", lambda: wg.dropout(i, 0.5))
    raises_cleanly(ValueError, r"dropout: noise_shape \(3, 1\) does not broadcast", lambda: wg.dropout(x, 0.5, [3, 1]))
    raises_cleanly(ValueError, r"dropout: noise_shape .* rank", lambda: wg.dropout(x, 0.5, [3]))


# -- memory and properties -----------------------------------------------------------------------

def test_gradients_of_a_small_network_release_everything():
    x, w1 = f32(rand(2, 6, 6, 1)), f32(rand(3, 3, 1, 4))
    w2, labels = f32(rand(36, 3)), wg.tensor([0, 2])
    before = wg.memory()

    def loss(x, w1, w2):
        h = wg.relu(wg.conv2d(x, w1, 1, "same"))
        h = wg.max_pool(h, 2, 2, "valid")
        h = wg.reshape(wg.avg_pool(h, 1, 1, "same"), (2, -1))
        logits = wg.matmul(wg.dropout(h, 0.2, seed=5), w2)
        picked = wg.mul(wg.log_softmax(logits), wg.one_hot(labels, 3, dtype="float32"))
        parts = wg.split(wg.concat([picked, picked], 1), 2, 1)
        return wg.neg(wg.sum(wg.stack(parts)))

    with wg.tidy():
        gs = wg.grads(loss)([x, w1, w2])
        assert [g.shape for g in gs] == [x.shape, w1.shape, w2.shape]
        assert all(np.all(np.isfinite(g.numpy())) for g in gs)
    after = wg.memory()
    assert (after["num_tensors"], after["num_bytes"]) == (before["num_tensors"], before["num_bytes"])


def test_int32_multi_output_gradient_mixes_dtypes():
    # An int32 result gets a float32 dy; the unused int32 output is filled with int32 zeros.
    x = f32([[1.0, 2.0], [3.0, 4.0]])
    g = wg.grad(lambda t: wg.sum(wg.unstack(wg.cast(t, "int32"))[0]))(x)
    assert g.dtype == "float32" and g.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    g = wg.grad(lambda t: wg.sum(wg.split(wg.cast(t, "int32"), 2, 1)[1]))(x)
    assert g.tolist() == [[0.0, 1.0], [0.0, 1.0]]


def test_matmul_random_broadcast_shapes():
    import hypothesis as hyp
    from hypothesis import strategies as st
    dims = st.integers(1, 3)

    @hyp.settings(max_examples=40, deadline=None)
    @hyp.given(st.lists(st.sampled_from([1, 2, 3]), max_size=3), st.lists(st.sampled_from([1, 2, 3]), max_size=3),
               dims, dims, dims, st.booleans())
    def run(ba, bb, m, k, n, int_inputs):
        nd = max(len(ba), len(bb))
        pa, pb = [1] * (nd - len(ba)) + ba, [1] * (nd - len(bb)) + bb
        bb = [d if d == pa[i] or pa[i] == 1 or d == 1 else pa[i] for i, d in enumerate(pb)][nd - len(bb):]
        a, b = RNG.integers(-3, 4, tuple(ba) + (m, k)), RNG.integers(-3, 4, tuple(bb) + (k, n))
        mk = (lambda v: wg.tensor(v.astype(np.int32))) if int_inputs else f32
        with wg.tidy():
            y = wg.matmul(mk(a), mk(b))
            assert y.dtype == ("int32" if int_inputs else "float32")
            np.testing.assert_array_equal(y.numpy(), np.matmul(a, b))
    run()


def test_split_concat_roundtrip_property():
    import hypothesis as hyp
    from hypothesis import strategies as st

    @hyp.settings(max_examples=40, deadline=None)
    @hyp.given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
    def run(shape, data):
        axis = data.draw(st.integers(-len(shape), len(shape) - 1))
        dim = shape[axis]
        cuts = sorted(data.draw(st.lists(st.integers(0, dim), max_size=3)))
        sizes = [b - a for a, b in zip([0] + cuts, cuts + [dim])]
        x = RNG.standard_normal(shape)
        with wg.tidy():
            parts = wg.split(f32(x), sizes, axis)
            for p, want in zip(parts, np.split(x, np.cumsum(sizes)[:-1], axis)):
                close(p, want, 1e-6, 1e-6)
            close(wg.concat(parts, axis), x, 1e-6, 1e-6)
            begin = [data.draw(st.integers(0, d)) for d in shape]
            size = [data.draw(st.integers(0, d - b)) for b, d in zip(begin, shape)]
            sl = wg.slice(f32(x), begin, size)
            want = x[tuple(slice(b, b + s) for b, s in zip(begin, size))]
            close(sl, want, 1e-6, 1e-6)
            pads = [[b, d - b - s] for b, s, d in zip(begin, size, shape)]
            back = wg.pad(sl, pads).numpy()
            mask = np.zeros(shape, bool)
            mask[tuple(slice(b, b + s) for b, s in zip(begin, size))] = True
            np.testing.assert_allclose(back, np.where(mask, x, 0), rtol=1e-6, atol=1e-6)
    run()
