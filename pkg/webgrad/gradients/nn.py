"""Gradients of softmax, log_softmax, one_hot, conv2d and pooling kernels."""
from __future__ import annotations

from .. import ops as o
from .util import grad_rule


@grad_rule("Softmax", outputs_to_save=[0])
def _softmax(dy, ctx):
    (y,) = ctx.saved
    return [lambda: o.mul(y, o.sub(dy, o.sum(o.mul(dy, y), -1, keepdims=True)))]


@grad_rule("LogSoftmax", outputs_to_save=[0])
def _log_softmax(dy, ctx):
    (y,) = ctx.saved
    return [lambda: o.sub(dy, o.mul(o.exp(y), o.sum(dy, -1, keepdims=True)))]


grad_rule("OneHot")(lambda dy, ctx: [None])


def _nn():
    from ..ops import nn
    return nn


@grad_rule("Conv2D", inputs_to_save=[0, 1])
def _conv2d(dy, ctx):
    x, w = ctx.saved
    return [lambda: _nn().conv2d_backprop_input(dy, w, x.shape, ctx.attrs),
            lambda: _nn().conv2d_backprop_filter(x, dy, w.shape, ctx.attrs)]


@grad_rule("Conv2DBackpropInput", inputs_to_save=[0, 1])
def _conv2d_backprop_input(ddx, ctx):
    """dx = B(dy, w) is linear in each: d dy = conv2d(ddx, w), d w = backprop_filter(ddx, dy)."""
    dy, w = ctx.saved
    return [lambda: _nn().conv2d_with_attrs(ddx, w, ctx.attrs),
            lambda: _nn().conv2d_backprop_filter(ddx, dy, w.shape, ctx.attrs)]


@grad_rule("Conv2DBackpropFilter", inputs_to_save=[0, 1])
def _conv2d_backprop_filter(ddw, ctx):
    """dw = F(x, dy) is linear in each: d x = backprop_input(dy, ddw), d dy = conv2d(x, ddw)."""
    x, dy = ctx.saved
    return [lambda: _nn().conv2d_backprop_input(dy, ddw, x.shape, ctx.attrs),
            lambda: _nn().conv2d_with_attrs(x, ddw, ctx.attrs)]


@grad_rule("MaxPool", inputs_to_save=[0], outputs_to_save=[0])
def _max_pool(dy, ctx):
    x, y = ctx.saved
    return [lambda: _nn().max_pool_grad(dy, x, y, ctx.attrs)]


@grad_rule("AvgPool")
def _avg_pool(dy, ctx):
    return [lambda: _nn().avg_pool_grad(dy, ctx.input_shapes[0], ctx.attrs)]


@grad_rule("AvgPoolGrad")
def _avg_pool_grad(ddx, ctx):
    """AvgPoolGrad is linear in dy, and AvgPool is its adjoint."""
    return [lambda: _nn().pool_with_attrs("AvgPool", ddx, ctx.attrs)]


@grad_rule("MaxPoolGrad", inputs_to_save=[1])
def _max_pool_grad(ddx, ctx):
    """MaxPoolGrad is linear in dy; its adjoint reads ddx at each window's first maximum.
    x and y only choose the winners (piecewise constant: no gradient)."""
    (x,) = ctx.saved
    return [lambda: _max_pool_select(x, ddx, ctx.attrs), None, None]


def _max_pool_select(x, v, attrs):
    """v (shaped like x) read at the first maximum of x in every pooling window."""
    n, h, w, c = x.shape
    (fh, fw), (sh, sw) = attrs["filter_size"], attrs["strides"]
    top, _, left, _ = attrs["pads"]
    oh, ow = attrs["out_hw"]
    outside = h * w  # index of an extra row holding the padding value
    idx = []
    for r in range(oh):
        for q in range(ow):
            for i in range(fh):
                for j in range(fw):
                    hi, wj = r * sh + i - top, q * sw + j - left
                    idx.append(hi * w + wj if 0 <= hi < h and 0 <= wj < w else outside)
    index = o.tensor(idx, dtype="int32")

    def taps(t, pad_value):
        flat = o.concat([o.reshape(t, (n, h * w, c)), o.fill((n, 1, c), pad_value, "float32")], 1)
        return o.reshape(o.gather(flat, index, axis=1), (n, oh, ow, fh * fw, c))

    first = o.cast(o.one_hot(o.argmax(taps(x, float("-inf")), 3), fh * fw), "float32")  # (n, oh, ow, c, K)
    return o.sum(o.mul(o.transpose(first, (0, 1, 2, 4, 3)), taps(v, 0.0)), 3)
