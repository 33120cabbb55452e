"""The Optimizer base: minimize, apply_gradients, slot variables, weights I/O."""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

from .. import ops
from ..autodiff import variable_grads
from ..memory import dispose, keep, tidy
from ..tensor import Tensor, Variable
from ..variables import _REGISTRY, unique_variable_name, variable

EPSILON = 1e-7  # tfjs's backend epsilon for float32


class Optimizer:
    """Base class: subclasses implement ``_update(var, grad)`` using ``self.slot``.

    Slot variables (moments, accumulators) are webgrad Variables on the device,
    one set per trained variable, named ``"<var name>/<slot>"``; ``dispose``
    frees them. Slots are keyed by the variable's identity (its tensor id), not its
    name: a disposed variable's slots are freed at the next step, so a new variable
    that reuses the name starts from fresh state."""

    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float):
        if not isinstance(learning_rate, (int, float)) or isinstance(learning_rate, bool):
            raise TypeError(f"{type(self).__name__}: learning_rate must be a number, got {learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self.iterations = 0
        # var tensor id -> (the variable, {slot name: slot Variable})
        self._slots: dict[int, tuple[Variable, dict[str, Variable]]] = {}
        self._slot_order: list[tuple[int, str]] = []  # creation order, for get_weights
        self._consts: dict[float, Tensor] = {}

    def const(self, value: float) -> Tensor:
        """A float32 scalar tensor for a hyperparameter, made once and kept (freed by dispose),
        so a step uploads no new scalars."""
        t = self._consts.get(value)
        if t is None or t.disposed:
            with tidy() as scope:
                t = scope.keep(ops.scalar(float(value), "float32"))
            keep(t)
            self._consts[value] = t
        return t

    # -- slots -------------------------------------------------------------------------
    def _slot_init(self, slot: str, var: Variable) -> Tensor:
        return ops.zeros_like(var)

    def slot(self, var: Variable, slot: str) -> Variable:
        """The slot variable `slot` of `var`, created (from _slot_init) on first use."""
        entry = self._slots.get(var.id)
        if entry is None:
            self._prune()  # a disposed variable of the same name may still hold slots
            entry = self._slots[var.id] = (var, {})
        per_var = entry[1]
        s = per_var.get(slot)
        if s is None:
            with tidy():
                init = self._slot_init(slot, var)
                s = variable(init, trainable=False, name=unique_variable_name(f"{var.name}/{slot}"))
            per_var[slot] = s
            self._slot_order.append((var.id, slot))
        return s

    def _prune(self) -> None:
        """Free the slots of variables that have been disposed."""
        dead = [key for key, (var, _) in self._slots.items() if var.disposed]
        if not dead:
            return
        for key in dead:
            for s in self._slots.pop(key)[1].values():
                s.dispose()
        gone = set(dead)
        self._slot_order = [(key, slot) for key, slot in self._slot_order if key not in gone]

    # -- the public API -----------------------------------------------------------------
    def minimize(self, f: Callable[[], Tensor], return_cost: bool = False,
                 var_list: Sequence[Variable] | None = None) -> Tensor | None:
        """One step: gradients of scalar f() w.r.t. var_list (default: every trainable
        variable f uses), then apply_gradients. Returns the cost when return_cost."""
        res = variable_grads(f, var_list)
        value, grads = res["value"], res["grads"]
        try:
            if var_list is not None:
                self.apply_gradients([(v, grads.get(v.name)) for v in var_list])
            else:
                self.apply_gradients(grads)
        finally:
            dispose(grads)
        if return_cost:
            return value
        value.dispose()
        return None

    def apply_gradients(self, variable_gradients) -> None:
        """Update variables from ``{name: grad}`` or ``[(variable, grad), ...]``
        (a None grad leaves its variable alone)."""
        pairs = self._pairs(variable_gradients)
        self._prune()
        with tidy():
            self._begin_step()
            for var, g in pairs:
                if g is None:
                    continue
                if g.shape != var.shape:
                    raise ValueError(f"{type(self).__name__}.apply_gradients: gradient of {var.name} has shape "
                                     f"{g.shape}, the variable {var.shape}")
                self._update(var, g)
        self.iterations += 1

    def _pairs(self, variable_gradients) -> list[tuple[Variable, Tensor | None]]:
        what = f"{type(self).__name__}.apply_gradients"
        if isinstance(variable_gradients, dict):
            out = []
            for name, g in variable_gradients.items():
                var = _REGISTRY.get(name)
                if var is None or var.disposed:
                    raise ValueError(f"{what}: no live variable named {name!r}")
                out.append((var, g))
        else:
            out = []
            for item in variable_gradients:
                if isinstance(item, dict):  # tfjs's NamedTensor form {"name", "tensor"}
                    var = _REGISTRY.get(item["name"])
                    if var is None:
                        raise ValueError(f"{what}: no live variable named {item['name']!r}")
                    out.append((var, item["tensor"]))
                else:
                    var, g = item
                    out.append((var, g))
        for var, g in out:
            if not isinstance(var, Variable):
                raise TypeError(f"{what}: expected a Variable, got {type(var).__name__}")
            if g is not None and not var.trainable:
                raise ValueError(f"{what}: variable {var.name} is not trainable")
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(f"{what}: gradient of {var.name} must be a Tensor, got {type(g).__name__}")
        return out

    def _begin_step(self) -> None:
        """Hook run once per step before the per-variable updates."""

    def _update(self, var: Variable, grad: Tensor) -> None:
        raise NotImplementedError

    def get_weights(self) -> list[dict]:
        """[{"name": "iter", "tensor": int32 scalar}, {"name": "<var>/<slot>", "tensor": ...}, ...] (copies)."""
        self._prune()
        out = [{"name": "iter", "tensor": ops.scalar(self.iterations, "int32")}]
        for key, slot in self._slot_order:
            var, per_var = self._slots[key]
            out.append({"name": f"{var.name}/{slot}", "tensor": per_var[slot].clone()})
        return out

    def set_weights(self, weights: Iterable[dict]) -> None:
        """Restore state saved by get_weights (slots created as needed)."""
        for w in weights:
            name, t = w["name"], w["tensor"]
            if name == "iter":
                self.iterations = int(t.item())
                continue
            var_name, _, slot = name.rpartition("/")
            var = _REGISTRY.get(var_name)
            if var is None or var.disposed or slot not in self.slot_names:
                raise ValueError(f"{type(self).__name__}.set_weights: cannot place weight {name!r}")
            self.slot(var, slot).assign(ops.cast(t, "float32") if t.dtype != "float32" else t)

    def dispose(self) -> None:
        """Free the slot variables."""
        for _, per_var in self._slots.values():
            for s in per_var.values():
                s.dispose()
        self._slots.clear()
        self._slot_order.clear()
        for t in self._consts.values():
            t.dispose()
        self._consts.clear()

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
