"""op_scope: run a composite op in its own scope, as tfjs ops do.

Intermediate tensors (casts, reshapes, converted Python values) are disposed when
the op returns, and also when it raises, so a failed call leaves memory unchanged.
"""
from __future__ import annotations

import functools
from typing import Callable

from ..engine import ENGINE


def op_scope(fn: Callable) -> Callable:
    """Decorator: fn's result escapes, everything else it created is disposed."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        scope = ENGINE.start_scope(fn.__name__)
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            ENGINE.end_scope(None, scope)
            raise
        ENGINE.end_scope(result, scope)
        return result
    return wrapper
