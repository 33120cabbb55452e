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
