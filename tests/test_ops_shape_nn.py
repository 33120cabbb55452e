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
