"""Lay DOT text out: natively with Graphviz's `dot` program (Debian: apt-get install
graphviz), or with a layout function registered by the host (the browser page registers
one backed by @hpcc-js/wasm-graphviz)."""
from __future__ import annotations

from typing import Callable

_LAYOUT: Callable[[str, str], bytes | str] | None = None
FORMATS = ("svg", "png", "pdf")
TIMEOUT_S = 600


def set_layout(fn: Callable[[str, str], bytes | str] | None) -> None:
    """Use fn(dot_text, format) -> SVG text / bytes for layout instead of the `dot` program."""
    global _LAYOUT
    _LAYOUT = fn


class GraphvizNotFound(RuntimeError):
    pass


def render(dot_text: str, fmt: str = "svg", big: bool = False) -> bytes:
    """dot_text laid out and drawn as `fmt` ("svg", "png", "pdf")."""
    if fmt not in FORMATS:
        raise ValueError(f"render: unknown format {fmt!r}; use one of {FORMATS}")
    if _LAYOUT is not None:
        out = _LAYOUT(dot_text, fmt)
        return out.encode("utf-8") if isinstance(out, str) else bytes(out)
    import shutil
    import subprocess

    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFound(
            "to_svg/save need Graphviz's `dot` program, which is not installed. Install it with "
            "`sudo apt-get install graphviz` (Debian/Ubuntu; `brew install graphviz` on macOS), or "
            "save the text of Graph.to_dot() to a .dot file.")
    cmd = [exe, f"-T{fmt}"]
    if big:
        cmd.append("-Gsplines=line")
    proc = subprocess.run(cmd, input=dot_text.encode("utf-8"), capture_output=True, timeout=TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(f"Graphviz dot failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[:2000]}")
    return proc.stdout


def save(graph, path: str, **options) -> None:
    """Write graph to path; the extension picks the format (.dot/.gv text, .svg, .png, .pdf)."""
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    dot_text = graph.to_dot(**options)
    if ext in ("dot", "gv"):
        data = dot_text.encode("utf-8")
    elif ext in FORMATS:
        data = render(dot_text, ext, big=len(graph) > graph_big())
    else:
        raise ValueError(f"save: cannot tell the format of {path!r}; use .dot, .gv, .svg, .png or .pdf")
    with open(path, "wb") as fh:
        fh.write(data)


def graph_big() -> int:
    from .model import BIG_GRAPH
    return BIG_GRAPH
