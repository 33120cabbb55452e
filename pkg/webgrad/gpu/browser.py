"""The browser device: the GPU device interface over the page's ``navigator.gpu``.

Runs under Pyodide only (``sys.platform == "emscripten"``). Creating a WebGPU
device is asynchronous in the browser, so a page calls ``await init()`` once
(``await webgrad.gpu.browser.init()``) before using the ``"webgpu"`` backend;
where JavaScript Promise Integration (JSPI) is available and Python was entered
through ``runPythonAsync``, ``get_device()`` can also create it on first use.

Blocking read-back (``read_sync``, i.e. ``t.data_sync()``) needs JSPI
(``pyodide.ffi.run_sync``); without it the error says to ``await t.data()``.

The hot paths (bind groups, compiles, read-back) are small JavaScript functions
(``_JS`` below) so that each Python call crosses the FFI once.
"""
from __future__ import annotations

import re
from typing import Any, Sequence

import js  # noqa: F401  (Pyodide's JavaScript globals)
from pyodide.code import run_js
from pyodide.ffi import can_run_sync, create_proxy, run_sync, to_js

from .base import READBACK, STORAGE, UNIFORM, GPUDevice, GPUUnavailableError, ShaderError

# GPUBufferUsage flags (WebGPU spec).
_MAP_READ, _COPY_SRC, _COPY_DST, _UNIFORM, _STORAGE = 0x1, 0x4, 0x8, 0x40, 0x80
_USAGE = {
    STORAGE: _STORAGE | _COPY_SRC | _COPY_DST,
    UNIFORM: _UNIFORM | _COPY_DST,
    READBACK: _MAP_READ | _COPY_DST,
}

# Limits requested at the adapter's values (a default device gets much less).
_WANTED_LIMITS = (
    "maxStorageBuffersPerShaderStage", "maxComputeWorkgroupStorageSize",
    "maxComputeInvocationsPerWorkgroup", "maxComputeWorkgroupSizeX", "maxComputeWorkgroupSizeY",
    "maxStorageBufferBindingSize", "maxBufferSize", "maxUniformBuffersPerShaderStage",
)
_BIND_GROUP_CACHE_MAX = 8192

_HOW_TO_ENABLE = (
    "WebGPU (navigator.gpu) is not available in this browser. Use a recent Chrome/Edge "
    "(or Chromium started with --enable-unsafe-webgpu, e.g. headless or on Linux), Firefox "
    "141+ or Safari 26+; check chrome://gpu, and serve the page from https:// or 127.0.0.1 "
    "(WebGPU needs a secure context)."
)

_JS = r"""
({
  async open(wanted) {
    const gpu = globalThis.navigator && navigator.gpu;
    if (!gpu) return {error: "no-gpu"};
    let adapter = await gpu.requestAdapter({powerPreference: "high-performance"});
    if (!adapter) adapter = await gpu.requestAdapter();
    if (!adapter) return {error: "no-adapter"};
    const requiredLimits = {};
    for (const k of wanted) if (adapter.limits[k] !== undefined) requiredLimits[k] = adapter.limits[k];
    const requiredFeatures = ["timestamp-query", "shader-f16"].filter(f => adapter.features.has(f));
    const device = await adapter.requestDevice({requiredLimits, requiredFeatures});
    const errors = [];
    device.addEventListener("uncapturederror", e => errors.push(e.error.message));
    const limits = {};
    for (const k in device.limits) if (typeof device.limits[k] === "number") limits[k] = device.limits[k];
    const i = adapter.info || {};
    const info = {vendor: i.vendor || "", architecture: i.architecture || "", device: i.device || "",
                  description: i.description || "", fallback: !!(i.isFallbackAdapter || adapter.isFallbackAdapter)};
    return {device, errors, limits, features: Array.from(device.features), info};
  },
  async compile(device, key, code, entryPoint) {
    device.pushErrorScope("validation");
    const module = device.createShaderModule({label: key, code});
    const info = await module.getCompilationInfo();
    const errs = info.messages.filter(m => m.type === "error").map(m => `line ${m.lineNum}:${m.linePos}: ${m.message}`);
    let pipeline = null;
    if (!errs.length) {
      try {
        pipeline = await device.createComputePipelineAsync({label: key, layout: "auto", compute: {module, entryPoint}});
      } catch (e) { errs.push(e.message); }
    }
    const scoped = await device.popErrorScope();
    if (scoped) errs.push(scoped.message);
    return {pipeline: errs.length ? null : pipeline, error: errs.join("\n")};
  },
  compileNow(device, key, code, entryPoint, onError) {
    device.pushErrorScope("validation");
    const module = device.createShaderModule({label: key, code});
    const pipeline = device.createComputePipeline({label: key, layout: "auto", compute: {module, entryPoint}});
    const layout = pipeline.getBindGroupLayout(0);
    device.popErrorScope().then(e => { if (e) onError(key, e.message); });
    return [pipeline, layout];
  },
  bindGroup(device, layout, flat) {
    const entries = [];
    for (let i = 0; i < flat.length; i += 3)
      entries.push({binding: i / 3, resource: {buffer: flat[i], offset: flat[i + 1], size: flat[i + 2]}});
    return device.createBindGroup({layout, entries});
  },
  createBuffer(device, size, usage) { return device.createBuffer({size, usage}); },
  async read(device, src, offset, size) {
    const aligned = (size + 3) & ~3;
    const staging = device.createBuffer({size: aligned, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST});
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(src, offset, staging, 0, aligned);
    device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, aligned);
      return new Uint8Array(staging.getMappedRange(0, aligned).slice(0, size));
    } finally {
      if (staging.mapState === "mapped") staging.unmap();
      staging.destroy();
    }
  },
})
"""


