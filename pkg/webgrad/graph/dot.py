"""Graph -> Graphviz DOT text, in pure Python (the browser lays the same text out with
@hpcc-js/wasm-graphviz). Tensors are boxes, ops ellipses; the backward pass is red
and dashed; layers (name scopes) become clusters, or single nodes when collapsed."""
from __future__ import annotations

from typing import Iterable

from . import model as m

BIG_GRAPH = m.BIG_GRAPH

_TENSOR_STYLE = {  # kind -> (fill, extra attributes)
    m.INPUT: ("#c6e5b3", ""),
    m.PARAMETER: ("#ffd966", ""),
    m.VARIABLE: ("#fff2cc", ""),
    m.CONSTANT: ("#f2f2f2", ' fontcolor="#595959"'),
    m.INTERMEDIATE: ("#ffffff", ""),
    m.OUTPUT: ("#a9d18e", " penwidth=2"),
    m.SEED: ("#f4b183", ' color="#c0392b"'),
    m.GRADIENT: ("#f8cbad", ' color="#c0392b" penwidth=2'),
}
_BACKWARD_TENSOR = ("#fbe5d6", ' color="#c0392b"')
_OP_STYLE = {
    m.FORWARD: 'style=filled fillcolor="#dbe9f6" color="#1f4e79"',
    m.BACKWARD: 'style="filled,dashed" fillcolor="#fde0dc" color="#c0392b"',
}
_EDGE_STYLE = {
    m.DATA: 'color="#1f4e79"',
    m.GRAD: 'color="#c0392b" style=dashed',
    m.SAVED: 'color="#7030a0" style=dotted penwidth=1.6 arrowhead=odot',
    m.GRAD_OF: 'color="#c55a11" style=bold arrowhead=empty constraint=false',
}


