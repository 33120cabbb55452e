"""DESIGN.md's "Public API", item by item, through the public names only: argument
names and order (tfjs names in snake_case, NumPy's axis=/keepdims= for reductions),
the documented semantics, the Tensor surface (properties, reads, operators, method
forms, indexing, printing) and the engine/training/graph entry points."""
from __future__ import annotations

import asyncio
import array
import inspect
import math

import pytest

import webgrad as wg

NAN, INF = float("nan"), float("inf")


def params(fn) -> list[str]:
    return [p for p in inspect.signature(fn).parameters if p != "self"]


# -- names and argument order ---------------------------------------------------------------

SIGNATURES = {
    # creation
    "tensor": ["values", "shape", "dtype"],
    "scalar": ["value", "dtype"],
    "zeros": ["shape", "dtype"],
    "ones": ["shape", "dtype"],
    "fill": ["shape", "value", "dtype"],
    "zeros_like": ["x"],
    "ones_like": ["x"],
    "eye": ["num_rows", "num_columns", "batch_shape", "dtype"],
    "one_hot": ["indices", "depth", "on_value", "off_value", "dtype"],
    "random_normal": ["shape", "mean", "stddev", "dtype", "seed"],
    "random_uniform": ["shape", "minval", "maxval", "dtype", "seed"],
    "truncated_normal": ["shape", "mean", "stddev", "dtype", "seed"],
    # ops with tfjs argument names
    "clip_by_value": ["x", "clip_value_min", "clip_value_max"],
    "split": ["x", "num_or_size_splits", "axis"],
    "conv2d": ["x", "filter", "strides", "pad", "dilations"],
    "max_pool": ["x", "filter_size", "strides", "pad"],
    "avg_pool": ["x", "filter_size", "strides", "pad"],
    "matmul": ["a", "b", "transpose_a", "transpose_b"],
    "dot": ["a", "b"],
    "where": ["condition", "a", "b"],
    "cast": ["x", "dtype"],
    "reshape": ["x", "shape"],
    "transpose": ["x", "perm"],
    "expand_dims": ["x", "axis"],
    "squeeze": ["x", "axis"],
    "concat": ["tensors", "axis"],
    "stack": ["tensors", "axis"],
    "unstack": ["x", "axis"],
    "slice": ["x", "begin", "size"],
    "gather": ["x", "indices", "axis"],
    "pad": ["x", "paddings", "constant_value"],
    "tile": ["x", "reps"],
    "broadcast_to": ["x", "shape"],
    "reverse": ["x", "axis"],
    "softmax": ["logits", "axis"],
    "log_softmax": ["logits", "axis"],
    "dropout": ["x", "rate", "noise_shape", "seed"],
    "leaky_relu": ["x", "alpha"],
    "cumsum": ["x", "axis", "exclusive", "reverse"],
    "norm": ["x", "ord", "axis", "keepdims"],
    # autodiff and memory
    "variable": ["initial_value", "trainable", "name"],
    "variable_grads": ["f", "var_list"],
    "tidy": None, "keep": None, "dispose": None, "memory": [], "profile": ["fn"], "time": ["fn"],
    "grad": ["f"], "grads": ["f"], "value_and_grad": ["f"], "value_and_grads": ["f"], "custom_grad": ["f"],
    "set_backend": ["name"], "get_backend": [],
    "register_kernel": ["name", "backend", "fn"],
    "register_gradient": ["name", "fn", "inputs_to_save", "outputs_to_save"],
    "trace": ["f", "args"],
}

REDUCTIONS = ["sum", "mean", "max", "min", "prod", "any", "all", "logsumexp", "moments"]
UNARY = ("abs exp log log1p sqrt rsqrt square sin cos tan tanh sigmoid relu relu6 elu selu softplus sign "
         "floor ceil round erf").split()
BINARY = ("add sub mul div floor_div mod pow maximum minimum squared_difference atan2 equal not_equal less "
          "less_equal greater greater_equal logical_and logical_or logical_xor").split()


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_public_names_and_argument_order(name):
    fn = getattr(wg, name)
    want = SIGNATURES[name]
    if want is not None:
        assert params(fn)[:len(want)] == want, f"{name}{inspect.signature(fn)}"


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_take_axis_and_keepdims(name):
    assert params(getattr(wg, name))[:3] == ["x", "axis", "keepdims"]