def _snake(name: str) -> str:
    return re.sub(r"(\d+D|[A-Z])", lambda m: "_" + m.group(1).lower(), name)


class Buffer:
    """A GPUBuffer with its size (Python-side identity, so it can key caches)."""

    __slots__ = ("js", "size", "__weakref__")

    def __init__(self, js_buffer, size: int):
        self.js = js_buffer
        self.size = size

    def destroy(self) -> None:
        self.js.destroy()


class Pipeline:
    """A compiled compute pipeline, its bind-group layout and its program key."""

    __slots__ = ("key", "pipeline", "layout", "__weakref__")

    def __init__(self, key: str, pipeline, layout):
        self.key = key
        self.pipeline = pipeline
        self.layout = layout


_helpers = None


def _js():
    global _helpers
    if _helpers is None:
        _helpers = run_js(_JS)
    return _helpers


class BrowserDevice(GPUDevice):
    """GPU device over navigator.gpu. Build it with ``await BrowserDevice.create()``
    (or ``await init()``); the plain constructor works only where JSPI can block."""

    def __init__(self, opened=None) -> None:
        if opened is None:
            if not can_run_sync():
                raise GPUUnavailableError(
                    "the browser WebGPU device is created asynchronously: run "
                    "`await webgrad.gpu.browser.init()` once before using the 'webgpu' backend")
            opened = run_sync(_open())
        self._h = _js()
        self.device = opened.device
        self.queue = self.device.queue
        self._errors = opened.errors  # uncaptured GPU errors (a live JS array)
        info = opened.info
        self.adapter_info = {
            "name": info.device or info.description or info.architecture or "WebGPU adapter",
            "vendor": info.vendor, "backend_type": "WebGPU (browser)",
            "adapter_type": "CPU" if info.fallback else info.architecture,
            "description": info.description,
        }
        self.limits = {_snake(k): v for k, v in opened.limits.to_py().items()}
        self.features = set(opened.features.to_py())
        self._encoder = None
        self._pass = None
        self._last_pipeline = None
        self._bind_groups: dict = {}
        self._late_errors: list[tuple[str, str]] = []
        self._late_cb = None
        self.num_dispatches = 0
        self.num_submits = 0

    @classmethod
    async def create(cls) -> "BrowserDevice":
        return cls(await _open())

    # -- errors ---------------------------------------------------------------------------
    def _raise_pending(self) -> None:
        if self._late_errors:
            key, msg = self._late_errors.pop(0)
            self._errors.length = 0  # (follow-on errors of the invalid pipeline)
            raise ShaderError(key, msg)
        if self._errors.length:
            msgs = list(self._errors.to_py())
            self._errors.length = 0
            raise RuntimeError("WebGPU error: " + "\n".join(msgs))

    def _on_late_error(self, key: str, message: str) -> None:
        self._late_errors.append((key, message))

    # -- buffers --------------------------------------------------------------------------
    def create_buffer(self, size: int, usage: str) -> Buffer:
        size = max(4, (size + 3) & ~3)
        return Buffer(self._h.createBuffer(self.device, size, _USAGE[usage]), size)

    def destroy_buffer(self, buffer: Buffer) -> None:
        if self._bind_groups:
            self._bind_groups.clear()  # entries may name this buffer
        buffer.js.destroy()

    def write_buffer(self, buffer: Buffer, offset: int, data) -> None:
        view = memoryview(data)
        if view.format != "B" or view.ndim != 1:
            view = view.cast("B")
        if not len(view):
            return
        self.queue.writeBuffer(buffer.js, offset, to_js(view))

    # -- pipelines ------------------------------------------------------------------------
    def create_pipeline(self, key: str, wgsl: str, entry_point: str = "main") -> Pipeline:
        if can_run_sync():
            res = run_sync(self._h.compile(self.device, key, wgsl, entry_point))
            if res.error:
                raise ShaderError(key, res.error)
            pipeline = res.pipeline
            return Pipeline(key, pipeline, pipeline.getBindGroupLayout(0))
        # No JSPI: compile without waiting; a failure surfaces as ShaderError at the next read-back.
        if self._late_cb is None:
            self._late_cb = create_proxy(self._on_late_error)
        pipeline, layout = self._h.compileNow(self.device, key, wgsl, entry_point, self._late_cb)
        return Pipeline(key, pipeline, layout)

    # -- recording ------------------------------------------------------------------------
    def _open_pass(self):
        if self._encoder is None:
            self._encoder = self.device.createCommandEncoder()
        self._pass = self._encoder.beginComputePass()
        self._last_pipeline = None
        return self._pass

    def _end_pass(self) -> None:
        if self._pass is not None:
            self._pass.end()
            self._pass = None
            self._last_pipeline = None

    def _bind_group(self, pipeline: Pipeline, bindings: Sequence):
        key = (pipeline, *bindings)
        group = self._bind_groups.get(key)
        if group is None:
            flat = []
            for b in bindings:
                if type(b) is tuple:
                    flat += (b[0].js, b[1], b[2])
                else:
                    flat += (b.js, 0, b.size)
            group = self._h.bindGroup(self.device, pipeline.layout, to_js(flat))
            if len(self._bind_groups) >= _BIND_GROUP_CACHE_MAX:
                self._bind_groups.clear()
            self._bind_groups[key] = group
        return group

    def dispatch(self, pipeline: Pipeline, bindings: Sequence, grid: tuple[int, int, int]) -> None:
        group = self._bind_group(pipeline, bindings)
        p = self._pass
        if p is None:
            p = self._open_pass()
        if self._last_pipeline is not pipeline:
            p.setPipeline(pipeline.pipeline)
            self._last_pipeline = pipeline
        p.setBindGroup(0, group)
        p.dispatchWorkgroups(grid[0], grid[1], grid[2])
        self.num_dispatches += 1

    def copy_buffer(self, src: Buffer, src_offset: int, dst: Buffer, dst_offset: int, size: int) -> None:
        self._end_pass()
        if self._encoder is None:
            self._encoder = self.device.createCommandEncoder()
        self._encoder.copyBufferToBuffer(src.js, src_offset, dst.js, dst_offset, size)

    def submit(self) -> None:
        if self._encoder is None:
            return
        self._end_pass()
        encoder, self._encoder = self._encoder, None
        self.queue.submit(to_js([encoder.finish()]))
        self.num_dispatches = 0
        self.num_submits += 1

    # -- read-back -------------------------------------------------------------------------
    def read_sync(self, buffer: Buffer, offset: int, size: int) -> bytes:
        if not can_run_sync():
            raise RuntimeError(
                "data_sync()/array_sync() cannot block here: this browser lacks JavaScript Promise "
                "Integration (JSPI), or Python was not entered through runPythonAsync. "
                "Use `await t.data()` (or `await t.array()`) instead.")
        if size == 0:
            return b""
        self.submit()
        data = run_sync(self._h.read(self.device, buffer.js, offset, size)).to_bytes()
        self._raise_pending()
        return data

    async def read(self, buffer: Buffer, offset: int, size: int) -> bytes:
        if size == 0:
            return b""
        self.submit()
        data = (await self._h.read(self.device, buffer.js, offset, size)).to_bytes()
        self._raise_pending()
        return data


async def _open():
    opened = await _js().open(to_js(list(_WANTED_LIMITS)))
    if getattr(opened, "error", None) == "no-gpu":
        raise GPUUnavailableError(_HOW_TO_ENABLE)
    if getattr(opened, "error", None) == "no-adapter":
        raise GPUUnavailableError("navigator.gpu.requestAdapter() returned no adapter: WebGPU is present but "
                                  "disabled or blocklisted for this GPU (see chrome://gpu)")
    return opened


async def init() -> BrowserDevice:
    """Create the page's WebGPU device (once) and make it the device get_device() returns."""
    from .. import gpu

    if gpu._DEVICE is None:
        gpu._DEVICE = await BrowserDevice.create()
    return gpu._DEVICE
