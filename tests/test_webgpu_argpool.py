"""ArgMax/ArgMin on the webgpu backend over rows longer than one dispatch's loop budget
(split into chunk winners plus a final pass), and pools with their gradients over
varied geometries (overlapping windows, padding, ties, NaNs), checked against the cpu backend."""
from __future__ import annotations

import numpy as np
import pytest

import webgrad as wg
from webgrad.backends.webgpu.kernels import reduce as wreduce
from webgrad.gpu import get_device

try:
    get_device()
except Exception as exc:  # noqa: BLE001
    pytest.fail(f"no WebGPU adapter: {exc}", pytrace=False)

rng = np.random.default_rng(11)


def run_on(backend: str, fn, a: np.ndarray) -> np.ndarray:
    prev = wg.get_backend()
    wg.set_backend(backend)
    try:
        t = wg.tensor(a)
        out = fn(t)
        res = out.numpy()
        wg.dispose([t, out])
        return res
    finally:
        wg.set_backend(prev)


def same(fn, a: np.ndarray) -> None:
    ref, got = run_on("cpu", fn, a), run_on("webgpu", fn, a)
    assert ref.shape == got.shape and got.dtype == np.int32
    np.testing.assert_array_equal(got, ref)


@pytest.fixture
def small_budget(monkeypatch):
    """Shrink the loop budget so short rows take the split path (chunks of 2048 on
    few outputs, of 16 on many)."""
    monkeypatch.setattr(wreduce, "LOOP_BUDGET", 16)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_split_odd_sizes(small_budget, op):
    fn = getattr(wg, op)
    for shape, ax in (((4097,), 0), ((3, 6001), 1), ((5003, 2), 0), ((2, 4099, 3), 1)):
        same(lambda t: fn(t, ax), rng.uniform(-3, 3, shape).astype(np.float32))
    same(lambda t: fn(t, 1), rng.integers(-5, 5, (3, 5000)).astype(np.int32))
    same(lambda t: fn(t, 1), rng.uniform(-3, 3, (20000, 37)).astype(np.float32))  # many outputs
    same(lambda t: fn(t, 0), rng.uniform(-3, 3, (37, 20000)).astype(np.float32))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_split_ties_and_nans(small_budget, op):
    fn = getattr(wg, op)
    x = np.zeros((2, 9000), np.float32)
    x[0, [3000, 5000, 8999]] = 7.0 if op == "argmax" else -7.0  # tie across chunks: first wins
    x[1, [2047, 2048]] = 7.0 if op == "argmax" else -7.0  # tie at a chunk boundary
    same(lambda t: fn(t, 1), x)
    y = x.copy()
    y[0, [6000, 8000]] = np.nan  # NaN in a later chunk beats the extreme value
    y[1, [100, 4100]] = np.nan
    same(lambda t: fn(t, 1), y)
    same(lambda t: fn(t, 0), np.full((5000, 3), np.nan, np.float32))
    z = np.full(20000, 1.0, np.float32)
    z[[1, 19999]] = [np.inf, np.inf] if op == "argmax" else [-np.inf, -np.inf]
    same(lambda t: fn(t, 0), z)
    same(lambda t: fn(t, 0), np.full((1, 7, 5000), 3, np.int32).reshape(7, 5000).T.copy())


def test_long_row_20m():
    x = rng.standard_normal(20_000_001).astype(np.float32)
    x[[123, 19_999_999]] = 9.0  # global max tied across the first and last chunks
    x[[5, 15_000_000]] = -9.0
    same(lambda t: wg.argmax(t, 0), x)
    same(lambda t: wg.argmin(t, 0), x)
    x[17_000_000] = np.nan
    same(lambda t: wg.argmax(t, 0), x)


def pool_grads(x, f, s, pad):
    """Forward max/avg pools and the gradients of weighted sums of them."""
    def k(t):
        mp, ap = wg.max_pool(t, f, s, pad), wg.avg_pool(t, f, s, pad)
        w = wg.tensor(np.arange(1, mp.size + 1, dtype=np.float32).reshape(mp.shape) % 7.0)
        gm = wg.grad(lambda a: wg.sum(wg.max_pool(a, f, s, pad) * w))(t)
        ga = wg.grad(lambda a: wg.sum(wg.avg_pool(a, f, s, pad) * w))(t)
        return wg.concat([wg.reshape(v, (-1,)) for v in (mp, ap, gm, ga)], 0)
    return k


GEOMS = [(2, 2, "valid"), (3, 2, "same"), (3, 1, "same"), ((3, 2), (2, 1), "valid"), (2, 1, "valid"),
         (5, 3, "same"), (1, 2, "valid"), ((2, 3), 2, "same")]


@pytest.mark.parametrize("geom", GEOMS)
def test_pools_and_grads(geom):
    f, s, pad = geom
    x = rng.uniform(-3, 3, (2, 7, 9, 3)).astype(np.float32)  # scalar kernels (C % 4 != 0)
    ref, got = run_on("cpu", pool_grads(x, f, s, pad), x), run_on("webgpu", pool_grads(x, f, s, pad), x)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    ties = rng.integers(0, 3, (2, 6, 5, 8)).astype(np.float32)  # vec4 kernels; ties: first position wins
    ties[0, 2, 3, 1] = ties[1, 0, 0, 5] = np.nan
    ref, got = run_on("cpu", pool_grads(ties, f, s, pad), ties), run_on("webgpu", pool_grads(ties, f, s, pad), ties)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5, equal_nan=True)
