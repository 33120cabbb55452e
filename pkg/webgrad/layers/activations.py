"""Activation functions by name (Keras/tfjs names)."""
from __future__ import annotations

from typing import Callable

from .. import ops


def linear(x):
    return x


_BY_NAME: dict[str, Callable] = {
    "linear": linear, "relu": ops.relu, "relu6": ops.relu6, "sigmoid": ops.sigmoid, "tanh": ops.tanh,
    "softmax": lambda x: ops.softmax(x, -1), "log_softmax": lambda x: ops.log_softmax(x, -1),
    "elu": ops.elu, "selu": ops.selu, "softplus": ops.softplus,
}


def get(identifier) -> tuple[str, Callable]:
    """(name, fn) for a name or None (linear)."""
    if identifier is None:
        return "linear", linear
    if isinstance(identifier, str):
        key = "".join("_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
        if key in _BY_NAME:
            return key, _BY_NAME[key]
        raise ValueError(f"unknown activation {identifier!r}; known: {', '.join(sorted(_BY_NAME))}")
    if callable(identifier):
        return getattr(identifier, "__name__", "custom"), identifier
    raise TypeError(f"activation must be a name or a function, got {type(identifier).__name__}")
