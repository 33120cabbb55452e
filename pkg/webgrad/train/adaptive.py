"""Per-coordinate adaptive rates: Adagrad, Adadelta, RMSProp (tfjs's rules)."""
from __future__ import annotations

from .. import ops
from .optimizer import EPSILON, Optimizer


class Adagrad(Optimizer):
    """accum += g^2; var -= lr * g / sqrt(accum + 1e-7); accum starts at initial_accumulator_value."""

    slot_names = ("accumulator",)

    def __init__(self, learning_rate: float, initial_accumulator_value: float = 0.1):
        super().__init__(learning_rate)
        self.initial_accumulator_value = float(initial_accumulator_value)

    def _slot_init(self, slot, var):
        return ops.fill(var.shape, self.initial_accumulator_value, "float32")

    def _update(self, var, grad) -> None:
        acc = self.slot(var, "accumulator")
        new_acc = ops.add(acc, ops.square(grad))
        acc.assign(new_acc)
        step = ops.div(grad, ops.sqrt(ops.add(new_acc, self.const(EPSILON))))
        var.assign(ops.sub(var, ops.mul(step, self.const(self.learning_rate))))

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "initial_accumulator_value": self.initial_accumulator_value}


class Adadelta(Optimizer):
    """As tfjs: update = sqrt(accum_var + eps) / sqrt(accum_grad + eps) * g with the
    accumulated gradient of the *previous* step; then
    accum_grad = rho*accum_grad + (1-rho)*g^2, accum_var = rho*accum_var + (1-rho)*update^2,
    var -= lr * update."""

    slot_names = ("accum_grad", "accum_var")

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.95, epsilon: float | None = None):
        super().__init__(learning_rate)
        self.rho = float(rho)
        self.epsilon = EPSILON if epsilon is None else float(epsilon)

    def _update(self, var, grad) -> None:
        ag, av = self.slot(var, "accum_grad"), self.slot(var, "accum_var")
        rho, eps = self.rho, self.epsilon
        new_ag = ops.add(ops.mul(ag, self.const(rho)), ops.mul(ops.square(grad), self.const(1.0 - rho)))
        e = self.const(eps)
        update = ops.mul(ops.div(ops.sqrt(ops.add(av, e)), ops.sqrt(ops.add(ag, e))), grad)
        new_av = ops.add(ops.mul(av, self.const(rho)), ops.mul(ops.square(update), self.const(1.0 - rho)))
        ag.assign(new_ag)
        av.assign(new_av)
        var.assign(ops.sub(var, ops.mul(update, self.const(self.learning_rate))))

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "rho": self.rho, "epsilon": self.epsilon}


class RMSProp(Optimizer):
    """ms = decay*ms + (1-decay)*g^2; mom = momentum*mom + lr*g/sqrt(ms + eps); var -= mom.

    centered: mg = decay*mg + (1-decay)*g and the denominator is sqrt(ms - mg^2 + eps)
    (TensorFlow's form; tfjs 4.22 subtracts eps there, which can give NaN)."""

    slot_names = ("rms", "momentum", "mg")

    def __init__(self, learning_rate: float, decay: float = 0.9, momentum: float = 0.0,
                 epsilon: float | None = None, centered: bool = False):
        super().__init__(learning_rate)
        self.decay, self.momentum = float(decay), float(momentum)
        self.epsilon = EPSILON if epsilon is None else float(epsilon)
        self.centered = bool(centered)

    def _update(self, var, grad) -> None:
        ms, mom = self.slot(var, "rms"), self.slot(var, "momentum")
        d = self.decay
        new_ms = ops.add(ops.mul(ms, self.const(d)), ops.mul(ops.square(grad), self.const(1.0 - d)))
        if self.centered:
            mg = self.slot(var, "mg")
            new_mg = ops.add(ops.mul(mg, self.const(d)), ops.mul(grad, self.const(1.0 - d)))
            denom = ops.sqrt(ops.add(ops.sub(new_ms, ops.square(new_mg)), self.const(self.epsilon)))
            mg.assign(new_mg)
        else:
            denom = ops.sqrt(ops.add(new_ms, self.const(self.epsilon)))
        lr_grad = ops.mul(grad, self.const(self.learning_rate))
        new_mom = ops.add(ops.mul(mom, self.const(self.momentum)), ops.div(lr_grad, denom))
        ms.assign(new_ms)
        mom.assign(new_mom)
        var.assign(ops.sub(var, new_mom))

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "decay": self.decay, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
