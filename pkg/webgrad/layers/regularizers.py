"""Weight regularizers: a penalty added to the training loss."""
from __future__ import annotations

from .. import ops
from ..tensor import Tensor


class L1L2:
    """l1 * sum(|w|) + l2 * sum(w^2)."""
    class_name = "L1L2"

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, w: Tensor) -> Tensor:
        out = None
        if self.l1:
            out = ops.mul(ops.sum(ops.abs(w)), self.l1)
        if self.l2:
            term = ops.mul(ops.sum(ops.square(w)), self.l2)
            out = term if out is None else ops.add(out, term)
        return ops.zeros(()) if out is None else out

    def to_json(self) -> dict:
        return {"class_name": "L1L2", "config": {"l1": self.l1, "l2": self.l2}}

    def __repr__(self) -> str:
        return f"L1L2(l1={self.l1}, l2={self.l2})"


def l1(l1: float = 0.01) -> L1L2:  # noqa: E741
    return L1L2(l1=l1)


def l2(l2: float = 0.01) -> L1L2:
    return L1L2(l2=l2)


def l1l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:  # noqa: E741
    return L1L2(l1=l1, l2=l2)


def get(identifier) -> L1L2 | None:
    if identifier is None or isinstance(identifier, L1L2):
        return identifier
    if isinstance(identifier, str) and identifier in ("l1", "l2", "l1l2"):
        return {"l1": l1, "l2": l2, "l1l2": l1l2}[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in ("L1L2", "L1", "L2"):
        cfg = identifier.get("config") or {}
        return L1L2(cfg.get("l1", 0.0), cfg.get("l2", 0.0))
    raise ValueError(f"unknown regularizer {identifier!r}; known: l1, l2, l1l2")


__all__ = ["L1L2", "l1", "l2", "l1l2", "get"]
