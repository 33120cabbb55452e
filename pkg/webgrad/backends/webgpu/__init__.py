"""Backend "webgpu": WGSL kernels through the GPU device layer (native wgpu or the browser)."""
from ...engine import ENGINE
from .backend import GPUHandle, WebGPUBackend

ENGINE.register_backend("webgpu", WebGPUBackend, priority=2)

__all__ = ["WebGPUBackend", "GPUHandle"]
