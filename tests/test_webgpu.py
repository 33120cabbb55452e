"""The "webgpu" backend on the native device (lavapipe here): device layer, buffer
pool, batching, kernels checked against the NumPy backend, and GPU edge cases."""
from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest

import webgrad as wg
from webgrad.engine import ENGINE
from webgrad.gpu import ShaderError, get_device

try:
    get_device()
    HAVE_GPU = True
except Exception as exc:  # noqa: BLE001
    HAVE_GPU, WHY = False, str(exc)

if not HAVE_GPU:
    pytest.fail(f"no WebGPU adapter: {WHY}", pytrace=False)


@pytest.fixture(autouse=True)
def webgpu_backend():
    prev = wg.get_backend()
    wg.set_backend("webgpu")
    yield
    wg.set_backend(prev)


def backend():
    return ENGINE.backend_instances["webgpu"]


def on(name: str, fn, arrays):
    wg.set_backend(name)
    ts = [wg.tensor(a) if a.size else wg.zeros(a.shape, _dtype(a)) for a in arrays]
    out = fn(*ts)
    outs = out if isinstance(out, (list, tuple)) else [out]
    res = [o.numpy() for o in outs]
    wg.dispose([*ts, *outs])
    return res


def _dtype(a):
    return {"f": "float32", "i": "int32", "b": "bool"}[a.dtype.kind]


def same(fn, *arrays, tol=1e-5):
    """fn on webgpu equals fn on cpu (values, shapes, dtypes; NaN where NaN)."""
    ref = on("cpu", fn, arrays)
    got = on("webgpu", fn, arrays)
    wg.set_backend("webgpu")
    assert len(ref) == len(got)
    for r, g in zip(ref, got):
        assert r.shape == g.shape and r.dtype == g.dtype, (r.shape, g.shape, r.dtype, g.dtype)
        if r.dtype.kind == "f":
            np.testing.assert_allclose(g, r, rtol=tol, atol=tol, equal_nan=True)
        else:
            np.testing.assert_array_equal(g, r)


rng = np.random.default_rng(7)


