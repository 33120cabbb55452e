"""Layers: forward values against NumPy, shapes, rank checks, initializers, regularizers,
sequential vs functional, summary, save/load in webgrad."""
import numpy as np
import pytest

import webgrad as wg
from webgrad import layers
from webgrad.layers import initializers, regularizers

RNG = np.random.default_rng(0)


def arr(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def test_dense_forward_and_shapes(backend):
    d = layers.dense(3, activation="relu", input_shape=(4,))
    x = arr(5, 4)
    y = d(wg.tensor(x))
    k, b = d.kernel.numpy(), d.bias.numpy()
    np.testing.assert_allclose(y.numpy(), np.maximum(x @ k + b, 0), rtol=1e-5, atol=1e-6)
    assert d.output_shape == (None, 3)
    assert d.count_params() == 4 * 3 + 3
    y3 = d(wg.tensor(arr(2, 7, 4)))  # rank 3: applied to the last axis
    assert y3.shape == (2, 7, 3)


def test_dense_rank_and_size_errors():
    d = layers.dense(2)
    with pytest.raises(ValueError, match="rank >= 2"):
        d(wg.tensor([1.0, 2.0]))
    d(wg.tensor(arr(3, 4)))
    with pytest.raises(ValueError, match="built for inputs of shape"):
        d(wg.tensor(arr(3, 5)))


@pytest.mark.parametrize("factory,shape", [
    (lambda: layers.conv2d(4, 3), (2, 4)),
    (lambda: layers.max_pooling2d(2), (2, 4, 4)),
    (lambda: layers.global_average_pooling2d(), (2, 4, 4)),
])
def test_rank4_layers_reject_other_ranks(factory, shape):
    with pytest.raises(ValueError, match="expected input of rank 4"):
        factory()(wg.tensor(arr(*shape)))


def test_flatten_reshape_activation_dropout(backend):
    x = wg.tensor(arr(2, 3, 4))
    assert layers.flatten()(x).shape == (2, 12)
    assert layers.reshape((4, 3))(x).shape == (2, 4, 3)
    assert layers.reshape((-1, 2))(x).shape == (2, 6, 2)
    with pytest.raises(ValueError, match="needs 10"):
        layers.reshape((5, 2))(x)
    np.testing.assert_allclose(layers.activation("tanh")(x).numpy(), np.tanh(x.numpy()), rtol=1e-5, atol=1e-6)
    drop = layers.dropout(0.5)
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())  # inference: identity
    big = wg.ones((100, 100))
    out = drop(big, training=True).numpy()
    kept = out != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_allclose(out[kept], 2.0)