def test_every_listed_op_exists_with_a_method_form():
    t = wg.tensor([1.0])
    for name in UNARY + BINARY + REDUCTIONS + ["argmax", "argmin", "cumsum", "norm", "logical_not"]:
        assert callable(getattr(wg, name)), name
        assert callable(getattr(t, name)), name
    for name in ["reshape", "transpose", "expand_dims", "squeeze", "split", "slice", "gather", "pad", "tile",
                 "broadcast_to", "reverse", "cast", "unstack", "softmax", "log_softmax", "clip_by_value"]:
        assert callable(getattr(t, name)), name
    assert params(wg.argmax) == ["x", "axis"] and params(wg.argmin) == ["x", "axis"]


def test_losses_and_optimizers_signatures():
    L = wg.losses
    for name in ["mean_squared_error", "absolute_difference", "huber_loss", "log_loss", "hinge_loss"]:
        assert params(getattr(L, name))[:3] == ["labels", "predictions", "weights"], name
        assert inspect.signature(getattr(L, name)).parameters["reduction"].default is \
            L.Reduction.SUM_BY_NONZERO_WEIGHTS
    assert params(L.softmax_cross_entropy)[:4] == ["onehot_labels", "logits", "weights", "label_smoothing"]
    assert params(L.sigmoid_cross_entropy)[:4] == ["multi_class_labels", "logits", "weights", "label_smoothing"]
    assert params(L.cosine_distance)[:4] == ["labels", "predictions", "axis", "weights"]
    assert {m.name for m in L.Reduction} == {"NONE", "MEAN", "SUM", "SUM_BY_NONZERO_WEIGHTS"}
    for name in ["sgd", "momentum", "adam", "adamax", "adagrad", "adadelta", "rmsprop"]:
        opt = getattr(wg.train, name)(0.1) if name != "momentum" else wg.train.momentum(0.1, 0.9)
        assert params(opt.minimize) == ["f", "return_cost", "var_list"]
        assert callable(opt.apply_gradients)
        opt.dispose()


def test_layers_and_model_api_names():
    for name in ["dense", "conv2d", "max_pooling2d", "average_pooling2d", "flatten", "dropout", "activation",
                 "batch_normalization", "layer_normalization", "embedding", "reshape"]:
        assert callable(getattr(wg.layers, name)), name
    m = wg.sequential([wg.layers.dense(2, input_shape=(3,))])
    for name in ["compile", "fit", "evaluate", "predict", "summary", "save"]:
        assert callable(getattr(m, name)), name
    assert callable(wg.load_model) and callable(wg.model)
    assert "Sequential" in repr(m) and m.name in repr(m)
    m.dispose()


# -- documented semantics, on every backend ------------------------------------------------

def test_int32_div_floor_divides(backend):
    a, b = wg.tensor([7, -7, 7, -7]), wg.tensor([2, 2, -2, -2])
    for q in (wg.div(a, b), a / b, a // b):
        assert q.dtype == "int32" and q.tolist() == [3, -4, -4, 3]
    assert (wg.tensor([7.0]) / 2).tolist() == [3.5]


def test_argmax_is_int32_and_mean_of_int32_is_float32(backend):
    x = wg.tensor([[1.0, 5.0, 2.0], [9.0, 0.0, 3.0]])
    for got, want in ((wg.argmax(x, 1), [1, 0]), (wg.argmin(x, 1), [0, 1]), (x.argmax(axis=0), [1, 0, 1])):
        assert got.dtype == "int32" and got.tolist() == want
    m = wg.mean(wg.tensor([1, 2]))
    assert m.dtype == "float32" and m.item() == 1.5


def test_round_half_to_even_and_int_cast_truncates(backend):
    assert wg.round(wg.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4])).tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, 2.0]
    c = wg.cast(wg.tensor([1.7, -1.7, 2.5, -0.2]), "int32")
    assert c.dtype == "int32" and c.tolist() == [1, -1, 2, 0]


def test_nan_and_inf_propagate(backend):
    def same(got, want):
        return all((math.isnan(g) and math.isnan(w)) or g == w for g, w in zip(got, want))
    assert same(wg.log(wg.tensor([0.0, -1.0])).tolist(), [-INF, NAN])
    assert same(wg.relu(wg.tensor([NAN, -1.0])).tolist(), [NAN, 0.0])
    assert math.isnan(wg.max(wg.tensor([1.0, NAN, 3.0])).item())
    assert same(wg.maximum(wg.tensor([NAN, 1.0]), 0.0).tolist(), [NAN, 1.0])
    assert same((wg.tensor([INF, -INF, 1.0]) * 0.0).tolist(), [NAN, NAN, 0.0])
    assert math.isnan(wg.sum(wg.tensor([INF, -INF])).item())
    assert same(wg.exp(wg.tensor([1000.0, -1000.0])).tolist(), [INF, 0.0])


