"""Models: ``sequential([...])`` and the functional ``model(inputs=, outputs=)``."""
from __future__ import annotations

from typing import Sequence

from ..tensor import Tensor
from .base import InputLayer, Layer, SymbolicTensor, shape_str, unique_layer_name
from .training import Trainer


class Model(Trainer):
    """A graph of layers from a symbolic input to a symbolic output (single input, single output)."""

    class_name = "Model"

    def __init__(self, inputs=None, outputs=None, name: str | None = None):
        super().__init__()
        self.name = name or unique_layer_name("model")
        if inputs is None and outputs is None:
            return  # Sequential fills itself in
        inputs = _single(inputs, "inputs")
        outputs = _single(outputs, "outputs")
        if not isinstance(inputs.layer, InputLayer):
            raise ValueError("model: inputs must come from wg.input(shape=...)")
        self.inputs, self.outputs = [inputs], [outputs]
        self._nodes = _topological(outputs, inputs)
        self._check_names()

    # -- structure ---------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        seen, out = set(), []
        for node in self._nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                out.append(node.layer)
        return out

    def _check_names(self) -> None:
        names = [layer.name for layer in self.layers]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"model: layer names must be unique, repeated: {sorted(dup)}")

    @property
    def input_shape(self) -> tuple:
        return self.inputs[0].shape

    @property
    def output_shape(self) -> tuple:
        return self.outputs[0].shape

    def __repr__(self) -> str:
        try:
            n = len(self.layers)
        except AttributeError:  # not built yet
            n = 0
        return f"<{type(self).__name__} name={self.name} layers={n}>"

    def get_layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer named {name!r}")

    # -- running -----------------------------------------------------------------------
    def call(self, x: Tensor, training: bool = False, logits: bool = False) -> Tensor:
        """Run the graph; with logits=True the output layer stops before its softmax
        (see ``softmax_output``)."""
        values = {id(self.inputs[0]): x}
        last = self.outputs[0]
        for node in self._nodes:
            if not node.inputs:
                continue
            inp = values[id(node.inputs[0])]
            if logits and node is last:
                values[id(node)] = node.layer.call_pre_activation(inp, training=training)
            else:
                values[id(node)] = node.layer(inp, training=training)
        return values[id(last)]

    @property
    def softmax_output(self) -> bool:
        """True when the output layer ends in a softmax that can be fused into the loss."""
        if not self.outputs or not self.outputs[0].inputs:
            return False
        layer = self.outputs[0].layer
        return getattr(layer, "activation_name", None) == "softmax" and hasattr(layer, "pre_activation")

    def __call__(self, x, training: bool = False):
        if isinstance(x, SymbolicTensor):
            raise ValueError("model: calling a model on a symbolic input (nesting models) is not supported")
        from .data import as_tensor

        x = as_tensor(x, "x", self.name)
        self.check_input(x.shape, self.name)
        return self.call(x, training)

    def check_input(self, shape: tuple, op: str) -> None:
        want = self.input_shape
        if len(shape) != len(want) or any(w is not None and w != s for w, s in zip(want[1:], shape[1:])):
            raise ValueError(f"{op}: the model expects inputs of shape {shape_str(want)}, got {shape_str(shape)}")

    # -- summary -----------------------------------------------------------------------
    def summary(self, line_length: int = 65, print_fn=print) -> str:
        """A text table of layers, output shapes and parameter counts (printed and returned)."""
        cols = [int(line_length * 0.45), int(line_length * 0.33)]
        rows = [("Layer (type)", "Output Shape", "Param #")]
        for layer in self.layers:
            if isinstance(layer, InputLayer) and type(self).__name__ == "Sequential":
                continue
            rows.append((f"{layer.name} ({type(layer).__name__})", shape_str(layer.output_shape or ()),
                         str(layer.count_params())))
        total = sum(layer.count_params() for layer in self.layers)
        trainable = sum(v.size for layer in self.layers for v in layer.trainable_weights)

        def fmt(r):
            return r[0].ljust(cols[0]) + r[1].ljust(cols[1]) + r[2]

        lines = [f'Model: "{self.name}"', "_" * line_length, fmt(rows[0]), "=" * line_length]
        for i, r in enumerate(rows[1:]):
            lines.append(fmt(r))
            lines.append("_" * line_length if i < len(rows) - 2 else "=" * line_length)
        if len(rows) == 1:
            lines.append("=" * line_length)
        lines += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", "_" * line_length]
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text


