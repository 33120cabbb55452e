"""Engine behaviour: tape and saved tensors, thunks, custom gradients, variables,
tidy/keep/dispose, exact memory counters, profile/time, leak-free training, and
importing the core without NumPy."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import webgrad as wg

PKG = str(Path(__file__).resolve().parent.parent / "pkg")


def counts():
    m = wg.memory()
    return m["num_tensors"], m["num_data_buffers"], m["num_bytes"]


def vals(t):
    return [round(v, 5) for v in t.data_sync()]


# -- tape and saved tensors -----------------------------------------------------------

def test_saved_tensors_released_after_grad(backend):
    x = wg.tensor([0.5, 1.0, 2.0])
    base = counts()
    g = wg.grad(lambda x: wg.sum(wg.exp(wg.mul(wg.log(x), x))))(x)  # saves inputs and outputs
    assert not wg.engine.saved and not wg.engine.tapes
    assert counts() == (base[0] + 1, base[1] + 1, base[2] + g.ref.nbytes)
    g.dispose()
    assert counts() == base


def test_value_and_grads_release_everything_but_results(backend):
    a, b = wg.tensor([[1.0, 2.0], [3.0, 4.0]]), wg.tensor([0.5, -1.0])
    base = counts()
    y, (ga, gb) = wg.value_and_grads(lambda a, b: wg.sum(wg.square(wg.add(a, b))))([a, b])
    assert counts()[0] == base[0] + 3
    assert vals(y) == [1.5 ** 2 + 1 + 3.5 ** 2 + 9]
    assert vals(ga) == [3.0, 2.0, 7.0, 6.0] and vals(gb) == [10.0, 8.0]
    wg.dispose([y, ga, gb])
    assert counts() == base


def test_higher_order_grad_keeps_saved_tensors_alive(backend):
    x = wg.tensor([1.0, 2.0, -3.0])
    base = counts()
    cube = lambda x: wg.sum(wg.mul(wg.mul(x, x), x))  # noqa: E731
    d1 = wg.grad(cube)
    d2 = wg.grad(lambda x: wg.sum(d1(x)))
    d3 = wg.grad(lambda x: wg.sum(d2(x)))
    results = [d1(x), d2(x), d3(x)]
    assert [vals(r) for r in results] == [[3.0, 12.0, 27.0], [6.0, 12.0, -18.0], [6.0, 6.0, 6.0]]
    assert not wg.engine.saved
    assert counts() == (base[0] + 3, base[1] + 3, base[2] + sum(r.ref.nbytes for r in results))
    wg.dispose(results)
    assert counts() == base


def test_higher_order_through_unary_rules(backend):
    x = wg.tensor([0.3, 1.1])
    d2 = wg.grad(lambda x: wg.sum(wg.grad(lambda x: wg.sum(wg.sin(x)))(x)))
    import math
    assert vals(d2(x)) == [round(-math.sin(0.3), 5), round(-math.sin(1.1), 5)]


def test_tensor_used_several_times_sums_gradients(backend):
    x = wg.tensor([1.0, -2.0, 3.0])
    g = wg.grad(lambda x: wg.sum(wg.add(wg.add(wg.mul(x, x), x), wg.mul(x, 3.0))))(x)
    assert vals(g) == [6.0, 0.0, 10.0]


def test_broadcast_gradient_summed_back(backend):
    a = wg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = wg.tensor([10.0, 20.0, 30.0])
    c = wg.tensor([[2.0], [3.0]])
    ga, gb, gc = wg.grads(lambda a, b, c: wg.sum(wg.mul(wg.add(a, b), c)))([a, b, c])
    assert ga.shape == (2, 3) and vals(ga) == [2.0, 2.0, 2.0, 3.0, 3.0, 3.0]
    assert gb.shape == (3,) and vals(gb) == [5.0, 5.0, 5.0]
    assert gc.shape == (2, 1) and vals(gc) == [66.0, 75.0]


def test_grad_with_dy(backend):
    x = wg.tensor([1.0, 2.0])
    g = wg.grad(lambda x: wg.square(x))(x, wg.tensor([1.0, -3.0]))
    assert vals(g) == [2.0, -12.0]


# -- only needed thunks run ---------------------------------------------------------

@pytest.fixture
def counted_mul(backend):
    """Kernel "TestCountedMul" (delegating to Multiply) whose gradient counts rule and thunk calls."""
    calls = {"rule": 0, "a": 0, "b": 0}
    mul_kernel = wg.engine.kernels[("Multiply", backend)]
    wg.register_kernel("TestCountedMul", backend, mul_kernel)

    def rule(dy, ctx):
        calls["rule"] += 1
        a, b = ctx.saved

        def ta():
            calls["a"] += 1
            return wg.mul(dy, b)

        def tb():
            calls["b"] += 1
            return wg.mul(dy, a)
        return [ta, tb]

    wg.register_gradient("TestCountedMul", rule, inputs_to_save=[0, 1])
    yield lambda a, b: wg.engine.run_kernel("TestCountedMul", [a, b], {}), calls
    del wg.engine.kernels[("TestCountedMul", backend)]
    del wg.engine.gradients["TestCountedMul"]


def test_only_needed_thunks_run(counted_mul):
    cmul, calls = counted_mul
    x, c = wg.tensor([1.0, 2.0]), wg.tensor([3.0, 4.0])
    g = wg.grad(lambda x: wg.sum(cmul(x, c)))(x)
    assert vals(g) == [3.0, 4.0]
    assert calls == {"rule": 1, "a": 1, "b": 0}
    g = wg.grad(lambda x: wg.sum(cmul(c, x)))(x)
    assert vals(g) == [3.0, 4.0]
    assert calls == {"rule": 2, "a": 1, "b": 1}


def test_nodes_off_the_path_are_not_differentiated(counted_mul):
    cmul, calls = counted_mul
    x, c = wg.tensor([1.0, 2.0]), wg.tensor([3.0, 4.0])

    def f(x):
        cmul(x, c)  # depends on x, but y does not depend on it
        return wg.sum(wg.square(x))
    assert vals(wg.grad(f)(x)) == [2.0, 4.0]
    assert calls == {"rule": 0, "a": 0, "b": 0}


def test_no_tape_outside_gradients(counted_mul):
    cmul, _ = counted_mul
    x = wg.tensor([1.0])
    cmul(x, x)
    assert not wg.engine.tapes and not wg.engine.saved


# -- custom_grad, stop_gradient -----------------------------------------------------

def test_custom_grad_with_save(backend):
    seen = {}

    @wg.custom_grad
    def f(x, save):
        y = wg.square(x)
        save([x, y])

        def grad_func(dy, saved):
            seen["saved"] = [vals(t) for t in saved]
            return [wg.mul(dy, wg.mul(saved[0], 10.0))]
        return {"value": y, "grad_func": grad_func}

    x = wg.tensor([1.0, 2.0])
    base = counts()
    y, g = wg.value_and_grad(lambda x: wg.sum(f(x)))(x)
    assert vals(y) == [5.0]
    assert vals(g) == [10.0, 20.0]
    assert seen["saved"] == [[1.0, 2.0], [1.0, 4.0]]
    wg.dispose([y, g])
    assert counts() == base
    assert vals(f(x)) == [1.0, 4.0]  # outside a gradient: just the value


def test_custom_grad_two_inputs(backend):
    @wg.custom_grad
    def f(a, b, save):
        return {"value": wg.add(a, b), "grad_func": lambda dy, saved: [wg.mul(dy, 2.0), wg.mul(dy, 3.0)]}
    ga, gb = wg.grads(lambda a, b: wg.sum(f(a, b)))([wg.tensor([1.0]), wg.tensor([2.0])])
    assert vals(ga) == [2.0] and vals(gb) == [3.0]


def test_stop_gradient(backend):
    x = wg.tensor([1.0, 2.0])
    g = wg.grad(lambda x: wg.sum(wg.add(wg.mul(x, x), wg.stop_gradient(wg.mul(x, 5.0)))))(x)
    assert vals(g) == [2.0, 4.0]
    y = wg.stop_gradient(x)
    assert vals(y) == [1.0, 2.0]
    with pytest.raises(ValueError, match="does not depend"):
        wg.grad(lambda x: wg.sum(wg.stop_gradient(x)))(x)


# -- variables ------------------------------------------------------------------------

def test_variable_assign_and_variable_grads(backend):
    w = wg.variable(wg.tensor([1.0, 2.0]), name="test_engine_w")
    b = wg.variable(wg.tensor([0.5]), name="test_engine_b")
    frozen = wg.variable(wg.tensor([3.0]), trainable=False, name="test_engine_frozen")
    try:
        assert w.is_variable and w.name == "test_engine_w"
        f = lambda: wg.sum(wg.add(wg.mul(w, w), wg.mul(b, frozen)))  # noqa: E731
        res = wg.variable_grads(f)
        assert vals(res["value"]) == [5.0 + 3.0]
        grads = res["grads"]
        assert "test_engine_frozen" not in grads
        assert vals(grads["test_engine_w"]) == [2.0, 4.0] and vals(grads["test_engine_b"]) == [6.0]
        only = wg.variable_grads(f, var_list=[b])
        assert list(only["grads"]) == ["test_engine_b"]
        t = wg.tensor([5.0, 6.0])
        w.assign(t)
        t.dispose()
        assert vals(w) == [5.0, 6.0]
        base = counts()
        with wg.tidy():
            w.assign(wg.tensor([7.0, 8.0]))
        assert vals(w) == [7.0, 8.0]
        assert counts() == base  # the old data went, the temporary's data moved into w
        with pytest.raises(ValueError, match="assign"):
            w.assign(wg.tensor([1.0, 2.0, 3.0]))
        with wg.tidy():
            w.assign(wg.mul(w, 2.0))
        assert vals(w) == [14.0, 16.0] and not w.disposed
    finally:
        wg.dispose([w, b, frozen])


def test_variables_survive_tidy(backend):
    def make():
        return wg.variable(wg.tensor([1.0]), name="test_engine_tidy_var")
    with wg.tidy():
        v = make()
    assert not v.disposed and vals(v) == [1.0]
    v.dispose()


# -- tidy, keep, dispose ------------------------------------------------------------

def test_tidy_function_keeps_returned_structure(backend):
    base = counts()

    def body():
        a = wg.tensor([1.0])
        b = wg.add(a, 1.0)
        c = wg.mul(b, 2.0)
        d = wg.neg(c)
        wg.exp(d)  # dropped
        return {"c": c, "pair": (a, [d]), "n": 3}
    out = wg.tidy(body)
    assert counts()[0] == base[0] + 3
    assert vals(out["c"]) == [4.0] and vals(out["pair"][1][0]) == [-4.0] and out["n"] == 3
    wg.dispose(out)
    assert counts() == base


def test_tidy_context_manager_and_keep(backend):
    base = counts()
    with wg.tidy() as scope:
        a = wg.tensor([1.0, 2.0])
        kept = wg.keep(wg.add(a, 1.0))
        out = scope.keep(wg.mul(a, 3.0))
        tmp = wg.square(a)
    assert a.disposed and tmp.disposed
    assert not kept.disposed and not out.disposed
    assert vals(kept) == [2.0, 3.0] and vals(out) == [3.0, 6.0]
    wg.dispose([kept, out])
    assert counts() == base


def test_nested_tidy(backend):
    base = counts()

    def outer():
        x = wg.tensor([1.0])
        inner = wg.tidy(lambda: wg.add(wg.mul(x, 2.0), 1.0))
        assert not x.disposed
        y = wg.tidy("named", lambda: [wg.mul(inner, inner), wg.tensor([9.0])])
        return y[0]
    out = wg.tidy(outer)
    assert vals(out) == [9.0]
    assert counts()[0] == base[0] + 1
    out.dispose()
    assert counts() == base


def test_tidy_releases_on_exception(backend):
    base = counts()

    def body():
        wg.tensor([1.0, 2.0])
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        wg.tidy(body)
    assert counts() == base and not wg.engine.scopes


def test_dispose_is_idempotent_and_shared_data_stays(backend):
    x = wg.tensor([1.0, 2.0, 3.0, 4.0])
    base = counts()
    r = wg.reshape(x, (2, 2))
    assert counts() == (base[0] + 1, base[1], base[2])
    x.dispose()
    x.dispose()
    assert counts() == (base[0], base[1], base[2])
    assert vals(r) == [1.0, 2.0, 3.0, 4.0]
    r.dispose()
    assert counts() == (base[0] - 1, base[1] - 1, base[2] - 16)


# -- memory accounting ----------------------------------------------------------------

def test_memory_counts_exact(backend):
    base = counts()
    a = wg.zeros((2, 8))
    assert counts() == (base[0] + 1, base[1] + 1, base[2] + 64)
    i = wg.ones((4, 4), "int32")
    assert counts() == (base[0] + 2, base[1] + 2, base[2] + 128)
    c = a.clone()
    r = wg.reshape(a, (16,))
    e = wg.expand_dims(a, 0)
    s = wg.squeeze(e)
    assert c.ref is a.ref and r.ref is a.ref and s.ref is a.ref
    assert counts() == (base[0] + 6, base[1] + 2, base[2] + 128)
    b = wg.tensor([True, False, True, True])
    m = counts()
    assert m[:2] == (base[0] + 7, base[1] + 3) and m[2] - base[2] - 128 == b.ref.nbytes >= 4
    wg.dispose([a, i, c, r, e, s, b])
    assert counts() == base


def test_memory_has_the_documented_fields(backend):
    m = wg.memory()
    for key in ("num_tensors", "num_data_buffers", "num_bytes"):
        assert isinstance(m[key], int) and m[key] >= 0


# -- Python numbers as operands ----------------------------------------------------------

WEAK_DTYPES = [  # (tensor dtype, Python number, dtype the number takes)
    ("float32", 2.5, "float32"), ("float32", 3, "float32"), ("float32", True, "float32"),
    ("int32", 2.5, "float32"), ("int32", 3, "int32"), ("int32", True, "int32"), ("int32", 2**32 + 3, "int32"),
    ("bool", 2.5, "float32"), ("bool", 3, "int32"), ("bool", True, "bool"),
]


@pytest.mark.parametrize("dtype,v,want", WEAK_DTYPES)
def test_python_number_operand_is_weakly_typed(backend, dtype, v, want):
    base = counts()
    with wg.tidy():
        x = wg.tensor([1, 0, 1], dtype=dtype)
        for got, explicit in ((x + v, wg.add(x, wg.scalar(v, want))), (v * x, wg.mul(wg.scalar(v, want), x)),
                              (wg.maximum(x, v), wg.maximum(x, wg.scalar(v, want)))):
            assert (got.dtype, got.tolist()) == (explicit.dtype, explicit.tolist()), (dtype, v)
    assert counts() == base


def test_python_number_operand_skips_the_general_converter(backend, monkeypatch):
    """x + 1.0 uploads the number directly (the hot path of small ops), not through tensor()."""
    from webgrad.ops import creation

    def refuse(*args, **kwargs):
        raise AssertionError("tensor() called for a Python number operand")

    monkeypatch.setattr(creation, "tensor", refuse)
    with wg.tidy():
        x = wg.ones((2,))
        assert (x + 1.0).tolist() == [2.0, 2.0] and (2 - x).tolist() == [1.0, 1.0]


# -- profile and time -------------------------------------------------------------------

def test_profile_reports_kernels(backend):
    x, y = wg.tensor([[1.0, 2.0]]), wg.tensor([3.0, 4.0])
    info = wg.profile(lambda: wg.add(wg.mul(x, y), 1.0))
    names = [k["name"] for k in info["kernels"]]
    assert names == ["Multiply", "Add"]
    mul = info["kernels"][0]
    assert mul["input_shapes"] == [(1, 2), (2,)] and mul["output_shapes"] == [(1, 2)]
    assert info["peak_bytes"] >= wg.memory()["num_bytes"]
    # Bytes as the backend allocates them (a GPU backend may round small buffers up).
    y = info["result"]
    assert mul["bytes_added"] == y.ref.nbytes and mul["time_ms"] >= 0
    assert info["kernel_names"] == ["Add", "Multiply"]
    assert info["new_tensors"] == 2  # the product and the sum; add frees the scalar it made from 1.0
    assert info["new_bytes"] == 2 * y.ref.nbytes
    assert vals(info["result"]) == [4.0, 9.0]


def test_time_reports_wall_time(backend):
    x = wg.ones((64, 64))
    t = wg.time(lambda: wg.sum(wg.exp(x)))
    assert t["wall_ms"] > 0
    assert abs(t["result"].item() - 4096 * 2.7182817) < 1e-1


def test_time_kernel_ms_is_measured_or_absent(backend):
    """kernel_ms is the time inside kernels, not the wall time: the Python work around
    the kernels is excluded on cpu, and a backend that only records work reports None."""
    import time as pytime

    x = wg.ones((8,))

    def fn():
        pytime.sleep(0.05)  # host work, not a kernel
        return wg.exp(x)

    t = wg.time(fn)
    assert t["wall_ms"] >= 50
    if backend == "cpu":
        assert 0 < t["kernel_ms"] < 25
    else:
        assert t["kernel_ms"] is None
    inner = {}
    outer = wg.time(lambda: inner.update(wg.time(fn)) or wg.exp(x))
    if backend == "cpu":  # an enclosing time() also counts the kernels of an inner one
        assert outer["kernel_ms"] >= inner["kernel_ms"] > 0
    assert wg.engine.kernel_ms is None


# -- no leaks over a training loop -----------------------------------------------------

def test_training_steps_in_tidy_do_not_leak(backend):
    # y = 2 x0 - 3 x1 + 0.5 fitted by gradient descent on a fixed batch.
    xs = wg.tensor([[u / 7.0, (u * 3 % 5) / 5.0] for u in range(16)])
    ys = wg.add(wg.matmul(xs, wg.tensor([[2.0], [-3.0]])), 0.5) if hasattr(wg, "matmul") else \
        wg.add(wg.sum(wg.mul(xs, wg.tensor([2.0, -3.0])), axis=1, keepdims=True), 0.5)
    w = wg.variable(wg.zeros((2,)), name="test_engine_train_w")
    b = wg.variable(wg.zeros((1,)), name="test_engine_train_b")

    def loss():
        pred = wg.add(wg.sum(wg.mul(xs, w), axis=1, keepdims=True), b)
        return wg.mean(wg.square(wg.sub(pred, ys)))

    def step():
        res = wg.variable_grads(loss, [w, b])
        for v in (w, b):
            v.assign(wg.sub(v, wg.mul(res["grads"][v.name], 0.1)))
        return res["value"].item()

    try:
        first = wg.tidy(step)
        base = counts()
        for _ in range(199):
            last = wg.tidy(step)
            assert counts() == base
        assert last < first / 20
        assert not wg.engine.saved and not wg.engine.scopes
    finally:
        wg.dispose([w, b, xs, ys])


# -- the core imports without NumPy -------------------------------------------------------

_NO_NUMPY = textwrap.dedent("""
    import sys
    class Hide:
        def find_spec(self, name, path=None, target=None):
            if name == "numpy" or name.startswith("numpy."):
                raise ImportError("numpy is hidden for this test")
    sys.meta_path.insert(0, Hide())
    import webgrad as wg
    import webgrad.testing
    from webgrad.testing import CASES
    assert "numpy" not in sys.modules
    assert len(CASES) > 100
    assert callable(wg.grad) and callable(wg.tidy) and "Log" in {r for r in wg.engine.gradients}
    try:
        wg.set_backend("cpu")
    except ImportError as exc:
        print("cpu unavailable:", exc)
    else:
        raise SystemExit("the cpu backend initialised without NumPy")
    try:
        name = wg.get_backend()
    except RuntimeError as exc:
        assert "cpu" in str(exc), exc
        print("no backend:", exc)
    else:
        assert name != "cpu", name
        print("backend:", name)
    print("OK")
""")


def test_import_without_numpy():
    env = {"PYTHONPATH": PKG, "PATH": "/usr/bin:/bin", "WEBGRAD_BACKEND": ""}
    import os
    for key in ("XDG_RUNTIME_DIR", "MESA_SHADER_CACHE_DIR", "HOME"):
        if key in os.environ:
            env[key] = os.environ[key]
    proc = subprocess.run([sys.executable, "-c", _NO_NUMPY], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("OK"), proc.stdout
    assert "cpu unavailable" in proc.stdout
