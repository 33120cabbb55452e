"""Bad input raises ValueError/TypeError naming the op and the shapes, before any
kernel runs, and leaves the engine intact: scopes balanced, no tape left behind,
memory() unchanged. Each case runs on every backend, at top level, inside tidy
and inside a gradient call."""
from __future__ import annotations

import asyncio

import pytest

import webgrad as wg


def _disposed():
    d = wg.ones((2,))
    d.dispose()
    return d


def _coroutine():
    async def later():
        await asyncio.sleep(0)
        return wg.ones((1,))
    return later()


# (id, fn(t) with t the prepared tensors, exception type, substrings of the message)
CASES = [
    # broadcast mismatch
    ("add_broadcast", lambda t: wg.add(t["x23"], t["x4"]), ValueError, ["add", "(2, 3)", "(4,)"]),
    ("mul_operator_broadcast", lambda t: t["x23"] * t["x32"], ValueError, ["mul", "(2, 3)", "(3, 2)"]),
    ("maximum_broadcast", lambda t: wg.maximum(t["x4"], t["x23"]), ValueError, ["maximum", "(4,)", "(2, 3)"]),
    ("less_broadcast", lambda t: wg.less(t["x23"], t["x4"]), ValueError, ["less", "(2, 3)", "(4,)"]),
    ("where_broadcast", lambda t: wg.where(t["b23"], t["x23"], t["x4"]), ValueError, ["where", "(2, 3)", "(4,)"]),
    ("where_cond_broadcast", lambda t: wg.where(t["b4"], t["x23"], t["x23"]), ValueError, ["where", "(4,)", "(2, 3)"]),
    ("broadcast_to", lambda t: wg.broadcast_to(t["x23"], (3, 3)), ValueError, ["broadcast_to", "(2, 3)", "(3, 3)"]),
    ("python_lists_broadcast", lambda t: wg.add([1.0, 2.0, 3.0], [[1.0, 2.0]]), ValueError, ["add", "(3,)", "(1, 2)"]),
    # matmul
    ("matmul_inner", lambda t: wg.matmul(t["x23"], t["x45"]), ValueError, ["matmul", "(2, 3)", "(4, 5)"]),
    ("matmul_inner_transposed", lambda t: wg.matmul(t["x23"], t["x23"], transpose_b=False), ValueError,
     ["matmul", "(2, 3)"]),
    ("matmul_operator", lambda t: t["x23"] @ t["x45"], ValueError, ["matmul", "(2, 3)", "(4, 5)"]),
    ("matmul_batch", lambda t: wg.matmul(t["x223"], t["x334"]), ValueError, ["matmul", "(2, 2, 3)", "(3, 3, 4)"]),
    ("matmul_vector", lambda t: wg.matmul(t["x23"], t["x4"]), ValueError, ["matmul", "(2, 3)", "(4,)"]),
    ("conv2d_depth", lambda t: wg.conv2d(t["img"], t["filt"], 1, "valid"), ValueError,
     ["conv2d", "(1, 4, 4, 2)", "(2, 2, 3, 1)"]),
    ("conv2d_rank", lambda t: wg.conv2d(t["x23"], t["filt"], 1, "valid"), ValueError, ["conv2d", "(2, 3)"]),
    ("max_pool_rank", lambda t: wg.max_pool(t["x23"], 2, 1, "valid"), ValueError, ["max_pool", "(2, 3)"]),
    ("python_list_logical", lambda t: wg.logical_or([1.0, 2.0], [True, False]), TypeError, ["logical_or", "float32"]),
    ("python_list_where", lambda t: wg.where([True, False], [1.0, 2.0], [[1.0, 2.0, 3.0]]), ValueError,
     ["where", "(2,)", "(1, 3)"]),
    ("python_list_ragged_second", lambda t: wg.sub([1.0, 2.0], [[1.0], [2.0, 3.0]]), ValueError, ["sub", "ragged"]),
    # reshape and shape ops
    ("reshape_size", lambda t: wg.reshape(t["x23"], (4,)), ValueError, ["reshape", "(4,)", "(2, 3)"]),
    ("reshape_two_unknowns", lambda t: wg.reshape(t["x23"], (-1, -1)), ValueError, ["reshape", "(-1, -1)"]),
    ("concat_shapes", lambda t: wg.concat([t["x23"], t["x32"]], axis=0), ValueError, ["concat", "(2, 3)", "(3, 2)"]),
    ("stack_shapes", lambda t: wg.stack([t["x23"], t["x32"]]), ValueError, ["stack", "(2, 3)", "(3, 2)"]),
    ("split_uneven", lambda t: wg.split(t["x23"], 2, axis=1), ValueError, ["split", "(2, 3)"]),
    ("slice_beyond", lambda t: wg.slice(t["x23"], (1, 0), (2, 3)), ValueError, ["slice", "(2, 3)"]),
    ("pad_rank", lambda t: wg.pad(t["x23"], [[1, 1]]), ValueError, ["pad", "(2, 3)"]),
    ("tile_rank", lambda t: wg.tile(t["x23"], [2]), ValueError, ["tile", "(2, 3)"]),
    ("squeeze_non_one", lambda t: wg.squeeze(t["x23"], 0), ValueError, ["squeeze", "(2, 3)"]),
    ("max_empty_axis", lambda t: wg.max(t["x03"], axis=0), ValueError, ["max", "(0, 3)"]),
    # out-of-range axis
    ("sum_axis", lambda t: wg.sum(t["x23"], axis=2), ValueError, ["sum", "axis 2", "(2, 3)"]),
    ("mean_negative_axis", lambda t: wg.mean(t["x23"], axis=-3), ValueError, ["mean", "axis -3", "(2, 3)"]),
    ("max_axis_tuple", lambda t: wg.max(t["x23"], axis=(0, 5)), ValueError, ["max", "axis 5", "(2, 3)"]),
    ("sum_repeated_axis", lambda t: wg.sum(t["x23"], axis=(1, -1)), ValueError, ["sum", "(2, 3)"]),
    ("argmax_axis", lambda t: wg.argmax(t["x23"], axis=2), ValueError, ["argmax", "axis 2", "(2, 3)"]),
    ("cumsum_axis", lambda t: wg.cumsum(t["x23"], axis=-3), ValueError, ["cumsum", "(2, 3)"]),
    ("concat_axis", lambda t: wg.concat([t["x23"], t["x23"]], axis=2), ValueError, ["concat", "axis 2", "(2, 3)"]),
    ("expand_dims_axis", lambda t: wg.expand_dims(t["x23"], 4), ValueError, ["expand_dims", "(2, 3)"]),
    ("softmax_axis", lambda t: wg.softmax(t["x23"], 2), ValueError, ["softmax", "(2, 3)"]),
    ("gather_axis", lambda t: wg.gather(t["x23"], t["i2"], axis=3), ValueError, ["gather", "(2, 3)"]),
    ("axis_not_int", lambda t: wg.sum(t["x23"], axis=1.5), TypeError, ["sum", "axis"]),
    # bad permutation
    ("transpose_repeat", lambda t: wg.transpose(t["x23"], (0, 0)), ValueError, ["transpose", "(0, 0)", "(2, 3)"]),
    ("transpose_length", lambda t: wg.transpose(t["x23"], (1, 0, 2)), ValueError, ["transpose", "(1, 0, 2)", "(2, 3)"]),
    ("transpose_range", lambda t: wg.transpose(t["x23"], (0, 2)), ValueError, ["transpose", "(0, 2)", "(2, 3)"]),
    # wrong dtype
    ("logical_and_float", lambda t: wg.logical_and(t["x23"], t["b23"]), TypeError,
     ["logical_and", "float32", "(2, 3)"]),
    ("logical_not_float", lambda t: wg.logical_not(t["x23"]), TypeError, ["logical_not", "float32", "(2, 3)"]),
    ("where_float_condition", lambda t: wg.where(t["x23"], t["x23"], t["x23"]), TypeError,
     ["where", "float32", "(2, 3)"]),
    ("any_float", lambda t: wg.any(t["x23"]), TypeError, ["any", "float32", "(2, 3)"]),
    ("gather_float_indices", lambda t: wg.gather(t["x23"], t["x4"]), TypeError, ["gather", "float32", "(4,)"]),
    ("one_hot_float", lambda t: wg.one_hot(t["x4"], 3), TypeError, ["one_hot", "float32", "(4,)"]),
    ("abs_bool", lambda t: wg.abs(t["b23"]), TypeError, ["abs", "bool", "(2, 3)"]),
    ("unknown_dtype", lambda t: wg.zeros((2,), "complex64"), TypeError, ["zeros", "complex64"]),
    ("cast_unknown_dtype", lambda t: wg.cast(t["x23"], "float16x"), TypeError, ["cast", "float16x"]),
    ("tensor_of_strings", lambda t: wg.tensor(["a", "b"]), TypeError, ["tensor"]),
    # ragged nested lists
    ("ragged_short_row", lambda t: wg.tensor([[1.0, 2.0], [3.0]]), ValueError, ["tensor", "ragged", "[1]"]),
    ("ragged_number_row", lambda t: wg.tensor([[1.0, 2.0], 3.0]), ValueError, ["tensor", "ragged", "[1]"]),
    ("ragged_deep", lambda t: wg.tensor([[[1], [2]], [[3], [4, 5]]]), ValueError, ["tensor", "ragged", "[1][1]"]),
    ("ragged_as_op_argument", lambda t: wg.add(t["x23"], [[1.0], [2.0, 3.0]]), ValueError, ["add", "ragged"]),
    ("tensor_shape_mismatch", lambda t: wg.tensor([1.0, 2.0, 3.0], shape=(2, 2)), ValueError, ["tensor", "(2, 2)"]),
    # a disposed tensor used again
    ("disposed_op", lambda t: wg.add(t["dead"], 1.0), ValueError, ["add", "disposed", "(2,)"]),
    ("disposed_second_arg", lambda t: wg.mul(t["x4"][0] if False else t["x4"], t["dead"]), ValueError,
     ["mul", "disposed", "(2,)"]),
    ("disposed_method", lambda t: t["dead"].exp(), ValueError, ["exp", "disposed", "(2,)"]),
    ("disposed_read", lambda t: t["dead"].data_sync(), ValueError, ["data_sync", "disposed", "(2,)"]),
    ("disposed_in_list", lambda t: wg.concat([t["x4"][0] if False else t["x23"], t["dead"]]), ValueError,
     ["concat", "disposed", "(2,)"]),
    ("disposed_grad_source", lambda t: wg.grad(lambda x: wg.sum(x))(t["dead"]), ValueError,
     ["grad", "disposed", "(2,)"]),
    ("disposed_assign", lambda t: t["var"].assign(t["dead"]), ValueError, ["assign", "disposed", "(2,)"]),
    # gradients
    ("grad_non_scalar", lambda t: wg.grad(lambda x: wg.square(x))(t["x23"]), ValueError, ["grad", "(2, 3)", "dy"]),
    ("grads_non_scalar", lambda t: wg.grads(lambda a, b: wg.mul(a, b))([t["x23"], t["x23"]]), ValueError,
     ["grads", "(2, 3)", "dy"]),
    ("grad_dy_shape", lambda t: wg.grad(lambda x: wg.square(x))(t["x23"], t["x4"]), ValueError,
     ["grad", "(4,)", "(2, 3)"]),
    ("grad_not_dependent", lambda t: wg.grad(lambda x: wg.sum(wg.square(t["x23"])))(t["x4"]), ValueError,
     ["grad", "does not depend", "(4,)"]),
    ("grads_one_not_dependent", lambda t: wg.grads(lambda a, b: wg.sum(a))([t["x23"], t["x4"]]), ValueError,
     ["grads", "does not depend", "(4,)"]),
    ("grad_returns_non_tensor", lambda t: wg.grad(lambda x: 3.0)(t["x4"]), TypeError, ["grad", "float"]),
    ("variable_grads_no_dependency", lambda t: wg.variable_grads(lambda: wg.sum(t["x23"]), [t["var"]]), ValueError,
     ["variable_grads", "depend"]),
    ("error_inside_grad", lambda t: wg.grad(lambda x: wg.sum(wg.add(wg.exp(x), t["x4"])))(t["x23"]), ValueError,
     ["add", "(2, 3)", "(4,)"]),
    # tidy
    ("tidy_coroutine", lambda t: wg.tidy(_coroutine), TypeError, ["tidy", "coroutine"]),
    ("tidy_not_callable", lambda t: wg.tidy(3), TypeError, ["tidy"]),
    ("error_inside_tidy", lambda t: wg.tidy(lambda: wg.matmul(wg.exp(t["x23"]), t["x45"])), ValueError,
     ["matmul", "(2, 3)", "(4, 5)"]),
]


