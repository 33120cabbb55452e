"""Name scopes: ``with name_scope("dense_1"):`` labels the kernels run inside it, so a
traced graph can draw (and collapse) each layer as one cluster."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

_STACK: list[str] = []          # the current scope path, outermost first
_USED: list[dict[str, int]] = [{}]  # names taken at each depth, for unique paths


def current_scope() -> tuple[str, ...]:
    """The path of the enclosing name scopes (empty outside any)."""
    return tuple(_STACK)


@contextmanager
def name_scope(name: str) -> Iterator[str]:
    """Run a block under scope `name`; reusing a name at one level gives name_1, name_2, ...

    Yields the unique name given to this entry."""
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name_scope: expected a non-empty name without '/', got {name!r}")
    used = _USED[-1]
    n = used.get(name, 0)
    used[name] = n + 1
    unique = name if n == 0 else f"{name}_{n}"
    _STACK.append(unique)
    _USED.append({})
    try:
        yield unique
    finally:
        _STACK.pop()
        _USED.pop()


def reset_names() -> None:
    """Forget the names used at top level (trace calls it so each trace starts afresh)."""
    if not _STACK:
        _USED[0].clear()
