"""trace(f, *args): run f through the engine with an observer attached and record
every kernel it ran, forward and (optionally) backward, as a Graph."""
from __future__ import annotations

import inspect
from typing import Callable

from ..engine import ENGINE, iter_tensors
from ..tensor import Tensor, Variable
from . import model as m
from .scope import common_scope, current_scope, reset_names


def summarize(t: Tensor, limit: int = 6) -> str:
    """A short text for t's values: all of them when few, else min/max/mean."""
    vals = t.data_sync()
    n = len(vals)
    if n == 0:
        return "[]"
    if t.dtype == "bool":
        vals = [bool(v) for v in vals]
    if n <= limit:
        return "[" + ", ".join(_fmt(v) for v in vals) + "]"
    lo, hi = min(vals), max(vals)
    return f"min {_fmt(lo)}  max {_fmt(hi)}  mean {_fmt(sum(vals) / n)}"


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


class Recorder:
    """The engine observer: turns "tensor", "saved" and "kernel" events into graph nodes."""

    def __init__(self, graph: m.Graph, arg_names: dict[int, str], values: bool):
        self.g = graph
        self.arg_names = arg_names     # tensor id -> argument name
        self.values = values
        self.phase = m.FORWARD
        self.saved: dict[int, Tensor] = {}  # id(saved copy) -> copy (held so ids stay unique)
        self.producer: dict[int, str] = {}  # tensor id -> forward op key
        self.rule_seen = False
        self.rule_scope: tuple = ()  # scope of the forward op whose gradient rule ran last
        self.n_ops = 0

    # -- events -------------------------------------------------------------------------
    def __call__(self, event: str, payload) -> None:
        if event == "kernel":
            self._kernel(*payload)
        elif event == "tensor":
            self._node(payload, created=True)
        elif event == "saved":
            orig, copy = payload
            self.saved[id(copy)] = copy
            self._node(orig)

    def _node(self, t: Tensor, created: bool = False) -> m.TensorNode:
        """The node of tensor t, made on first sight (kind from what t is)."""
        key = f"t{t.id}"
        node = self.g.tensors.get(key)
        if node is not None:
            return node
        phase, _, scope = self._context() if created else (m.FORWARD, None, ())
        if isinstance(t, Variable):
            kind, name = (m.PARAMETER if t.trainable else m.VARIABLE), t.name
        elif t.id in self.arg_names:
            kind, name = m.INPUT, self.arg_names[t.id]
        elif phase == m.BACKWARD and not self.rule_seen:
            kind, name = m.SEED, "dy"
        else:
            kind, name = m.CONSTANT, f"t{t.id}"
        node = m.TensorNode(t.id, name, t.shape, t.dtype, kind, phase, scope)
        self._summarize(node, t, force=kind == m.CONSTANT and t.size <= 4)
        self.g.tensors[key] = node
        return node

    def _summarize(self, node: m.TensorNode, t: Tensor, force: bool = False) -> None:
        if (self.values or force) and not t.disposed:
            node.value = summarize(t)

    def _context(self) -> tuple[str, str | None, tuple]:
        """(phase, key of the forward op whose gradient rule is running, scope) now."""
        if self.phase == m.FORWARD:
            return m.FORWARD, None, current_scope()
        tape_node = ENGINE.current_backward_node
        if tape_node is None:
            return m.BACKWARD, None, ()
        self.rule_seen = True
        fwd_key = next((self.producer[o] for o in tape_node.outputs if o in self.producer), None)
        self.rule_scope = self.g.ops[fwd_key].scope if fwd_key else ()
        return m.BACKWARD, fwd_key, self.rule_scope

    def _kernel(self, name: str, inputs: list[Tensor], outs: list[Tensor], attrs: dict) -> None:
        self.n_ops += 1
        key = f"o{self.n_ops}"
        phase, fwd_key, scope = self._context()
        if phase == m.BACKWARD and fwd_key is None and self.rule_seen and inputs:
            # a sum of gradient contributions: drawn with the rule that made the latest one
            scope = self.rule_scope or common_scope([self._node(t).scope for t in inputs])
        in_keys = []
        for t in inputs:
            node = self._node(t)
            in_keys.append(node.key)
            if id(t) in self.saved:
                kind = m.SAVED
            else:
                kind = m.DATA if phase == m.FORWARD else m.GRAD
            self.g.edges.append(m.Edge(node.key, key, kind))
        out_keys = []
        edge_kind = m.DATA if phase == m.FORWARD else m.GRAD
        for t in outs:
            kind = m.SEED if phase == m.BACKWARD and not self.rule_seen else m.INTERMEDIATE
            node = m.TensorNode(t.id, "dy" if kind == m.SEED else f"t{t.id}", t.shape, t.dtype, kind, phase, scope)
            self._summarize(node, t)
            self.g.tensors[node.key] = node
            out_keys.append(node.key)
            self.g.edges.append(m.Edge(key, node.key, edge_kind))
            if phase == m.FORWARD:
                self.producer[t.id] = key
        op = m.OpNode(key, name, attrs, phase, scope, in_keys, out_keys, fwd_key)
        self.g.ops[key] = op
        if fwd_key is not None:
            self.g.ops[fwd_key].backward_ops.append(key)


