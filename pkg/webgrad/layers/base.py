"""Layer: weights, build on first input, input-rank checks, symbolic calls for the functional API."""
from __future__ import annotations

import re
from typing import Sequence

from .. import ops
from ..graph.scope import name_scope
from ..memory import tidy
from ..tensor import Tensor, Variable
from ..variables import unique_variable_name, variable
from . import initializers, regularizers

_NAME_COUNTS: dict[str, int] = {}


def _snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_layer_name(base: str) -> str:
    """Keras-style names: dense, dense_1, dense_2, ..."""
    n = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def shape_str(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class SymbolicTensor:
    """A placeholder for the functional API: a shape (batch None) and the layer call that makes it."""

    def __init__(self, shape: tuple, dtype: str, layer: "Layer", inputs: list["SymbolicTensor"]):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.layer = layer
        self.inputs = inputs

    @property
    def rank(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"SymbolicTensor(shape={shape_str(self.shape)}, layer={self.layer.name})"


class LayerWeight:
    """A layer's weight: its saved name ("dense/kernel") and the Variable holding it."""

    __slots__ = ("original_name", "variable", "regularizer")

    def __init__(self, original_name: str, var: Variable, regularizer):
        self.original_name = original_name
        self.variable = var
        self.regularizer = regularizer


class Layer:
    """Base layer: subclasses set ``ndim``/``min_ndim`` and implement build, call,
    compute_output_shape and get_config."""

    ndim: int | None = None       # exact input rank (with batch), if required
    min_ndim: int | None = None
    input_dtype: str | None = "float32"
    weights_fix_last_dim = True   # once built, the input's last dimension must stay the same

    def __init__(self, name: str | None = None, trainable: bool = True, input_shape: Sequence[int] | None = None,
                 batch_input_shape: Sequence | None = None, batch_size: int | None = None, dtype: str = "float32",
                 input_dim: int | None = None):
        cls = type(self).__name__
        self.name = name or unique_layer_name(_snake(cls))
        self.trainable = trainable
        self.dtype = dtype
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size,) + tuple(input_shape)
        self.batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)
        self.built = False
        self._weights: list[LayerWeight] = []
        self.input_shape_seen: tuple | None = None
        self.output_shape: tuple | None = None

    # -- weights -----------------------------------------------------------------------
    def add_weight(self, name: str, shape, initializer="zeros", regularizer=None, trainable: bool = True) -> Variable:
        init = initializers.get(initializer)
        with tidy():
            value = init(tuple(shape), "float32")
            var = variable(value, trainable=trainable,
                           name=unique_variable_name(f"{self.name}/{name}"))
        self._weights.append(LayerWeight(f"{self.name}/{name}", var, regularizers.get(regularizer)))
        return var

    @property
    def weights(self) -> list[Variable]:
        return [w.variable for w in self._weights]

    @property
    def trainable_weights(self) -> list[Variable]:
        """Weights fit updates: none while ``layer.trainable`` is False (frozen)."""
        if not self.trainable:
            return []
        return [w.variable for w in self._weights if w.variable.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(v) for v in self.trainable_weights}
        return [w.variable for w in self._weights if id(w.variable) not in trainable]

    def count_params(self) -> int:
        return sum(w.variable.size for w in self._weights)

    def get_weights(self) -> list[Tensor]:
        return [w.variable.clone() for w in self._weights]

    def set_weights(self, values: Sequence[Tensor]) -> None:
        values = list(values)
        if len(values) != len(self._weights):
            raise ValueError(f"{self.name}.set_weights: expected {len(self._weights)} tensors, got {len(values)}")
        for w, v in zip(self._weights, values):
            v = v if isinstance(v, Tensor) else ops.tensor(v)
            if v.shape != w.variable.shape:
                raise ValueError(f"{self.name}.set_weights: weight {w.original_name} has shape {w.variable.shape}, "
                                 f"got {v.shape}")
            w.variable.assign(v if v.dtype == "float32" else ops.cast(v, "float32"))

    def regularization_losses(self) -> list[Tensor]:
        return [w.regularizer(w.variable) for w in self._weights if w.regularizer is not None]

    def dispose(self) -> None:
        for w in self._weights:
            w.variable.dispose()

    # -- shapes ------------------------------------------------------------------------
    def check_input_shape(self, shape: tuple) -> None:
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            raise ValueError(f"{self.name} ({type(self).__name__}): expected input of rank {self.ndim} "
                             f"(with the batch axis), got shape {shape_str(shape)} of rank {rank}")
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ValueError(f"{self.name} ({type(self).__name__}): expected input of rank >= {self.min_ndim} "
                             f"(with the batch axis), got shape {shape_str(shape)} of rank {rank}")
        seen = self.input_shape_seen
        if self.built and seen is not None and self._weights and self.weights_fix_last_dim:
            if seen[-1] is not None and shape[-1] != seen[-1]:
                raise ValueError(f"{self.name} ({type(self).__name__}): built for inputs of shape {shape_str(seen)}, "
                                 f"got {shape_str(shape)}")

    def build(self, input_shape: tuple) -> None:
        """Create the weights for inputs of input_shape (batch axis first, may be None)."""

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        raise NotImplementedError

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def call_pre_activation(self, x: Tensor, training: bool = False) -> Tensor:
        """The output before a final softmax (layers with ``pre_activation``), for fused losses."""
        self._maybe_build(x.shape)
        with name_scope(self.name.replace("/", "_")):
            return self.pre_activation(x, training=training)

    def _maybe_build(self, shape: tuple) -> None:
        self.check_input_shape(shape)
        if not self.built:
            self.build(shape)
            self.built = True
            self.input_shape_seen = (None,) + tuple(shape[1:])
            self.output_shape = self.compute_output_shape(self.input_shape_seen)

    def __call__(self, x, training: bool = False):
        if isinstance(x, (list, tuple)) and len(x) == 1:
            x = x[0]
        if isinstance(x, SymbolicTensor):
            self._maybe_build(x.shape)
            return SymbolicTensor(self.compute_output_shape(x.shape), self.dtype, self, [x])
        if not isinstance(x, Tensor):
            x = ops.tensor(x)
        self._maybe_build(x.shape)
        with name_scope(self.name.replace("/", "_")):  # one cluster per layer in a traced graph
            if self.input_dtype == "float32" and x.dtype != "float32":
                x = ops.cast(x, "float32")
            return self.call(x, training=training)

    # -- serialisation -----------------------------------------------------------------
    @property
    def class_name(self) -> str:
        return type(self).__name__

    def get_config(self) -> dict:
        cfg = {"name": self.name, "trainable": self.trainable}
        if self.batch_input_shape is not None:
            cfg["batch_input_shape"] = list(self.batch_input_shape)
            cfg["dtype"] = self.dtype
        return cfg

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class InputLayer(Layer):
    """The entry of a functional model; ``wg.input(shape=...)`` makes one."""

    input_dtype = None

    def __init__(self, input_shape=None, batch_input_shape=None, dtype: str = "float32", name: str | None = None,
                 sparse: bool = False, batch_size=None, **kw):
        super().__init__(name=name or unique_layer_name("input"), input_shape=input_shape,
                         batch_input_shape=batch_input_shape, batch_size=batch_size, dtype=dtype)
        if self.batch_input_shape is None:
            raise ValueError("input: shape (without the batch axis) is required")
        self.built = True
        self.output_shape = self.batch_input_shape
        self.output = SymbolicTensor(self.batch_input_shape, dtype, self, [])

    def call(self, x, training=False):
        return x

    def get_config(self) -> dict:
        return {"batch_input_shape": list(self.batch_input_shape), "dtype": self.dtype, "sparse": False, "name": self.name}


def input(shape: Sequence[int] | None = None, batch_shape=None, name: str | None = None,  # noqa: A001
          dtype: str = "float32") -> SymbolicTensor:
    """A symbolic input of the given shape (without the batch axis), for ``wg.model``."""
    if shape is None and batch_shape is None:
        raise ValueError("input: give shape= (without the batch axis) or batch_shape=")
    layer = InputLayer(input_shape=None if shape is None else tuple(shape), batch_input_shape=batch_shape,
                       dtype=dtype, name=name)
    return layer.output
