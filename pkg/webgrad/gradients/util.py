"""Helpers gradient rules share."""
from __future__ import annotations

from ..engine import ENGINE
from ..shape_util import broadcast_axes
from ..tensor import Tensor

register = ENGINE.register_gradient


def sum_to_shape(dx: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum a broadcast gradient back down to an input's shape."""
    from .. import ops

    if dx.shape == tuple(shape):
        return dx
    axes = broadcast_axes(shape, dx.shape)
    if axes:
        dx = ops.sum(dx, axes, keepdims=True)
    return ops.reshape(dx, shape)


def grad_rule(kernel: str, inputs_to_save=(), outputs_to_save=()):
    """Decorator: register fn as the gradient of kernel."""
    def deco(fn):
        register(kernel, fn, inputs_to_save, outputs_to_save)
        return fn
    return deco
