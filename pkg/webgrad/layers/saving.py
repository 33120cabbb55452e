"""Save and load models in the TensorFlow.js layers format:
``model.json`` (Keras topology JSON + weights manifest) and ``group1-shard1of1.bin``."""
from __future__ import annotations

import array
import json
import os
import sys

from .. import ops
from .base import InputLayer, Layer, SymbolicTensor
from .conv import AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .core import Activation, Dense, Dropout, Embedding, Flatten, Reshape
from .model import Model, Sequential
from .normalization import BatchNormalization, LayerNormalization

WEIGHTS_FILE = "group1-shard1of1.bin"
KERAS_VERSION = "tfjs-layers 4.22.0"

LAYER_CLASSES: dict[str, type] = {c.__name__: c for c in (
    Dense, Flatten, Reshape, Dropout, Activation, Embedding, Conv2D, MaxPooling2D, AveragePooling2D,
    GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, LayerNormalization, InputLayer)}
LAYER_CLASSES.update({"MaxPool2D": MaxPooling2D, "AvgPool2D": AveragePooling2D, "AveragePool2D": AveragePooling2D})


def _layer_entry(layer: Layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def model_topology(model: Model) -> dict:
    """The Keras JSON of model's architecture (as tfjs-layers writes it)."""
    if isinstance(model, Sequential):
        layers = []
        for i, layer in enumerate(model.layers):
            entry = _layer_entry(layer)
            if i == 0 and "batch_input_shape" not in entry["config"]:
                entry["config"]["batch_input_shape"] = list(model.input_shape)
                entry["config"]["dtype"] = "float32"
            layers.append(entry)
        config = {"name": model.name, "layers": layers}
    else:
        call_index: dict[int, int] = {}
        node_ids: dict[int, tuple[str, int]] = {}
        per_layer: dict[str, dict] = {}
        order: list[str] = []
        for node in model._nodes:
            layer = node.layer
            k = call_index.get(id(layer), 0)
            call_index[id(layer)] = k + 1
            node_ids[id(node)] = (layer.name, k)
            if layer.name not in per_layer:
                per_layer[layer.name] = {"name": layer.name, "class_name": type(layer).__name__,
                                         "config": layer.get_config(), "inbound_nodes": []}
                order.append(layer.name)
            if node.inputs:
                src = node_ids[id(node.inputs[0])]
                per_layer[layer.name]["inbound_nodes"].append([[src[0], src[1], 0, {}]])
        out = node_ids[id(model.outputs[0])]
        inp = node_ids[id(model.inputs[0])]
        config = {"name": model.name, "layers": [per_layer[n] for n in order],
                  "input_layers": [[inp[0], inp[1], 0]], "output_layers": [[out[0], out[1], 0]]}
    return {"class_name": model.class_name, "config": config, "keras_version": KERAS_VERSION,
            "backend": "tensor_flow.js"}


def _weight_bytes(t) -> bytes:
    data = t.data_sync()
    if not isinstance(data, array.array) or data.typecode != "f":
        data = array.array("f", data)
    if sys.byteorder != "little":
        data = array.array("f", data)
        data.byteswap()
    return data.tobytes()


def save_model(model: Model, path: str) -> None:
    """Write model.json and the weights file into the folder `path` (created if needed)."""
    if not model.layers or (isinstance(model, Sequential) and not model.inputs):
        raise ValueError("save: the model is not built yet (give the first layer input_shape= or call it once)")
    os.makedirs(path, exist_ok=True)
    specs, blobs = [], []
    for layer in model.layers:
        for w in layer._weights:
            specs.append({"name": w.original_name, "shape": list(w.variable.shape), "dtype": "float32"})
            blobs.append(_weight_bytes(w.variable))
    doc = {
        "modelTopology": model_topology(model),
        "format": "layers-model",
        "generatedBy": "webgrad",
        "convertedBy": None,
        "weightsManifest": [{"paths": [WEIGHTS_FILE], "weights": specs}],
    }
    with open(os.path.join(path, WEIGHTS_FILE), "wb") as f:
        f.write(b"".join(blobs))
    with open(os.path.join(path, "model.json"), "w") as f:
        json.dump(doc, f)


# -- loading ---------------------------------------------------------------------------------
def _make_layer(entry: dict) -> Layer:
    cls_name = entry.get("class_name")
    cls = LAYER_CLASSES.get(cls_name)
    if cls is None:
        raise ValueError(f"load_model: layer class {cls_name!r} is not supported; supported: "
                         f"{', '.join(sorted(LAYER_CLASSES))}")
    cfg = dict(entry.get("config") or {})
    if cls is not InputLayer and cfg.get("dtype") in (None, "float32"):
        cfg.pop("dtype", None)
    if "batch_shape" in cfg:  # Keras 3's name
        cfg.setdefault("batch_input_shape", cfg["batch_shape"])
        del cfg["batch_shape"]
    cfg.pop("ragged", None)
    try:
        return cls(**cfg)
    except TypeError as exc:
        raise ValueError(f"load_model: cannot build {cls_name} {cfg.get('name')!r} from its config ({exc})") from None


def _inbound(node, layer_name: str) -> tuple[str, int]:
    """(source layer, node index) of a single-input call, in tfjs/Keras 2 list form or Keras 3 dict form."""
    if isinstance(node, dict):
        args = [a for a in node.get("args", []) if isinstance(a, dict) and "keras_history" in a.get("config", {})]
        node = [a["config"]["keras_history"] for a in args]
    if len(node) != 1:
        raise ValueError(f"load_model: layer {layer_name!r} has {len(node)} inputs; "
                         "only single-input layers are supported")
    return (node[0][0], node[0][1])


def model_from_topology(topology: dict) -> Model:
    """A model (weights freshly initialised) from Keras/tfjs topology JSON."""
    if "model_config" in topology:
        topology = topology["model_config"]
    kind = topology.get("class_name")
    config = topology.get("config")
    if kind == "Sequential":
        layer_cfgs = config["layers"] if isinstance(config, dict) else config
        layers = [_make_layer(e) for e in layer_cfgs]
        name = config.get("name") if isinstance(config, dict) else None
        return Sequential(layers, name=name)
    if kind in ("Model", "Functional"):
        made: dict[str, Layer] = {}
        outputs: dict[tuple[str, int], SymbolicTensor] = {}
        pending = list(config["layers"])
        while pending:
            progressed = False
            for entry in list(pending):
                layer = made.get(entry["name"]) or _make_layer(entry)
                made[entry["name"]] = layer
                if isinstance(layer, InputLayer):
                    outputs[(layer.name, 0)] = layer.output
                    pending.remove(entry)
                    progressed = True
                    continue
                nodes = [_inbound(n, entry["name"]) for n in entry.get("inbound_nodes") or []]
                if not all(src in outputs for src in nodes):
                    continue
                for k, src in enumerate(nodes):
                    outputs[(layer.name, k)] = layer(outputs[src])
                pending.remove(entry)
                progressed = True
            if not progressed:
                raise ValueError("load_model: the model's layer graph cannot be resolved")
        ins, outs = config["input_layers"], config["output_layers"]
        if len(ins) != 1 or len(outs) != 1:
            raise ValueError("load_model: only models with one input and one output are supported")
        return Model(inputs=outputs[(ins[0][0], ins[0][1])], outputs=outputs[(outs[0][0], outs[0][1])],
                     name=config.get("name"))
    raise ValueError(f"load_model: unsupported model class {kind!r} (expected Sequential or Model)")


def _read_weights(folder: str, manifest: list) -> dict[str, object]:
    out = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            if spec.get("dtype", "float32") != "float32" or "quantization" in spec:
                raise ValueError(f"load_model: weight {spec['name']!r} is not plain float32")
            n = 1
            for d in spec["shape"]:
                n *= d
            data = array.array("f")
            data.frombytes(blob[offset:offset + 4 * n])
            if len(data) != n:
                raise ValueError(f"load_model: the weights file ends inside weight {spec['name']!r}")
            if sys.byteorder != "little":
                data.byteswap()
            offset += 4 * n
            out[spec["name"]] = (data, tuple(spec["shape"]))
    return out


def load_model(path: str) -> Model:
    """A model from a folder (or its model.json) in the TensorFlow.js layers format."""
    json_path = path if path.endswith(".json") else os.path.join(path, "model.json")
    folder = os.path.dirname(json_path)
    with open(json_path) as f:
        doc = json.load(f)
    if "modelTopology" not in doc:
        raise ValueError(f"load_model: {json_path} has no modelTopology")
    model = model_from_topology(doc["modelTopology"])
    weights = _read_weights(folder, doc.get("weightsManifest") or [])
    missing = []
    for layer in model.layers:
        for w in layer._weights:
            item = weights.pop(w.original_name, None)
            if item is None:
                missing.append(w.original_name)
                continue
            data, shape = item
            if shape != w.variable.shape:
                raise ValueError(f"load_model: weight {w.original_name} has shape {shape} in the file, "
                                 f"the layer needs {w.variable.shape}")
            t = ops.tensor(data, shape=shape)
            w.variable.assign(t)
            t.dispose()
    if missing:
        model.dispose()
        raise ValueError(f"load_model: the weights file lacks {missing}")
    if weights:
        model.dispose()
        raise ValueError(f"load_model: the file has weights no layer takes: {sorted(weights)}")
    return model
