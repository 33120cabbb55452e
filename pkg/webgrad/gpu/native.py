"""The native device: the GPU device interface over the ``wgpu`` package (wgpu-native).

Adapter choice: ``WEBGRAD_ADAPTER`` (a substring of the adapter's name or
description) picks one; otherwise high-performance first, and a Vulkan/Metal/D3D12
adapter is preferred over an OpenGL fallback. The device is created with the
adapter's own limits for what the kernels need (storage buffers per stage,
workgroup storage and invocations, binding and buffer sizes).

Hot path: ``dispatch`` records straight into one open compute pass through
wgpu-native's C functions; bind groups are cached per (pipeline, bindings), so a
repeated dispatch costs two C calls.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Sequence

from .base import READBACK, STORAGE, UNIFORM, GPUDevice, GPUUnavailableError, ShaderError

try:
    import wgpu
except ImportError as _exc:  # pragma: no cover - depends on the environment
    wgpu = None
    _IMPORT_ERROR = _exc

_INSTALL_HINT = ("install a Vulkan driver; with no GPU, Mesa's software one: "
                 "`apt-get install mesa-vulkan-drivers` (lavapipe), then set XDG_RUNTIME_DIR")

_WANTED_LIMITS = (
    "max-storage-buffers-per-shader-stage", "max-compute-workgroup-storage-size",
    "max-compute-invocations-per-workgroup", "max-compute-workgroup-size-x", "max-compute-workgroup-size-y",
    "max-storage-buffer-binding-size", "max-buffer-size", "max-uniform-buffers-per-shader-stage",
)
_BIND_GROUP_CACHE_MAX = 8192


class Pipeline:
    """A compiled compute pipeline, its bind-group layout and its program key."""

    __slots__ = ("key", "pipeline", "layout", "internal", "checked")

    def __init__(self, key: str, pipeline, layout):
        self.key = key
        self.pipeline = pipeline
        self.layout = layout
        self.internal = pipeline._internal
        self.checked = False  # first bind group goes through wgpu's validating API


class _BindGroup:
    """A bind group made through the C API directly (released with its last reference)."""

    __slots__ = ("_internal", "_release")

    def __init__(self, internal, release):
        self._internal = internal
        self._release = release

    def __del__(self):
        try:
            self._release(self._internal)
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _adapter_label(adapter) -> str:
    info = adapter.info
    return f"{info.get('device', '')} {info.get('description', '')} {info.get('vendor', '')}"


def _quiet_mesa() -> None:
    """Mesa's Vulkan drivers complain on stderr when XDG_RUNTIME_DIR is unset: give them one."""
    if not os.environ.get("XDG_RUNTIME_DIR") and hasattr(os, "getuid"):
        import tempfile

        path = os.path.join(tempfile.gettempdir(), f"webgrad-runtime-{os.getuid()}")
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
            os.environ["XDG_RUNTIME_DIR"] = path
        except OSError:
            pass


def _choose_adapter():
    _quiet_mesa()
    if wgpu is None:
        raise GPUUnavailableError(f"the 'wgpu' package is not importable ({_IMPORT_ERROR}); pip install wgpu==0.32.0")
    try:
        adapters = list(wgpu.gpu.enumerate_adapters_sync())
    except Exception as exc:  # noqa: BLE001 - any driver failure means no GPU
        raise GPUUnavailableError(f"no WebGPU adapter could be enumerated ({exc}); {_INSTALL_HINT}") from None
    wanted = os.environ.get("WEBGRAD_ADAPTER")
    if wanted:
        for a in adapters:
            if wanted.lower() in _adapter_label(a).lower():
                return a
        names = [(_adapter_label(a).strip(), a.info.get("backend_type")) for a in adapters]
        raise GPUUnavailableError(f"WEBGRAD_ADAPTER={wanted!r} matches none of the adapters {names}")
    if not adapters:
        raise GPUUnavailableError(f"no WebGPU adapter found; {_INSTALL_HINT}")
    rank_type = {"DiscreteGPU": 0, "IntegratedGPU": 1, "VirtualGPU": 2, "CPU": 3}
    # Prefer real (non-GL) backends, then the high-performance kind of adapter.
    adapters.sort(key=lambda a: (a.info.get("backend_type") == "OpenGL", rank_type.get(a.info.get("adapter_type"), 4)))
    return adapters[0]


