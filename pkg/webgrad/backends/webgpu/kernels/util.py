"""Helpers shared by the WebGPU kernel modules: registration, uniform packing, shapes."""
from __future__ import annotations

import struct

from ...base import kernel_registrar

WG = 256  # threads per workgroup for 1-D work
WGSL_TYPE = {"float32": "f32", "int32": "i32", "bool": "u32"}
HEADER_WORDS = 8
# Loop iterations one invocation may run: llvmpipe (lavapipe) silently ends a shader's
# loops after 65535 iterations in total, so longer work is split across invocations
# or dispatches.
LOOP_BUDGET = 60000  # word 0 = element count, words 1..7 = scalar attributes


kernel = kernel_registrar("webgpu")


def pack(fmt: str, *values) -> bytes:
    """Little-endian uniform words ('I' u32, 'i' i32, 'f' f32), padded to whole vec4s."""
    pad = -len(fmt) % 4
    return struct.pack("<" + fmt + "I" * pad, *values, *([0] * pad))


def uvec4(words: int) -> int:
    return max(1, -(-words // 4))


def size_of(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def strides_of(shape) -> list[int]:
    out = [0] * len(shape)
    s = 1
    for k in range(len(shape) - 1, -1, -1):
        out[k] = s
        s *= shape[k]
    return out


def broadcast_strides(in_shape, out_shape) -> list[int]:
    """Strides of in_shape read at out_shape's coordinates (0 where broadcast)."""
    st = strides_of(in_shape)
    lead = len(out_shape) - len(in_shape)
    res = [0] * len(out_shape)
    for k, d in enumerate(in_shape):
        res[lead + k] = 0 if d == 1 and out_shape[lead + k] != 1 else st[k]
    return res


def collapse(shape, stride_lists):
    """Drop size-1 dims and merge neighbours that every stride list walks contiguously."""
    dims = [k for k, d in enumerate(shape) if d != 1]
    new_shape: list[int] = []
    new_strides = [[] for _ in stride_lists]
    for k in dims:
        if new_shape and all(sl[k] * shape[k] == ns[-1] for sl, ns in zip(stride_lists, new_strides)):
            new_shape[-1] *= shape[k]
            for sl, ns in zip(stride_lists, new_strides):
                ns[-1] = sl[k]
        else:
            new_shape.append(shape[k])
            for sl, ns in zip(stride_lists, new_strides):
                ns.append(sl[k])
    return new_shape, new_strides


def index_code(rank: int, shape_base: int, stride_bases: list[int], names: list[str], var: str = "i",
               indent: str = "  ") -> str:
    """WGSL computing offsets `names[j]` = sum(coord_k * U(stride_bases[j] + k)) for index `var`."""
    lines = [f"{indent}var rem_{var} = {var};"]
    lines += [f"{indent}var {n} = 0u;" for n in names]
    for k in range(rank - 1, -1, -1):
        if k == 0:
            lines.append(f"{indent}let c{k}_{var} = rem_{var};")
        else:
            lines.append(f"{indent}let c{k}_{var} = rem_{var} % U({shape_base + k}u); rem_{var} = rem_{var} / U({shape_base + k}u);")
        for n, base in zip(names, stride_bases):
            lines.append(f"{indent}{n} = {n} + c{k}_{var} * U({base + k}u);")
    return "\n".join(lines)
