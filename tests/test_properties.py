"""Hypothesis over the shape space (ranks 0-4, sizes 0-3): broadcasting binary ops,
reductions with every axis form, and their gradients, against float64 NumPy, on
every backend. Example counts stay modest so the suite stays fast on two cores."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import webgrad as wg

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
RTOL = {"cpu": 1e-5}


def rtol(backend):
    return RTOL.get(backend, 1e-3)


def data_for(shape, seed, lo=-2.0, hi=2.0):
    """Deterministic float32 values for a shape (BENCH.md's hash)."""
    from webgrad.testing.data import uniform
    return np.array(uniform(shape, lo, hi, seed).values, dtype=np.float32).reshape(shape)


def sum_to(g, shape):
    """NumPy: sum a broadcast gradient back to shape."""
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead))) if lead else g
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


BINARY = {
    "add": (np.add, lambda a, b, w: (w, w)),
    "sub": (np.subtract, lambda a, b, w: (w, -w)),
    "mul": (np.multiply, lambda a, b, w: (w * b, w * a)),
    "maximum": (np.maximum, lambda a, b, w: (w * (a >= b), w * (a < b))),
    "squared_difference": (lambda a, b: (a - b) ** 2, lambda a, b, w: (2 * w * (a - b), -2 * w * (a - b))),
    "less": (np.less, None),
}


@pytest.mark.parametrize("op", list(BINARY))
@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3),
       seed=st.integers(0, 2 ** 16))
def test_broadcasting_binary(backend, op, shapes, seed):
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a64, b64 = data_for(sa, seed).astype(np.float64), data_for(sb, seed + 1).astype(np.float64)
    ref_fn, grad_fn = BINARY[op]
    with wg.tidy():
        a, b = wg.tensor(a64.astype(np.float32)), wg.tensor(b64.astype(np.float32))
        y = getattr(wg, op)(a, b)
        assert y.shape == out_shape
        want = ref_fn(a64, b64)
        assert y.dtype == ("bool" if want.dtype == np.bool_ else "float32")
        np.testing.assert_allclose(y.numpy(), want, rtol=rtol(backend), atol=rtol(backend))
        if grad_fn is None or not y.size:
            return
        w64 = data_for(out_shape, seed + 2).astype(np.float64)
        ga, gb = wg.grads(lambda a, b: getattr(wg, op)(a, b))([a, b], wg.tensor(w64.astype(np.float32)))
        da, db = grad_fn(np.broadcast_to(a64, out_shape), np.broadcast_to(b64, out_shape), w64)
        assert ga.shape == sa and gb.shape == sb
        np.testing.assert_allclose(ga.numpy(), sum_to(da, sa).reshape(sa), rtol=rtol(backend), atol=1e-4)
        np.testing.assert_allclose(gb.numpy(), sum_to(db, sb).reshape(sb), rtol=rtol(backend), atol=1e-4)


@st.composite
def shape_and_axis(draw):
    """A shape of rank 0-4 and an axis argument: None, an int (maybe negative) or a tuple."""
    shape = tuple(draw(st.lists(st.integers(0, 3), min_size=0, max_size=4)))
    rank = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"] if rank else ["none", "tuple"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-rank, rank - 1))
    else:
        picked = draw(st.lists(st.integers(0, rank - 1), unique=True, max_size=rank)) if rank else []
        axis = tuple(p - rank if draw(st.booleans()) else p for p in picked)
    return shape, axis, draw(st.booleans())


REDUCE = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
}


@pytest.mark.parametrize("op", list(REDUCE))
@SETTINGS
@given(spec=shape_and_axis(), seed=st.integers(0, 2 ** 16))
def test_reductions(backend, op, spec, seed):
    shape, axis, keepdims = spec
    x64 = data_for(shape, seed, 0.5, 1.5).astype(np.float64)
    axes = range(len(shape)) if axis is None else [axis] if isinstance(axis, int) else axis
    empty_reduced = any(shape[a] == 0 for a in axes)
    with wg.tidy():
        x = wg.tensor(x64.astype(np.float32))
        if op in ("max", "min") and empty_reduced:
            with pytest.raises(ValueError, match=op):
                getattr(wg, op)(x, axis=axis, keepdims=keepdims)
            return
        y = getattr(wg, op)(x, axis=axis, keepdims=keepdims)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = REDUCE[op](x64, axis=axis, keepdims=keepdims)
        assert y.shape == want.shape and y.dtype == "float32"
        np.testing.assert_allclose(y.numpy(), want, rtol=rtol(backend) * 10, atol=1e-5)
        if op in ("sum", "mean") and y.size:
            w64 = data_for(want.shape, seed + 1).astype(np.float64)
            f = lambda x: getattr(wg, op)(x, axis=axis, keepdims=keepdims)  # noqa: E731
            g = wg.grad(f)(x, wg.tensor(w64.astype(np.float32)))
            kept = np.sum(np.zeros_like(x64), axis=axis, keepdims=True).shape
            n = x64.size // max(int(np.prod(kept)), 1) if op == "mean" else 1
            np.testing.assert_allclose(g.numpy(), np.broadcast_to(w64.reshape(kept), shape) / n, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["any", "all"])
@SETTINGS
@given(spec=shape_and_axis(), seed=st.integers(0, 2 ** 16))
def test_bool_reductions(backend, op, spec, seed):
    shape, axis, keepdims = spec
    x = data_for(shape, seed, 0.0, 1.0) < 0.5
    with wg.tidy():
        y = getattr(wg, op)(wg.tensor(x), axis=axis, keepdims=keepdims)
        want = getattr(np, op)(x, axis=axis, keepdims=keepdims)
        assert y.shape == want.shape and y.dtype == "bool"
        np.testing.assert_array_equal(y.numpy(), want)


@SETTINGS
@given(shape=st.lists(st.integers(0, 3), min_size=1, max_size=4).map(tuple), data=st.data())
def test_transpose_roundtrip_and_reshape(backend, shape, data):
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    x64 = data_for(shape, 7)
    with wg.tidy():
        x = wg.tensor(x64)
        t = wg.transpose(x, perm)
        np.testing.assert_array_equal(t.numpy(), np.transpose(x64, perm))
        inverse = tuple(int(i) for i in np.argsort(perm))
        np.testing.assert_array_equal(wg.transpose(t, inverse).numpy(), x64)
        flat = wg.reshape(t, (-1,))
        assert flat.shape == (x64.size,)
        np.testing.assert_array_equal(flat.numpy(), np.transpose(x64, perm).reshape(-1))
