"""Text forms of tensors: ``repr(t)``, ``t.print()`` and ``wg.print(t)`` (tfjs's ``tf.print``).

Values print as float32 would show them (the shortest digits, at most 7, that read back
to the same float32), aligned in columns, one row per line; tensors above SUMMARY_THRESHOLD
elements show only EDGE_ITEMS at each end of every axis, as NumPy does.
"""
from __future__ import annotations

import builtins
import struct

SUMMARY_THRESHOLD = 1000
EDGE_ITEMS = 3
LINE_WIDTH = 75
_GAP = object()  # stands for the elided middle of a summarised axis

_F32 = struct.Struct("f")


def _float32_str(v: float) -> str:
    """The shortest repr of v that reads back to the same float32, at most 7 significant
    digits (what float32 holds; tfjs prints as many)."""
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    target = _F32.pack(v)
    for digits in range(6, 8):
        s = f"{v:.{digits}g}"
        if _F32.pack(float(s)) == target:
            break
    s = repr(float(s))  # Python's spelling: 1.0, 1e-08, 0.1
    return s


def _element_str(v, dtype: str) -> str:
    if dtype == "bool":
        return "True" if v else "False"
    if dtype == "float32":
        return _float32_str(v)
    return str(int(v))


def _select(shape: tuple, summarize: bool):
    """Nested lists of flat indices to show (with _GAP where an axis is cut)."""
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]

    def build(offset: int, dim: int):
        n = shape[dim]
        if summarize and n > 2 * EDGE_ITEMS:
            idx = list(range(EDGE_ITEMS)) + [None] + list(range(n - EDGE_ITEMS, n))
        else:
            idx = list(range(n))
        if dim == len(shape) - 1:
            return [_GAP if i is None else offset + i for i in idx]
        return [_GAP if i is None else build(offset + i * strides[dim], dim + 1) for i in idx]

    return build(0, 0)


def _leaves(nested):
    for item in nested:
        if isinstance(item, list):
            yield from _leaves(item)
        elif item is not _GAP:
            yield item


def format_values(flat, shape: tuple, dtype: str, indent: int = 0) -> str:
    """The values as a nested bracketed block; continuation lines start `indent` columns in."""
    if not shape:
        return _element_str(flat[0], dtype)
    if 0 in shape:
        return "[" * len(shape) + "]" * len(shape)
    nested = _select(shape, len(flat) > SUMMARY_THRESHOLD)
    texts = {i: _element_str(flat[i], dtype) for i in _leaves(nested)}
    width = builtins.max(len(s) for s in texts.values())

    def render(block, depth: int) -> str:
        if depth == len(shape) - 1:
            items = ["..." if i is _GAP else texts[i].rjust(width) for i in block]
            lines, line = [], "["
            for j, item in enumerate(items):
                piece = item + ("]" if j == len(items) - 1 else ",")
                if len(line) > 1 and indent + depth + len(line) + 1 + len(piece) > LINE_WIDTH:
                    lines.append(line)
                    line = " " * (indent + depth + 1)
                elif len(line) > 1:
                    line += " "
                line += piece
            return "\n".join(lines + [line])
        sep = "," + "\n" * (len(shape) - 1 - depth) + " " * (indent + depth + 1)
        return "[" + sep.join("..." if b is _GAP else render(b, depth + 1) for b in block) + "]"

    return render(nested, 0)


def tensor_repr(t) -> str:
    """``Tensor([...], shape=(...), dtype=...)``; never raises (a value that cannot be read
    here, as in a browser without JSPI, shows as ``<not read>``)."""
    kind = type(t).__name__
    tail = f"shape={t.shape}, dtype={t.dtype}"
    if getattr(t, "is_variable", False):
        tail = f"name={t.name!r}, " + tail
    if t.disposed:
        return f"{kind}(<disposed>, {tail})"
    try:
        body = format_values(t.data_sync(), t.shape, t.dtype, indent=len(kind) + 1)
    except Exception:  # noqa: BLE001 - repr must not fail
        body = "<not read>"
    return f"{kind}({body}, {tail})"


def print_tensor(x, verbose: bool = False) -> None:
    """Print a tensor's values as tfjs's ``tf.print`` does (with dtype, rank and shape when verbose)."""
    from .ops._base import to_tensor

    t = to_tensor(x, "x", "print")
    try:
        values = t.data_sync()
    finally:
        if t is not x:
            t.dispose()
    lines = ["Tensor"]
    if verbose:
        lines += [f"  dtype: {t.dtype}", f"  rank: {t.rank}", f"  shape: {list(t.shape)}", "  values:"]
    lines.append("    " + format_values(values, t.shape, t.dtype, indent=4))
    builtins.print("\n".join(lines))