class Sequential(Model):
    """A linear stack of layers; the first needs ``input_shape=`` (or is built on the first call)."""

    class_name = "Sequential"

    def __init__(self, layers: Sequence[Layer] | None = None, name: str | None = None):
        super().__init__(name=name or unique_layer_name("sequential"))
        self._layers: list[Layer] = []
        self.inputs, self.outputs, self._nodes = [], [], []
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def add(self, layer: Layer) -> None:
        """Append a layer (built at once when the input shape is known)."""
        if not isinstance(layer, Layer):
            raise TypeError(f"sequential.add: expected a layer, got {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("sequential.add: an input layer can only come first")
            self._start(layer.output)
            return
        if layer.name in {x.name for x in self._layers}:
            raise ValueError(f"sequential.add: a layer named {layer.name!r} is already in the model")
        if not self.outputs:
            if layer.batch_input_shape is None:
                self._layers.append(layer)  # built on the first call
                return
            self._start(InputLayer(batch_input_shape=layer.batch_input_shape, dtype=layer.dtype,
                                   name=unique_layer_name(f"{layer.name}_input")).output)
        self._layers.append(layer)
        out = layer(self.outputs[0])
        self.outputs = [out]
        self._nodes.append(out)

    def _start(self, inp: SymbolicTensor) -> None:
        self.inputs, self.outputs, self._nodes = [inp], [inp], [inp]

    def _ensure_built(self, shape: tuple) -> None:
        if self.outputs or not self._layers:
            if not self._layers:
                raise ValueError(f"{self.name}: the model has no layers")
            return
        pending, self._layers = self._layers, []
        self._start(InputLayer(batch_input_shape=(None,) + tuple(shape[1:]),
                               name=unique_layer_name(f"{pending[0].name}_input")).output)
        first = pending[0]
        if first.batch_input_shape is None:
            first.batch_input_shape = (None,) + tuple(shape[1:])
        for layer in pending:
            self.add(layer)

    def __call__(self, x, training: bool = False):
        from .data import as_tensor

        x = as_tensor(x, "x", self.name)
        self._ensure_built(x.shape)
        return super().__call__(x, training)

    @property
    def input_shape(self) -> tuple:
        if not self.inputs:
            raise ValueError(f"{self.name}: the input shape is not known yet; give the first layer input_shape=")
        return self.inputs[0].shape


def _single(x, what: str) -> SymbolicTensor:
    if isinstance(x, (list, tuple)):
        if len(x) != 1:
            raise ValueError(f"model: only one {what[:-1]} is supported, got {len(x)}")
        x = x[0]
    if not isinstance(x, SymbolicTensor):
        raise TypeError(f"model: {what} must be symbolic tensors (from wg.input and layer calls), "
                        f"got {type(x).__name__}")
    return x


def _topological(output: SymbolicTensor, inp: SymbolicTensor) -> list[SymbolicTensor]:
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.inputs:
            visit(parent)
        if not node.inputs and node is not inp:
            raise ValueError(f"model: the outputs depend on an input ({node.layer.name}) that is not in inputs")
        order.append(node)

    visit(output)
    if inp not in order:
        raise ValueError("model: the outputs do not depend on the inputs")
    return order


def sequential(layers: Sequence[Layer] | None = None, name: str | None = None) -> Sequential:
    """A Sequential model from a list of layers."""
    return Sequential(layers, name)


def model(inputs=None, outputs=None, name: str | None = None) -> Model:
    """A functional model from ``wg.input`` to an output made by calling layers."""
    return Model(inputs=inputs, outputs=outputs, name=name)