def F(*shape, lo=-3.0, hi=3.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def I(*shape, lo=-20, hi=20):
    return rng.integers(lo, hi, shape).astype(np.int32)


def B(*shape):
    return rng.random(shape) < 0.5


# -- device layer -------------------------------------------------------------------------------


def test_adapter_is_a_real_vulkan_class_adapter_not_the_gl_fallback():
    info = get_device().adapter_info
    assert info["backend_type"] in ("Vulkan", "Metal", "D3D12"), info
    assert info["backend_type"] != "OpenGL"


def test_adapter_choice_by_name_and_a_helpful_error_without_adapters(monkeypatch):
    import wgpu
    from webgrad.gpu import GPUUnavailableError
    from webgrad.gpu import native

    monkeypatch.setenv("WEBGRAD_ADAPTER", "llvmpipe" if "llvmpipe" in get_device().adapter_info["name"] else
                       get_device().adapter_info["name"][:6])
    assert native._choose_adapter().info["backend_type"]
    monkeypatch.setenv("WEBGRAD_ADAPTER", "no-such-adapter-xyz")
    with pytest.raises(GPUUnavailableError, match="no-such-adapter-xyz"):
        native._choose_adapter()
    monkeypatch.delenv("WEBGRAD_ADAPTER")
    monkeypatch.setattr(wgpu.gpu, "enumerate_adapters_sync", lambda: [])
    with pytest.raises(GPUUnavailableError, match="mesa-vulkan-drivers"):
        native._choose_adapter()


def test_default_backend_is_webgpu_when_an_adapter_exists():
    assert ENGINE.backend_factories["webgpu"][1] > ENGINE.backend_factories["cpu"][1]


def test_every_cpu_kernel_has_a_webgpu_kernel():
    wg.set_backend("cpu")
    wg.set_backend("webgpu")
    cpu = {n for n, b in ENGINE.kernels if b == "cpu"}
    gpu = {n for n, b in ENGINE.kernels if b == "webgpu"}
    assert cpu - gpu == set()


def test_broken_wgsl_is_a_shader_error_naming_the_program_and_the_device_survives():
    dev = get_device()
    with pytest.raises(ShaderError, match="test:broken"):
        dev.create_pipeline("test:broken", "@compute @workgroup_size(1) fn main() { let x: u32 = 1.5; }")
    with pytest.raises(ShaderError, match="test:syntax"):
        dev.create_pipeline("test:syntax", "fn main( {")
    x = wg.tensor([1.0, 2.0])
    assert (x + 1).tolist() == [2.0, 3.0]


def test_read_back_sync_and_async():
    x = wg.tensor([1.5, -2.0, 3.0])
    y = x * 2
    assert list(y.data_sync()) == [3.0, -4.0, 6.0]
    assert asyncio.run(y.data()).tolist() == [3.0, -4.0, 6.0]
    assert asyncio.run(y.array()) == [3.0, -4.0, 6.0]


def test_bool_round_trip_is_stored_as_u32_words():
    t = wg.tensor([True, False, True])
    assert t.tolist() == [True, False, True]
    assert t.ref.nbytes >= 12  # 4 bytes per element on the GPU
    assert t.data_sync().typecode == "B"


def test_reshape_and_identity_share_the_buffer():
    x = wg.tensor([[1.0, 2.0], [3.0, 4.0]])
    r = x.reshape((4,))
    assert r.ref is x.ref and wg.identity(x).ref is x.ref


def test_one_pipeline_serves_every_shape_of_a_rank():
    wg.tensor(F(2, 3)) - wg.tensor(F(3))
    n = len(backend().pipelines)
    for shape in [(5, 7), (2, 9), (4, 11)]:
        (wg.tensor(F(*shape)) - wg.tensor(F(shape[-1]))).data_sync()
    assert len(backend().pipelines) == n


def test_disposed_buffer_returns_to_the_pool_only_after_a_submit():
    be = backend()
    be.flush()
    x = wg.tensor(F(1000))
    y = x + 1.0
    buf = y.ref.handle.buffer
    y.dispose()
    assert any(b is buf for _, b in be.pool.pending)
    z = x * 3.0  # recorded in the same open encoder: must not get y's buffer
    assert z.ref.handle.buffer is not buf
    be.flush()
    assert not be.pool.pending
    w = x - 2.0
    assert w.ref.handle.buffer is buf  # reused after the submit
    np.testing.assert_allclose(w.numpy(), x.numpy() - 2.0)


def test_commands_are_submitted_in_batches():
    be = backend()
    be.flush()
    before = get_device().num_submits
    x = wg.tensor(F(16))
    with wg.tidy():
        for _ in range(3 * be.batch):
            x = x + 1.0
        x.data_sync()
    assert 3 <= get_device().num_submits - before <= 6


def test_sync_and_memory_report_gpu_bytes_and_pool_stats():
    backend().sync()
    x = wg.tensor(F(1000))
    mem = wg.memory()
    assert mem["num_bytes"] >= 4000
    assert {"live_bytes", "pooled_bytes", "pending_buffers"} <= set(mem["webgpu"])


# -- kernels vs the NumPy backend --------------------------------------------------------------

UNARY_FLOAT = ["abs", "neg", "square", "sign", "relu", "relu6", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt",
               "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
               "acosh", "atanh", "sigmoid", "softplus", "elu", "selu", "floor", "ceil", "round", "erf",
               "is_nan", "is_inf", "is_finite", "log_sigmoid"]
SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, 1e-7, 30.0, -30.0, 100.0, np.nan, np.inf, -np.inf],
                   np.float32)


@pytest.mark.parametrize("op", UNARY_FLOAT)
def test_unary_float(op):
    fn = getattr(wg, op)
    same(fn, F(3, 4, 5), tol=2e-5)
    same(fn, SPECIAL, tol=2e-5)
    same(fn, np.array(0.7, np.float32), tol=2e-5)


@pytest.mark.parametrize("op", ["abs", "neg", "square", "sign", "relu", "relu6"])
def test_unary_int(op):
    same(getattr(wg, op), I(4, 6))