def quote(text: str) -> str:
    """A DOT double-quoted string; newlines become centred line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _attr_text(value, limit: int = 28) -> str:
    text = str(tuple(value)) if isinstance(value, list) else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def tensor_label(t: m.TensorNode, values: bool = True) -> str:
    lines = [t.name, f"{_shape_text(t.shape)} {t.dtype}"]
    if values and t.value:
        lines.append(t.value)
    return "\n".join(lines)


def op_label(o: m.OpNode) -> str:
    lines = [o.kernel] + [f"{k}={_attr_text(v)}" for k, v in o.attrs.items()][:4]
    return "\n".join(lines)


def _home_scopes(g: m.Graph) -> dict[str, tuple]:
    """Scope each tensor is drawn in: its own, or (for parameters and constants made outside
    every scope) the one scope all its forward consumers share."""
    consumers: dict[str, set] = {}
    for o in g.ops.values():
        if o.phase == m.FORWARD:
            for k in o.inputs:
                consumers.setdefault(k, set()).add(o.scope)
    home = {}
    for t in g.tensors.values():
        scope = t.scope
        if not scope and t.kind in (m.PARAMETER, m.VARIABLE, m.CONSTANT) and t.phase == m.FORWARD:
            used = consumers.get(t.key, ())
            if len(used) == 1:
                scope = next(iter(used))
        home[t.key] = scope
    return home


def repeated_scopes(g: m.Graph) -> list[list[str]]:
    """Top-level scopes whose forward ops are identical (kernels, attributes, shapes), grouped."""
    sigs: dict[str, list] = {}
    for o in g.ops.values():
        if o.phase == m.FORWARD and o.scope:
            sigs.setdefault(o.scope[0], []).append(
                (o.scope[1:], o.kernel, repr(sorted(o.attrs.items())),
                 tuple(g.tensors[k].shape for k in o.inputs), tuple(g.tensors[k].shape for k in o.outputs)))
    by_sig: dict[tuple, list[str]] = {}
    for name, sig in sigs.items():
        by_sig.setdefault(tuple(sig), []).append(name)
    return [names for names in by_sig.values() if len(names) > 1]


def to_dot(g: m.Graph, *, collapse: bool | Iterable[str] | None = None, group_repeats: bool = True,
           rankdir: str = "TB", mirror: bool = True, legend: bool = True, values: bool = True, title: str | None = None,
           big: bool | None = None) -> str:
    """DOT text for graph g.

    collapse: True draws every top-level name scope (layer) as one node, an iterable
    collapses the named ones, False draws everything; None (default) collapses only
    graphs larger than BIG_GRAPH nodes. Clusters and collapsed nodes carry SVG ids
    "scope:<path>" / "scope-backward:<path>", so a page can toggle them. group_repeats: scopes that ran identical ops
    are drawn once (collapsed: one node "name ×N"; expanded: the first in full, the
    others as single nodes). mirror: rank gradient edges against their direction, so the
    backward pass runs back up beside the forward pass and the saved-tensor edges stay
    short (False: the backward pass is laid out below the forward one; far slower for big
    graphs). big: use cheap layout settings (default: by size).
    """
    n_nodes = len(g)
    if big is None:
        big = n_nodes > BIG_GRAPH
    if collapse is None:
        collapse = n_nodes > BIG_GRAPH
    top_scopes = [s[0] for s in g.scopes()]
    top_scopes = list(dict.fromkeys(top_scopes))
    if collapse is True:
        collapsed = set(top_scopes)
    elif collapse is False:
        collapsed = set()
    else:
        collapsed = set(collapse)
    alias: dict[str, str] = {}  # scope -> the scope whose collapsed node stands for it
    same_as: dict[str, str] = {}
    if group_repeats:
        for names in repeated_scopes(g):
            if collapsed & set(names):
                for n in names:
                    alias[n] = names[0]
                collapsed.update(names)
            else:
                for n in names[1:]:
                    same_as[n] = names[0]
                    collapsed.add(n)
    group_size: dict[str, list[str]] = {}
    for s in top_scopes:
        if s in collapsed:
            group_size.setdefault(alias.get(s, s), []).append(s)

    home = _home_scopes(g)
    ident = {s: str(i) for i, s in enumerate(top_scopes)}
    by_ident = {v: k for k, v in ident.items()}

    def phase_of(key: str) -> str:
        node = g.ops.get(key) or g.tensors[key]
        return node.phase

    def scope_of(key: str) -> tuple:
        return g.ops[key].scope if key in g.ops else home[key]

    def target(key: str) -> str:
        """The drawn node standing for key (itself, or its collapsed scope's node)."""
        scope = scope_of(key)
        if scope and scope[0] in collapsed:
            return ("cb" if phase_of(key) == m.BACKWARD else "cf") + ident[alias.get(scope[0], scope[0])]
        return key

    out = [f"digraph webgrad {{",
           f'  graph [rankdir={rankdir} fontname="Helvetica" fontsize=11 newrank=true'
           + (f" label={quote(title)} labelloc=t" if title else "") + "]",
           '  node [fontname="Helvetica" fontsize=10 height=0.3]',
           '  edge [arrowsize=0.6]']
    if big:
        out.append("  graph [splines=line nslimit=2 nslimit1=2 mclimit=0.2 searchsize=10 remincross=false]")
    if legend:
        out.append(_legend())

    # nodes, grouped by (phase, scope path) into clusters
    clusters: dict[tuple, list[str]] = {}
    collapsed_nodes: dict[str, str] = {}
    for t in g.tensors.values():
        tgt = target(t.key)
        if tgt != t.key:
            continue
        fill, extra = _TENSOR_STYLE[t.kind]
        if t.phase == m.BACKWARD and t.kind == m.INTERMEDIATE:
            fill, extra = _BACKWARD_TENSOR
        style = "filled,dashed" if t.phase == m.BACKWARD else "filled"
        line = f'{t.key} [shape=box style="{style}" fillcolor="{fill}"{extra} label={quote(tensor_label(t, values))}]'
        clusters.setdefault((t.phase if home[t.key] else "", home[t.key]), []).append(line)
    for o in g.ops.values():
        tgt = target(o.key)
        if tgt != o.key:
            collapsed_nodes.setdefault(tgt, o.phase)
            continue
        line = f"{o.key} [shape=ellipse {_OP_STYLE[o.phase]} label={quote(op_label(o))}]"
        clusters.setdefault((o.phase if o.scope else "", o.scope), []).append(line)
    for t in g.tensors.values():
        tgt = target(t.key)
        if tgt != t.key:
            collapsed_nodes.setdefault(tgt, t.phase)
    out.extend(_emit_clusters(clusters))
    for node_id, phase in collapsed_nodes.items():
        scope_name = by_ident[node_id[2:]]
        members = group_size.get(alias.get(scope_name, scope_name), [scope_name])
        n_ops = sum(1 for o in g.ops.values() if o.phase == phase and o.scope and o.scope[0] in members)
        label = members[0] if len(members) == 1 else f"{members[0]} … {members[-1]}  ×{len(members)}"
        if scope_name in same_as:
            label += f"\n(same ops as {same_as[scope_name]})"
        label += f"\n{n_ops} {'backward ' if phase == m.BACKWARD else ''}ops"
        if phase == m.BACKWARD:
            label = "∇ " + label
            style = 'style="filled,dashed" fillcolor="#fde0dc" color="#c0392b"'
        else:
            style = 'style=filled fillcolor="#e2f0d9" color="#1f4e79"'
        sid = ("scope-backward:" if phase == m.BACKWARD else "scope:") + scope_name
        out.append(f"  {node_id} [shape=box3d {style} id={quote(sid)} label={quote(label)}]")

    # edges
    seen: set = set()
    for e in g.edges:
        src, dst = target(e.src), target(e.dst)
        if src == dst:
            continue
        extra = ""
        if src != e.src or dst != e.dst:
            k = (src, dst, e.kind)
            if k in seen:
                continue
            seen.add(k)
            t = g.tensors.get(e.src)
            if t is not None and src != e.src and e.kind == m.DATA:
                extra = f" label={quote(' ' + _shape_text(t.shape))} fontsize=8"
        if e.kind == m.GRAD_OF and g.tensors.get(e.src) is not None and g.tensors[e.src].kind == m.SEED:
            # the seed dy hangs below the output it differentiates
            out.append(f'  {dst} -> {src} [{_EDGE_STYLE[e.kind].replace("constraint=false", "dir=back")}]')
            continue
        if mirror and e.kind == m.GRAD:
            out.append(f"  {dst} -> {src} [{_EDGE_STYLE[e.kind]} dir=back{extra}]")
        else:
            out.append(f"  {src} -> {dst} [{_EDGE_STYLE[e.kind]}{extra}]")
    out.append("}")
    return "\n".join(out) + "\n"


def _emit_clusters(clusters: dict[tuple, list[str]]) -> list[str]:
    """Nested `subgraph cluster_...` blocks: one per (phase, scope path) prefix."""
    out: list[str] = []
    tree: dict = {}
    for (phase, path), lines in clusters.items():
        node = tree
        for i in range(len(path)):
            node = node.setdefault((phase, path[:i + 1]), {})
        node.setdefault(None, []).extend(lines)
    n = [0]

    def walk(node: dict, depth: int) -> None:
        pad = "  " * depth
        for line in node.get(None, []):
            out.append(pad + line)
        for key, child in node.items():
            if key is None:
                continue
            phase, path = key
            n[0] += 1
            label = ("∇ " if phase == m.BACKWARD else "") + path[-1]
            color = '"#c0392b" style=dashed' if phase == m.BACKWARD else '"#1f4e79"'
            out.append(f"{pad}subgraph cluster_{n[0]} {{")
            sid = ("scope-backward:" if phase == m.BACKWARD else "scope:") + "/".join(path)
            out.append(f"{pad}  id={quote(sid)} label={quote(label)} color={color} fontcolor={color.split()[0]}")
            walk(child, depth + 1)
            out.append(pad + "}")

    walk(tree, 1)
    return out


def _legend() -> str:
    def row(fill: str, text: str, border: str = "#404040") -> str:
        return (f'<tr><td bgcolor="{fill}" color="{border}" width="18"> </td>'
                f'<td align="left">{text}</td></tr>')

    rows = [
        '<tr><td colspan="2"><b>legend</b></td></tr>',
        row("#c6e5b3", "input tensor (box)"), row("#ffd966", "parameter"),
        row("#ffffff", "intermediate tensor"), row("#a9d18e", "output"),
        row("#dbe9f6", "forward op (ellipse)", "#1f4e79"),
        row("#fde0dc", "backward op (dashed)", "#c0392b"),
        row("#fbe5d6", "backward tensor: gradient flow", "#c0392b"),
        row("#f8cbad", "gradient of a parameter/input", "#c0392b"),
        '<tr><td colspan="2" align="left"><font color="#1f4e79">━━ forward data</font></td></tr>',
        '<tr><td colspan="2" align="left"><font color="#c0392b">╍╍ backward (gradients)</font></td></tr>',
        '<tr><td colspan="2" align="left"><font color="#7030a0">┈┈o saved tensor reused by backward</font></td></tr>',
        '<tr><td colspan="2" align="left"><font color="#c55a11">━━▷ gradient of</font></td></tr>',
    ]
    return ('  legend [shape=plaintext fontsize=9 label=<<table border="0" cellborder="1" cellspacing="0" '
            'cellpadding="3">' + "".join(rows) + "</table>>]")
