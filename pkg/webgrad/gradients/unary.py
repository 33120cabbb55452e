"""Gradients of element-wise unary kernels."""
from __future__ import annotations

import math

from .. import ops as o
from .util import grad_rule

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def _x_rule(kernel, d):
    """Register a rule dx = dy * d(x) for a function d of the saved input."""
    @grad_rule(kernel, inputs_to_save=[0])
    def rule(dy, ctx):
        (x,) = ctx.saved
        return [lambda: o.mul(dy, d(x))]
    return rule


def _y_rule(kernel, d):
    """Register a rule dx = dy * d(y) for a function d of the saved output."""
    @grad_rule(kernel, outputs_to_save=[0])
    def rule(dy, ctx):
        (y,) = ctx.saved
        return [lambda: o.mul(dy, d(y))]
    return rule


_x_rule("Abs", lambda x: o.sign(x))
_x_rule("Square", lambda x: o.mul(x, 2))
_x_rule("Log", lambda x: o.reciprocal(x))
_x_rule("Log1p", lambda x: o.reciprocal(o.add(x, 1.0)))
_y_rule("Exp", lambda y: y)
_y_rule("Expm1", lambda y: o.add(y, 1.0))
_y_rule("Sqrt", lambda y: o.div(0.5, y))
_x_rule("Rsqrt", lambda x: o.mul(-0.5, o.pow(x, -1.5)))
_x_rule("Reciprocal", lambda x: o.neg(o.reciprocal(o.square(x))))
_x_rule("Sin", lambda x: o.cos(x))
_x_rule("Cos", lambda x: o.neg(o.sin(x)))
_x_rule("Tan", lambda x: o.reciprocal(o.square(o.cos(x))))
_x_rule("Asin", lambda x: o.rsqrt(o.sub(1.0, o.square(x))))
_x_rule("Acos", lambda x: o.neg(o.rsqrt(o.sub(1.0, o.square(x)))))
_x_rule("Atan", lambda x: o.reciprocal(o.add(o.square(x), 1.0)))
_x_rule("Sinh", lambda x: o.cosh(x))
_x_rule("Cosh", lambda x: o.sinh(x))
_y_rule("Tanh", lambda y: o.sub(1.0, o.square(y)))
_x_rule("Asinh", lambda x: o.rsqrt(o.add(o.square(x), 1.0)))
_x_rule("Acosh", lambda x: o.rsqrt(o.sub(o.square(x), 1.0)))
_x_rule("Atanh", lambda x: o.reciprocal(o.sub(1.0, o.square(x))))
_y_rule("Sigmoid", lambda y: o.mul(y, o.sub(1.0, y)))
_x_rule("Softplus", lambda x: o.sigmoid(x))
_x_rule("Erf", lambda x: o.mul(2 / math.sqrt(math.pi), o.exp(o.neg(o.square(x)))))
_x_rule("Relu", lambda x: o.cast(o.greater(x, 0), "float32"))
_x_rule("Relu6", lambda x: o.cast(o.logical_and(o.greater(x, 0), o.less(x, 6)), "float32"))


@grad_rule("LeakyRelu", inputs_to_save=[0])
def _leaky_relu(dy, ctx):
    (x,) = ctx.saved
    return [lambda: o.mul(dy, o.where(o.greater(x, 0), 1.0, ctx.attrs["alpha"]))]


@grad_rule("Elu", outputs_to_save=[0])
def _elu(dy, ctx):
    (y,) = ctx.saved
    return [lambda: o.mul(dy, o.where(o.greater(y, 0), 1.0, o.add(y, 1.0)))]


@grad_rule("Selu", inputs_to_save=[0])
def _selu(dy, ctx):
    (x,) = ctx.saved
    neg_part = o.mul(_SELU_SCALE * _SELU_ALPHA, o.exp(o.minimum(x, 0.0)))
    return [lambda: o.mul(dy, o.where(o.greater(x, 0), _SELU_SCALE, neg_part))]


@grad_rule("Prelu", inputs_to_save=[0, 1])
def _prelu(dy, ctx):
    from .util import sum_to_shape
    x, a = ctx.saved
    pos = o.greater(x, 0)
    return [lambda: o.mul(dy, o.where(pos, 1.0, o.broadcast_to(a, dy.shape) if a.shape != dy.shape else a)),
            lambda: sum_to_shape(o.mul(dy, o.where(pos, 0.0, x)), a.shape)]


@grad_rule("ClipByValue", inputs_to_save=[0])
def _clip(dy, ctx):
    (x,) = ctx.saved
    inside = o.logical_and(o.greater_equal(x, ctx.attrs["min"]), o.less_equal(x, ctx.attrs["max"]))
    return [lambda: o.where(inside, dy, o.zeros_like(dy))]


def _zero_rule(kernel):
    @grad_rule(kernel)
    def rule(dy, ctx):
        return [lambda: o.zeros(ctx.input_shapes[0], "float32")]


for _k in ("Sign", "Floor", "Ceil", "Round", "Step"):
    _zero_rule(_k)


@grad_rule("Neg")
def _neg(dy, ctx):
    return [lambda: o.neg(dy)]


@grad_rule("Identity")
def _identity(dy, ctx):
    return [lambda: dy]


@grad_rule("Cast")
def _cast(dy, ctx):
    src = ctx.input_dtypes[0]
    if src != "float32":
        return [None]
    return [lambda: o.cast(dy, "float32")]


for _k in ("IsNan", "IsInf", "IsFinite", "LogicalNot"):
    grad_rule(_k)(lambda dy, ctx: [None])