def test_conv2d_and_pooling_values(backend):
    x = arr(2, 6, 6, 3)
    conv = layers.conv2d(4, 3, padding="same", activation="linear")
    y = conv(wg.tensor(x)).numpy()
    assert y.shape == (2, 6, 6, 4)
    k, b = conv.kernel.numpy(), conv.bias.numpy()
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    ref = np.zeros((2, 6, 6, 4), np.float32)
    for i in range(6):
        for j in range(6):
            ref[:, i, j, :] = np.tensordot(xp[:, i:i + 3, j:j + 3, :], k, axes=([1, 2, 3], [0, 1, 2]))
    np.testing.assert_allclose(y, ref + b, rtol=1e-4, atol=1e-4)
    assert conv.compute_output_shape((None, 6, 6, 3)) == (None, 6, 6, 4)
    assert layers.conv2d(2, 3, strides=2)(wg.tensor(x)).shape == (2, 2, 2, 2)
    mp = layers.max_pooling2d(2)(wg.tensor(x)).numpy()
    np.testing.assert_allclose(mp, x.reshape(2, 3, 2, 3, 2, 3).max(axis=(2, 4)))
    ap = layers.average_pooling2d(2)(wg.tensor(x)).numpy()
    np.testing.assert_allclose(ap, x.reshape(2, 3, 2, 3, 2, 3).mean(axis=(2, 4)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layers.global_average_pooling2d()(wg.tensor(x)).numpy(), x.mean(axis=(1, 2)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layers.global_max_pooling2d()(wg.tensor(x)).numpy(), x.max(axis=(1, 2)))


def test_batch_normalization_train_and_inference(backend):
    bn = layers.batch_normalization(momentum=0.5, epsilon=1e-3)
    x = arr(8, 3) * 2 + 1
    y_train = bn(wg.tensor(x), training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y_train, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * var, rtol=1e-5, atol=1e-6)
    y_inf = bn(wg.tensor(x)).numpy()
    np.testing.assert_allclose(y_inf, (x - 0.5 * mean) / np.sqrt(0.5 + 0.5 * var + 1e-3), rtol=1e-4, atol=1e-4)
    assert len(bn.trainable_weights) == 2 and len(bn.weights) == 4


def test_layer_normalization(backend):
    ln = layers.layer_normalization()
    x = arr(4, 5)
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(ln(wg.tensor(x)).numpy(), ref, rtol=1e-4, atol=1e-4)


def test_embedding(backend):
    emb = layers.embedding(10, 3)
    idx = wg.tensor([[1, 2], [9, 0]], dtype="int32")
    out = emb(idx)
    assert out.shape == (2, 2, 3)
    table = emb.embeddings.numpy()
    np.testing.assert_allclose(out.numpy(), table[[[1, 2], [9, 0]]])
    assert np.abs(table).max() <= 0.05


def test_initializers_statistics():
    n_in, n_out = 200, 300
    lim = np.sqrt(6 / (n_in + n_out))
    g = initializers.glorot_uniform(seed=1)((n_in, n_out)).numpy()
    assert np.abs(g).max() <= lim and np.abs(g).max() > 0.95 * lim
    assert abs(g.std() - lim / np.sqrt(3)) < 0.05 * lim
    h = initializers.he_uniform(seed=2)((n_in, n_out)).numpy()
    assert np.abs(h).max() <= np.sqrt(6 / n_in)
    hn = initializers.he_normal(seed=3)((n_in, n_out)).numpy()
    assert np.abs(hn).max() <= 2 * np.sqrt(2 / n_in) + 1e-6   # truncated at two standard deviations
    assert 0.7 * np.sqrt(2 / n_in) < hn.std() < np.sqrt(2 / n_in)
    gn = initializers.glorot_normal(seed=4)((3, 3, 16, 32)).numpy()   # conv fans: 9*16, 9*32
    assert gn.std() < np.sqrt(2 / (9 * 48))
    assert (initializers.zeros()((2, 2)).numpy() == 0).all() and (initializers.ones()((2,)).numpy() == 1).all()
    a = initializers.glorot_uniform(seed=7)((4, 4)).numpy()
    b = initializers.glorot_uniform(seed=7)((4, 4)).numpy()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="unknown initializer"):
        initializers.get("glorot_uniformm")


def test_regularizers_add_to_loss():
    w = wg.tensor([[1.0, -2.0], [3.0, 0.5]])
    assert regularizers.l1(0.1)(w).item() == pytest.approx(0.1 * 6.5)
    assert regularizers.l2(0.01)(w).item() == pytest.approx(0.01 * 14.25)
    assert regularizers.l1l2(0.1, 0.01)(w).item() == pytest.approx(0.65 + 0.1425)
    d = layers.dense(2, kernel_regularizer=regularizers.l2(0.5), input_shape=(2,))
    m = wg.sequential([d])
    d.set_weights([w, wg.zeros((2,))])
    m.compile("sgd", "mse")
    x, y = wg.zeros((3, 2)), wg.zeros((3, 2))
    assert m.evaluate(x, y) == pytest.approx(0.5 * 14.25)


def test_functional_equals_sequential():
    inp = wg.input(shape=(6,))
    h = layers.dense(5, activation="tanh")(inp)
    out = layers.dense(2)(h)
    fm = wg.model(inputs=inp, outputs=out)
    assert fm.output_shape == (None, 2)
    sm = wg.sequential([layers.dense(5, activation="tanh", input_shape=(6,)), layers.dense(2)])
    sm.set_weights(fm.get_weights())
    x = wg.tensor(arr(4, 6))
    np.testing.assert_allclose(fm.predict(x).numpy(), sm.predict(x).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="expects inputs of shape"):
        fm.predict(wg.tensor(arr(4, 5)))


def test_sequential_built_on_first_call():
    m = wg.sequential([layers.dense(3), layers.dense(1)])
    y = m(wg.tensor(arr(2, 4)))
    assert y.shape == (2, 1) and m.input_shape == (None, 4)


def test_summary_table():
    m = wg.sequential([layers.dense(8, input_shape=(4,)), layers.batch_normalization(), layers.dense(2)])
    text = m.summary(print_fn=None)
    assert "dense" in text and "(None, 8)" in text and "(None, 2)" in text
    assert "Total params: 90" in text  # 40 + 32 + 18
    assert "Trainable params: 74" in text and "Non-trainable params: 16" in text


def test_save_load_roundtrip_webgrad(tmp_path, backend):
    m = wg.sequential([layers.conv2d(3, 3, activation="relu", input_shape=(6, 6, 2)), layers.max_pooling2d(2),
                       layers.batch_normalization(), layers.flatten(), layers.dense(4, activation="softmax")])
    m.save(str(tmp_path))
    assert (tmp_path / "model.json").exists() and (tmp_path / "group1-shard1of1.bin").exists()
    m2 = wg.load_model(str(tmp_path))
    x = wg.tensor(arr(3, 6, 6, 2))
    np.testing.assert_allclose(m2.predict(x).numpy(), m.predict(x).numpy(), rtol=1e-6)
    assert [type(a).__name__ for a in m2.layers] == [type(a).__name__ for a in m.layers]
    inp = wg.input(shape=(3,))
    fm = wg.model(inputs=inp, outputs=layers.layer_normalization()(layers.dense(4)(inp)))
    fm.save(str(tmp_path / "f"))
    fm2 = wg.load_model(str(tmp_path / "f" / "model.json"))
    x = wg.tensor(arr(2, 3))
    np.testing.assert_allclose(fm2.predict(x).numpy(), fm.predict(x).numpy(), rtol=1e-6)


def test_topology_with_keras3_inbound_nodes():
    from webgrad.layers.saving import model_from_topology

    def ref(name):
        return {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}}], "kwargs": {}}

    topo = {"class_name": "Functional", "config": {
        "name": "k3", "layers": [
            {"name": "in_k3", "class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "in_k3"},
             "inbound_nodes": []},
            {"name": "d_k3", "class_name": "Dense", "config": {"units": 2, "name": "d_k3"}, "inbound_nodes": [ref("in_k3")]},
        ],
        "input_layers": [["in_k3", 0, 0]], "output_layers": [["d_k3", 0, 0]]}}
    m = model_from_topology(topo)
    assert m.output_shape == (None, 2) and m.predict(wg.ones((4, 3))).shape == (4, 2)


def test_model_to_dot():
    inp = wg.input(shape=(4,), name="pixels_dot")
    out = layers.dense(2, name="head_dot")(layers.dense(3, name="hidden_dot")(inp))
    dot = layers.model_to_dot(wg.model(inputs=inp, outputs=out))
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert 'label="hidden_dot (Dense)\\n(None, 3)"' in dot
    assert dot.count("->") == 2