def test_unary_with_attributes():
    same(lambda x: wg.leaky_relu(x, 0.3), F(10))
    same(lambda x: wg.step(x, 0.25), np.append(F(10), np.nan).astype(np.float32))
    same(lambda x: wg.clip_by_value(x, -0.5, 1.25), np.append(F(10), np.nan).astype(np.float32))
    same(lambda x: wg.clip_by_value(x, -2.5, 3.7), I(20))
    same(lambda x: wg.clip_by_value(x, -math.inf, 3), I(20))
    same(lambda x, a: wg.prelu(x, a), F(4, 5), F(5))
    same(lambda x: wg.logical_not(x), B(7))
    for dt in ("float32", "int32", "bool"):
        same(lambda x: wg.cast(x, dt), np.append(F(9) * 5, [np.nan, np.inf, -3e9]).astype(np.float32))
        same(lambda x: wg.cast(x, dt), I(9))
        same(lambda x: wg.cast(x, dt), B(9))


BINARY = ["add", "sub", "mul", "div", "floor_div", "mod", "pow", "maximum", "minimum", "squared_difference",
          "atan2", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]
SHAPES = [((), ()), ((5,), ()), ((), (5,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)),
          ((2, 3, 4, 5), (3, 1, 5)), ((2, 1, 4, 1), (1, 3, 1, 5)), ((0, 4), (4,)), ((3, 0), (3, 1))]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_binary_float_broadcasting(op, sa, sb):
    b = F(*sb)
    if op in ("pow",):
        b = np.round(b)
    same(getattr(wg, op), F(*sa, lo=0.1 if op == "pow" else -3), b, tol=3e-5)


@pytest.mark.parametrize("op", [o for o in BINARY if o != "atan2"])
def test_binary_int(op):
    a, b = I(3, 4), I(4, lo=-5, hi=5)
    if op == "pow":
        a, b = I(3, 4, lo=-4, hi=4), I(4, lo=-2, hi=5)
    same(getattr(wg, op), a, b)


def test_binary_special_values():
    a = np.array([np.nan, 1.0, np.inf, -np.inf, 0.0, -2.0, 3.0, 0.0, -0.0], np.float32)
    b = np.array([1.0, np.nan, 1.0, np.inf, 0.0, 0.5, -2.0, -1.0, 2.0], np.float32)
    for op in ["add", "sub", "mul", "div", "maximum", "minimum", "pow", "mod", "floor_div", "atan2",
               "equal", "not_equal", "less", "greater_equal"]:
        same(getattr(wg, op), a, b, tol=1e-5)


def test_logical_and_where():
    for op in ("logical_and", "logical_or", "logical_xor", "equal", "not_equal"):
        same(getattr(wg, op), B(3, 4), B(4))
    same(lambda c, a, b: wg.where(c, a, b), B(3, 4), F(4), F(3, 1))
    same(lambda c, a, b: wg.where(c, a, b), B(5), I(5), np.array(3, np.int32))


REDUCE = ["sum", "mean", "prod", "max", "min"]


@pytest.mark.parametrize("op", REDUCE)
@pytest.mark.parametrize("shape,axis", [((), None), ((7,), None), ((3, 4, 5), None), ((3, 4, 5), 1),
                                        ((3, 4, 5), (0, 2)), ((2, 3, 4, 5), (1, 3)), ((4, 1000), 1),
                                        ((1000, 40), 0), ((5, 300), None)])
def test_reductions(op, shape, axis):
    x = F(*shape, lo=0.5, hi=1.5) if op == "prod" else F(*shape)
    same(lambda t: getattr(wg, op)(t, axis=axis), x, tol=1e-4)
    same(lambda t: getattr(wg, op)(t, axis=axis, keepdims=True), x, tol=1e-4)
    if op != "mean":
        same(lambda t: getattr(wg, op)(t, axis=axis), I(*shape, lo=-3, hi=4))


