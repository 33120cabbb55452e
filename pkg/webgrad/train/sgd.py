"""Plain and momentum gradient descent (tfjs's SGDOptimizer, MomentumOptimizer)."""
from __future__ import annotations

from .. import ops
from .optimizer import Optimizer


class SGD(Optimizer):
    """var -= learning_rate * grad."""

    def _update(self, var, grad) -> None:
        var.assign(ops.sub(var, ops.mul(grad, self.const(self.learning_rate))))


class Momentum(Optimizer):
    """accum = momentum*accum + grad; var -= lr*accum
    (Nesterov: var -= lr*(grad + momentum*accum))."""

    slot_names = ("momentum",)

    def __init__(self, learning_rate: float, momentum: float, use_nesterov: bool = False):
        super().__init__(learning_rate)
        self.momentum = float(momentum)
        self.use_nesterov = bool(use_nesterov)

    def _update(self, var, grad) -> None:
        acc = self.slot(var, "momentum")
        new_acc = ops.add(ops.mul(acc, self.const(self.momentum)), grad)
        step = ops.add(grad, ops.mul(new_acc, self.const(self.momentum))) if self.use_nesterov else new_acc
        acc.assign(new_acc)
        var.assign(ops.sub(var, ops.mul(step, self.const(self.learning_rate))))

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "momentum": self.momentum, "use_nesterov": self.use_nesterov}
