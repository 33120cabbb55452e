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


def _taken(used: dict[str, int], name: str) -> bool:
    """Whether `name` was entered, or given to a repeat of its base ("dense_1" after two "dense")."""
    if name in used:
        return True
    base, _, k = name.rpartition("_")
    return bool(base) and k.isdigit() and not k.startswith("0") and used.get(base, 0) > int(k)


@contextmanager
def name_scope(name: str) -> Iterator[str]:
    """Run a block under scope `name`; reusing a name at one level gives name_1, name_2, ...

    Yields the unique name given to this entry."""
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name_scope: expected a non-empty name without '/', got {name!r}")
    used = _USED[-1]
    n = used.get(name, 0)
    unique = name if n == 0 else f"{name}_{n}"
    while _taken(used, unique):  # e.g. "dense" entered twice, then a layer really named "dense_1"
        n += 1
        unique = f"{name}_{n}"
    used[name] = n + 1
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


def common_scope(scopes: list[tuple]) -> tuple:
    """The longest scope path that all of `scopes` lie in (() when there are none)."""
    if not scopes:
        return ()
    first, n = scopes[0], len(scopes[0])
    for s in scopes[1:]:
        n = min(n, len(s))
        n = next((i for i in range(n) if s[i] != first[i]), n)
    return first[:n]
