"""NN kernels: Softmax, LogSoftmax (last axis, one workgroup per row), Conv2D and its
two backprops, MaxPool/AvgPool and their gradients (one thread per output element).

Conv/pool geometry (NHWC, resolved by ops/nn.py) travels as one 16-word uniform block
(shaders/nn_geometry.wgsl), so one pipeline serves every shape.
"""
from __future__ import annotations

from ....engine import ENGINE
from ..shaders import render, source
from .util import WG, kernel, pack, size_of

ROW_WG = 64  # threads per row for Softmax/LogSoftmax

_SOFTMAX_OUT = {"Softmax": "exp_f(z) / total", "LogSoftmax": "z - log_f(total)"}


def _row_op(name: str):
    def fn(inputs, attrs, backend):
        x = inputs[0]
        shape = x.shape
        n = size_of(shape)
        out = backend.alloc(n)
        if n == 0:
            return out, shape, "float32"
        length = shape[-1]
        rows = n // length
        pipe = backend.pipeline(f"nn_softmax:{name}",
                                lambda: render("nn_softmax", WG=ROW_WG, OUT=_SOFTMAX_OUT[name]))
        backend.run(pipe, (x.ref.handle.buffer, out.buffer), pack("II", rows, length), rows)
        return out, shape, "float32"
    kernel(name)(fn)
    return fn


for _name in _SOFTMAX_OUT:
    _row_op(_name)


def _program(backend, name: str, **subs):
    """A conv/pool pipeline: shaders/<name>.wgsl plus the shared geometry helpers."""
    key = name + "".join(f":{v}" for v in subs.values())
    return backend.pipeline(key, lambda: render(name, WG=WG, **subs) + "\n" + source("nn_geometry"))


def _geometry(threads, x_shape, out_hw, k, filt, strides, dilations, pads) -> bytes:
    n, h, w, c = x_shape
    return pack("I" * 16, threads, n, h, w, c, out_hw[0], out_hw[1], k, filt[0], filt[1],
                strides[0], strides[1], dilations[0], dilations[1], pads[0], pads[2])


def _launch(backend, pipe, buffers, shape, ub_args) -> tuple:
    shape = tuple(shape)
    n = size_of(shape)
    out = backend.alloc(n)
    if n == 0:
        return out, shape, "float32"
    backend.run(pipe, (*buffers, out.buffer), _geometry(n, *ub_args), -(-n // WG))
    return out, shape, "float32"


def _buf(t):
    return t.ref.handle.buffer


def _any_empty(*ts) -> bool:
    return any(t.ref.handle.n == 0 for t in ts)


def _filled(backend, shape, value: float = 0.0):
    """A float32 result filled with value (a reduction over nothing), through the Fill kernel."""
    fill = ENGINE.kernels[("Fill", "webgpu")]
    return fill([], {"shape": tuple(shape), "value": value, "dtype": "float32"}, backend)


@kernel("Conv2D")
def _conv2d(inputs, attrs, backend):
    x, w = inputs
    oh, ow = attrs["out_hw"]
    shape = (x.shape[0], oh, ow, w.shape[3])
    if _any_empty(x, w):
        return _filled(backend, shape)
    return _launch(backend, _program(backend, "nn_conv2d"), (_buf(x), _buf(w)), shape,
                   (x.shape, (oh, ow), w.shape[3], w.shape[:2], attrs["strides"], attrs["dilations"], attrs["pads"]))


@kernel("Conv2DBackpropInput")
def _conv2d_backprop_input(inputs, attrs, backend):
    dy, w = inputs
    shape = tuple(attrs["input_shape"])
    if _any_empty(dy, w):
        return _filled(backend, shape)
    return _launch(backend, _program(backend, "nn_conv2d_dx"), (_buf(dy), _buf(w)), shape,
                   (shape, dy.shape[1:3], w.shape[3], w.shape[:2], attrs["strides"], attrs["dilations"],
                    attrs["pads"]))


@kernel("Conv2DBackpropFilter")
def _conv2d_backprop_filter(inputs, attrs, backend):
    x, dy = inputs
    shape = tuple(attrs["filter_shape"])
    if _any_empty(x, dy):
        return _filled(backend, shape)
    return _launch(backend, _program(backend, "nn_conv2d_dw"), (_buf(x), _buf(dy)), shape,
                   (x.shape, dy.shape[1:3], shape[3], shape[:2], attrs["strides"], attrs["dilations"],
                    attrs["pads"]))


_POOL = {
    "MaxPool": dict(INIT="-inf_f()", COMBINE="max_f(acc, v)", FINISH="acc"),
    "AvgPool": dict(INIT="0.0", COMBINE="acc + v", FINISH="acc / max(count, 1.0)"),
}


def _pool_kernel(name: str):
    def fn(inputs, attrs, backend):
        x = inputs[0]
        oh, ow = attrs["out_hw"]
        shape = (x.shape[0], oh, ow, x.shape[3])
        if _any_empty(x):  # windows of padding only
            return _filled(backend, shape, 0.0 if name == "AvgPool" else float("-inf"))
        return _launch(backend, _program(backend, "nn_pool", **_POOL[name]), (_buf(x),), shape,
                       (x.shape, (oh, ow), x.shape[3], attrs["filter_size"], attrs["strides"], (1, 1),
                        attrs["pads"]))
    kernel(name)(fn)
    return fn


for _name in _POOL:
    _pool_kernel(_name)


@kernel("MaxPoolGrad")
def _max_pool_grad(inputs, attrs, backend):
    dy, x, y = inputs
    if _any_empty(dy):
        return _filled(backend, x.shape)
    return _launch(backend, _program(backend, "nn_max_pool_grad"), (_buf(dy), _buf(x), _buf(y)), x.shape,
                   (x.shape, dy.shape[1:3], x.shape[3], attrs["filter_size"], attrs["strides"], (1, 1),
                    attrs["pads"]))


@kernel("AvgPoolGrad")
def _avg_pool_grad(inputs, attrs, backend):
    dy = inputs[0]
    shape = tuple(attrs["input_shape"])
    if _any_empty(dy):
        return _filled(backend, shape)
    return _launch(backend, _program(backend, "nn_avg_pool_grad"), (_buf(dy),), shape,
                   (shape, dy.shape[1:3], shape[3], attrs["filter_size"], attrs["strides"], (1, 1), attrs["pads"]))
