"""Variables: creation and the registry of live trainable ones."""
from __future__ import annotations

import weakref

from .engine import ENGINE
from .tensor import Tensor, Variable

_REGISTRY: "weakref.WeakValueDictionary[str, Variable]" = weakref.WeakValueDictionary()


def variable(initial_value, trainable: bool = True, name: str | None = None, dtype: str | None = None) -> Variable:
    """A mutable tensor initialised from a Tensor (or anything `tensor` accepts)."""
    from .ops import tensor

    if name is not None and _live(name):
        raise ValueError(f"variable: a variable named {name!r} already exists")
    init = initial_value if isinstance(initial_value, Tensor) else tensor(initial_value, dtype=dtype)
    init._check_alive("variable")
    if dtype is not None and init.dtype != dtype:
        from .ops import cast
        made, init = init, cast(init, dtype)
        if made is not initial_value:
            made.dispose()
    v = ENGINE.make_variable(init, trainable, name)
    if init is not initial_value:
        init.dispose()  # a tensor made here: the variable holds its data
    _REGISTRY[v.name] = v
    return v


def _live(name: str) -> bool:
    return name in _REGISTRY and not _REGISTRY[name].disposed


def unique_variable_name(base: str) -> str:
    """base, or base_1, base_2, ... : the first name no live variable holds."""
    name, n = base, 0
    while _live(name):
        n += 1
        name = f"{base}_{n}"
    return name


def trainable_variables() -> list[Variable]:
    return [v for v in _REGISTRY.values() if v.trainable and not v.disposed]
