"""The captured graph: tensor nodes, op nodes and the edges between them (pure data)."""
from __future__ import annotations

from typing import Iterable

FORWARD, BACKWARD = "forward", "backward"

# tensor kinds
INPUT, PARAMETER, VARIABLE, CONSTANT = "input", "parameter", "variable", "constant"
INTERMEDIATE, OUTPUT, SEED, GRADIENT = "intermediate", "output", "seed", "gradient"

# edge kinds
DATA = "data"        # tensor -> op or op -> tensor, along the forward pass
GRAD = "grad"        # the same along the backward pass
SAVED = "saved"      # forward tensor -> backward op that reads its saved copy
GRAD_OF = "grad_of"  # gradient tensor -> the parameter/input it is the gradient of


class TensorNode:
    """A tensor as it appeared in the run: key "t<engine id>"."""

    __slots__ = ("key", "tid", "name", "shape", "dtype", "kind", "phase", "scope", "value", "grad_of")

    def __init__(self, tid: int, name: str, shape, dtype: str, kind: str, phase: str, scope: tuple = ()):
        self.key = f"t{tid}"
        self.tid = tid
        self.name = name
        self.shape = tuple(shape)
        self.dtype = dtype
        self.kind = kind
        self.phase = phase
        self.scope = scope
        self.value: str | None = None
        self.grad_of: list[str] = []  # keys of the tensors this is the gradient of

    def __repr__(self) -> str:
        return f"TensorNode({self.key} {self.name} {self.kind} {self.shape} {self.dtype})"


class OpNode:
    """One kernel call: key "o<n>". Backward ops name the forward op whose rule ran them."""

    __slots__ = ("key", "kernel", "attrs", "phase", "scope", "inputs", "outputs", "forward_op", "backward_ops")

    def __init__(self, key: str, kernel: str, attrs: dict, phase: str, scope: tuple,
                 inputs: list[str], outputs: list[str], forward_op: str | None = None):
        self.key = key
        self.kernel = kernel
        self.attrs = dict(attrs)
        self.phase = phase
        self.scope = scope
        self.inputs = inputs
        self.outputs = outputs
        self.forward_op = forward_op
        self.backward_ops: list[str] = []

    def __repr__(self) -> str:
        return f"OpNode({self.key} {self.kernel} {self.phase} {self.inputs}->{self.outputs})"


class Edge:
    __slots__ = ("src", "dst", "kind")

    def __init__(self, src: str, dst: str, kind: str):
        self.src, self.dst, self.kind = src, dst, kind

    def as_tuple(self) -> tuple[str, str, str]:
        return (self.src, self.dst, self.kind)

    def __repr__(self) -> str:
        return f"Edge({self.src}->{self.dst} {self.kind})"


class Graph:
    """What a traced function ran: ``tensors`` and ``ops`` by key, ``edges`` in run order."""

    def __init__(self) -> None:
        self.tensors: dict[str, TensorNode] = {}
        self.ops: dict[str, OpNode] = {}
        self.edges: list[Edge] = []
        self.outputs: list[str] = []

    # -- queries ----------------------------------------------------------------------
    def ops_by_kernel(self, kernel: str, phase: str | None = None) -> list[OpNode]:
        return [o for o in self.ops.values() if o.kernel == kernel and (phase is None or o.phase == phase)]

    def forward_ops(self) -> list[OpNode]:
        return [o for o in self.ops.values() if o.phase == FORWARD]

    def backward_ops(self, forward_op: OpNode | str | None = None) -> list[OpNode]:
        """All backward ops, or those the gradient rule of `forward_op` ran."""
        if forward_op is None:
            return [o for o in self.ops.values() if o.phase == BACKWARD]
        key = forward_op if isinstance(forward_op, str) else forward_op.key
        return [self.ops[k] for k in self.ops[key].backward_ops]

    def tensor(self, name: str) -> TensorNode:
        """The tensor node called `name` (an argument's parameter name, a variable's name, ...)."""
        for t in self.tensors.values():
            if t.name == name:
                return t
        raise KeyError(f"graph has no tensor named {name!r}")

    def gradient_of(self, t: TensorNode | str) -> TensorNode | None:
        key = t if isinstance(t, str) else t.key
        for g in self.tensors.values():
            if key in g.grad_of:
                return g
        return None

    def edge_set(self, kinds: Iterable[str] | None = None) -> set[tuple[str, str, str]]:
        kinds = None if kinds is None else set(kinds)
        return {e.as_tuple() for e in self.edges if kinds is None or e.kind in kinds}

    def scopes(self) -> list[tuple[str, ...]]:
        """Distinct scope paths of the ops, in first-use order."""
        seen: dict[tuple, None] = {}
        for o in self.ops.values():
            if o.scope:
                seen.setdefault(o.scope, None)
        return list(seen)

    def __len__(self) -> int:
        return len(self.tensors) + len(self.ops)

    def __repr__(self) -> str:
        nf = len(self.forward_ops())
        return (f"Graph({len(self.tensors)} tensors, {nf} forward ops, "
                f"{len(self.ops) - nf} backward ops, {len(self.edges)} edges)")

    # -- rendering (see dot.py and render.py) -------------------------------------------
    def to_dot(self, **options) -> str:
        """Graphviz DOT text (pure Python). Options: see ``webgrad.graph.dot.to_dot``."""
        from .dot import to_dot
        return to_dot(self, **options)

    def to_svg(self, **options) -> str:
        """SVG text laid out by Graphviz (the `dot` program, or a registered layout function)."""
        from .render import render
        return render(self.to_dot(**options), "svg", big=len(self) > BIG_GRAPH).decode("utf-8")

    def save(self, path: str, **options) -> None:
        """Write the graph to `path`; the extension picks the format: .dot, .gv, .svg, .png, .pdf."""
        from .render import save
        save(self, path, **options)


BIG_GRAPH = 1500  # nodes; above this the cheaper layout settings are used