def test_reductions_edge_cases():
    same(lambda t: wg.sum(t, axis=1), np.zeros((3, 0), np.float32))
    same(lambda t: wg.prod(t, axis=0), np.zeros((0, 2), np.float32))
    same(lambda t: wg.max(t, axis=1), np.array([[1.0, np.nan, 3.0], [1.0, 2.0, -np.inf]], np.float32))
    same(lambda t: wg.sum(t), np.array([np.inf, -np.inf, 1.0], np.float32))
    same(lambda t: wg.any(t, axis=1), B(4, 6))
    same(lambda t: wg.all(t, axis=0), B(4, 6))
    same(lambda t: wg.all(t), B(600))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_reductions(op):
    fn = getattr(wg, op)
    same(lambda t: fn(t, 1), F(6, 7))
    same(lambda t: fn(t, 0), F(1000, 3))
    same(lambda t: fn(t), F(3, 400))
    same(lambda t: fn(t, 0), np.array([1.0, 5.0, 5.0, 2.0], np.float32))  # ties: first index
    same(lambda t: fn(t, 0), np.array([1.0, np.nan, 5.0, np.nan], np.float32))
    same(lambda t: fn(t, 1), I(5, 9, lo=-3, hi=3))


def test_cumsum_and_softmax():
    x = F(3, 4, 5)
    for ax in (0, 1, 2):
        for excl in (False, True):
            for rev in (False, True):
                same(lambda t: wg.cumsum(t, ax, exclusive=excl, reverse=rev), x, tol=1e-5)
    same(lambda t: wg.cumsum(t, 0), I(10))
    same(wg.softmax, F(4, 10))
    same(wg.log_softmax, F(4, 10))
    same(lambda t: wg.softmax(t, axis=0), F(3, 5, 2))
    same(wg.softmax, np.array([[1.0, np.inf, 0.0], [1.0, np.nan, 0.0], [1000.0, 0.0, -1000.0]], np.float32))


def test_creation_kernels():
    for v, dt in ((2.5, "float32"), (7, "int32"), (True, "bool")):
        same(lambda: wg.fill((3, 4), v, dt))
    same(lambda: wg.arange(7))
    same(lambda: wg.arange(1.5, 4.0, 0.5))
    same(lambda: wg.arange(10, 2, -3))
    same(lambda: wg.linspace(-1.0, 2.0, 7))
    same(lambda: wg.eye(4, 3, batch_shape=(2,)))
    same(lambda: wg.eye(3, dtype="int32"))
    same(lambda: wg.zeros((0, 3)))


def test_random_kernels_agree_with_the_cpu_backend_for_a_seed():
    same(lambda: wg.random_uniform((1000,), -2.0, 3.0, seed=11), tol=1e-6)
    same(lambda: wg.random_uniform((10, 10), dtype="int32", maxval=10.0, seed=1))
    same(lambda: wg.random_normal((2000,), 1.0, 2.0, seed=5), tol=1e-4)
    same(lambda: wg.truncated_normal((2000,), seed=9), tol=1e-4)


def test_shape_kernels():
    x = F(2, 3, 4)
    same(lambda t: wg.transpose(t, (2, 0, 1)), x)
    same(lambda t: wg.transpose(t), F(2, 3, 4, 5))
    same(lambda t: wg.broadcast_to(t, (2, 3, 4)), F(3, 1))
    same(lambda t: wg.broadcast_to(t, (2, 3)), np.array(4.0, np.float32))
    same(lambda t: wg.slice(t, (0, 1, 1), (2, 2, 3)), x)
    same(lambda t: wg.reverse(t, (0, 2)), x)
    same(lambda t: wg.tile(t, (2, 1, 3)), x)
    same(lambda t: wg.pad(t, ((1, 0), (0, 2), (1, 1)), 9.0), x)
    same(lambda t: wg.pad(t, ((1, 2),), 3), I(4))
    same(lambda t, i: wg.gather(t, i, 1), x, np.array([[2, 0], [1, 1]], np.int32))
    same(lambda t, i: wg.gather(t, i, 0), I(5, 2), np.array([4, -1, 7, 0], np.int32))
    same(lambda a, b: wg.concat([a, b], 1), F(2, 3), F(2, 5))
    same(lambda a, b: wg.stack([a, b], 1), F(2, 3), F(2, 3))
    same(lambda t: wg.unstack(t, 1), x)
    same(lambda t: wg.split(t, [1, 3], 2), x)
    same(lambda t: wg.one_hot(t, 5), np.array([0, 3, -1, 7, 4], np.int32))
    same(lambda t: wg.one_hot(t, 4, 2.0, -1.0, "float32"), I(2, 3, lo=0, hi=4))


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (3, 5, 7), (16, 32, 64), (130, 70, 36), (33, 1, 5), (64, 300, 256)])
def test_matmul(ta, tb, m, k, n):
    a = F(k, m) if ta else F(m, k)
    b = F(n, k) if tb else F(k, n)
    same(lambda x, y: wg.matmul(x, y, ta, tb), a, b, tol=1e-4)


