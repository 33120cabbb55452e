"""The model's layer graph as Graphviz DOT (render it with the graph module or `dot -Tsvg`)."""
from __future__ import annotations

from .base import shape_str


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def model_to_dot(model, show_shapes: bool = True, rankdir: str = "TB") -> str:
    """One box per layer call ("name (Class)" and its output shape), edges along the data flow."""
    lines = [f'digraph "{_esc(model.name)}" {{', f"  rankdir={rankdir};",
             '  node [shape=box, fontname="Helvetica", fontsize=11];']
    ids: dict[int, str] = {}
    for i, node in enumerate(model._nodes):
        ids[id(node)] = f"n{i}"
        label = _esc(f"{node.layer.name} ({type(node.layer).__name__})")
        if show_shapes:
            label += "\\n" + _esc(shape_str(node.shape))   # a DOT line break
        lines.append(f'  n{i} [label="{label}"];')
    for node in model._nodes:
        for parent in node.inputs:
            lines.append(f"  {ids[id(parent)]} -> {ids[id(node)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"
