"""The WebGPU backend: tensors in pooled GPU buffers, kernels as WGSL compute programs.

Storage: float32 as f32, int32 as i32, and **bool as one u32 (0 or 1) per element**
on the GPU (host format stays one byte per value; write/read convert).

* Buffers come from a pool keyed by size class (8 classes per power of two). A
  disposed tensor's buffer waits on a pending list until the next submit, since
  recorded-but-unsubmitted commands may still read it; then it is reusable.
* Uniforms (shapes, strides, sizes, scalar attributes) live in a content-addressed
  arena: identical uniform data (same shapes) is written once and reused, and one
  pipeline serves every shape of a rank. Pipelines are cached by program key.
* One open command encoder (see the device layer); it is submitted every
  ``WEBGRAD_BATCH`` dispatches (default 64) and before every read-back.
* Tiny constant uploads (<= 4 values, e.g. the scalar in ``x + 1.0``) are cached
  and shared, read-only, by every tensor holding them.
"""
from __future__ import annotations

import array
import os

from ...gpu import get_device
from ...gpu.base import STORAGE, UNIFORM
from ..base import Backend

_ARRAY_CODE = {"float32": "f", "int32": "i", "bool": "B"}
_CONST_MAX_BYTES = 16
_CONST_CACHE_MAX = 512


class GPUHandle:
    """A tensor's storage: a GPU buffer (None when empty) holding n 4-byte elements."""

    __slots__ = ("buffer", "n", "cls", "shared")

    def __init__(self, buffer, n: int, cls: int, shared: bool = False):
        self.buffer = buffer
        self.n = n
        self.cls = cls        # allocated bytes (pool size class); 0 for an empty tensor
        self.shared = shared  # a cached constant: never returned to the pool

    def __repr__(self) -> str:
        return f"GPUHandle(n={self.n}, bytes={self.cls}{', const' if self.shared else ''})"


def size_class(nbytes: int) -> int:
    """Round up to one of 8 classes per power of two (at least 16 bytes)."""
    if nbytes <= 16:
        return 16
    step = max(16, 1 << ((nbytes - 1).bit_length() - 3))
    return (nbytes + step - 1) // step * step


class BufferPool:
    """Free storage buffers by size class; released ones wait for the next submit."""

    def __init__(self, device, max_pooled_bytes: int):
        self.device = device
        self.free: dict[int, list] = {}
        self.used: dict[int, int] = {}  # size class -> tick of its last acquire (for eviction)
        self.tick = 0
        self.pending: list[tuple[int, object]] = []
        self.max_pooled_bytes = max_pooled_bytes
        self.pooled_bytes = 0
        self.live_buffers = 0
        self.live_bytes = 0
        self.created = 0
        self.reused = 0

    def acquire(self, cls: int):
        self.tick += 1
        self.used[cls] = self.tick
        free = self.free.get(cls)
        if free:
            self.pooled_bytes -= cls
            self.reused += 1
            buf = free.pop()
        else:
            buf = self.device.create_buffer(cls, STORAGE)
            self.created += 1
        self.live_buffers += 1
        self.live_bytes += cls
        return buf

    def release(self, cls: int, buf) -> None:
        self.live_buffers -= 1
        self.live_bytes -= cls
        self.pending.append((cls, buf))

    def flush(self) -> None:
        """Called after a submit: pending buffers become reusable."""
        pending, self.pending = self.pending, []
        for cls, buf in pending:
            if self.pooled_bytes + cls > self.max_pooled_bytes:
                self._evict(cls)
            if self.pooled_bytes + cls > self.max_pooled_bytes:
                self.device.destroy_buffer(buf)
                continue
            self.free.setdefault(cls, []).append(buf)
            self.pooled_bytes += cls

    def _evict(self, need: int) -> None:
        """Destroy pooled buffers of the least recently used size classes to make room."""
        for cls in sorted((c for c, lst in self.free.items() if lst), key=lambda c: self.used.get(c, 0)):
            if self.used.get(cls, 0) >= self.used.get(need, 0):
                break  # never evict classes in more recent use than the incoming one
            lst = self.free[cls]
            while lst and self.pooled_bytes + need > self.max_pooled_bytes:
                self.device.destroy_buffer(lst.pop())
                self.pooled_bytes -= cls
            if self.pooled_bytes + need <= self.max_pooled_bytes:
                return

    def stats(self) -> dict:
        return {"live_buffers": self.live_buffers, "live_bytes": self.live_bytes,
                "pooled_buffers": sum(len(v) for v in self.free.values()), "pooled_bytes": self.pooled_bytes,
                "pending_buffers": len(self.pending), "created": self.created, "reused": self.reused}


class UniformArena:
    """Uniform blocks addressed by content: one write per distinct block."""

    def __init__(self, device, capacity: int = 1 << 20):
        self.device = device
        self.align = max(16, int(device.limits.get("min_uniform_buffer_offset_alignment", 256)))
        self.capacity = capacity
        self.buffer = device.create_buffer(capacity, UNIFORM)
        self.blocks: dict[bytes, tuple] = {}
        self.top = 0

    def get(self, data: bytes, backend) -> tuple:
        b = self.blocks.get(data)
        if b is None:
            size = len(data)
            if self.top + size > self.capacity:
                backend.flush()  # pending commands may still read the old blocks
                self.blocks.clear()
                self.top = 0
            b = (self.buffer, self.top, size)
            self.device.write_buffer(self.buffer, self.top, data)
            self.top += (size + self.align - 1) // self.align * self.align
            self.blocks[data] = b
        return b


