"""The engine: kernel and gradient registries, backends, tensor bookkeeping,
tidy scopes, the gradient tape with saved tensors, memory accounting, profiling.

Every op ends in ``ENGINE.run_kernel(name, inputs, attrs)``. Kernels are looked up
by (kernel name, backend name) and return ``(handle, shape, dtype)`` for one output
or a list of them; returning an input's handle means "share its data" (reshape).
"""
from __future__ import annotations

import os
import warnings
from time import perf_counter
from typing import Any, Callable, Iterable

from .tensor import DataRef, Tensor, Variable


class GradientRule:
    """A kernel's backward rule and which of its inputs/outputs it needs saved."""

    __slots__ = ("kernel", "fn", "inputs_to_save", "outputs_to_save")

    def __init__(self, kernel: str, fn: Callable, inputs_to_save=(), outputs_to_save=()):
        self.kernel = kernel
        self.fn = fn
        self.inputs_to_save = tuple(inputs_to_save)
        self.outputs_to_save = tuple(outputs_to_save)


class GradContext:
    """What a gradient rule sees of its forward call."""

    __slots__ = ("saved", "attrs", "input_shapes", "input_dtypes", "output_shapes", "output_dtypes")

    def __init__(self, saved, attrs, inputs, outputs):
        self.saved = saved
        self.attrs = attrs
        self.input_shapes = [t.shape for t in inputs]
        self.input_dtypes = [t.dtype for t in inputs]
        self.output_shapes = [t.shape for t in outputs]
        self.output_dtypes = [t.dtype for t in outputs]


class TapeNode:
    """One recorded kernel call: ids in and out, its rule, and the tensors it saved."""

    __slots__ = ("id", "kernel", "inputs", "outputs", "attrs", "rule", "ctx")

    def __init__(self, node_id, kernel, inputs, outputs, attrs, rule, ctx):
        self.id = node_id
        self.kernel = kernel
        self.inputs = inputs  # list[int] tensor ids
        self.outputs = outputs
        self.attrs = attrs
        self.rule = rule
        self.ctx = ctx


class Tape:
    """Nodes recorded while one gradient call runs; only nodes reachable from the sources."""

    __slots__ = ("nodes", "reachable")

    def __init__(self, source_ids: Iterable[int]):
        self.nodes: list[TapeNode] = []
        self.reachable: set[int] = set(source_ids)


class Scope:
    __slots__ = ("name", "tensors")

    def __init__(self, name: str | None):
        self.name = name
        self.tensors: list[Tensor] = []


