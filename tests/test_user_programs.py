"""Small realistic programs written the way a new user would write them, on every
backend: linear regression with variable_grads and with an optimizer, a CNN on the
digits with layers + fit, a custom_grad op, higher-order gradients, tidy in a loop,
switching backends mid-program, and errors raised deep inside user code (a layer
during fit, variable_grads, custom_grad) leaving the engine intact."""
from __future__ import annotations

import itertools
import math

import pytest
from conftest import BACKENDS

import webgrad as wg


def engine_state():
    e = wg.engine
    return (e.num_tensors, e.num_data_buffers, e.num_bytes, len(e.scopes), len(e.tapes), len(e.saved),
            e.grad_depth)


def test_linear_regression_with_variable_grads(backend):
    xs = wg.random_normal((64, 3), seed=0)
    ys = xs @ wg.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    w, b = wg.variable([[0.0], [0.0], [0.0]], name="lr_w"), wg.variable(0.0, name="lr_b")
    start = engine_state()
    for _ in range(100):
        with wg.tidy():
            res = wg.variable_grads(lambda: wg.losses.mean_squared_error(ys, xs @ w + b))
            for v in (w, b):
                v.assign(v - 0.1 * res["grads"][v.name])
    assert engine_state() == start
    assert [row[0] for row in w.tolist()] == pytest.approx([1.0, -2.0, 0.5], abs=1e-3)
    assert b.item() == pytest.approx(0.3, abs=1e-3)
    opt = wg.train.sgd(0.1)
    for _ in range(5):
        cost = opt.minimize(lambda: wg.losses.mean_squared_error(ys, xs @ w + b), return_cost=True)
        assert cost.item() < 1e-4
        cost.dispose()
    opt.dispose()
    assert engine_state() == start
    wg.dispose([w, b])