class WebGPUBackend(Backend):
    """Backend "webgpu": see the module docstring."""

    name = "webgpu"

    def __init__(self, device=None) -> None:
        self.device = device if device is not None else get_device()
        lim = self.device.limits
        self.max_binding = int(lim.get("max_storage_buffer_binding_size", 128 << 20))
        self.max_buffer = int(lim.get("max_buffer_size", 256 << 20))
        self.max_wg_dim = int(lim.get("max_compute_workgroups_per_dimension", 65535))
        self.max_storage_per_stage = int(lim.get("max_storage_buffers_per_shader_stage", 8))
        self.pool = BufferPool(self.device, int(os.environ.get("WEBGRAD_POOL_BYTES", 512 << 20)))
        self.uniforms = UniformArena(self.device)
        self.pipelines: dict[str, object] = {}
        self.consts: dict[tuple, GPUHandle] = {}
        self.batch = int(os.environ.get("WEBGRAD_BATCH", 64))
        self.recorded = 0
        self.num_dispatches = 0
        from . import kernels  # noqa: F401  registers the kernels

    # -- storage ------------------------------------------------------------------------
    def alloc(self, n: int, what: str = "tensor") -> GPUHandle:
        """A fresh handle for n 4-byte elements (raises before any GPU call when too big)."""
        if n == 0:
            return GPUHandle(None, 0, 0)
        nbytes = 4 * n
        if nbytes > self.max_binding:
            raise ValueError(
                f"webgpu: {what} of {n} elements needs {nbytes} bytes, beyond this device's storage-binding "
                f"limit of {self.max_binding} bytes; split it or use the cpu backend")
        cls = size_class(nbytes)
        return GPUHandle(self.pool.acquire(cls), n, cls)

    def write(self, data, shape, dtype):
        mv = memoryview(data).cast("B")
        nbytes = len(mv)
        n = nbytes if dtype == "bool" else nbytes // 4
        if dtype == "bool":
            words = array.array("I")
            words.extend(mv)
            mv = memoryview(words).cast("B")
        if 0 < n * 4 <= _CONST_MAX_BYTES:
            key = (dtype, mv.tobytes())
            h = self.consts.get(key)
            if h is not None:
                return h
            h = self.alloc(n)
            self.device.write_buffer(h.buffer, 0, mv)
            if len(self.consts) < _CONST_CACHE_MAX:
                h.shared = True
                self.consts[key] = h
            return h
        h = self.alloc(n)
        if n:
            self.device.write_buffer(h.buffer, 0, mv)
        return h

    def dispose_data(self, handle) -> None:
        if handle.shared or handle.buffer is None:
            return
        self.pool.release(handle.cls, handle.buffer)
        handle.buffer = None

    def nbytes(self, handle, shape, dtype) -> int:
        return handle.cls

    def memory(self) -> dict:
        info = self.pool.stats()
        info.update(pipelines=len(self.pipelines), constants=len(self.consts),
                    uniform_blocks=len(self.uniforms.blocks), dispatches=self.num_dispatches)
        return info

    # -- execution ------------------------------------------------------------------------
    def pipeline(self, key: str, build):
        """The compiled pipeline for program `key` (build() gives its WGSL on a miss)."""
        p = self.pipelines.get(key)
        if p is None:
            p = self.pipelines[key] = self.device.create_pipeline(key, build())
        return p

    def grid(self, workgroups: int) -> tuple[int, int, int]:
        if workgroups <= self.max_wg_dim:
            return (workgroups, 1, 1)
        rows = -(-workgroups // self.max_wg_dim)
        return (-(-workgroups // rows), rows, 1)

    def run(self, pipeline, buffers: tuple, uniform: bytes, workgroups) -> None:
        """Record one dispatch: storage buffers, then the uniform block, bound in order."""
        ub = self.uniforms.get(uniform, self)
        grid = self.grid(workgroups) if type(workgroups) is int else workgroups
        self.device.dispatch(pipeline, (*buffers, ub), grid)
        self.num_dispatches += 1
        self.recorded += 1
        if self.recorded >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Submit recorded work; buffers released before it become reusable."""
        self.device.submit()
        self.recorded = 0
        self.pool.flush()

    # -- reading ----------------------------------------------------------------------------
    def _host(self, raw: bytes, dtype: str) -> array.array:
        if dtype == "bool":
            words = array.array("I")
            words.frombytes(raw)
            return array.array("B", words)
        out = array.array(_ARRAY_CODE[dtype])
        out.frombytes(raw)
        return out

    def read_sync(self, handle, shape, dtype) -> array.array:
        if handle.n == 0:
            return array.array(_ARRAY_CODE[dtype])
        self.flush()
        return self._host(self.device.read_sync(handle.buffer, 0, 4 * handle.n), dtype)

    async def read(self, handle, shape, dtype) -> array.array:
        if handle.n == 0:
            return array.array(_ARRAY_CODE[dtype])
        self.flush()
        return self._host(await self.device.read(handle.buffer, 0, 4 * handle.n), dtype)

    def read_numpy(self, handle, shape, dtype):
        import numpy as np

        if handle.n == 0:
            return np.zeros(shape, dtype={"float32": np.float32, "int32": np.int32, "bool": np.bool_}[dtype])
        self.flush()
        raw = self.device.read_sync(handle.buffer, 0, 4 * handle.n)
        np_dtype = {"float32": np.float32, "int32": np.int32, "bool": np.uint32}[dtype]
        a = np.frombuffer(raw, dtype=np_dtype)
        if dtype == "bool":
            a = a != 0
        return a.reshape(shape).copy()

    def sync(self) -> None:
        """Block until all submitted work is done (a tiny read-back is the sync point)."""
        if not hasattr(self, "_sync_buf"):
            self._sync_buf = self.alloc(1)
        self.flush()
        self.device.read_sync(self._sync_buf.buffer, 0, 4)