def _arg_names(f: Callable, args: tuple) -> dict[int, str]:
    """Tensor id -> the name of f's parameter it was passed as (x, W, ...; else arg<i>)."""
    names = [f"arg{i}" for i in range(len(args))]
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    for i, p in enumerate(params[:len(args)]):
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names[i] = p.name
        elif p.kind == p.VAR_POSITIONAL:
            names[i:] = [f"{p.name}{j}" for j in range(len(args) - i)]
            break
    out: dict[int, str] = {}
    for a, n in zip(args, names):
        if isinstance(a, Tensor) and not isinstance(a, Variable):
            out.setdefault(a.id, n)
    return out


def trace(f: Callable, *args, backward: bool = True, values: bool = False, dy: Tensor | None = None,
          wrt: list[Tensor] | None = None) -> m.Graph:
    """Run f(*args) and return the Graph of every kernel it ran.

    With backward=True (f must return a scalar, or pass ``dy``) the backward pass is run
    too, through the registered gradient rules, for the tensors in ``wrt`` (default: the
    float32 tensor arguments and the trainable variables f uses); each backward op is attributed to the forward op
    whose rule ran it. values=True adds a short summary of each tensor's values (reads
    them back). Every tensor the trace creates is disposed before it returns.
    """
    from ..autodiff import _gradients
    from ..variables import trainable_variables

    if not callable(f):
        raise TypeError(f"trace: expected a function, got {type(f).__name__}")
    graph = m.Graph()
    rec = Recorder(graph, _arg_names(f, args), values)
    reset_names()
    scope = ENGINE.start_scope("trace")
    ENGINE.observers.append(rec)
    try:
        if not backward:
            outs = list(iter_tensors(f(*args)))
            grads = []
        else:
            if dy is not None:
                seed = rec._node(dy)
                seed.kind, seed.name, seed.phase = m.SEED, "dy", m.BACKWARD

            def forward(*a):
                out = f(*a)
                rec.phase = m.BACKWARD
                return out

            if wrt is not None:
                xs = list(wrt)
            else:
                xs = [a for a in args if isinstance(a, Tensor) and not isinstance(a, Variable) and a.dtype == "float32"]
                seen = {x.id for x in xs}
                xs += [v for v in trainable_variables() if v.id not in seen]
            y, gs = _gradients(forward, xs, args, dy, "trace", allow_unused=True)
            outs = [y]
            grads = [(x, g) for x, g in zip(xs, gs) if g is not None]
    finally:
        ENGINE.observers.remove(rec)
        ENGINE.end_scope(None, scope)
    _finish(graph, rec, outs, grads)
    return graph


def _finish(graph: m.Graph, rec: Recorder, outs: list[Tensor], grads: list) -> None:
    """Mark outputs and gradients; link the seed to the output it differentiates."""
    for i, t in enumerate(outs):
        node = graph.tensors.get(f"t{t.id}")
        if node is None:
            continue
        if node.kind == m.INTERMEDIATE:
            node.kind = m.OUTPUT
            node.name = "output" if len(outs) == 1 else f"output{i}"
        graph.outputs.append(node.key)
    for node in graph.tensors.values():
        if node.kind == m.SEED and graph.outputs:
            node.grad_of.append(graph.outputs[0])
            graph.edges.append(m.Edge(node.key, graph.outputs[0], m.GRAD_OF))
    for x, g in grads:
        xnode, gnode = graph.tensors.get(f"t{x.id}"), graph.tensors.get(f"t{g.id}")
        if xnode is None or gnode is None:
            continue
        if gnode.kind in (m.INTERMEDIATE, m.CONSTANT):
            gnode.kind = m.GRADIENT
            gnode.name = f"grad {xnode.name}"
        gnode.grad_of.append(xnode.key)
        graph.edges.append(m.Edge(gnode.key, xnode.key, m.GRAD_OF))
