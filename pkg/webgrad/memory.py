"""Memory API: tidy, keep, dispose, memory, profile, time."""
from __future__ import annotations

import inspect
from time import perf_counter
from typing import Any, Callable

from .engine import ENGINE, iter_tensors
from .tensor import Tensor


class _TidyContext:
    """``with tidy() as scope:`` disposes what the block made; ``scope.keep(t)`` lets t out."""

    def __init__(self, name: str | None):
        self.name = name
        self.scope = None
        self.escaping: list[Tensor] = []

    def keep(self, *tensors: Tensor):
        self.escaping.extend(tensors)
        return tensors[0] if len(tensors) == 1 else tensors

    def __enter__(self):
        self.scope = ENGINE.start_scope(self.name)
        return self

    def __exit__(self, exc_type, exc, tb):
        ENGINE.end_scope(None, self.scope, extra_keep=self.escaping)
        return False


def tidy(fn: Callable | str | None = None, fn2: Callable | None = None):
    """Run fn and dispose every tensor it created except those it returns
    (also inside returned lists, tuples and dicts). With no function, a context manager."""
    name = None
    if isinstance(fn, str) or fn is None:
        name, fn = fn, fn2
    if fn is None:
        return _TidyContext(name)
    if not callable(fn):
        raise TypeError(f"tidy: expected a function, got {type(fn).__name__}")
    scope = ENGINE.start_scope(name)
    try:
        result = fn()
    except BaseException:
        ENGINE.end_scope(None, scope)
        raise
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        ENGINE.end_scope(None, scope)
        raise TypeError("tidy: the function returned a coroutine; tidy cannot track tensors across an await. "
                        "Run the async work outside tidy and tidy the synchronous parts.")
    ENGINE.end_scope(result, scope)
    return result


def keep(t: Tensor) -> Tensor:
    """Exempt t from every enclosing tidy (dispose it yourself)."""
    return ENGINE.keep(t)


def dispose(obj: Any) -> None:
    """Dispose a tensor or every tensor inside a list/tuple/dict."""
    for t in list(iter_tensors(obj)):
        t.dispose()


def memory() -> dict:
    """{"num_tensors", "num_data_buffers", "num_bytes", ...} of live tensors, exact."""
    return ENGINE.memory()


def profile(fn: Callable) -> dict:
    """Run fn recording each kernel (name, shapes, bytes, time) and memory figures."""
    start_bytes, start_tensors = ENGINE.num_bytes, ENGINE.num_tensors
    saved_peak, ENGINE.peak_bytes = ENGINE.peak_bytes, ENGINE.num_bytes
    outer, ENGINE.profile_log = ENGINE.profile_log, []
    try:
        result = fn()
        log = ENGINE.profile_log
    finally:
        ENGINE.profile_log = outer
    info = {
        "new_bytes": ENGINE.num_bytes - start_bytes,
        "new_tensors": ENGINE.num_tensors - start_tensors,
        "peak_bytes": ENGINE.peak_bytes,
        "kernels": log,
        "kernel_names": sorted({k["name"] for k in log}),
        "result": result,
    }
    ENGINE.peak_bytes = max(saved_peak, ENGINE.peak_bytes)
    return info


def time(fn: Callable) -> dict:
    """Time fn: {"wall_ms", "kernel_ms", "result"}.

    wall_ms includes all device work fn queued. kernel_ms is the time spent inside the
    kernels themselves where the backend runs them synchronously (cpu); it is None
    where some kernel ran on a backend that only records work (webgpu: its commands
    run later, interleaved with others, and per-kernel GPU timing is not measured)."""
    backend = ENGINE.backend
    backend.sync()
    outer = ENGINE.kernel_ms, ENGINE.kernel_untimed
    ENGINE.kernel_ms, ENGINE.kernel_untimed = 0.0, False
    t0 = perf_counter()
    try:
        result = fn()
        backend.sync()
        wall = (perf_counter() - t0) * 1e3
        kernel, untimed = ENGINE.kernel_ms, ENGINE.kernel_untimed
    finally:
        ENGINE.kernel_ms, ENGINE.kernel_untimed = outer
    if ENGINE.kernel_ms is not None:  # an enclosing time() counts these kernels too
        ENGINE.kernel_ms += kernel
        ENGINE.kernel_untimed = ENGINE.kernel_untimed or untimed
    return {"wall_ms": wall, "kernel_ms": None if untimed else kernel, "result": result}