def test_matmul_batches_ints_and_empty():
    same(wg.matmul, F(2, 3, 16, 8), F(8, 32), tol=1e-4)
    same(wg.matmul, F(4, 16, 8), F(1, 8, 32), tol=1e-4)
    same(wg.matmul, I(7, 9, lo=-5, hi=5), I(9, 8, lo=-5, hi=5))
    same(wg.matmul, F(3, 0), F(0, 4))
    same(wg.matmul, F(0, 3), F(3, 4))
    same(wg.matmul, F(5), F(5, 2), tol=1e-5)


def test_matmul_workgroup_tiled_kernel(monkeypatch):
    monkeypatch.setenv("WEBGRAD_MATMUL", "tiled")
    same(lambda x, y: wg.matmul(x, y, False, True), F(70, 33), F(65, 33), tol=1e-4)
    same(lambda x, y: wg.matmul(x, y, True, False), F(3, 2, 17), F(3, 2, 5), tol=1e-4)
    same(wg.matmul, F(3, 5000), F(5000, 4), tol=1e-3)  # several accumulating dispatches on lavapipe


@pytest.mark.parametrize("cfg", ["vec:32,16,8,8,auto8|scalar:8,8,8,8,auto8",  # the SwiftShader profile
                                 "vec:8,8,4,4,k3|scalar:4,4,4,4,m2", "vec:4,4,2,2,m|scalar:3,5,2,2,n5"])
def test_matmul_register_variants(monkeypatch, cfg):
    """The register-blocked layouts (A as vec4 along k or m, unrolled k with tails) on any driver."""
    monkeypatch.setenv("WEBGRAD_MATMUL_CFG", cfg)
    for ta in (False, True):
        for tb in (False, True):
            for m, k, n in ((37, 44, 20), (64, 300, 256), (8, 9, 12), (130, 70, 36)):
                a = F(k, m) if ta else F(m, k)
                b = F(n, k) if tb else F(k, n)
                same(lambda x, y: wg.matmul(x, y, ta, tb), a, b, tol=1e-4)
    same(wg.matmul, F(2, 3, 16, 8), F(8, 32), tol=1e-4)
    same(wg.matmul, I(7, 12, lo=-5, hi=5), I(12, 8, lo=-5, hi=5))


def test_conv_and_pool_kernels():
    x, w = F(2, 7, 6, 3), F(3, 2, 3, 4)
    same(lambda a, b: wg.conv2d(a, b, 1, "same"), x, w, tol=1e-4)
    same(lambda a, b: wg.conv2d(a, b, (2, 1), "valid", dilations=(1, 2)), x, w, tol=1e-4)
    same(lambda a: wg.max_pool(a, 2, 2, "same"), x)
    same(lambda a: wg.avg_pool(a, (3, 2), 1, "same"), x)
    g = wg.grads(lambda a, b: wg.sum(wg.max_pool(wg.conv2d(a, b, 2, "same"), 2, 1, "valid") ** 2))
    same(lambda a, b: g([a, b]), x, w, tol=1e-3)
    g2 = wg.grad(lambda a: wg.sum(wg.avg_pool(a, 3, 2, "same") * 3.0))
    same(g2, x, tol=1e-4)


# -- GPU edge cases --------------------------------------------------------------------------------


def test_nan_and_inf_propagate_as_tfjs():
    x = wg.tensor([0.0, -1.0, np.nan, np.inf, -np.inf, 1.0])
    log = wg.log(x).numpy()
    assert log[0] == -np.inf and np.isnan(log[1]) and np.isnan(log[2]) and log[3] == np.inf and np.isnan(log[4])
    relu = wg.relu(x).numpy()
    assert np.isnan(relu[2]) and relu[3] == np.inf and relu[4] == 0
    mx = wg.maximum(x, 0.5).numpy()
    assert np.isnan(mx[2]) and mx[0] == 0.5
    assert np.isnan(wg.max(x).item())
    assert np.isnan(wg.sqrt(wg.tensor(-1.0)).item()) and wg.exp(wg.tensor(1000.0)).item() == np.inf
    assert wg.sum(wg.tensor([np.inf, 1.0])).item() == np.inf
    assert np.isnan(wg.sum(wg.tensor([np.inf, -np.inf])).item())
    assert (wg.tensor(1.0) / 0.0).item() == np.inf


