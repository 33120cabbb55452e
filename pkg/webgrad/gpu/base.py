"""The device-layer interface (thin by design: policy lives in backends/webgpu).

Buffers, uploads, copies, pipelines from WGSL, dispatches with bindings, and
read-back both awaitable and blocking. An implementation keeps one open command
encoder (and compute pass): ``dispatch`` and ``copy_buffer`` record into it,
``submit`` ends and submits it, and ``read_sync`` / ``read`` submit first.
``write_buffer`` goes through the queue immediately, i.e. *before* any commands
still recorded in the open encoder: the caller must not overwrite data that
recorded-but-unsubmitted commands still need.
"""
from __future__ import annotations

from typing import Any, Sequence

# Buffer usages the backend asks for.
STORAGE = "storage"    # STORAGE | COPY_SRC | COPY_DST
UNIFORM = "uniform"    # UNIFORM | COPY_DST
READBACK = "readback"  # MAP_READ | COPY_DST

Binding = Any  # a buffer, or (buffer, offset, size) for a sub-range


class GPUUnavailableError(RuntimeError):
    """No usable adapter or device; the message says what to install or enable."""


class ShaderError(RuntimeError):
    """A WGSL compile or pipeline validation failure, naming the kernel (program key)."""

    def __init__(self, key: str, message: str):
        super().__init__(f"WGSL program {key!r} failed to compile or validate: {message}")
        self.key = key


class GPUDevice:
    """Abstract device. Attributes set by implementations:

    adapter_info: {"name", "vendor", "backend_type", "adapter_type", "description"}
    limits: dict of WebGPU limit names in snake_case (max_storage_buffer_binding_size,
        max_buffer_size, max_compute_workgroups_per_dimension,
        max_storage_buffers_per_shader_stage, max_compute_invocations_per_workgroup,
        max_compute_workgroup_storage_size, min_uniform_buffer_offset_alignment, ...)
    features: set of feature names ("shader-f16", "timestamp-query", ...)
    """

    adapter_info: dict
    limits: dict
    features: set

    def create_buffer(self, size: int, usage: str) -> Any:
        raise NotImplementedError

    def destroy_buffer(self, buffer: Any) -> None:
        raise NotImplementedError

    def write_buffer(self, buffer: Any, offset: int, data) -> None:
        """Queue a host->device copy of a bytes-like object (length a multiple of 4)."""
        raise NotImplementedError

    def create_pipeline(self, key: str, wgsl: str, entry_point: str = "main") -> Any:
        """Compile a compute pipeline (auto layout, bind group 0). Raises ShaderError."""
        raise NotImplementedError

    def dispatch(self, pipeline: Any, bindings: Sequence[Binding], grid: tuple[int, int, int]) -> None:
        """Record a dispatch; bindings[i] is bound at @group(0) @binding(i)."""
        raise NotImplementedError

    def copy_buffer(self, src: Any, src_offset: int, dst: Any, dst_offset: int, size: int) -> None:
        """Record a buffer-to-buffer copy (ends the open compute pass)."""
        raise NotImplementedError

    def submit(self) -> None:
        """Finish and submit the open encoder, if it holds anything."""
        raise NotImplementedError

    def read_sync(self, buffer: Any, offset: int, size: int) -> bytes:
        """Submit pending work, copy the range out and block until it is mapped."""
        raise NotImplementedError

    async def read(self, buffer: Any, offset: int, size: int) -> bytes:
        """Like read_sync, but awaits the mapping."""
        raise NotImplementedError
