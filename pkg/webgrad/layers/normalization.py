"""BatchNormalization and LayerNormalization (over the last axis)."""
from __future__ import annotations

from .. import ops
from ..autodiff import stop_gradient
from . import initializers, regularizers
from .base import Layer, shape_str
from .core import _ser


def _last_axis(axis, layer: str, rank: int | None = None) -> int:
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            raise ValueError(f"{layer}: only a single (last) axis is supported, got {axis}")
        axis = axis[0]
    if axis != -1 and (rank is None or axis != rank - 1):
        raise ValueError(f"{layer}: only the last axis is supported, got axis={axis}")
    return -1


class _Normalization(Layer):
    """What both normalisations share: epsilon, and the optional gamma (scale) and beta (center)."""

    min_ndim = 2

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, **kw):
        super().__init__(**kw)
        self.axis = axis
        self.epsilon, self.center, self.scale = float(epsilon), center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def check_input_shape(self, shape):
        super().check_input_shape(shape)
        _last_axis(self.axis, self.name, len(shape))

    def build(self, input_shape):
        n = (input_shape[-1],)
        self.gamma = self.add_weight("gamma", n, self.gamma_initializer, self.gamma_regularizer) if self.scale else None
        self.beta = self.add_weight("beta", n, self.beta_initializer, self.beta_regularizer) if self.center else None

    def normalize(self, x, mean, var):
        """gamma * (x - mean) / sqrt(var + epsilon) + beta."""
        y = ops.mul(ops.sub(x, mean), ops.rsqrt(ops.add(var, self.epsilon)))
        if self.gamma is not None:
            y = ops.mul(y, self.gamma)
        if self.beta is not None:
            y = ops.add(y, self.beta)
        return y


class BatchNormalization(_Normalization):
    """Normalise with the batch's mean/variance in training (updating moving averages),
    with the moving averages in inference; then gamma * x + beta."""

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, **kw):
        for k in ("beta_constraint", "gamma_constraint"):
            if kw.pop(k, None) is not None:
                raise ValueError(f"batch_normalization: {k} is not supported")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, **kw)
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def check_input_shape(self, shape):
        super().check_input_shape(shape)
        if shape[-1] is None:
            raise ValueError(f"{self.name} (BatchNormalization): the last dimension must be known, got {shape_str(shape)}")

    def build(self, input_shape):
        super().build(input_shape)
        n = (input_shape[-1],)
        self.moving_mean = self.add_weight("moving_mean", n, self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", n, self.moving_variance_initializer, trainable=False)

    def call(self, x, training=False):
        axes = tuple(range(x.rank - 1))
        if training:
            mean, var = ops.moments(x, axis=axes)
            m = self.momentum
            self.moving_mean.assign(ops.add(ops.mul(self.moving_mean, m), ops.mul(stop_gradient(mean), 1.0 - m)))
            self.moving_variance.assign(ops.add(ops.mul(self.moving_variance, m),
                                                ops.mul(stop_gradient(var), 1.0 - m)))
        else:
            mean, var = self.moving_mean, self.moving_variance
        return self.normalize(x, mean, var)

    def get_config(self):
        return {"axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "beta_initializer": self.beta_initializer.to_json(),
                "gamma_initializer": self.gamma_initializer.to_json(),
                "moving_mean_initializer": self.moving_mean_initializer.to_json(),
                "moving_variance_initializer": self.moving_variance_initializer.to_json(),
                "beta_regularizer": _ser(self.beta_regularizer), "gamma_regularizer": _ser(self.gamma_regularizer),
                "beta_constraint": None, "gamma_constraint": None, **super().get_config()}


class LayerNormalization(_Normalization):
    """Normalise each sample over its last axis, then gamma * x + beta."""

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 **kw):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, **kw)

    def call(self, x, training=False):
        mean, var = ops.moments(x, axis=-1, keepdims=True)
        return self.normalize(x, mean, var)

    def get_config(self):
        axis = self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]
        return {"axis": list(axis), "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": self.beta_initializer.to_json(),
                "gamma_initializer": self.gamma_initializer.to_json(),
                "beta_regularizer": _ser(self.beta_regularizer), "gamma_regularizer": _ser(self.gamma_regularizer),
                **super().get_config()}