def test_int32_overflow_wraps():
    big = wg.tensor([2**31 - 1, -2**31], dtype="int32")
    assert (big + 1).tolist() == [-2**31, -2**31 + 1]
    assert (big * 2).tolist() == [-2, 0]
    assert wg.sum(wg.tensor([2**31 - 1, 5], dtype="int32")).item() == -2**31 + 4
    assert (wg.tensor([7, -7], dtype="int32") // 0).tolist() == [0, 0]


def test_scalars_rank_zero():
    a, b = wg.scalar(3.0), wg.scalar(4.0)
    c = a * b + 1
    assert c.shape == () and c.item() == 13.0
    assert wg.sum(a).shape == () and wg.transpose(a).item() == 3.0


def test_size_zero_tensors_dispatch_nothing():
    be = backend()
    z = wg.zeros((0, 3))
    before = be.num_dispatches
    outs = [z + 1, wg.exp(z), wg.sum(z, axis=0), wg.transpose(z), wg.concat([z, z], 0), wg.matmul(z, wg.zeros((3, 0)))]
    assert [o.shape for o in outs] == [(0, 3), (0, 3), (3,), (3, 0), (0, 3), (0, 0)]
    assert be.num_dispatches - before == 1  # only the sum, which fills its (3,) output with zeros
    assert wg.sum(z, axis=0).tolist() == [0.0, 0.0, 0.0]
    assert z.tolist() == [] and asyncio.run(z.data()).tolist() == []


def test_more_workgroups_than_one_grid_dimension_allows():
    be = backend()
    n = 65535 * 256 + 1000  # needs a 2-D grid of workgroups
    assert be.grid(-(-n // 256))[1] > 1
    x = wg.fill((n,), 3, "int32")
    y = x + wg.arange(n)
    vals = y.numpy()
    assert vals[0] == 3 and vals[-1] == n + 2 and vals[65535 * 256] == 65535 * 256 + 3
    assert (np.diff(vals) == 1).all()
    assert wg.sum(wg.cast(wg.greater(y, 0), "int32")).item() == n
    wg.dispose([x, y])


def test_loops_beyond_lavapipes_65535_iteration_cap():
    # llvmpipe stops any single shader loop after 65535 iterations; kernels chunk their loops
    n = 256 * 70000
    assert wg.sum(wg.fill((n,), 1, "int32")).item() == n
    x = np.zeros(70000, np.float32)
    x[-1] = 50.0
    y = wg.softmax(wg.tensor(x)).numpy()
    assert y[-1] == pytest.approx(1.0) and y.sum() == pytest.approx(1.0, rel=1e-4)
    assert wg.cumsum(wg.fill((70000,), 1, "int32")).numpy()[-1] == 70000
    assert wg.matmul(wg.ones((1, 70000)), wg.ones((70000, 1))).item() == 70000.0
    assert wg.mean(wg.fill((256 * 70000,), 2.0)).item() == 2.0
    same(lambda t: wg.log_softmax(t), F(2, 30000), tol=1e-4)
    same(lambda t: wg.cumsum(t, 0, exclusive=True, reverse=True), I(130000, lo=-3, hi=4))
    # the filter gradient sums over batch * rows * cols = 66 * 33 * 33 > 65535 positions
    g = wg.grad(lambda w: wg.sum(wg.conv2d(wg.ones((66, 33, 33, 1)), w, 1, "same")))
    same(lambda w: g(w), F(1, 1, 1, 1), tol=1e-3)
    # 5 x 5 x 3000 input channels per output: the channel loop is split
    same(lambda a, b: wg.conv2d(a, b, 1, "valid"), F(1, 5, 5, 3000), F(5, 5, 3000, 2), tol=1e-3)


def test_tensor_beyond_the_storage_binding_limit_raises_before_any_gpu_call():
    be = backend()
    limit = be.max_binding
    created = be.pool.created
    with pytest.raises(ValueError, match="storage-binding limit"):
        wg.zeros((limit // 4 + 1,))
    assert be.pool.created == created


def test_concat_and_stack_of_twenty_tensors():
    parts = [F(2, i + 1) for i in range(20)]
    same(lambda *ts: wg.concat(list(ts), 1), *parts)
    same(lambda *ts: wg.stack(list(ts), 0), *[F(3, 2) for _ in range(20)])
    # more inputs than this device binds to one dispatch (lavapipe: 32 storage buffers per stage)
    many = [F(2, 1) for _ in range(get_device().limits["max_storage_buffers_per_shader_stage"] + 3)]
    same(lambda *ts: wg.concat(list(ts), 1), *many)


# -- leaks -----------------------------------------------------------------------------------------


def test_training_loop_leaks_neither_tensors_nor_gpu_buffers():
    X = wg.tensor(F(32, 20))
    Y = wg.one_hot(wg.tensor(I(32, lo=0, hi=5)), 5, dtype="float32")
    w1 = wg.variable(wg.tensor(F(20, 16) * 0.3))
    b1 = wg.variable(wg.zeros((16,)))
    w2 = wg.variable(wg.tensor(F(16, 5) * 0.3))
    params = [w1, b1, w2]

    def loss_fn(a, b, c):
        logits = wg.matmul(wg.relu(wg.matmul(X, a) + b), c)
        return wg.mean(wg.logsumexp(logits, axis=1) - wg.sum(logits * Y, axis=1))

    def step():
        with wg.tidy():
            loss, gs = wg.value_and_grads(loss_fn)(params)
            for p, g in zip(params, gs):
                p.assign(p - 0.1 * g)
            return loss.item()

    first = [step() for _ in range(5)]
    backend().flush()
    m0 = wg.memory()
    losses = [step() for _ in range(20)]
    backend().flush()
    m1 = wg.memory()
    assert losses[-1] < first[0]
    for key in ("num_tensors", "num_data_buffers", "num_bytes"):
        assert m1[key] == m0[key], (key, m0, m1)
    for key in ("live_buffers", "live_bytes", "pooled_buffers", "created"):
        assert m1["webgpu"][key] == m0["webgpu"][key], (key, m0["webgpu"], m1["webgpu"])


def test_pool_evicts_least_recently_used_size_classes_when_full():
    from webgrad.backends.webgpu.backend import BufferPool

    class FakeDevice:
        def __init__(self):
            self.destroyed = []

        def create_buffer(self, size, usage):
            return object()

        def destroy_buffer(self, buf):
            self.destroyed.append(buf)

    dev = FakeDevice()
    pool = BufferPool(dev, max_pooled_bytes=4096)
    big = [pool.acquire(1024) for _ in range(4)]
    for b in big:
        pool.release(1024, b)
    pool.flush()
    assert pool.pooled_bytes == 4096 and not dev.destroyed
    small = [pool.acquire(64) for _ in range(3)]  # a newer class arrives while the pool is full
    for b in small:
        pool.release(64, b)
    pool.flush()
    assert len(pool.free[64]) == 3 and len(dev.destroyed) == 1  # one old big buffer made room
    assert pool.pooled_bytes <= 4096


def test_destroying_a_buffer_drops_only_the_bind_groups_that_name_it():
    dev = get_device()
    x = wg.tensor(F(256))
    ys = [x + 1.0, x * 2.0]
    backend().flush()
    bufs = [y.ref.handle.buffer for y in ys]
    named = [k for k in dev._bind_groups if bufs[0] in k]
    others = [k for k in dev._bind_groups if bufs[0] not in k]
    assert named and others
    wg.dispose(ys[0])
    backend().flush()
    # the pool keeps the buffer; destroying it (pool trimming) evicts just its groups
    backend().pool.free[ys[0].ref.nbytes].remove(bufs[0])
    backend().pool.pooled_bytes -= ys[0].ref.nbytes
    dev.destroy_buffer(bufs[0])
    assert not any(bufs[0] in k for k in dev._bind_groups)
    assert all(k in dev._bind_groups for k in others)
    np.testing.assert_allclose(ys[1].numpy(), x.numpy() * 2.0)
