"""Save/load in the TensorFlow.js layers format, checked against real TensorFlow.js in Node
(npm @tensorflow/tfjs from package.json; tools/setup.sh installs it)."""
import json

import numpy as np
import pytest
from tfjs_node import run_node

import webgrad as wg
from webgrad import layers


def node_tfjs(*args):
    run_node("tfjs_roundtrip.mjs", *args)


def write_json_tensor(x: np.ndarray, path):
    path.write_text(json.dumps({"shape": list(x.shape), "data": x.ravel().tolist()}))


def read_json_tensor(path) -> np.ndarray:
    doc = json.loads(path.read_text())
    return np.asarray(doc["data"], np.float32).reshape(doc["shape"])


def webgrad_models():
    rng_seed = iter(range(100, 200))

    def init():
        return layers.initializers.glorot_uniform(seed=next(rng_seed))

    mlp = wg.sequential([layers.dense(8, activation="relu", input_shape=(6,), kernel_initializer=init(),
                                      bias_initializer=layers.initializers.RandomUniform(-0.3, 0.3, seed=1)),
                         layers.dropout(0.2),
                         layers.dense(4, activation="softmax", kernel_initializer=init(),
                                      kernel_regularizer=layers.regularizers.l2(0.01))])
    cnn = wg.sequential([layers.conv2d(3, 3, padding="same", activation="relu", input_shape=(8, 8, 1),
                                       kernel_initializer=init()),
                         layers.max_pooling2d(2),
                         layers.batch_normalization(),
                         layers.average_pooling2d(2, strides=1),
                         layers.global_max_pooling2d(),
                         layers.dense(5, activation="tanh", kernel_initializer=init())])
    inp = wg.input(shape=(5,))
    h = layers.dense(6, activation="sigmoid", kernel_initializer=init())(inp)
    h = layers.layer_normalization()(h)
    h = layers.reshape((3, 2))(h)
    h = layers.flatten()(h)
    out = layers.dense(2, use_bias=False, kernel_initializer=init())(h)
    func = wg.model(inputs=inp, outputs=out)
    return {"mlp": (mlp, (7, 6)), "cnn": (cnn, (4, 8, 8, 1)), "functional": (func, (3, 5))}


def train_a_little(model, x):
    """Move BatchNormalization's moving statistics off their initial values."""
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            for _ in range(3):
                model.call(wg.tensor(x), training=True).dispose()


@pytest.mark.parametrize("kind", ["mlp", "cnn", "functional"])
def test_webgrad_model_loads_in_tfjs(kind, tmp_path, backend):
    model, shape = webgrad_models()[kind]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    train_a_little(model, x)
    model.save(str(tmp_path / "model"))
    write_json_tensor(x, tmp_path / "x.json")
    node_tfjs("predict", tmp_path / "model", tmp_path / "x.json", tmp_path / "y.json")
    ours = model.predict(wg.tensor(x)).numpy()
    theirs = read_json_tensor(tmp_path / "y.json")
    assert theirs.shape == ours.shape
    np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["mlp", "cnn", "functional"])
def test_tfjs_model_loads_in_webgrad(kind, tmp_path, backend):
    shape = {"mlp": (7, 6), "cnn": (4, 8, 8, 1), "functional": (3, 5)}[kind]
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    write_json_tensor(x, tmp_path / "x.json")
    node_tfjs("make", kind, tmp_path / "model", tmp_path / "x.json")
    model = wg.load_model(str(tmp_path / "model"))
    theirs = read_json_tensor(tmp_path / "model" / "predictions.json")
    ours = model.predict(wg.tensor(x)).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    # and back again: webgrad re-saves what it loaded, tfjs reads it and agrees
    model.save(str(tmp_path / "again"))
    node_tfjs("predict", tmp_path / "again", tmp_path / "x.json", tmp_path / "y2.json")
    np.testing.assert_allclose(read_json_tensor(tmp_path / "y2.json"), theirs, rtol=1e-5, atol=1e-5)


def test_load_errors_are_clear(tmp_path):
    m = wg.sequential([layers.dense(2, input_shape=(3,))])
    m.save(str(tmp_path))
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["modelTopology"]["config"]["layers"][0]["class_name"] = "Lambda"
    (tmp_path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="layer class 'Lambda' is not supported"):
        wg.load_model(str(tmp_path))