class Engine:
    def __init__(self) -> None:
        self.kernels: dict[tuple[str, str], Callable] = {}
        self.gradients: dict[str, GradientRule] = {}
        self.backend_factories: dict[str, tuple[Callable, int]] = {}
        self.backend_instances: dict[str, Any] = {}
        self._backend = None
        self.scopes: list[Scope] = []
        self.tapes: list[Tape] = []
        self.saved: list[Tensor] = []
        self.grad_depth = 0
        self.next_id = 0
        self.next_node_id = 0
        self.num_tensors = 0
        self.num_data_buffers = 0
        self.num_bytes = 0
        self.profile_log: list | None = None
        self.kernel_ms: float | None = None  # while wg.time runs: time spent inside kernels
        self.kernel_untimed = False  # ... and whether some kernel's time could not be measured
        self.peak_bytes = 0
        self.observers: list[Callable] = []  # graph capture: fn(event, payload)
        self.current_backward_node: TapeNode | None = None  # graph capture: the node whose gradient rule runs

    # -- registries ---------------------------------------------------------------
    def register_kernel(self, name: str, backend: str, fn: Callable) -> None:
        self.kernels[(name, backend)] = fn

    def register_gradient(self, name: str, fn: Callable, inputs_to_save=(), outputs_to_save=()) -> None:
        self.gradients[name] = GradientRule(name, fn, inputs_to_save, outputs_to_save)

    def register_backend(self, name: str, factory: Callable, priority: int = 0) -> None:
        self.backend_factories[name] = (factory, priority)

    # -- backends -----------------------------------------------------------------
    def _instantiate(self, name: str):
        if name not in self.backend_instances:
            if name not in self.backend_factories:
                raise ValueError(f"set_backend: unknown backend {name!r}; known: {sorted(self.backend_factories)}")
            self.backend_instances[name] = self.backend_factories[name][0]()
        return self.backend_instances[name]

    @property
    def backend(self):
        if self._backend is None:
            self._backend = self._default_backend()
        return self._backend

    def _default_backend(self):
        wanted = os.environ.get("WEBGRAD_BACKEND")
        if wanted:
            return self._instantiate(wanted)
        order = sorted(self.backend_factories, key=lambda n: -self.backend_factories[n][1])
        errors = []
        for name in order:
            try:
                backend = self._instantiate(name)
            except Exception as exc:  # no adapter, no NumPy...
                errors.append(f"{name}: {exc}")
                continue
            if errors:
                warnings.warn(f"webgrad: using backend {name!r}; unavailable: " + "; ".join(errors), RuntimeWarning, stacklevel=3)
            return backend
        raise RuntimeError("webgrad: no backend could be initialised: " + "; ".join(errors))

    def set_backend(self, name: str) -> None:
        self._backend = self._instantiate(name)

    def _move(self, ref: DataRef, backend) -> None:
        """Move data to another backend in place (all sharers follow)."""
        old = ref.backend
        host = old.read_sync(ref.handle, ref.shape, ref.dtype)
        handle = backend.write(host, ref.shape, ref.dtype)
        old.dispose_data(ref.handle)
        nbytes = backend.nbytes(handle, ref.shape, ref.dtype)
        self.num_bytes += nbytes - ref.nbytes
        ref.backend, ref.handle, ref.nbytes = backend, handle, nbytes

    # -- tensors --------------------------------------------------------------------
    def _track(self, t: Tensor) -> Tensor:
        self.num_tensors += 1
        if self.scopes:
            scope = self.scopes[-1]
            scope.tensors.append(t)
            t.scope = scope
        return t

    def _new_ref(self, backend, handle, shape, dtype) -> DataRef:
        ref = DataRef(backend, handle, backend.nbytes(handle, shape, dtype), shape, dtype)
        self.num_data_buffers += 1
        self.num_bytes += ref.nbytes
        if self.num_bytes > self.peak_bytes:
            self.peak_bytes = self.num_bytes
        return ref

    def make_tensor(self, data, shape: tuple[int, ...], dtype: str) -> Tensor:
        """A new tensor from host data (bytes-like in the dtype's host format)."""
        backend = self.backend
        ref = self._new_ref(backend, backend.write(data, shape, dtype), shape, dtype)
        ref.refs = 1
        self.next_id += 1
        t = self._track(Tensor(self.next_id, shape, dtype, ref))
        self._notify("tensor", t)
        return t

    def make_variable(self, init: Tensor, trainable: bool, name: str | None) -> Variable:
        ref = init.ref
        ref.refs += 1
        self.next_id += 1
        v = Variable(self.next_id, init.shape, init.dtype, ref)
        v.trainable = trainable
        v.name = name or f"Variable{self.next_id}"
        v.kept = True
        self.num_tensors += 1
        self._notify("tensor", v)
        return v

    def share(self, t: Tensor, shape=None) -> Tensor:
        """A new tensor sharing t's data (clone; reshape when shape is given)."""
        ref = t.ref
        ref.refs += 1
        self.next_id += 1
        return self._track(Tensor(self.next_id, t.shape if shape is None else shape, t.dtype, ref))

    def dispose_tensor(self, t: Tensor) -> None:
        if t.disposed:
            return
        t.disposed = True
        self.num_tensors -= 1
        self._decref(t.ref)

    def _decref(self, ref: DataRef) -> None:
        ref.refs -= 1
        if ref.refs == 0:
            ref.backend.dispose_data(ref.handle)
            self.num_data_buffers -= 1
            self.num_bytes -= ref.nbytes

    def assign(self, var: Variable, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"assign: expected a Tensor, got {type(value).__name__}")
        value._check_alive("assign")
        if value.shape != var.shape or value.dtype != var.dtype:
            raise ValueError(
                f"assign: variable {var.name} has shape {var.shape} and dtype {var.dtype}, "
                f"value has shape {value.shape} and dtype {value.dtype}")
        if value.ref is var.ref:
            return
        value.ref.refs += 1
        old, var.ref = var.ref, value.ref
        self._decref(old)

    def read_sync(self, t: Tensor):
        ref = t.ref
        return ref.backend.read_sync(ref.handle, t.shape, t.dtype)

    async def read(self, t: Tensor):
        ref = t.ref
        return await ref.backend.read(ref.handle, t.shape, t.dtype)

    def read_numpy(self, t: Tensor):
        ref = t.ref
        return ref.backend.read_numpy(ref.handle, t.shape, t.dtype)

    # -- kernels --------------------------------------------------------------------
    def run_kernel(self, name: str, inputs: list[Tensor], attrs: dict | None = None):
        """Run kernel `name` on the current backend; returns a Tensor or a list of them."""
        if attrs is None:
            attrs = {}
        backend = self.backend
        fn = self.kernels.get((name, backend.name))
        if fn is None:
            raise NotImplementedError(f"{name}: no kernel registered for backend {backend.name!r}")
        for t in inputs:
            if t.disposed:
                raise ValueError(f"{name}: input tensor {t.id} (shape {t.shape}, {t.dtype}) is disposed")
            if t.ref.backend is not backend:
                self._move(t.ref, backend)
        if self.profile_log is not None:
            return self._run_profiled(name, fn, inputs, attrs, backend)
        raw = fn(inputs, attrs, backend) if self.kernel_ms is None else self._run_timed(fn, inputs, attrs, backend)
        if type(raw) is tuple:
            out = self._wrap(raw, inputs, backend)
            outs = [out]
        else:
            outs = [self._wrap(r, inputs, backend) for r in raw]
            out = outs
        if self.tapes:
            self._record(name, inputs, outs, attrs)
        if self.observers:
            self._notify("kernel", (name, inputs, outs, attrs))
        return out

    def _wrap(self, raw, inputs, backend) -> Tensor:
        handle, shape, dtype = raw
        ref = None
        for t in inputs:
            if t.ref.handle is handle:
                ref = t.ref
                break
        if ref is None:
            ref = self._new_ref(backend, handle, shape, dtype)
        ref.refs += 1
        self.next_id += 1
        return self._track(Tensor(self.next_id, shape, dtype, ref))

    def _run_timed(self, fn, inputs, attrs, backend):
        if not backend.synchronous_kernels:
            self.kernel_untimed = True
            return fn(inputs, attrs, backend)
        t0 = perf_counter()
        raw = fn(inputs, attrs, backend)
        self.kernel_ms += (perf_counter() - t0) * 1e3
        return raw

    def _run_profiled(self, name, fn, inputs, attrs, backend):
        before = self.num_bytes
        backend.sync()
        t0 = perf_counter()
        self.profile_log, log = None, self.profile_log
        try:
            out = self.run_kernel(name, inputs, attrs)
            backend.sync()
        finally:
            self.profile_log = log
        outs = out if isinstance(out, list) else [out]
        log.append({
            "name": name,
            "input_shapes": [t.shape for t in inputs],
            "output_shapes": [t.shape for t in outs],
            "bytes_added": self.num_bytes - before,
            "total_bytes_snapshot": self.num_bytes,
            "time_ms": (perf_counter() - t0) * 1e3,
        })
        return out

    def _notify(self, event: str, payload) -> None:
        for obs in self.observers:
            obs(event, payload)

    # -- scopes ---------------------------------------------------------------------
    def start_scope(self, name: str | None = None) -> Scope:
        scope = Scope(name)
        self.scopes.append(scope)
        return scope

    def end_scope(self, result: Any = None, scope: Scope | None = None, extra_keep: Iterable[Tensor] = ()) -> None:
        """Dispose what the innermost scope created, except tensors inside `result`."""
        top = self.scopes.pop()
        if scope is not None and scope is not top:
            self.scopes.append(top)
            raise RuntimeError("tidy scopes ended out of order")
        survivors = {id(t) for t in iter_tensors(result)}
        survivors.update(id(t) for t in extra_keep)
        parent = self.scopes[-1] if self.scopes else None
        for t in top.tensors:
            if t.disposed or t.kept:
                continue
            if id(t) in survivors:
                t.scope = parent
                if parent is not None:
                    parent.tensors.append(t)
            else:
                self.dispose_tensor(t)

    def keep(self, t: Tensor) -> Tensor:
        t.kept = True
        return t

    # -- tape -----------------------------------------------------------------------
    def _record(self, name, inputs, outs, attrs) -> None:
        tapes = [tape for tape in self.tapes if any(t.id in tape.reachable for t in inputs)]
        if not tapes:
            return
        rule = self.gradients.get(name)
        saved = []
        if rule is not None:
            saved = [self._save(inputs[i]) for i in rule.inputs_to_save]
            saved += [self._save(outs[i]) for i in rule.outputs_to_save]
        self.record_node(name, inputs, outs, attrs, rule, saved, tapes)

    def record_node(self, name, inputs, outs, attrs, rule, saved, tapes=None) -> None:
        tapes = self.tapes if tapes is None else tapes
        self.next_node_id += 1
        node = TapeNode(self.next_node_id, name, [t.id for t in inputs], [t.id for t in outs], attrs, rule,
                        GradContext(saved, attrs, inputs, outs))
        for tape in tapes:
            tape.nodes.append(node)
            tape.reachable.update(node.outputs)

    def _save(self, t: Tensor) -> Tensor:
        """Keep t's data alive for the backward pass, outside every scope.

        The copy keeps t's id, so ops on it stay connected on outer tapes (higher-order grads)."""
        ref = t.ref
        ref.refs += 1
        s = Tensor(t.id, t.shape, t.dtype, ref)
        s.kept = True
        self.num_tensors += 1
        self.saved.append(s)
        self._notify("saved", (t, s))
        return s

    def release_saved(self) -> None:
        saved, self.saved = self.saved, []
        for s in saved:
            self.dispose_tensor(s)

    class _Paused:
        def __init__(self, engine):
            self.engine = engine

        def __enter__(self):
            self.tapes, self.engine.tapes = self.engine.tapes, []

        def __exit__(self, *exc):
            self.engine.tapes = self.tapes

    def no_tape(self):
        """Context manager: run ops without recording them."""
        return Engine._Paused(self)

    # -- memory ---------------------------------------------------------------------
    def memory(self) -> dict:
        info = {
            "num_tensors": self.num_tensors,
            "num_data_buffers": self.num_data_buffers,
            "num_bytes": self.num_bytes,
            "unreliable": False,
        }
        for name, backend in self.backend_instances.items():
            extra = backend.memory()
            if extra:
                info[name] = extra
        return info


def iter_tensors(obj) -> Iterable[Tensor]:
    """Tensors inside nested lists, tuples, dicts (what tidy keeps)."""
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from iter_tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from iter_tensors(item)


ENGINE = Engine()