def test_losses_default_to_sum_by_nonzero_weights(backend):
    y, p, w = wg.tensor([1.0, 2.0, 3.0, 4.0]), wg.tensor([2.0, 2.0, 5.0, 4.0]), wg.tensor([1.0, 0.0, 2.0, 0.0])
    # weighted squared errors 1, 0, 8, 0; two non-zero weights
    assert wg.losses.mean_squared_error(y, p, w).item() == pytest.approx(4.5)
    assert wg.losses.mean_squared_error(y, p).item() == pytest.approx(5.0 / 4)
    none = wg.losses.mean_squared_error(y, p, w, reduction=wg.losses.Reduction.NONE)
    assert none.tolist() == [1.0, 0.0, 8.0, 0.0]


def test_creation_ops_and_seeds(backend):
    assert wg.tensor([1, 2, 3, 4], shape=(2, 2), dtype="float32").tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert wg.scalar(3).dtype == "int32" and wg.scalar(3.0).dtype == "float32"
    assert wg.zeros((2,), "int32").tolist() == [0, 0] and wg.ones((1, 2)).tolist() == [[1.0, 1.0]]
    assert wg.fill((2,), 7).tolist() == [7, 7]
    assert wg.zeros_like(wg.tensor([True])).dtype == "bool"
    assert wg.arange(4).tolist() == [0, 1, 2, 3] and wg.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert wg.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert wg.one_hot(wg.tensor([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    for fn in (wg.random_normal, wg.random_uniform, wg.truncated_normal):
        a, b, c = fn((5,), seed=7), fn((5,), seed=7), fn((5,), seed=8)
        assert a.tolist() == b.tolist() != c.tolist()


def test_random_ops_honour_dtype(backend):
    n = wg.random_normal((50,), 0.0, 3.0, "int32", seed=1)
    t = wg.truncated_normal((50,), 0.0, 3.0, dtype="int32", seed=1)
    u = wg.random_uniform((50,), 0, 10, "int32", seed=1)
    for r in (n, t, u):
        assert r.dtype == "int32"
    assert all(abs(v) <= 6 for v in t.tolist())
    assert all(0 <= v < 10 for v in u.tolist())
    assert n.tolist() == [round(v) for v in wg.random_normal((50,), 0.0, 3.0, seed=1).tolist()]
    for fn in (wg.random_normal, wg.random_uniform, wg.truncated_normal):
        with pytest.raises(TypeError, match="bool"):
            fn((2,), dtype="bool")


# -- the Tensor surface ----------------------------------------------------------------------

def test_tensor_properties_and_reads(backend):
    t = wg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and isinstance(t.shape, tuple)
    assert (t.dtype, t.rank, t.size) == ("float32", 2, 6)
    flat = t.data_sync()
    assert isinstance(flat, array.array) and list(flat) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert list(asyncio.run(t.data())) == list(flat)
    assert t.array_sync() == t.tolist() == asyncio.run(t.array()) == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert t.numpy().tolist() == t.tolist() and str(t.numpy().dtype) == "float32"
    assert isinstance(wg.tensor([1, 2]).data_sync(), array.array)
    c = t.clone()
    assert c.tolist() == t.tolist() and c is not t
    c.dispose()
    assert c.disposed and not t.disposed
    with pytest.raises(ValueError, match="disposed"):
        c.data_sync()


def test_operators(backend):
    a, b = wg.tensor([[1.0, 2.0], [3.0, 4.0]]), wg.tensor([[2.0, 0.5], [1.0, 2.0]])
    assert (a + b).tolist() == [[3.0, 2.5], [4.0, 6.0]] and (1 + a).tolist() == [[2.0, 3.0], [4.0, 5.0]]
    assert (a - b).tolist() == [[-1.0, 1.5], [2.0, 2.0]] and (10 - a).tolist() == [[9.0, 8.0], [7.0, 6.0]]
    assert (a * b).tolist() == [[2.0, 1.0], [3.0, 8.0]] and (a / b).tolist() == [[0.5, 4.0], [3.0, 2.0]]
    assert (a // b).tolist() == [[0.0, 4.0], [3.0, 2.0]] and (a % b).tolist() == [[1.0, 0.0], [0.0, 0.0]]
    assert (a ** 2).tolist() == [[1.0, 4.0], [9.0, 16.0]] and (2 ** a).tolist() == [[2.0, 4.0], [8.0, 16.0]]
    assert (a @ b).tolist() == [[4.0, 4.5], [10.0, 9.5]] and (-a).tolist() == [[-1.0, -2.0], [-3.0, -4.0]]
    assert (a < b).tolist() == [[True, False], [False, False]]
    assert (a <= 2).tolist() == [[True, True], [False, False]]
    assert (a > b).tolist() == [[False, True], [True, True]] and (a >= 4).tolist() == [[False, False], [False, True]]


def test_equality_operators_are_elementwise(backend):
    a = wg.tensor([1.0, 2.0, 3.0])
    eq, ne = a == wg.tensor([1.0, 0.0, 3.0]), a != 2.0
    assert eq.dtype == ne.dtype == "bool"
    assert eq.tolist() == [True, False, True] and ne.tolist() == [True, False, True]
    assert (wg.tensor([1, 2]) == [1, 3]).tolist() == [True, False]
    assert (a == None) is False and (a != "a") is True  # noqa: E711 - not tensor values: identity
    assert {a: 1}[a] == 1 and a in [a] and len({a, a.clone()}) == 2  # hashing stays by identity
    with pytest.raises(ValueError, match="ambiguous"):
        bool(eq)
    assert bool(wg.tensor([2.0]) == 2.0)


def test_method_forms(backend):
    t = wg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.log().tolist() == [[0.0, pytest.approx(math.log(2))], [pytest.approx(math.log(3)),
                                                                      pytest.approx(math.log(4))]]
    assert t.sum(axis=0).tolist() == [4.0, 6.0] and t.sum().item() == 10.0
    assert t.mean(axis=1, keepdims=True).shape == (2, 1)
    assert t.reshape((4,)).shape == t.reshape([4]).shape == t.reshape(4).shape == t.reshape(1, 4).shape[1:] == (4,)
    assert t.reshape(-1, 1).shape == (4, 1)
    assert t.transpose().tolist() == t.T.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert t.max(axis=1).tolist() == [2.0, 4.0] and t.cast("int32").dtype == "int32"


def test_indexing(backend):
    t = wg.tensor([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])
    assert t[1].tolist() == [4, 5, 6, 7] and t[-1, -1].tolist() == 11 and t[0, 2].shape == ()
    assert t[:, 1].tolist() == [1, 5, 9] and t[1:, :2].tolist() == [[4, 5], [8, 9]]
    assert t[::2, ::-1].tolist() == [[3, 2, 1, 0], [11, 10, 9, 8]]
    assert t[:, 3:0:-2].tolist() == [[3, 1], [7, 5], [11, 9]]
    assert t[..., 0].tolist() == [0, 4, 8] and t[None, 0].shape == (1, 4) and t[:, None].shape == (3, 1, 4)
    assert t[[2, 0]].tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]] and t[:, [-1]].tolist() == [[3], [7], [11]]
    assert t[wg.tensor([1, 1])].shape == (2, 4) and t[5:].shape == (0, 4)
    assert [row.tolist() for row in t[:2]] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    before = engine_counts()
    for bad, exc in ((lambda: t[3], IndexError), (lambda: t[0, 0, 0], IndexError), (lambda: t["a"], IndexError),
                     (lambda: t[[0, 5]], IndexError), (lambda: t[t > 3], IndexError),
                     (lambda: iter(wg.scalar(1.0)), TypeError)):
        with pytest.raises(exc):
            bad()
    assert engine_counts()[0] == before[0] + 2  # only the mask t > 3 and the scalar made for iter()
    d = wg.ones((2,))
    d.dispose()
    with pytest.raises(ValueError, match="disposed"):
        d[0]


def test_indexing_is_differentiable_and_tidy(backend):
    x = wg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    g = wg.grad(lambda x: (x[1, ::2] * wg.tensor([10.0, 20.0])).sum() + x[:, [0, 0]].sum())(x)
    assert g.tolist() == [[2.0, 0.0, 0.0], [12.0, 0.0, 20.0]]
    before = wg.memory()["num_tensors"]
    y = x[::-1, 1:]
    assert wg.memory()["num_tensors"] == before + 1 and y.tolist() == [[5.0, 6.0], [2.0, 3.0]]


def test_repr_and_print(backend, capsys):
    t = wg.tensor([[1.0, 0.1], [-3.5, 2.0]])
    assert repr(t) == "Tensor([[ 1.0,  0.1],\n        [-3.5,  2.0]], shape=(2, 2), dtype=float32)"
    assert repr(wg.scalar(True)) == "Tensor(True, shape=(), dtype=bool)"
    assert repr(wg.tensor([1 / 3])) == "Tensor([0.3333333], shape=(1,), dtype=float32)"
    big = repr(wg.arange(2000))
    assert big.startswith("Tensor([   0,    1,    2, ..., 1997, 1998, 1999], shape=(2000,)")
    v = wg.variable(wg.ones((1,)), name="w_repr")
    assert repr(v) == "Variable([1.0], name='w_repr', shape=(1,), dtype=float32)"
    v.dispose()
    d = wg.ones((2,))
    d.dispose()
    assert repr(d) == "Tensor(<disposed>, shape=(2,), dtype=float32)"
    t.print()
    wg.print(wg.tensor([1, 2]), verbose=True)
    out = capsys.readouterr().out
    assert out == ("Tensor\n    [[ 1.0,  0.1],\n     [-3.5,  2.0]]\n"
                   "Tensor\n  dtype: int32\n  rank: 1\n  shape: [2]\n  values:\n    [1, 2]\n")
    assert "print" not in wg.__all__  # `from webgrad import *` must not shadow the builtin


# -- autodiff, memory, engine, training, graph ----------------------------------------------

def test_autodiff_entry_points(backend):
    x, y = wg.tensor([1.0, 2.0]), wg.tensor([3.0, 4.0])
    f = lambda a, b: (a * b).sum()  # noqa: E731
    assert wg.grad(lambda a: (a * a).sum())(x).tolist() == [2.0, 4.0]
    assert [g.tolist() for g in wg.grads(f)([x, y])] == [[3.0, 4.0], [1.0, 2.0]]
    v, g = wg.value_and_grad(lambda a: (a * a).sum())(x)
    assert (v.item(), g.tolist()) == (5.0, [2.0, 4.0])
    v, gs = wg.value_and_grads(f)([x, y])
    assert v.item() == 11.0 and gs[1].tolist() == [1.0, 2.0]
    assert wg.grad(lambda a: a * 2.0)(x, dy=wg.tensor([1.0, 10.0])).tolist() == [2.0, 20.0]
    w = wg.variable(wg.tensor([1.0, -1.0]), name="api_w")
    frozen = wg.variable(wg.tensor([5.0]), trainable=False, name="api_frozen")
    res = wg.variable_grads(lambda: (w * w * frozen).sum())
    assert set(res["grads"]) == {"api_w"} and res["grads"]["api_w"].tolist() == [10.0, -10.0]
    assert wg.variable_grads(lambda: (w * 3.0).sum(), var_list=[w])["value"].item() == 0.0
    assert w.assign(wg.tensor([2.0, 2.0])) is w and w.tolist() == [2.0, 2.0]
    assert wg.grad(lambda a: (wg.stop_gradient(a) * a).sum())(x).tolist() == [1.0, 2.0]
    w.dispose(), frozen.dispose()


def test_variable_from_values_leaves_nothing_behind(backend):
    base = engine_counts()
    v = wg.variable([1.0, 2.0], name="from_values")
    assert engine_counts()[:2] == (base[0] + 1, base[1] + 1)
    with pytest.raises(ValueError, match="already exists"):
        wg.variable([3.0], name="from_values")
    c = wg.variable(wg.tensor([1, 2]), dtype="float32", name="cast_values")
    assert c.dtype == "float32" and c.tolist() == [1.0, 2.0]
    wg.dispose([v, c])
    assert engine_counts()[0] == base[0] + 1  # only the user's int tensor is left
    assert engine_counts()[1] == base[1] + 1


def engine_counts():
    m = wg.memory()
    return m["num_tensors"], m["num_data_buffers"], m["num_bytes"]


def test_memory_entry_points(backend):
    base = wg.memory()
    assert {"num_tensors", "num_data_buffers", "num_bytes"} <= set(base)
    out = wg.tidy(lambda: {"keep": wg.ones((2,)) * 2, "list": [wg.zeros((1,)) + 1]})
    assert wg.memory()["num_tensors"] == base["num_tensors"] + 2
    with wg.tidy():
        kept = wg.keep(wg.ones((3,)) + 1)
        wg.ones((4,))
    assert not kept.disposed
    wg.dispose([out, kept])
    assert wg.memory()["num_tensors"] == base["num_tensors"]
    prof = wg.profile(lambda: wg.tidy(lambda: wg.log(wg.ones((2,)))))
    assert prof["kernel_names"] == ["Fill", "Log"] and {"name", "input_shapes", "output_shapes", "bytes_added",
                                                       "time_ms"} <= set(prof["kernels"][0])
    timing = wg.time(lambda: wg.tidy(lambda: wg.ones((2,)) + 1))
    assert timing["wall_ms"] >= 0 and "kernel_ms" in timing
    wg.dispose([prof["result"], timing["result"]])
    assert wg.memory()["num_tensors"] == base["num_tensors"]


@pytest.fixture
def unregister_audit_kernels():
    yield
    for name in ("AuditCube", "AuditExp"):
        wg.engine.kernels.pop((name, "cpu"), None)
        wg.engine.gradients.pop(name, None)


def test_engine_registration_entry_points(backend, unregister_audit_kernels):
    wg.set_backend("cpu")  # a NumPy kernel for a user-defined op
    import numpy as np

    wg.register_kernel("AuditCube", "cpu", lambda ins, attrs, be: (
        (ins[0].ref.handle.astype(np.float64) ** 3).astype(np.float32), ins[0].shape, ins[0].dtype))
    wg.register_gradient("AuditCube", lambda dy, ctx: [lambda: dy * 3.0 * ctx.saved[0] * ctx.saved[0]],
                         inputs_to_save=[0])
    x = wg.tensor([1.0, 2.0])
    assert wg.engine.run_kernel("AuditCube", [x], {}).tolist() == [1.0, 8.0]
    assert wg.grad(lambda a: wg.engine.run_kernel("AuditCube", [a], {}).sum())(x).tolist() == [3.0, 12.0]
    wg.register_kernel("AuditExp", "cpu", lambda ins, attrs, be: (
        np.exp(ins[0].ref.handle).astype(np.float32), ins[0].shape, ins[0].dtype))
    wg.register_gradient("AuditExp", lambda dy, ctx: [lambda: dy * ctx.saved[0]], outputs_to_save=[0])
    g = wg.grad(lambda a: wg.engine.run_kernel("AuditExp", [a], {}).sum())(x)
    assert g.tolist() == pytest.approx([math.e, math.e ** 2], rel=1e-6)
    wg.set_backend(backend)
    assert wg.get_backend() == backend
    with pytest.raises(ValueError, match="unknown backend"):
        wg.set_backend("no-such-backend")


def test_training_entry_points(backend):
    w = wg.variable(wg.tensor([1.0, 2.0]), name="api_train_w")
    opt = wg.train.sgd(0.5)
    cost = opt.minimize(lambda: (w * w).sum(), return_cost=True, var_list=[w])
    assert cost.item() == 5.0 and w.tolist() == [0.0, 0.0]
    assert opt.minimize(lambda: (w * w).sum()) is None
    opt.apply_gradients({"api_train_w": wg.tensor([2.0, 2.0])})
    opt.apply_gradients([(w, wg.tensor([-2.0, 0.0]))])
    assert w.tolist() == [0.0, -1.0]
    opt.dispose(), w.dispose()


def test_trace_entry_point(backend):
    g = wg.trace(lambda x: wg.log(x).sum(), wg.tensor([1.0, 2.0]))
    kernels = {op.kernel for op in g.ops.values()}
    assert {"Log", "Sum"} <= kernels and g.backward_ops()
    dot = g.to_dot()
    assert "shape=box" in dot and "shape=ellipse" in dot


def test_python_conveniences(backend):
    assert wg.tensor(range(3)).tolist() == [0, 1, 2]
    assert round(wg.tensor([0.5, 1.5, 2.7])).tolist() == [0.0, 2.0, 3.0]
    assert abs(wg.tensor([-1, 2])).tolist() == [1, 2]
    with pytest.raises(TypeError, match="wg.stack"):
        wg.tensor([wg.scalar(1.0), wg.scalar(2.0)])
    assert wg.stack([wg.scalar(1.0), wg.scalar(2.0)]).tolist() == [1.0, 2.0]


def test_small_argument_accuracy(backend):
    """expm1/log1p and friends exist for their accuracy near 0: float32 relative error,
    not the absolute error of a driver's exp/log/atan (lavapipe's log(1 + 2e-7) was off by a third)."""
    import struct

    def f32(v):
        return struct.unpack("f", struct.pack("f", v))[0]

    xs = [f32(s * 10.0 ** e) for e in range(-7, 0) for s in (1.0, -1.0, 3.7, -0.55)]
    funcs = {"expm1": math.expm1, "log1p": math.log1p, "sinh": math.sinh, "tanh": math.tanh, "asinh": math.asinh,
             "atanh": math.atanh, "atan": math.atan, "asin": math.asin, "elu": lambda v: v if v > 0 else math.expm1(v)}
    for name, ref in funcs.items():
        got = getattr(wg, name)(wg.tensor(xs)).tolist()
        for x, g in zip(xs, got):
            assert g == pytest.approx(ref(x), rel=2e-6), (name, x)
    near_one = [f32(1.0 + d) for d in (2.4e-7, -3e-7, 1e-5, -1e-3, 0.05, -0.09)]
    for x, g in zip(near_one, wg.log(wg.tensor(near_one)).tolist()):
        assert g == pytest.approx(math.log(x), rel=2e-6), x
    wide = [f32(s * 10.0 ** e) for e in range(-30, 31, 3) for s in (1.0, -2.5)]
    for x, g in zip(wide, wg.atan(wg.tensor(wide)).tolist()):
        assert g == pytest.approx(math.atan(x), rel=1e-6), x
    a, b = [1.0, -1.0, 0.3, -2e-3, 5.0, 0.0, -0.0], [2.0, -3.0, -1e-4, 7.0, 0.0, -1.0, -1.0]
    for (p, q), g in zip(zip(a, b), wg.atan2(wg.tensor(a), wg.tensor(b)).tolist()):
        want = math.atan2(p, q)
        assert g == pytest.approx(want, rel=1e-6) and math.copysign(1, g) == math.copysign(1, want)


def test_ops_outside_tidy_leave_only_their_results(backend):
    """As a tfjs op runs in its own scope: what an op makes from Python values, its casts
    and a composite op's intermediates are freed when it returns, even outside tidy."""
    from webgrad.engine import iter_tensors

    f = wg.tensor([[1.0, 2.0], [3.0, 4.0]])
    i = wg.tensor([[1, 2], [3, 4]])
    b = wg.tensor([[True, False], [True, True]])
    calls = {
        "x + 1.0": lambda: f + 1.0, "1 - x": lambda: 1.0 - f, "int * float": lambda: i * f, "i / 2": lambda: i / 2,
        "x ** 2": lambda: f ** 2, "i ** 0.5": lambda: i ** 0.5, "x % 2": lambda: f % 2, "i // 1.5": lambda: i // 1.5,
        "add list": lambda: wg.add(f, [1.0, 2.0]), "x > 1": lambda: f > 1, "x == 2": lambda: f == 2.0,
        "logical list": lambda: wg.logical_and(b, [True, False]), "where": lambda: wg.where(b, i, f),
        "exp int": lambda: wg.exp(i), "neg list": lambda: wg.neg([1.0]), "is_nan int": lambda: wg.is_nan(i),
        "prelu": lambda: wg.prelu(f, 0.1), "log_sigmoid": lambda: wg.log_sigmoid(f), "atan2": lambda: wg.atan2(i, i),
        "mean int": lambda: wg.mean(i), "sum bool": lambda: wg.sum(b), "cumsum bool": lambda: wg.cumsum(b),
        "logsumexp": lambda: wg.logsumexp(f, 1), "moments": lambda: wg.moments(f, 0), "norm": lambda: wg.norm(f),
        "reshape list": lambda: wg.reshape([1.0, 2.0], (2, 1)), "transpose list": lambda: wg.transpose([[1.0, 2.0]]),
        "expand_dims list": lambda: wg.expand_dims([1.0], 0), "getitem": lambda: f[0, ::-1],
    }
    for name, call in calls.items():
        before = engine_counts()
        out = call()
        made = list(iter_tensors(out))
        assert engine_counts()[0] == before[0] + len(made), name
        wg.dispose(out)
        assert engine_counts() == before, name
