"""Central finite differences for checking gradient rules.

The functions under test run through webgrad in float32; inputs are float64
NumPy arrays that are rounded to float32 before every evaluation.
"""
from __future__ import annotations

import numpy as np

import webgrad as wg


def _scalar(f, arrays, weights):
    """sum(f(*tensors) * weights) as a Python float, tidily."""
    def run():
        ts = [wg.tensor(a.astype(np.float32)) for a in arrays]
        y = f(*ts)
        return float(np.sum(y.numpy().astype(np.float64) * weights))
    with wg.tidy():
        return run()


def numeric_grads(f, arrays, weights, eps: float = 1e-2) -> list[np.ndarray]:
    """d/dx_i of sum(f(*xs) * weights) for each input, by central differences."""
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a, dtype=np.float64)
        for idx in np.ndindex(a.shape):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            g[idx] = (_scalar(f, plus, weights) - _scalar(f, minus, weights)) / (2 * eps)
        grads.append(g)
    return grads


def analytic_grads(f, arrays, weights) -> list[np.ndarray]:
    """The same gradients through wg.grads."""
    with wg.tidy():
        ts = [wg.tensor(a.astype(np.float32)) for a in arrays]
        w = wg.tensor(weights.astype(np.float32))
        gs = wg.grads(lambda *xs: wg.sum(wg.mul(f(*xs), w)))(ts)
        return [g.numpy().astype(np.float64) for g in gs]


def check_grads(f, arrays, eps: float = 1e-2, rtol: float = 1e-2, atol: float = 2e-3, seed: int = 0) -> None:
    """Assert wg.grads of sum(f(*xs) * W) (W fixed random) matches central differences."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    with wg.tidy():
        out_shape = f(*[wg.tensor(a.astype(np.float32)) for a in arrays]).shape
    weights = np.random.default_rng(seed).uniform(-1, 1, out_shape)
    got = analytic_grads(f, arrays, weights)
    want = numeric_grads(f, arrays, weights, eps)
    for i, (g, n) in enumerate(zip(got, want)):
        scale = max(1.0, float(np.max(np.abs(n))) if n.size else 1.0)
        np.testing.assert_allclose(g, n, rtol=rtol, atol=atol * scale, err_msg=f"gradient of input {i}")
