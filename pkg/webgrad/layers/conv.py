"""Convolution and pooling layers (channels_last, NHWC)."""
from __future__ import annotations

from .. import ops
from .base import Layer, shape_str
from .core import KernelLayer


def _pair(v, what: str, layer: str) -> tuple[int, int]:
    if isinstance(v, int) and not isinstance(v, bool):
        return (v, v)
    try:
        a, b = v
    except (TypeError, ValueError):
        raise ValueError(f"{layer}: {what} must be an int or a pair of ints, got {v!r}") from None
    return (int(a), int(b))


def _out_len(n, k, s, d, padding):
    if n is None:
        return None
    eff = (k - 1) * d + 1
    if padding == "same":
        return -(-n // s)
    return (n - eff) // s + 1 if n >= eff else 0


def _check_padding(padding, layer):
    if padding not in ("valid", "same"):
        raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}")
    return padding


def _check_format(data_format, layer):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{layer}: only data_format='channels_last' is supported, got {data_format!r}")


class Conv2D(KernelLayer):
    """2-D convolution over [batch, height, width, channels] with a kernel [kh, kw, in, filters]."""

    ndim = 4

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, **kw):
        self.reject_unsupported(kw, "conv2d")
        super().__init__(**kw)
        _check_format(data_format, "conv2d")
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size", "conv2d")
        self.strides = _pair(strides, "strides", "conv2d")
        self.dilation_rate = _pair(dilation_rate, "dilation_rate", "conv2d")
        self.padding = _check_padding(padding, "conv2d")
        self.init_kernel(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer)

    def check_input_shape(self, shape):
        super().check_input_shape(shape)
        if shape[-1] is None:
            raise ValueError(f"{self.name} (Conv2D): the channel dimension must be known, got {shape_str(shape)}")
        out = self.compute_output_shape(shape)
        if any(d == 0 for d in out[1:3]):
            raise ValueError(f"{self.name} (Conv2D): input {shape_str(shape)} is smaller than the kernel "
                             f"{self.kernel_size} with padding 'valid'")

    def build(self, input_shape):
        self.build_kernel(self.kernel_size + (input_shape[-1], self.filters), self.filters)

    def pre_activation(self, x, training=False):
        y = ops.conv2d(x, self.kernel, self.strides, self.padding, self.dilation_rate)
        if self.bias is not None:
            y = ops.add(y, self.bias)
        return y

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.strides, self.dilation_rate
        return (b, _out_len(h, kh, sh, dh, self.padding), _out_len(w, kw, sw, dw, self.padding), self.filters)

    def get_config(self):
        return {"filters": self.filters, "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": "channels_last", "dilation_rate": list(self.dilation_rate),
                **self.kernel_config(), **super().get_config()}


class _Pooling2D(Layer):
    ndim = 4
    _op = None

    def __init__(self, pool_size=2, strides=None, padding: str = "valid", data_format=None, **kw):
        super().__init__(**kw)
        what = type(self).__name__
        _check_format(data_format, what)
        self.pool_size = _pair(pool_size, "pool_size", what)
        self.strides = self.pool_size if strides is None else _pair(strides, "strides", what)
        self.padding = _check_padding(padding, what)

    def check_input_shape(self, shape):
        super().check_input_shape(shape)
        out = self.compute_output_shape(shape)
        if any(d == 0 for d in out[1:3]):
            raise ValueError(f"{self.name} ({type(self).__name__}): input {shape_str(shape)} is smaller than "
                             f"pool_size {self.pool_size}")

    def call(self, x, training=False):
        return type(self)._op(x, self.pool_size, self.strides, self.padding)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        return (b, _out_len(h, ph, sh, 1, self.padding), _out_len(w, pw, sw, 1, self.padding), c)

    def get_config(self):
        return {"pool_size": list(self.pool_size), "padding": self.padding, "strides": list(self.strides),
                "data_format": "channels_last", **super().get_config()}


class MaxPooling2D(_Pooling2D):
    """Maximum over pool_size windows."""
    _op = staticmethod(lambda x, f, s, p: ops.max_pool(x, f, s, p))


class AveragePooling2D(_Pooling2D):
    """Mean over pool_size windows."""
    _op = staticmethod(lambda x, f, s, p: ops.avg_pool(x, f, s, p))


class _GlobalPooling2D(Layer):
    ndim = 4

    def __init__(self, data_format=None, **kw):
        super().__init__(**kw)
        _check_format(data_format, type(self).__name__)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[3])

    def get_config(self):
        return {"data_format": "channels_last", **super().get_config()}


class GlobalAveragePooling2D(_GlobalPooling2D):
    """Mean over height and width: [b, h, w, c] -> [b, c]."""

    def call(self, x, training=False):
        return ops.mean(x, axis=(1, 2))


class GlobalMaxPooling2D(_GlobalPooling2D):
    """Maximum over height and width: [b, h, w, c] -> [b, c]."""

    def call(self, x, training=False):
        return ops.max(x, axis=(1, 2))
