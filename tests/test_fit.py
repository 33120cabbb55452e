"""fit/evaluate/predict: the digits demo reaches 95 %, memory is flat, callbacks, bad input."""
import io

import numpy as np
import pytest

import webgrad as wg
from webgrad import layers
from webgrad.layers import EarlyStopping, LambdaCallback


def small_model(n_in=4, n_out=3, act="softmax"):
    return wg.sequential([layers.dense(8, activation="relu", input_shape=(n_in,)),
                          layers.dense(n_out, activation=act)])


def toy_data(n=40, n_in=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n_in)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32) + (x[:, 1] > 0).astype(np.int32)
    return wg.tensor(x), wg.tensor(np.minimum(y, classes - 1))


def snapshot(model):
    return [w.numpy().copy() for w in model.weights]


def test_digits_demo_reaches_95_percent(backend):
    """The README's demo on every available backend (cpu, webgpu)."""
    from webgrad import demo

    res = demo.run(backend=backend, epochs=15, verbose=0)
    assert res["backend"] == backend
    assert res["accuracy"] >= 0.95, res
    assert res["w5_epochs"] is not None and res["w5_epochs"] <= 15


def test_memory_flat_across_epochs(backend):
    x, y = toy_data(64)
    m = small_model()
    m.compile(wg.train.adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    counts, nbytes = [], []

    def on_epoch_end(epoch, logs):
        mem = wg.memory()
        counts.append(mem["num_tensors"])
        nbytes.append(mem["num_bytes"])

    m.fit(x, y, epochs=5, batch_size=16, validation_split=0.25, verbose=0,
          callbacks=LambdaCallback(on_epoch_end=on_epoch_end))
    # epoch 1 creates the optimizer's slots; from then on nothing accumulates
    assert len(set(counts[1:])) == 1 and len(set(nbytes[1:])) == 1, (counts, nbytes)
    before = wg.memory()["num_tensors"]
    m.fit(x, y, epochs=2, batch_size=16, verbose=0)
    m.evaluate(x, y)
    assert wg.memory()["num_tensors"] == before


def test_history_callbacks_and_validation():
    x, y = toy_data(40)
    m = small_model()
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    seen = {"batch": 0, "epoch_begin": 0, "train_end": 0}

    def count(key):
        def hook(*args):
            seen[key] += 1
        return hook

    h = m.fit(x, y, epochs=3, batch_size=16, validation_data=(x, y), verbose=0,
              callbacks={"on_batch_end": count("batch"), "onEpochBegin": count("epoch_begin"),
                         "on_train_end": count("train_end")})
    assert seen == {"batch": 9, "epoch_begin": 3, "train_end": 1}
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert h.epoch == [0, 1, 2] and all(len(v) == 3 for v in h.history.values())
    loss, acc = m.evaluate(x, y)
    assert loss == pytest.approx(h.history["val_loss"][-1], rel=1e-5)
    assert acc == pytest.approx(h.history["val_accuracy"][-1], rel=1e-5)
    pred = m.predict(x, batch_size=7)
    assert pred.shape == (40, 3)
    np.testing.assert_allclose(pred.numpy().sum(axis=1), 1.0, rtol=1e-5)


def test_early_stopping_stops_and_restores():
    x, y = toy_data(32)
    m = small_model()
    m.compile(wg.train.sgd(0.0), "sparse_categorical_crossentropy")   # lr 0: val_loss never improves
    stop = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    h = m.fit(x, y, epochs=20, validation_split=0.25, callbacks=[stop], verbose=0)
    assert len(h.epoch) == 3 and stop.stopped_epoch == 2


def test_verbose_progress_is_printed(capsys):
    x, y = toy_data(16)
    m = small_model()
    m.compile("sgd", "sparse_categorical_crossentropy", ["acc"])
    m.fit(x, y, epochs=2, batch_size=8, verbose=2)
    err = capsys.readouterr().err
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "acc" in err


def test_one_hot_labels_with_categorical_crossentropy():
    x, y = toy_data(40)
    m = small_model()
    m.compile(wg.train.adam(0.05), "categorical_crossentropy", ["accuracy"])
    h = m.fit(x, wg.one_hot(y, 3), epochs=15, batch_size=10, verbose=0, seed=1)
    assert h.history["loss"][-1] < h.history["loss"][0]


def bad_fit_cases():
    x, y = toy_data(20)
    return [
        ("mismatched lengths", dict(x=x, y=wg.tensor([0, 1, 2])), "fit: x has 20 samples but y has 3"),
        ("one-hot labels for sparse loss", dict(x=x, y=wg.one_hot(y, 3)), "integer class labels"),
        ("wrong feature count", dict(x=wg.zeros((20, 5)), y=y), "expects inputs of shape"),
        ("wrong input rank", dict(x=wg.zeros((20, 2, 2)), y=y), "expects inputs of shape"),
        ("bad validation data", dict(x=x, y=y, validation_data=(x, wg.tensor([1, 2]))), "fit \\(validation_data\\)"),
        ("negative epochs", dict(x=x, y=y, epochs=-1), "epochs"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_bad_fit_input_leaves_weights_untouched(case):
    name, kwargs, message = bad_fit_cases()[case]
    m = small_model()
    m.compile("adam", "sparse_categorical_crossentropy")
    before = snapshot(m)
    calls = []
    with pytest.raises(ValueError, match=message):
        m.fit(**kwargs, verbose=0, callbacks={"on_batch_begin": lambda *a: calls.append(a)})
    assert calls == []
    for a, b in zip(before, snapshot(m)):
        np.testing.assert_array_equal(a, b)


def test_label_shape_for_categorical_loss():
    x, y = toy_data(20)
    m = small_model()
    m.compile("adam", "categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy or one_hot"):
        m.fit(x, y, verbose=0)


def test_unknown_names_fail_at_compile():
    m = small_model()
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        m.compile("adamm", "mse")
    with pytest.raises(ValueError, match="unknown loss 'msee'"):
        m.compile("adam", "msee")
    with pytest.raises(ValueError, match="unknown metric"):
        m.compile("adam", "mse", metrics=["accuracyy"])
    with pytest.raises(RuntimeError, match="compile the model first"):
        small_model().fit(*toy_data(4), verbose=0)


def test_layer_wrong_rank_in_functional_model():
    inp = wg.input(shape=(4,))
    with pytest.raises(ValueError, match="expected input of rank 4"):
        layers.conv2d(2, 3)(inp)


def test_fit_accepts_lists_and_regression(backend):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((30, 2)).astype(np.float32)
    y = (x @ np.array([[1.5], [-2.0]], np.float32) + 0.5).ravel()
    m = wg.sequential([layers.dense(1, input_shape=(2,))])
    m.compile(wg.train.sgd(0.1), "mse")
    h = m.fit(x.tolist(), y.tolist(), epochs=40, batch_size=10, verbose=0)   # y (n,) for output (None, 1)
    assert h.history["loss"][-1] < 1e-3
    k, b = m.layers[0].kernel.numpy(), m.layers[0].bias.numpy()
    np.testing.assert_allclose(k.ravel(), [1.5, -2.0], atol=0.05)
    np.testing.assert_allclose(b, [0.5], atol=0.05)


def test_fit_async_matches_fit(backend):
    import asyncio

    x, y = toy_data(24)
    results = []
    for use_async in (False, True):
        m = small_model()
        m.set_weights([wg.tensor(np.full(w.shape, 0.1 * (i + 1), np.float32)) for i, w in enumerate(m.weights)])
        m.compile(wg.train.sgd(0.1), "sparse_categorical_crossentropy", ["accuracy"])
        seen = []

        async def hook(epoch, logs):
            seen.append(epoch)

        if use_async:
            before = wg.memory()["num_tensors"]
            h = asyncio.run(m.fit_async(x, y, epochs=3, batch_size=8, validation_split=0.25, seed=3,
                                        callbacks={"on_epoch_end": hook}))
            m.optimizer.dispose()   # its kept hyperparameter scalars
            assert wg.memory()["num_tensors"] == before
            assert seen == [0, 1, 2]
            ev = asyncio.run(m.evaluate_async(x, y))
        else:
            h = m.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, seed=3, verbose=0)
            ev = m.evaluate(x, y)
        results.append((h.history, ev))
    assert results[0][0].keys() == results[1][0].keys()
    for k in results[0][0]:
        np.testing.assert_allclose(results[0][0][k], results[1][0][k], rtol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)


def test_sync_fit_rejects_async_hooks():
    x, y = toy_data(8)
    m = small_model()
    m.compile("sgd", "sparse_categorical_crossentropy")

    async def hook(epoch, logs):
        pass

    with pytest.raises(TypeError, match="fit_async"):
        m.fit(x, y, verbose=0, callbacks={"on_epoch_end": hook})


def test_frozen_layer_is_not_trained():
    x, y = toy_data(16)
    m = small_model()
    m.compile(wg.train.adam(0.1), "sparse_categorical_crossentropy")
    m.layers[0].trainable = False
    frozen = [w.numpy().copy() for w in m.layers[0].weights]
    other = [w.numpy().copy() for w in m.layers[1].weights]
    m.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for a, w in zip(frozen, m.layers[0].weights):
        np.testing.assert_array_equal(a, w.numpy())
    assert any(not np.array_equal(a, w.numpy()) for a, w in zip(other, m.layers[1].weights))
    assert "Trainable params: 27" in m.summary(print_fn=None)   # 8*3 + 3


def test_demo_async_for_the_page():
    import asyncio

    from webgrad import demo

    batches = []
    res = asyncio.run(demo.run_async(epochs=2, verbose=0,
                                     callbacks=[{"on_batch_end": lambda b, logs: batches.append(logs["loss"])}]))
    assert len(batches) == 2 * 45 and res["epochs"] == 2 and 0.8 < res["accuracy"] <= 1.0


def test_memory_flat_with_batchnorm_dropout_conv(backend):
    rng = np.random.default_rng(5)
    x = wg.tensor(rng.standard_normal((48, 6, 6, 1)).astype(np.float32))
    y = wg.tensor(rng.integers(0, 3, 48).astype(np.int32))
    m = wg.sequential([layers.conv2d(4, 3, activation="relu", padding="same", input_shape=(6, 6, 1)),
                       layers.batch_normalization(), layers.max_pooling2d(2), layers.dropout(0.3),
                       layers.flatten(), layers.dense(3, activation="softmax")])
    m.compile("rmsprop", "sparse_categorical_crossentropy", ["accuracy"])
    bn = m.layers[1]
    mean0 = bn.moving_mean.numpy().copy()
    mem = []
    m.fit(x, y, epochs=4, batch_size=16, validation_split=0.25, verbose=0,
          callbacks={"on_epoch_end": lambda e, logs: mem.append((wg.memory()["num_tensors"], wg.memory()["num_bytes"]))})
    assert len(set(mem[1:])) == 1, mem
    assert not np.array_equal(mean0, bn.moving_mean.numpy())   # training updated the moving statistics


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "categorical_crossentropy"])
def test_fused_softmax_loss_equals_the_probability_form(loss, backend):
    from webgrad import losses

    x, y = toy_data(20)
    m = small_model()
    m.compile("sgd", loss)
    assert m.softmax_output
    labels = y if loss.startswith("sparse") else wg.one_hot(y, 3).cast("float32")
    probs = m.predict(x)
    want = losses.get(loss)(labels, probs).mean().item()
    assert m.evaluate(x, labels) == pytest.approx(want, rel=1e-5)