def test_cnn_on_digits_with_layers_and_fit(backend):
    x, y = wg.datasets.load_digits()
    x4 = x.reshape(-1, 8, 8, 1)  # load_digits gives pixels scaled to [0, 1]
    model = wg.sequential([
        wg.layers.conv2d(8, 3, activation="relu", padding="same", input_shape=(8, 8, 1),
                         kernel_initializer=wg.layers.initializers.glorot_uniform(seed=1)),
        wg.layers.max_pooling2d(2),
        wg.layers.flatten(),
        wg.layers.dense(10, activation="softmax", kernel_initializer=wg.layers.initializers.glorot_uniform(seed=2)),
    ])
    model.compile(optimizer=wg.train.adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = engine_state()
    hist = model.fit(x4, y, epochs=1, batch_size=64, validation_split=0.2, verbose=0, seed=0)
    assert engine_state()[3:] == before[3:]
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert hist.history["val_accuracy"][0] > 0.6
    probs = model.predict(x4[:5])
    assert probs.shape == (5, 10) and probs.sum(axis=1).tolist() == pytest.approx([1.0] * 5, abs=1e-5)
    assert (probs.argmax(axis=1) == y[:5]).dtype == "bool"
    loss, acc = model.evaluate(x4, y, batch_size=256)
    assert acc > 0.6 and math.isfinite(loss)
    model.dispose()
    wg.dispose([x, y, x4, probs])


def test_custom_grad_gradient_clipping_op(backend):
    def fwd(x, save):
        save([x])
        return {"value": wg.identity(x), "grad_func": lambda dy, saved: [wg.clip_by_value(dy * saved[0], -1, 1)]}
    clip_grad = wg.custom_grad(fwd)
    x = wg.tensor([0.1, 2.0, -3.0])
    assert clip_grad(x).tolist() == pytest.approx([0.1, 2.0, -3.0])
    g = wg.grad(lambda x: (clip_grad(x) * 10.0).sum())(x)
    assert g.tolist() == pytest.approx([1.0, 1.0, -1.0])
    w = wg.variable(wg.tensor([0.5, 0.5]), name="cg_w")
    res = wg.variable_grads(lambda: (clip_grad(w) * wg.tensor([1.0, 4.0])).sum())
    assert res["grads"]["cg_w"].tolist() == pytest.approx([0.5, 1.0])
    w.dispose()


def test_higher_order_gradients(backend):
    f = lambda x: (x * x * x).sum()  # noqa: E731
    d1 = wg.grad(f)
    d2 = wg.grad(lambda x: d1(x).sum())
    d3 = wg.grad(lambda x: d2(x).sum())
    x = wg.tensor([1.0, 2.0, -1.0])
    assert [d(x).tolist() for d in (d1, d2, d3)] == [[3.0, 12.0, 3.0], [6.0, 12.0, -6.0], [6.0, 6.0, 6.0]]
    d2_tanh = wg.grad(lambda x: wg.grad(lambda y: wg.tanh(y).sum())(x).sum())(wg.tensor([0.5]))
    t = math.tanh(0.5)
    assert d2_tanh.item() == pytest.approx(-2 * t * (1 - t * t), rel=1e-5)


def test_tidy_in_a_training_loop_keeps_memory_flat(backend):
    w = wg.variable(wg.random_normal((4, 2), seed=3), name="loop_w")
    x = wg.random_normal((8, 4), seed=4)
    opt = wg.train.momentum(0.1, 0.9)
    opt.minimize(lambda: (x @ w).square().mean())  # slots exist from here on
    start = engine_state()
    losses = []
    for _ in range(30):
        loss = wg.tidy(lambda: opt.minimize(lambda: (x @ w).square().mean(), return_cost=True))
        losses.append(loss.item())
        loss.dispose()
    assert engine_state() == start
    assert losses[-1] < losses[0]
    opt.dispose()
    wg.dispose([w, x])


@pytest.mark.parametrize("first,second", list(itertools.permutations(BACKENDS, 2)))
def test_switching_backends_mid_program(first, second):
    previous = wg.engine._backend
    try:
        wg.set_backend(first)
        a = wg.tensor([1.0, 2.0, 3.0])
        v = wg.variable(wg.ones((3,)), name=f"switch_{first}")
        opt = wg.train.sgd(0.5)
        opt.minimize(lambda: (v * a).sum())
        wg.set_backend(second)
        assert wg.get_backend() == second
        b = wg.tensor([1.0, 1.0, 1.0])
        assert (a + b).tolist() == [2.0, 3.0, 4.0]
        assert wg.grad(lambda x: (x * v).sum())(a).tolist() == [0.5, 0.0, -0.5]
        opt.minimize(lambda: (v * a).sum())
        assert v.tolist() == [0.0, -1.0, -2.0]
        assert repr(a) == "Tensor([1.0, 2.0, 3.0], shape=(3,), dtype=float32)"
        wg.set_backend(first)
        assert (a * b).tolist() == [1.0, 2.0, 3.0]
        opt.dispose()
        wg.dispose([a, b, v])
    finally:
        wg.engine._backend = previous


def test_errors_deep_in_user_code_leave_the_engine_intact(backend):
    class Flaky(wg.layers.Layer):
        fail = False

        def call(self, inputs, training=False, **kw):
            if training and Flaky.fail:
                return inputs @ wg.ones((7, 7))  # a shape error inside a layer, mid-fit
            return inputs * 1.0

    model = wg.sequential([wg.layers.dense(3, input_shape=(3,)), Flaky()])
    model.compile(optimizer="adam", loss="mse")
    x, y = wg.ones((32, 3)), wg.zeros((32, 3))
    model.fit(x, y, batch_size=8, verbose=0)
    start = engine_state()
    weights = [w.tolist() for w in model.weights]
    Flaky.fail = True
    with pytest.raises(ValueError, match="matmul"):
        model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, verbose=0)
    assert engine_state() == start and [w.tolist() for w in model.weights] == weights
    Flaky.fail = False
    model.fit(x, y, batch_size=8, verbose=0)
    assert engine_state() == start

    w = wg.variable(wg.ones((3, 2)), name="deep_w")
    start = engine_state()
    with pytest.raises(ValueError, match="add"):
        wg.variable_grads(lambda: (x @ w + wg.ones((5,))).sum())
    with pytest.raises(ValueError, match="scalar"):
        wg.train.sgd(0.1).minimize(lambda: x @ w)

    def bad_backward(a, save):
        save([a])
        return {"value": a * 2.0, "grad_func": lambda dy, saved: [dy @ wg.ones((9, 9))]}

    def bad_forward(a, save):
        return {"value": a @ wg.ones((9, 9)), "grad_func": lambda dy, saved: [dy]}

    with pytest.raises(ValueError, match="matmul"):
        wg.grad(lambda a: wg.custom_grad(bad_backward)(a).sum())(x)
    with pytest.raises(ValueError, match="matmul"):
        wg.variable_grads(lambda: wg.custom_grad(bad_forward)(w).sum())
    with pytest.raises(RuntimeError, match="CustomGrad"):
        wg.grad(lambda a: wg.custom_grad(lambda a, save: {"value": a * 2.0, "grad_func": lambda dy, s: [dy, dy]})(
            a).sum())(x)
    assert engine_state() == start and w.tolist() == [[1.0, 1.0]] * 3
    assert wg.grad(lambda a: (a * a).sum())(wg.tensor([3.0])).tolist() == [6.0]  # still works
    model.dispose()
    wg.dispose([x, y, w])


def test_interrupt_during_a_read_in_fit_frees_the_loop_tensors(backend, monkeypatch):
    """Ctrl-C lands where fit waits: in a read. Even while the traceback is kept (as an
    interactive session keeps sys.last_traceback), fit's tensors are freed at once."""
    import asyncio

    model = wg.sequential([wg.layers.dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(wg.ones((8, 3)), wg.ones((8, 1)), verbose=0)
    start = engine_state()

    def interrupted(self):
        raise KeyboardInterrupt

    async def interrupted_async(self):
        raise KeyboardInterrupt

    kept = []
    with monkeypatch.context() as mp:
        mp.setattr(wg.Tensor, "data_sync", interrupted)
        mp.setattr(wg.Tensor, "data", interrupted_async)
        calls = [lambda: model.fit([[1.0, 2.0, 3.0]] * 8, [[1.0]] * 8, verbose=0, validation_split=0.5),
                 lambda: model.evaluate([[1.0, 2.0, 3.0]] * 8, [[1.0]] * 8),
                 lambda: asyncio.run(model.fit_async([[1.0, 2.0, 3.0]] * 8, [[1.0]] * 8)),
                 lambda: asyncio.run(model.evaluate_async([[1.0, 2.0, 3.0]] * 8, [[1.0]] * 8))]
        for call in calls:
            try:
                call()
            except KeyboardInterrupt as exc:
                kept.append(exc)  # keeps the frames (and so the generator) referenced
            assert engine_state() == start
    assert len(kept) == 4
    model.dispose()
