"""Adam and Adamax (tfjs's AdamOptimizer, AdamaxOptimizer)."""
from __future__ import annotations

from .. import ops
from .optimizer import EPSILON, Optimizer


class Adam(Optimizer):
    """m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
    var -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + epsilon)."""

    slot_names = ("m", "v")

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float | None = None):
        super().__init__(learning_rate)
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.epsilon = EPSILON if epsilon is None else float(epsilon)

    def _begin_step(self) -> None:
        t = self.iterations + 1   # per-step scalars, made inside the step's tidy
        self._c1 = ops.scalar(1.0 - self.beta1 ** t, "float32")
        self._c2 = ops.scalar(1.0 - self.beta2 ** t, "float32")

    def _update(self, var, grad) -> None:
        m, v = self.slot(var, "m"), self.slot(var, "v")
        new_m = ops.add(ops.mul(m, self.const(self.beta1)), ops.mul(grad, self.const(1.0 - self.beta1)))
        new_v = ops.add(ops.mul(v, self.const(self.beta2)), ops.mul(ops.square(grad), self.const(1.0 - self.beta2)))
        m.assign(new_m)
        v.assign(new_v)
        denom = ops.add(ops.sqrt(ops.div(new_v, self._c2)), self.const(self.epsilon))
        step = ops.div(ops.div(new_m, self._c1), denom)
        var.assign(ops.sub(var, ops.mul(step, self.const(self.learning_rate))))

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}


class Adamax(Optimizer):
    """m = b1*m + (1-b1)*g; u = max(b2*u, |g|);
    var -= lr/(1 + decay*(t-1)) / (1-b1^t) * m/(u + epsilon)."""

    slot_names = ("m", "v")

    def __init__(self, learning_rate: float = 0.002, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float | None = None, decay: float = 0.0):
        super().__init__(learning_rate)
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.epsilon = EPSILON if epsilon is None else float(epsilon)
        self.decay = float(decay)

    def _begin_step(self) -> None:
        t = self.iterations
        self._step = ops.scalar(self.learning_rate / (1.0 + self.decay * t) / (1.0 - self.beta1 ** (t + 1)), "float32")

    def _update(self, var, grad) -> None:
        m, u = self.slot(var, "m"), self.slot(var, "v")
        new_m = ops.add(ops.mul(m, self.const(self.beta1)), ops.mul(grad, self.const(1.0 - self.beta1)))
        new_u = ops.maximum(ops.mul(u, self.const(self.beta2)), ops.abs(grad))
        m.assign(new_m)
        u.assign(new_u)
        var.assign(ops.sub(var, ops.mul(ops.div(new_m, ops.add(new_u, self.const(self.epsilon))), self._step)))

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "beta1": self.beta1, "beta2": self.beta2,
                "epsilon": self.epsilon, "decay": self.decay}
