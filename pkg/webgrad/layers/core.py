"""Core layers: Dense, Flatten, Reshape, Dropout, Activation, Embedding."""
from __future__ import annotations

import math
from typing import Sequence

from .. import ops
from . import activations, initializers, regularizers
from .base import Layer, shape_str


def _ser(obj):
    return None if obj is None else obj.to_json()


class KernelLayer(Layer):
    """activation(pre_activation(x)) with a kernel and an optional bias (Dense, Conv2D).

    A subclass's __init__ calls ``reject_unsupported(kw, what)`` before Layer.__init__
    and ``init_kernel(...)`` after its own checks; its build calls ``build_kernel``."""

    @staticmethod
    def reject_unsupported(kw: dict, what: str) -> None:
        for k in ("activity_regularizer", "kernel_constraint", "bias_constraint"):
            if kw.pop(k, None) is not None:
                raise ValueError(f"{what}: {k} is not supported")

    def init_kernel(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                    bias_regularizer) -> None:
        self.activation_name, self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build_kernel(self, kernel_shape: tuple, units: int) -> None:
        self.kernel = self.add_weight("kernel", kernel_shape, self.kernel_initializer, self.kernel_regularizer)
        self.bias = self.add_weight("bias", (units,), self.bias_initializer, self.bias_regularizer) \
            if self.use_bias else None

    def call(self, x, training=False):
        return self.activation(self.pre_activation(x, training))

    def kernel_config(self) -> dict:
        return {"activation": self.activation_name, "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer.to_json(),
                "bias_initializer": self.bias_initializer.to_json(),
                "kernel_regularizer": _ser(self.kernel_regularizer), "bias_regularizer": _ser(self.bias_regularizer),
                "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}


class Dense(KernelLayer):
    """activation(x @ kernel + bias) over the last axis."""

    min_ndim = 2

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, **kw):
        self.reject_unsupported(kw, "dense")
        super().__init__(**kw)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"dense: units must be a positive int, got {units!r}")
        self.units = units
        self.init_kernel(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer)

    def check_input_shape(self, shape):
        super().check_input_shape(shape)
        if shape[-1] is None:
            raise ValueError(f"{self.name} (Dense): the last input dimension must be known, got {shape_str(shape)}")

    def build(self, input_shape):
        self.build_kernel((input_shape[-1], self.units), self.units)

    def pre_activation(self, x, training=False):
        """x @ kernel + bias, before the activation."""
        flat = x if x.rank == 2 else ops.reshape(x, (-1, x.shape[-1]))
        y = ops.matmul(flat, self.kernel)
        if self.bias is not None:
            y = ops.add(y, self.bias)
        if x.rank != 2:
            y = ops.reshape(y, x.shape[:-1] + (self.units,))
        return y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {"units": self.units, **self.kernel_config(), **super().get_config()}


class Flatten(Layer):
    """[batch, d1, d2, ...] -> [batch, d1*d2*...]."""

    min_ndim = 2
    input_dtype = None

    def __init__(self, data_format: str | None = None, **kw):
        super().__init__(**kw)

    def call(self, x, training=False):
        return ops.reshape(x, (x.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(d is None for d in rest) else math.prod(rest))


class Reshape(Layer):
    """Reshape each sample to target_shape (one entry may be -1)."""

    min_ndim = 1
    input_dtype = None

    def __init__(self, target_shape: Sequence[int], **kw):
        super().__init__(**kw)
        self.target_shape = tuple(target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(f"reshape: at most one -1 in target_shape, got {self.target_shape}")

    def _resolve(self, input_shape):
        n = math.prod(input_shape[1:]) if all(d is not None for d in input_shape[1:]) else None
        known = math.prod(d for d in self.target_shape if d != -1)
        if n is None:
            return self.target_shape
        if -1 in self.target_shape:
            if known == 0 or n % known:
                raise ValueError(f"{self.name} (Reshape): cannot reshape {shape_str(input_shape)} to "
                                 f"(batch,) + {self.target_shape}")
            return tuple(n // known if d == -1 else d for d in self.target_shape)
        if known != n:
            raise ValueError(f"{self.name} (Reshape): input {shape_str(input_shape)} has {n} values per sample, "
                             f"target_shape {self.target_shape} needs {known}")
        return self.target_shape

    def check_input_shape(self, shape):
        super().check_input_shape(shape)
        self._resolve(shape)

    def call(self, x, training=False):
        return ops.reshape(x, (x.shape[0],) + self._resolve(x.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(None if d == -1 else d for d in self._resolve(input_shape))

    def get_config(self):
        return {"target_shape": list(self.target_shape), **super().get_config()}


class Dropout(Layer):
    """Zero a fraction `rate` of the values during training (scaling the rest by 1/(1-rate))."""

    input_dtype = None

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kw):
        super().__init__(**kw)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, x, training=False):
        if not training or self.rate == 0.0:
            return x
        return ops.dropout(x, self.rate, noise_shape=self.noise_shape)

    def get_config(self):
        return {"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed, **super().get_config()}


class Activation(Layer):
    """Apply an activation function by name."""

    input_dtype = None

    def __init__(self, activation, **kw):
        super().__init__(**kw)
        self.activation_name, self.activation = activations.get(activation)

    def pre_activation(self, x, training=False):
        return x

    def call(self, x, training=False):
        return self.activation(x)

    def get_config(self):
        return {"activation": self.activation_name, **super().get_config()}


class Embedding(Layer):
    """Integer indices [batch, ...] -> vectors [batch, ..., output_dim] (rows of `embeddings`)."""

    min_ndim = 1
    input_dtype = None
    weights_fix_last_dim = False

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="random_uniform",
                 embeddings_regularizer=None, input_length=None, mask_zero: bool = False, **kw):
        for k in ("activity_regularizer", "embeddings_constraint"):
            if kw.pop(k, None) is not None:
                raise ValueError(f"embedding: {k} is not supported")
        if input_length is not None and "input_shape" not in kw and "batch_input_shape" not in kw:
            kw["input_shape"] = tuple(input_length) if isinstance(input_length, (list, tuple)) else (input_length,)
        super().__init__(**kw)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.input_length = input_length
        self.mask_zero = mask_zero
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          self.embeddings_initializer, self.embeddings_regularizer)

    def call(self, x, training=False):
        idx = x if x.dtype == "int32" else ops.cast(x, "int32")
        return ops.gather(self.embeddings, idx)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {"input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": self.embeddings_initializer.to_json(),
                "embeddings_regularizer": _ser(self.embeddings_regularizer), "activity_regularizer": None,
                "embeddings_constraint": None, "mask_zero": self.mask_zero, "input_length": self.input_length,
                **super().get_config()}