@pytest.fixture
def prepared(backend):
    t = {
        "x23": wg.ones((2, 3)), "x32": wg.ones((3, 2)), "x4": wg.ones((4,)), "x45": wg.ones((4, 5)),
        "b23": wg.ones((2, 3), "bool"), "b4": wg.ones((4,), "bool"), "i2": wg.tensor([0, 1]),
        "x223": wg.ones((2, 2, 3)), "x334": wg.ones((3, 3, 4)), "x03": wg.ones((0, 3)),
        "img": wg.ones((1, 4, 4, 2)), "filt": wg.ones((2, 2, 3, 1)),
        "dead": _disposed(), "var": wg.variable(wg.ones((2,)), name=f"test_errors_var_{backend}"),
    }
    yield t
    wg.dispose(t)


def _state():
    m = wg.memory()
    eng = wg.engine
    return (m["num_tensors"], m["num_data_buffers"], m["num_bytes"], len(eng.scopes), len(eng.tapes),
            len(eng.saved), eng.grad_depth)


def _expect(fn, exc, words):
    with pytest.raises(exc) as info:
        fn()
    msg = str(info.value)
    for w in words:
        assert w in msg, f"{w!r} not in the message: {msg}"


@pytest.mark.parametrize("name,fn,exc,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input(prepared, name, fn, exc, words):
    before = _state()
    _expect(lambda: fn(prepared), exc, words)
    assert _state() == before, "engine or memory changed by a failed call"


@pytest.mark.parametrize("name,fn,exc,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_inside_tidy_and_grad(prepared, name, fn, exc, words):
    """The same failures nested in tidy and in a gradient call leave everything as it was."""
    before = _state()
    _expect(lambda: wg.tidy(lambda: fn(prepared)), exc, words)
    assert _state() == before
    x = prepared["x4"]
    _expect(lambda: wg.grad(lambda x: wg.add(wg.sum(x), fn(prepared)))(x), exc, words)
    assert _state() == before


def test_engine_usable_after_errors(prepared):
    for _, fn, exc, _words in CASES:
        with pytest.raises(exc):
            fn(prepared)
    g = wg.grad(lambda x: wg.sum(wg.square(x)))(prepared["x4"])
    assert list(g.data_sync()) == [2.0] * 4
    g.dispose()