class NativeDevice(GPUDevice):
    """GPU device over wgpu-native. See gpu/base.py for the contract."""

    def __init__(self) -> None:
        adapter = _choose_adapter()
        info = adapter.info
        if info.get("backend_type") == "OpenGL" and not os.environ.get("WEBGRAD_ADAPTER"):
            raise GPUUnavailableError(f"only an OpenGL adapter ({_adapter_label(adapter).strip()}) is available; "
                                      f"{_INSTALL_HINT} (or set WEBGRAD_ADAPTER to use it)")
        alimits = adapter.limits
        required = {k: alimits[k] for k in _WANTED_LIMITS if k in alimits}
        features = [f for f in ("timestamp-query", "shader-f16") if f in adapter.features]
        try:
            self.device = adapter.request_device_sync(required_limits=required, required_features=features)
        except Exception as exc:  # noqa: BLE001
            raise GPUUnavailableError(f"could not create a device on {_adapter_label(adapter).strip()}: {exc}") from None
        self.adapter = adapter
        self.queue = self.device.queue
        self.adapter_info = {
            "name": info.get("device", ""), "vendor": info.get("vendor", ""),
            "backend_type": info.get("backend_type", ""), "adapter_type": info.get("adapter_type", ""),
            "description": info.get("description", ""),
        }
        self.limits = {k.replace("-", "_"): v for k, v in self.device.limits.items()}
        self.features = set(self.device.features)
        # The recording calls go to the C library directly (not through wgpu's error-capturing
        # proxies): pass errors surface when the encoder is finished, at submit.
        from wgpu.backends.wgpu_native._ffi import ffi, lib
        self._ffi, self._libf = ffi, lib
        self._device_internal = self.device._internal
        self._usage = {
            STORAGE: wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_SRC | wgpu.BufferUsage.COPY_DST,
            UNIFORM: wgpu.BufferUsage.UNIFORM | wgpu.BufferUsage.COPY_DST,
            READBACK: wgpu.BufferUsage.MAP_READ | wgpu.BufferUsage.COPY_DST,
        }
        self._encoder = None
        self._pass = None
        self._pass_internal = None
        self._last_pipeline = None
        self._keep: list = []  # bind groups used by the open encoder
        self._bind_groups: dict = {}
        self._groups_of: dict = {}  # buffer -> keys of cached bind groups that bind it
        self._readback: dict[int, list] = {}
        self.num_dispatches = 0  # recorded since the last submit
        self.num_submits = 0

    # -- buffers --------------------------------------------------------------------------
    def create_buffer(self, size: int, usage: str) -> Any:
        return self.device.create_buffer(size=max(4, (size + 3) & ~3), usage=self._usage[usage])

    def destroy_buffer(self, buffer: Any) -> None:
        for key in self._groups_of.pop(buffer, ()):  # cached bind groups naming this buffer
            self._bind_groups.pop(key, None)
        buffer.destroy()

    def write_buffer(self, buffer: Any, offset: int, data) -> None:
        self.queue.write_buffer(buffer, offset, data)

    # -- pipelines ------------------------------------------------------------------------
    def create_pipeline(self, key: str, wgsl: str, entry_point: str = "main") -> Pipeline:
        try:
            module = self.device.create_shader_module(label=key, code=wgsl)
            pipeline = self.device.create_compute_pipeline(
                label=key, layout="auto", compute={"module": module, "entry_point": entry_point})
            layout = pipeline.get_bind_group_layout(0)
        except Exception as exc:  # GPUValidationError, GPUInternalError, ...
            raise ShaderError(key, str(exc)) from None
        return Pipeline(key, pipeline, layout)

    # -- recording ------------------------------------------------------------------------
    def _open_pass(self):
        if self._encoder is None:
            self._encoder = self.device.create_command_encoder()
        self._pass = self._encoder.begin_compute_pass()
        self._pass_internal = self._pass._internal
        self._last_pipeline = None
        return self._pass_internal

    def _end_pass(self) -> None:
        if self._pass is not None:
            self._pass.end()
            self._pass = None
            self._pass_internal = None
            self._last_pipeline = None

    def _bind_group(self, pipeline: Pipeline, bindings: Sequence):
        key = (pipeline, *bindings)
        group = self._bind_groups.get(key)
        if group is None and pipeline.checked:
            group = self._fast_bind_group(pipeline, bindings)
            self._cache_group(key, bindings, group)
        elif group is None:
            pipeline.checked = True
            entries = []
            for i, b in enumerate(bindings):
                if type(b) is tuple:
                    entries.append({"binding": i, "resource": {"buffer": b[0], "offset": b[1], "size": b[2]}})
                else:
                    entries.append({"binding": i, "resource": {"buffer": b, "offset": 0, "size": b.size}})
            try:
                group = self.device.create_bind_group(layout=pipeline.layout, entries=entries)
            except Exception as exc:  # noqa: BLE001
                raise ShaderError(pipeline.key, f"bind group rejected: {exc}") from None
            self._cache_group(key, bindings, group)
        return group

    def _cache_group(self, key, bindings, group) -> None:
        if len(self._bind_groups) >= _BIND_GROUP_CACHE_MAX:
            self._bind_groups.clear()
            self._groups_of.clear()
        self._bind_groups[key] = group
        groups_of = self._groups_of
        for b in bindings:
            buf = b[0] if type(b) is tuple else b
            keys = groups_of.get(buf)
            if keys is None:
                groups_of[buf] = [key]
            else:
                keys.append(key)

    def _fast_bind_group(self, pipeline: Pipeline, bindings: Sequence) -> _BindGroup:
        ffi, n = self._ffi, len(bindings)
        entries = ffi.new("WGPUBindGroupEntry[]", n)
        for i, b in enumerate(bindings):
            e = entries[i]
            e.binding = i
            if type(b) is tuple:
                e.buffer, e.offset, e.size = b[0]._internal, b[1], b[2]
            else:
                e.buffer, e.size = b._internal, b.size
        desc = ffi.new("WGPUBindGroupDescriptor *")
        desc.layout = pipeline.layout._internal
        desc.entryCount = n
        desc.entries = entries
        return _BindGroup(self._libf.wgpuDeviceCreateBindGroup(self._device_internal, desc),
                          self._libf.wgpuBindGroupRelease)

    def dispatch(self, pipeline: Pipeline, bindings: Sequence, grid: tuple[int, int, int]) -> None:
        group = self._bind_group(pipeline, bindings)
        p = self._pass_internal
        if p is None:
            p = self._open_pass()
        libf = self._libf
        if self._last_pipeline is not pipeline:
            libf.wgpuComputePassEncoderSetPipeline(p, pipeline.internal)
            self._last_pipeline = pipeline
        libf.wgpuComputePassEncoderSetBindGroup(p, 0, group._internal, 0, self._ffi.NULL)
        libf.wgpuComputePassEncoderDispatchWorkgroups(p, grid[0], grid[1], grid[2])
        self._keep.append(group)
        self.num_dispatches += 1

    def copy_buffer(self, src: Any, src_offset: int, dst: Any, dst_offset: int, size: int) -> None:
        self._end_pass()
        if self._encoder is None:
            self._encoder = self.device.create_command_encoder()
        self._encoder.copy_buffer_to_buffer(src, src_offset, dst, dst_offset, size)

    def submit(self) -> None:
        if self._encoder is None:
            return
        self._end_pass()
        encoder, self._encoder = self._encoder, None
        self.queue.submit([encoder.finish()])
        self._keep = []
        self.num_dispatches = 0
        self.num_submits += 1

    # -- read-back -------------------------------------------------------------------------
    def _staging(self, size: int):
        cls = max(256, 1 << (size - 1).bit_length())
        free = self._readback.setdefault(cls, [])
        buf = free.pop() if free else self.create_buffer(cls, READBACK)
        return cls, buf

    def _copy_to_staging(self, buffer, offset: int, size: int):
        cls, staging = self._staging(size)
        aligned = (size + 3) & ~3
        self.copy_buffer(buffer, offset, staging, 0, aligned)
        self.submit()
        return cls, staging

    @contextlib.contextmanager
    def _staged(self, buffer: Any, offset: int, size: int):
        """A staging buffer holding the range, for the block to map and read: pooled
        again after the block, destroyed when the block fails."""
        cls, staging = self._copy_to_staging(buffer, offset, size)
        try:
            yield staging
        except Exception:
            staging.destroy()
            raise
        self._readback[cls].append(staging)

    @staticmethod
    def _take(staging, size: int) -> bytes:
        data = staging.read_mapped(0, size, copy=True)
        staging.unmap()
        return bytes(data)

    def read_sync(self, buffer: Any, offset: int, size: int) -> bytes:
        if size == 0:
            return b""
        with self._staged(buffer, offset, size) as staging:
            staging.map_sync(wgpu.MapMode.READ, 0, (size + 3) & ~3)
            return self._take(staging, size)

    async def read(self, buffer: Any, offset: int, size: int) -> bytes:
        if size == 0:
            return b""
        with self._staged(buffer, offset, size) as staging:
            await staging.map_async(wgpu.MapMode.READ, 0, (size + 3) & ~3)
            return self._take(staging, size)
